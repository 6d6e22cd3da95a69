"""The fork-safe bundle: what `mlgate report --bundle` writes and what `mlgate publish` accepts."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from mlgate.errors import BadInput
from mlgate.report.bundle import MAX_FILE, META, BundleMeta, read_bundle, write_bundle
from tests.support import report_documents as docs


def make(tmp_path: Path, **meta: object) -> Path:
    directory = tmp_path / "bundle"
    fields = {"repository": "Codertocat/Hello-World", "pr_number": 2, "head_sha": docs.HEAD_SHA,
              "model": "churn", **meta}
    write_bundle(directory, BundleMeta.model_validate(fields),
                 {"verdict.json": docs.verdict(), "lineage.json": docs.lineage()}, "# report\n")
    return directory


def test_round_trip(tmp_path: Path) -> None:
    directory = make(tmp_path)
    assert sorted(p.name for p in directory.iterdir()) == ["lineage.json", META, "report.md", "verdict.json"]
    meta, documents = read_bundle(directory)
    assert (meta.pr_number, meta.head_sha, meta.model) == (2, docs.HEAD_SHA, "churn")
    assert sorted(documents) == ["lineage.json", "verdict.json"]
    assert documents["verdict.json"]["status"] == "failed"


def test_rewriting_a_bundle_replaces_it(tmp_path: Path) -> None:
    directory = make(tmp_path)
    write_bundle(directory, BundleMeta(repository="a/b", head_sha=docs.HEAD_SHA, model="m"), {}, "x\n")
    meta, documents = read_bundle(directory)
    assert documents == {} and meta.repository == "a/b"


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
                 {"verdict.json": docs.verdict()}, big)
    _, documents = read_bundle(directory)
    report = (directory / "report.md").read_text(encoding="utf-8")
    assert len(report.encode()) <= MAX_FILE and "This report was cut to fit" in report
    assert report.rstrip().endswith("end") and sorted(documents) == ["verdict.json"]


def test_a_document_over_the_file_limit_is_refused_when_writing(tmp_path: Path) -> None:
    verdict = {**docs.verdict(), "notes": ["x" * 1000] * 1100}
    with pytest.raises(BadInput, match=r"over the \d+ a bundle may hold"):
        write_bundle(tmp_path / "bundle", BundleMeta(repository="a/b", head_sha=docs.HEAD_SHA, model="m"),
                     {"verdict.json": verdict}, "# r\n")
