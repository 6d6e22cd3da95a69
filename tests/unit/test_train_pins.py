"""Params, model file hashes and their comparison."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from mlgate.errors import BadInput
from mlgate.train.compare_files import diff_files
from mlgate.train.pins import files_digest, flat_params, model_files, optional_sha256, read_params


def test_flat_params_are_mlflow_strings() -> None:
    assert flat_params({"lr": 0.1, "model": {"depth": 3, "bias": True, "layers": [1, 2]}, "name": "x",
                        "none": None}) == {"lr": "0.1", "model.depth": "3", "model.bias": "true",
                                           "model.layers": "[1, 2]", "name": "x", "none": "null"}


def test_read_params(tmp_path: Path) -> None:
    path = tmp_path / "params.yaml"
    path.write_text("lr: 0.1\nwhen: 2024-01-02\n")
    assert read_params(path) == {"lr": 0.1, "when": "2024-01-02"}
    path.write_text("")
    assert read_params(path) == {}


@pytest.mark.parametrize(("text", "message"), [("[1, 2]", "must hold a mapping"), ("a: [", "not valid YAML")])
def test_bad_params_are_bad_input(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "params.yaml"
    path.write_text(text)
    with pytest.raises(BadInput, match=message):
        read_params(path)
    with pytest.raises(BadInput, match="not found"):
        read_params(tmp_path / "missing.yaml")


def test_optional_sha256(tmp_path: Path) -> None:
    assert optional_sha256(None, "train.lockfile") is None
    (tmp_path / "r.lock").write_bytes(b"numpy==2\n")
    assert optional_sha256(tmp_path / "r.lock", "train.lockfile") == hashlib.sha256(b"numpy==2\n").hexdigest()
    with pytest.raises(BadInput) as caught:
        optional_sha256(tmp_path / "nope.lock", "train.lockfile")
    assert "train.lockfile" in caught.value.why


def test_model_files_of_a_directory_and_of_a_file(tmp_path: Path) -> None:
    (tmp_path / "model" / "sub").mkdir(parents=True)
    (tmp_path / "model" / "a.bin").write_bytes(b"a")
    (tmp_path / "model" / "sub" / "b.bin").write_bytes(b"b")
    files = model_files(tmp_path / "model")
    assert files == {"a.bin": hashlib.sha256(b"a").hexdigest(), "sub/b.bin": hashlib.sha256(b"b").hexdigest()}
    assert model_files(tmp_path / "model" / "a.bin") == {"a.bin": files["a.bin"]}
    assert files_digest(files) == files_digest(dict(reversed(list(files.items()))))
    assert files_digest(files) != files_digest({"a.bin": files["a.bin"]})


def test_diff_files() -> None:
    diff = diff_files({"a": "1", "b": "2", "c": "3"}, {"a": "1", "b": "9", "d": "4"})
    assert (diff.changed, diff.missing, diff.extra, diff.identical) == (["b"], ["c"], ["d"], False)
    assert diff.lines() == ["differs: b", "missing now: c", "new file: d"]
    assert diff_files({"a": "1"}, {"a": "1"}).identical
