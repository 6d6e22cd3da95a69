"""A lineage read back from a run is held to what `mlgate train` writes (train/recorded.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from mlgate.documents import Lineage
from mlgate.train.recorded import MAX_MODEL_FILES, TamperedLineage, checked_lineage, inside, is_commit

SHA = "a" * 64
COMMIT = "0123456789abcdef0123456789abcdef01234567"


def lineage(**changes: Any) -> Lineage:
    data: dict[str, Any] = {
        "schema_version": 1, "status": "succeeded", "reproducible": True, "not_reproducible_because": [],
        "code": {"commit": COMMIT, "dirty": False, "diff_sha256": None}, "data": [],
        "environment": {"runtime": "local", "image": None, "image_digest": None, "pinned": False,
                        "lockfile": None, "lockfile_sha256": None, "python_version": None},
        "configuration": {"command": "python train.py", "metrics_file": "metrics.json", "params_file": None,
                          "params_sha256": None, "params": {}, "seed": 0, "env": []},
        "model": {"path": "model", "files": {"weights.txt": SHA, "sub/a.bin": SHA}, "sha256": SHA},
        "metrics": {}, "run": None, "registered": None,
        "ci": {"pr": None, "head_sha": None, "run_url": None}, "duration_seconds": None,
    }
    for dotted, value in changes.items():
        part, _, key = dotted.partition("__")
        data[part] = {**data[part], key: value}
    return Lineage.model_validate(data)


def test_what_mlgate_train_writes_passes() -> None:
    document = lineage()
    assert checked_lineage(document, "r1") is document


@pytest.mark.parametrize("changes, field, words", [
    ({"model__path": "/some/host/dir"}, "model.path", "is an absolute path"),
    ({"model__path": "../../.."}, "model.path", "climbs out of its folder"),
    ({"model__path": "model/../../x"}, "model.path", "climbs out of its folder"),
    ({"model__path": "."}, "model.path", "is empty"),
    ({"model__path": "C:\\Windows"}, "model.path", "backslash"),
    ({"model__files": {"/etc/passwd": SHA}}, "model.files", "is an absolute path"),
    ({"model__files": {"../x": SHA}}, "model.files", "climbs out"),
    ({"model__files": {"w": "HEAD"}}, "model.files", "not 64 hex digits"),
    ({"model__sha256": "x"}, "model.sha256", "not 64 hex digits"),
    ({"code__commit": "HEAD"}, "code.commit", "not a full 40-hex commit SHA"),
    ({"code__commit": "main"}, "code.commit", "never a ref such as HEAD"),
    ({"code__commit": COMMIT[:12]}, "code.commit", "not a full 40-hex commit SHA"),
    ({"configuration__metrics_file": "/etc/shadow"}, "configuration.metrics_file", "absolute"),
    ({"configuration__params_file": "../params.yaml"}, "configuration.params_file", "climbs out"),
])
def test_a_value_train_never_writes_is_refused_naming_the_field(changes: dict[str, Any], field: str,
                                                                words: str) -> None:
    with pytest.raises(TamperedLineage) as raised:
        checked_lineage(lineage(**changes), "r1")
    assert raised.value.exit_code == 2
    assert f"the lineage logged with MLflow run r1 cannot be trusted: {field}" in raised.value.what
    assert words in raised.value.what
    assert "write access to the registry" in raised.value.why and "r1" in raised.value.fix


def test_too_many_model_files_are_refused() -> None:
    files = {f"f{i}": SHA for i in range(MAX_MODEL_FILES + 1)}
    with pytest.raises(TamperedLineage, match=f"lists {MAX_MODEL_FILES + 1} files"):
        checked_lineage(lineage(model__files=files), "r1")


def test_commits_are_full_shas() -> None:
    assert is_commit(COMMIT) and is_commit("b" * 64)
    assert not any(is_commit(v) for v in ("HEAD", "main", COMMIT[:39], COMMIT.upper(), COMMIT + "^", ""))


def test_inside_follows_symlinks(tmp_path: Path) -> None:
    root = tmp_path / "root"
    (root / "model").mkdir(parents=True)
    (root / "out").symlink_to(tmp_path)
    assert inside(root, "model") == (root / "model").resolve()
    assert inside(root, "out/elsewhere") is None
    assert inside(root, "../x") is None
