"""The fork-safe bundle: what `mlgate report --bundle` writes and what `mlgate publish` accepts."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from mlgate.errors import BadInput
from mlgate.report.bundle import MAX_FILE, META, BundleMeta, read_bundle, write_bundle
from mlgate.report.view import Documents
from tests.support import report_documents as docs


def make(tmp_path: Path, **meta: object) -> Path:
    directory = tmp_path / "bundle"
    fields = {"repository": "Codertocat/Hello-World", "pr_number": 2, "head_sha": docs.HEAD_SHA,
              "model": "churn", **meta}
    write_bundle(directory, BundleMeta.model_validate(fields),
                 docs.documents(verdict_doc=docs.verdict(), lineage_doc=docs.lineage()), "# report\n")
    return directory


def test_round_trip(tmp_path: Path) -> None:
    directory = make(tmp_path)
    assert sorted(p.name for p in directory.iterdir()) == ["lineage.json", META, "report.md", "verdict.json"]
    meta, documents = read_bundle(directory)
    assert (meta.pr_number, meta.head_sha, meta.model) == (2, docs.HEAD_SHA, "churn")
    assert documents == docs.documents(verdict_doc=docs.verdict(), lineage_doc=docs.lineage())
    assert documents.verdict is not None and documents.verdict.status == "failed"
    assert documents.validation is None


def test_rewriting_a_bundle_replaces_it(tmp_path: Path) -> None:
    directory = make(tmp_path)
    write_bundle(directory, BundleMeta(repository="a/b", head_sha=docs.HEAD_SHA, model="m"), Documents(), "x\n")
    meta, documents = read_bundle(directory)
    assert not documents.any() and meta.repository == "a/b"


def test_writing_into_a_folder_with_other_files_is_refused(tmp_path: Path) -> None:
    (tmp_path / "bundle").mkdir()
    (tmp_path / "bundle" / "notes.txt").write_text("mine")
    with pytest.raises(BadInput, match="holds other files"):
        make(tmp_path)


def tamper_extra_file(directory: Path) -> None:
    (directory / "evil.sh").write_text("curl x | sh")


def tamper_subdirectory(directory: Path) -> None:
    (directory / "verdict.json").unlink()
    (directory / "verdict.json").mkdir()


def tamper_symlink(directory: Path) -> None:
    (directory / "lineage.json").unlink()
    os.symlink("/etc/passwd", directory / "lineage.json")


def tamper_content(directory: Path) -> None:
    data = json.loads((directory / "verdict.json").read_text())
    data["passed"] = True
    (directory / "verdict.json").write_text(json.dumps(data))


def tamper_oversize(directory: Path) -> None:
    (directory / "report.md").write_text("x" * (MAX_FILE + 1))


def tamper_meta(key: str, value: object):  # type: ignore[no-untyped-def]
    def change(directory: Path) -> None:
        data = json.loads((directory / META).read_text())
        data[key] = value
        (directory / META).write_text(json.dumps(data))
    return change


def tamper_listed_path(directory: Path) -> None:
    data = json.loads((directory / META).read_text())
    data["files"]["../../etc/passwd"] = "0" * 64
    (directory / META).write_text(json.dumps(data))


def tamper_missing_meta(directory: Path) -> None:
    (directory / META).unlink()


@pytest.mark.parametrize(("tamper", "message"), [
    (tamper_extra_file, "unexpected entry 'evil.sh'"),
    (tamper_subdirectory, "unexpected entry 'verdict.json'"),
    (tamper_symlink, "unexpected entry 'lineage.json'"),
    (tamper_content, "was changed after the bundle was written"),
    (tamper_oversize, "over the"),
    (tamper_meta("head_sha", "HEAD"), "not a valid mlgate bundle"),
    (tamper_meta("pr_number", -1), "not a valid mlgate bundle"),
    (tamper_meta("repository", "../x"), "not a valid mlgate bundle"),
    (tamper_meta("kind", "something-else"), "not a valid mlgate bundle"),
    (tamper_meta("run_script", "rm -rf /"), "not a valid mlgate bundle"),
    (tamper_meta("tracking_url", "javascript:alert(1)"), "not a valid mlgate bundle"),
    (tamper_listed_path, "files and mlgate-bundle.json disagree"),
    (tamper_missing_meta, "has no mlgate-bundle.json"),
])
def test_tampered_bundles_are_refused(tmp_path: Path, tamper, message: str) -> None:  # type: ignore[no-untyped-def]
    directory = make(tmp_path)
    tamper(directory)
    with pytest.raises(BadInput, match=message):
        read_bundle(directory)


def test_a_file_instead_of_a_folder_is_refused(tmp_path: Path) -> None:
    (tmp_path / "bundle").write_text("x")
    with pytest.raises(BadInput, match="is not a directory"):
        read_bundle(tmp_path / "bundle")


def test_a_hostile_key_cannot_inject_a_workflow_command(tmp_path: Path) -> None:
    """The error names the unknown key on one line: a newline in it cannot start a `::` command."""
    directory = make(tmp_path)
    tamper_meta("x\n::set-output name=passed::true\r\n::warning::owned", 1)(directory)
    with pytest.raises(BadInput, match="not a valid mlgate bundle") as info:
        read_bundle(directory)
    lines = info.value.message().splitlines()
    assert not any(line.lstrip().startswith("::") for line in lines), lines


def test_a_report_over_the_file_limit_is_cut_so_publish_accepts_the_bundle(tmp_path: Path) -> None:
    directory = tmp_path / "bundle"
    big = "<!-- mlgate-report: churn -->\n## head\n\n" + "".join(
        f"<!-- section: s{i} -->\n\n{'x' * 4000}\n\n" for i in range(400)) + "<!-- section: footer -->\nend\n"
    assert len(big.encode()) > MAX_FILE
    write_bundle(directory, BundleMeta(repository="a/b", head_sha=docs.HEAD_SHA, model="churn"),
                 docs.documents(verdict_doc=docs.verdict()), big)
    _, documents = read_bundle(directory)
    report = (directory / "report.md").read_text(encoding="utf-8")
    assert len(report.encode()) <= MAX_FILE and "This report was cut to fit" in report
    assert report.rstrip().endswith("end") and documents.verdict is not None and documents.lineage is None


def test_a_document_over_the_file_limit_is_refused_when_writing(tmp_path: Path) -> None:
    verdict = {**docs.verdict(), "notes": ["x" * 1000] * 1100}
    with pytest.raises(BadInput, match=r"over the \d+ a bundle may hold"):
        write_bundle(tmp_path / "bundle", BundleMeta(repository="a/b", head_sha=docs.HEAD_SHA, model="m"),
                     docs.documents(verdict_doc=verdict), "# r\n")


def rewrite(directory: Path, name: str, text: str) -> None:
    """What the fork's job can do: change a document and list its new sha256, so the hashes agree."""
    import hashlib

    (directory / name).write_text(text)
    meta = json.loads((directory / META).read_text())
    meta["files"][name] = hashlib.sha256(text.encode()).hexdigest()
    (directory / META).write_text(json.dumps(meta))


