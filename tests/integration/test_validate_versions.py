"""dataset_version against real DVC repositories (`dvc init`, `dvc add`)."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

import pytest

from mlgate.data.versions import dataset_version
from mlgate.errors import BadInput

DVC = [sys.executable, "-m", "dvc"]


def run(repo: Path, *args: str) -> None:
    subprocess.run(args, cwd=repo, check=True, capture_output=True)


@pytest.fixture
def dvc_repo(git_repo: Path) -> Path:
    run(git_repo, *DVC, "init", "-q")
    run(git_repo, *DVC, "config", "core.analytics", "false")
    return git_repo


def test_untracked_file_is_sha256(git_repo: Path) -> None:
    data = git_repo / "data.csv"
    data.write_bytes(b"a,b\n1,2\n")
    version = dataset_version(data, git_repo)
    assert version == {"kind": "sha256", "value": hashlib.sha256(b"a,b\n1,2\n").hexdigest(), "bytes": 8,
                       "rows": None}


def test_dvc_file_uses_recorded_md5(dvc_repo: Path) -> None:
    (dvc_repo / "data").mkdir()
    data = dvc_repo / "data" / "x.csv"
    data.write_bytes(b"a,b\n1,2\n")
    run(dvc_repo, *DVC, "add", "-q", "data/x.csv")
    recorded = (dvc_repo / "data" / "x.csv.dvc").read_text()
    version = dataset_version(data, dvc_repo)
    assert version["kind"] == "dvc-md5"
    assert version["value"] == hashlib.md5(b"a,b\n1,2\n").hexdigest()
    assert version["value"] in recorded
    assert version["dvc"] == {"metafile": "data/x.csv.dvc", "out": "data/x.csv", "in_sync": True}

    data.write_bytes(b"a,b\n1,3\n")  # edited without `dvc add`
    assert dataset_version(data, dvc_repo)["dvc"]["in_sync"] is False


def test_dvc_directory_md5_matches_dvc(dvc_repo: Path) -> None:
    folder = dvc_repo / "images"
    (folder / "sub").mkdir(parents=True)
    (folder / "a.txt").write_text("a\n")
    (folder / "sub" / "b.txt").write_text("bb\n")
    run(dvc_repo, *DVC, "add", "-q", "images")
    recorded = (dvc_repo / "images.dvc").read_text()
    version = dataset_version(folder, dvc_repo)
    assert version["value"].endswith(".dir")
    assert version["value"] in recorded
    assert version["bytes"] == 5
    inner = dataset_version(folder / "sub" / "b.txt", dvc_repo)
    assert inner["kind"] == "dvc-md5"
    assert inner["dvc"]["in_sync"] is True


def test_dvc_data_not_pulled(dvc_repo: Path) -> None:
    data = dvc_repo / "x.csv"
    data.write_text("a\n1\n")
    run(dvc_repo, *DVC, "add", "-q", "x.csv")
    data.unlink()
    with pytest.raises(BadInput) as caught:
        dataset_version(data, dvc_repo)
    assert "dvc pull" in caught.value.message()


def test_parquet_rows_from_footer(git_repo: Path) -> None:
    import pandas as pd

    path = git_repo / "x.parquet"
    pd.DataFrame({"a": range(7)}).to_parquet(path)
    assert dataset_version(path, git_repo)["rows"] == 7
