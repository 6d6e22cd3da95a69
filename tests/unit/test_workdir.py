"""The work directory's JSON files: atomic writes, and reads that turn bad files into BadInput."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mlgate.errors import BadInput
from mlgate.workdir import read_json, write_json


def test_write_then_read_carries_schema_version(tmp_path: Path) -> None:
    path = write_json(tmp_path / "sub" / "verdict.json", {"passed": True, "schema_version": 99})
    assert read_json(path) == {"schema_version": 1, "passed": True}
    assert [p.name for p in path.parent.iterdir()] == ["verdict.json"]  # no temp file left behind


def test_nan_is_refused_and_the_old_file_is_kept(tmp_path: Path) -> None:
    path = write_json(tmp_path / "v.json", {"a": 1})
    with pytest.raises(ValueError):
        write_json(path, {"a": float("nan")})
    assert json.loads(path.read_text())["a"] == 1
    assert len(list(tmp_path.iterdir())) == 1


@pytest.mark.parametrize("text, words", [
    ("{not json", "is not valid JSON"),
    ("[1]", "must hold a JSON object"),
    ('{"schema_version": 7}', "schema_version 7"),
    ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
])
def test_bad_files_are_bad_input(tmp_path: Path, text: str, words: str) -> None:
    path = tmp_path / "x.json"
    path.write_text(text)
    with pytest.raises(BadInput, match=words):
        read_json(path)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(BadInput, match="not found"):
        read_json(tmp_path / "absent.json")


def test_written_files_have_usual_permissions(tmp_path: Path) -> None:
    import os
    import stat

    old = os.umask(0o022)
    try:
        path = write_json(tmp_path / "v.json", {})
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o644


def test_out_under_a_file_is_bad_input(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    with pytest.raises(BadInput, match="cannot write") as caught:
        write_json(tmp_path / "file" / "out" / "v.json", {})
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