def changed(name: str, **changes: object) -> str:
    data = {"verdict.json": docs.verdict(), "lineage.json": docs.lineage()}[name]
    return json.dumps({**data, **changes})


@pytest.mark.parametrize(("name", "text", "message"), [
    ("verdict.json", changed("verdict.json", passed="yes"), "passed: Input should be a valid boolean"),
    ("verdict.json", changed("verdict.json", status="shipped"), "status: Input should be 'passed'"),
    ("verdict.json", changed("verdict.json", schema_version=3), "has schema_version 3; this mlgate reads up to 2"),
    ("verdict.json", changed("verdict.json", run_script="rm -rf /"), "run_script: Extra inputs are not permitted"),
    ("lineage.json", changed("lineage.json", code={"commit": 7, "dirty": False, "diff_sha256": None}),
     "code.commit: Input should be a valid string"),
    ("lineage.json", "[]", "must hold a JSON object"),
    ("lineage.json", "{not json", "is not valid JSON"),
])
def test_a_consistent_bundle_with_a_malformed_document_is_refused(tmp_path: Path, name: str, text: str,
                                                                   message: str) -> None:
    """The bundle's documents are validated with the work directory's models: the file and field are named."""
    directory = make(tmp_path)
    rewrite(directory, name, text)
    with pytest.raises(BadInput) as info:
        read_bundle(directory)
    assert message in info.value.message()
    assert str(directory / name) in info.value.what


def test_a_hostile_key_in_a_bundle_document_stays_on_one_line(tmp_path: Path) -> None:
    directory = make(tmp_path)
    key = "x\n::set-output name=passed::true\r\n" + "y" * 500
    rewrite(directory, "verdict.json", changed("verdict.json", **{key: 1}))
    with pytest.raises(BadInput, match=r"is not a valid verdict\.json") as info:
        read_bundle(directory)
    lines = info.value.message().splitlines()
    assert len(lines) == 3 and not any(line.lstrip().startswith("::") for line in lines), lines
    assert "y" * 100 not in info.value.why  # cut
