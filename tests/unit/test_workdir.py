"""The work directory's JSON documents: atomic writes of the models, and reads that turn bad files into BadInput."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from mlgate.documents import Lineage, Reproduction, Validation, Verdict, parse_document, read_document
from mlgate.errors import BadInput
from mlgate.workdir import write_document
from tests.support import report_documents as docs


def reproduction(**metrics: float) -> Reproduction:
    return Reproduction(run_id="r", identical=True, changed=[], missing=[], extra=[], metrics=metrics,
                        recorded_metrics={})


def test_write_then_read_carries_schema_version(tmp_path: Path) -> None:
    path = write_document(tmp_path / "sub" / "reproduce.json", reproduction(auc=0.9))
    assert json.loads(path.read_text()) == {"schema_version": 1, "run_id": "r", "identical": True, "changed": [],
                                            "missing": [], "extra": [], "metrics": {"auc": 0.9},
                                            "recorded_metrics": {}}
    assert read_document(path, Reproduction) == reproduction(auc=0.9)
    assert [p.name for p in path.parent.iterdir()] == ["reproduce.json"]  # no temp file left behind


def test_nan_is_refused_and_the_old_file_is_kept(tmp_path: Path) -> None:
    from pydantic import ValidationError

    path = write_document(tmp_path / "v.json", reproduction(a=1))
    with pytest.raises(ValidationError):
        reproduction(a=float("nan"))  # a float field refuses it
    lineage = Lineage.model_validate(docs.lineage())
    with pytest.raises(ValidationError):
        lineage.configuration.params = {"lr": float("inf")}  # JSON values too
    with pytest.raises(ValueError):  # and the writer, should a model be built unchecked
        write_document(path, Reproduction.model_construct(**{**dict(reproduction()), "metrics": {"a": float("nan")}}))
    assert json.loads(path.read_text())["metrics"]["a"] == 1
    assert len(list(tmp_path.iterdir())) == 1


@pytest.mark.parametrize("text, words", [
    ("{not json", "is not valid JSON"),
    ("[1]", "must hold a JSON object"),
    ('{"schema_version": 7}', "schema_version 7"),
    ("[" * 100_000 + "]" * 100_000, "nests deeper than 100 levels"),
    (b"\xff\xfe{}", "is not UTF-8 text"),
])
def test_bad_files_are_bad_input(tmp_path: Path, text: str | bytes, words: str) -> None:
    path = tmp_path / "x.json"
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text)
    with pytest.raises(BadInput, match=words) as caught:
        read_document(path, Verdict)
    assert caught.value.file == str(path)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(BadInput, match="not found"):
        read_document(tmp_path / "absent.json", Verdict)


def test_written_files_have_usual_permissions(tmp_path: Path) -> None:
    import os
    import stat

    old = os.umask(0o022)
    try:
        path = write_document(tmp_path / "v.json", reproduction())
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o644


def test_out_under_a_file_is_bad_input(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    with pytest.raises(BadInput, match="cannot write") as caught:
        write_document(tmp_path / "file" / "out" / "v.json", reproduction())
    assert "--out" in caught.value.fix


def test_begin_removes_this_and_later_stages_files(tmp_path: Path) -> None:
    from mlgate.workdir import begin

    for name in ("validation.json", "lineage.json", "verdict.json", "report.md", "train.log"):
        (tmp_path / name).write_text("{}")
    begin(tmp_path, "lineage.json")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["train.log", "validation.json"]
    begin(tmp_path, "validation.json")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["train.log"]
    begin(tmp_path / "absent", "verdict.json")  # nothing to remove is fine


# --- typed documents ----------------------------------------------------------------------------------


def test_a_document_round_trips_through_its_model(tmp_path: Path) -> None:
    for model, data in ((Verdict, docs.verdict()), (Validation, docs.validation()), (Lineage, docs.lineage())):
        document = model.model_validate(data)
        path = write_document(tmp_path / f"{model.__name__}.json", document)
        assert json.loads(path.read_text()) == data  # the same keys and values as the dict
        assert next(iter(json.loads(path.read_text()))) == "schema_version"
        assert read_document(path, model) == document


def test_fields_written_only_when_set_are_left_out(tmp_path: Path) -> None:
    """error, log_tail, details, dvc, validation: absent from the JSON when None, as mlgate always wrote."""

    lineage = Lineage.model_validate(docs.lineage())
    written = json.loads(write_document(tmp_path / "l.json", lineage).read_text())
    assert "error" not in written and "log_tail" not in written and "validation" not in written["data"][0]
    lineage.status, lineage.error, lineage.log_tail = "failed", "boom", ["last line"]
    written = json.loads(write_document(tmp_path / "l.json", lineage).read_text())
    assert (written["status"], written["error"], written["log_tail"]) == ("failed", "boom", ["last line"])
    assert written["registered"] == {"name": "churn", "version": "7", "alias": "candidate"}  # None-able stays


def test_the_run_id_of_a_lineage() -> None:
    assert Lineage.model_validate(docs.lineage()).run_id == "5f1c0ffee0ddba11d00d5f1c0ffee0dd"
    assert Lineage.model_validate({**docs.lineage(), "run": None}).run_id is None


def test_assignment_is_checked() -> None:
    from pydantic import ValidationError

    lineage = Lineage.model_validate(docs.lineage())
    with pytest.raises(ValidationError):
        lineage.status = "finished"  # type: ignore[assignment]
    with pytest.raises(ValidationError):
        lineage.environment.pinned = "yes"  # type: ignore[assignment]


def malformed_lineage() -> dict[str, object]:
    lineage = docs.lineage()
    lineage["run"] = {"run_id": 5, "experiment_id": "3", "url": None}
    return lineage


@pytest.mark.parametrize(("document", "words"), [
    ([1], "must hold a JSON object"),
    ({"passed": True}, "has schema_version None"),
    ({"schema_version": 2}, "has schema_version 2; this mlgate reads up to 1"),
    ({"schema_version": 0}, "has schema_version 0"),
    ({"schema_version": True}, "has schema_version True"),
    ({"schema_version": "1"}, "has schema_version '1'"),
    (malformed_lineage(), "is not a valid lineage.json"),
])
def test_bad_documents_are_bad_input_naming_the_file(tmp_path: Path, document: object, words: str) -> None:
    path = tmp_path / "lineage.json"
    path.write_text(json.dumps(document))
    with pytest.raises(BadInput, match=re.escape(words)) as caught:
        read_document(path, Lineage)
    assert str(path) in caught.value.what and caught.value.exit_code == 2


def test_the_field_path_and_type_are_named() -> None:
    with pytest.raises(BadInput) as caught:
        parse_document(malformed_lineage(), Lineage, "lineage.json")
    assert caught.value.why == "run.run_id: Input should be a valid string"


def test_many_problems_are_summed_up_on_one_line() -> None:
    with pytest.raises(BadInput) as caught:
        parse_document({"schema_version": 1, **{f"key{i}": i for i in range(20)}}, Verdict, "verdict.json")
    assert "\n" not in caught.value.why and caught.value.why.endswith("more")
    assert len(caught.value.why) < 1000


def test_hostile_field_names_are_kept_on_one_line_and_cut() -> None:
    hostile = "k\n::error::owned\r\n##[warning]x\u2028" + "z" * 1000
    with pytest.raises(BadInput) as caught:
        parse_document({**docs.verdict(), hostile: 1}, Verdict, "verdict.json")
    why = caught.value.why
    assert "\n" not in why and "\r" not in why and "\u2028" not in why
    assert "z" * 100 not in why and why.endswith("Extra inputs are not permitted")
