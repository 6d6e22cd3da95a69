"""`mlgate validate` on real DVC repositories: changed `.dvc` files and `dvc.lock` entries."""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

import pytest
import yaml

from tests.support.data_factories import IRIS_HEADER, IRIS_SCHEMA, DataProject, iris_rows


@pytest.fixture
def project(git_repo: Path) -> DataProject:
    project = DataProject(git_repo)
    project.dvc_init()
    project.write("schemas/iris.yaml", IRIS_SCHEMA)
    project.config([{"path": "data/*.csv", "schema": "schemas/iris.yaml", "checks": {"unique": ["id"]}}])
    project.write("data/train.csv", IRIS_HEADER + iris_rows(20))
    project.dvc("add", "-q", "data/train.csv")
    project.commit("track data with dvc")
    return project


def recorded_md5(metafile: Path) -> str:
    return str(yaml.safe_load(metafile.read_text())["outs"][0]["md5"])


def test_changed_dvc_file_is_validated_with_its_dvc_version(project: DataProject) -> None:
    project.branch()
    content = IRIS_HEADER + iris_rows(25) + "3,4.0,2.0,setosa\n"
    project.write("data/train.csv", content)
    project.dvc("add", "-q", "data/train.csv")
    project.commit("new data")
    assert project.git("diff", "--name-only", "main") == "data/train.csv.dvc"  # the data itself is ignored
    result = project.validate("--base", "main")
    assert result.exit_code == 1, result.output
    entry = project.dataset("data/train.csv")
    assert entry["status"] == "invalid"
    assert entry["failures"][0]["samples"][0] == {"row": 26, "id": 3, "first_row": 4}
    md5 = hashlib.md5(content.encode()).hexdigest()
    assert recorded_md5(project.root / "data" / "train.csv.dvc") == md5
    assert entry["version"] == {
        "kind": "dvc-md5", "value": md5,
        "dvc": {"metafile": "data/train.csv.dvc", "out": "data/train.csv", "in_sync": True},
    }


def test_unchanged_dvc_data_not_pulled_is_skipped(project: DataProject) -> None:
    project.branch()
    (project.root / "data" / "train.csv").unlink()  # as in CI without `dvc pull`
    project.write("README.md", "docs\n")
    project.commit()
    result = project.validate("--base", "main")
    assert result.exit_code == 0, result.output
    assert project.validation()["datasets"][0]["status"] == "skipped"


def test_changed_dvc_data_not_pulled(project: DataProject) -> None:
    project.branch()
    project.write("data/train.csv", IRIS_HEADER + iris_rows(30))
    project.dvc("add", "-q", "data/train.csv")
    project.commit()
    (project.root / "data" / "train.csv").unlink()
    result = project.validate("--base", "main")
    assert result.exit_code == 2, result.output
    assert "data/train.csv is tracked by DVC (data/train.csv.dvc) but its data is not in the workspace" \
        in result.output
    assert "run `dvc pull data/train.csv.dvc`" in result.output
    assert "Traceback" not in result.output


def test_all_with_dvc_data_not_pulled(project: DataProject) -> None:
    (project.root / "data" / "train.csv").unlink()
    result = project.validate("--all")
    assert result.exit_code == 2
    assert "dvc pull" in result.output


def test_removed_dvc_tracking_is_deleted(project: DataProject) -> None:
    project.branch()
    project.dvc("remove", "-q", "data/train.csv.dvc")
    (project.root / "data" / "train.csv").unlink()
    project.commit("drop data")
    result = project.validate("--base", "main")
    assert result.exit_code == 0, result.output
    assert project.dataset("data/train.csv")["status"] == "deleted"


def test_tracked_directory(git_repo: Path) -> None:
    project = DataProject(git_repo)
    project.dvc_init()
    project.config([{"path": "images/*.csv", "checks": {"rows": {"min": 2}}}])
    project.write("images/a.csv", "x\n1\n2\n")
    project.write("images/b.csv", "x\n1\n2\n")
    project.dvc("add", "-q", "images")
    project.commit()
    project.branch()
    project.write("images/b.csv", "x\n1\n")
    project.dvc("add", "-q", "images")
    project.commit()
    (project.root / "images" / "a.csv").unlink()
    project.write("images/c.csv", "x\n1\n2\n")
    project.dvc("add", "-q", "images")
    project.commit()
    result = project.validate("--base", "main")
    assert result.exit_code == 1, result.output
    # both .dir manifests are in the local cache: only the files that changed inside the directory
    statuses = {d["path"]: d["status"] for d in project.validation()["datasets"]}
    assert statuses == {"images/a.csv": "deleted", "images/b.csv": "invalid", "images/c.csv": "valid"}
    assert project.dataset("images/b.csv")["version"]["dvc"]["out"] == "images"

    for manifest in (project.root / ".dvc" / "cache").rglob("*.dir"):
        manifest.unlink()  # as in CI after `dvc pull` of another commit: every file of the directory counts
    project.write("images/d.csv", "x\n1\n2\n")
    project.validate("--base", "main")
    statuses = {d["path"]: d["status"] for d in project.validation()["datasets"]}
    assert statuses == {"images/b.csv": "invalid", "images/c.csv": "valid", "images/d.csv": "valid"}


def test_dvc_lock_stage_output(git_repo: Path) -> None:
    project = DataProject(git_repo)
    project.dvc_init()
    project.write("make.py", f"open('prepared.csv', 'w').write({IRIS_HEADER + iris_rows(12)!r})\n")
    project.config([{"path": "prepared.csv", "checks": {"rows": {"max": 12}}}])
    project.dvc("stage", "add", "-q", "-n", "prepare", "-d", "make.py", "-o", "prepared.csv",
                f"{sys.executable} make.py")
    project.dvc("repro", "-q")
    project.commit("pipeline")
    project.branch()
    project.write("make.py", f"open('prepared.csv', 'w').write({IRIS_HEADER + iris_rows(13)!r})\n")
    project.dvc("repro", "-q")
    project.commit("more rows")
    changed = project.git("diff", "--name-only", "main").split()
    assert "dvc.lock" in changed and "prepared.csv" not in changed
    result = project.validate("--base", "main")
    assert result.exit_code == 1, result.output
    entry = project.dataset("prepared.csv")
    assert entry["failures"][0]["message"] == "13 rows, more than the maximum 12"
    assert entry["version"]["kind"] == "dvc-md5"
    assert entry["version"]["dvc"]["metafile"] == "dvc.lock"
    assert entry["version"]["dvc"]["in_sync"] is True


@pytest.fixture
def tracked_folder(git_repo: Path) -> DataProject:
    """main: the folder data/ tracked by DVC as a whole (`dvc add data`), holding data/train.csv."""
    project = DataProject(git_repo)
    project.dvc_init()
    project.write("schemas/iris.yaml", IRIS_SCHEMA)
    project.write("data/train.csv", IRIS_HEADER + iris_rows(20))
    project.dvc("add", "-q", "data")
    project.config([{"path": "data/*.csv", "schema": "schemas/iris.yaml"}])
    project.commit("track the data folder with dvc")
    return project


@pytest.mark.parametrize("args", [["--base", "main"], ["--all"]], ids=["changed", "all"])
@pytest.mark.parametrize("path", ["data/*.parquet", "data/trian.csv", "data/sub/*.csv"])
def test_a_path_inside_a_dvc_folder_that_matches_nothing_is_bad_input(tracked_folder: DataProject,
                                                                      args: list[str], path: str) -> None:
    """The same typo is exit 2 inside a DVC-tracked folder as outside one (it was silently "unchanged")."""
    tracked_folder.branch()
    tracked_folder.config([{"path": path, "schema": "schemas/iris.yaml"}])
    tracked_folder.commit("a typo in the glob")
    result = tracked_folder.validate(*args)
    assert result.exit_code == 2, result.output
    assert f"data[0].path {path!r} matches no file" in result.output
    assert "Traceback" not in result.output


def test_a_matching_path_inside_a_dvc_folder_is_still_fine(tracked_folder: DataProject) -> None:
    tracked_folder.branch()
    tracked_folder.write("README.md", "docs\n")
    tracked_folder.commit()
    result = tracked_folder.validate("--base", "main")
    assert result.exit_code == 0, result.output
    assert tracked_folder.validation()["datasets"][0]["status"] == "skipped"
    assert tracked_folder.validate("--all").exit_code == 0


def test_a_dvc_folder_not_pulled_and_unchanged_is_still_skipped(tracked_folder: DataProject) -> None:
    """Without the data nothing can tell a typo from a file not pulled: unchanged, it is skipped as before."""
    import shutil

    tracked_folder.branch()
    shutil.rmtree(tracked_folder.root / "data")
    tracked_folder.write("README.md", "docs\n")
    tracked_folder.commit()
    result = tracked_folder.validate("--base", "main")
    assert result.exit_code == 0, result.output
    assert tracked_folder.validation()["datasets"][0]["status"] == "skipped"


def test_a_typo_in_a_dvc_folder_not_pulled_is_found_in_the_cached_manifest(tracked_folder: DataProject) -> None:
    """Not pulled, but the folder's `.dir` manifest is in the local DVC cache: it lists the files."""
    import shutil

    tracked_folder.branch()
    shutil.rmtree(tracked_folder.root / "data")
    tracked_folder.config([{"path": "data/*.parquet"}])
    tracked_folder.commit("a typo")
    result = tracked_folder.validate("--base", "main")
    assert result.exit_code == 2, result.output
    assert "data[0].path 'data/*.parquet' matches no file" in result.output
    for manifest in (tracked_folder.root / ".dvc" / "cache").rglob("*.dir"):
        manifest.unlink()  # no manifest: nothing can tell a typo from data not pulled
    assert tracked_folder.validate("--base", "main").exit_code == 0


# --- DVC data edited in the workspace but not `dvc add`ed: training reads it, so it is validated -----------

EDITED = "the workspace differs from data/train.csv.dvc"


def test_dvc_data_edited_but_not_added_is_validated(project: DataProject) -> None:
    project.branch()
    project.write("README.md", "docs\n")
    project.commit()
    project.write("data/train.csv", IRIS_HEADER + iris_rows(25) + "3,4.0,2.0,setosa\n")  # no `dvc add`
    assert project.git("status", "--porcelain") == ""  # git sees nothing: the data is ignored, its .dvc same
    result = project.validate("--base", "main")
    assert result.exit_code == 1, result.output
    entry = project.dataset("data/train.csv")
    assert entry["status"] == "invalid"
    assert entry["version"]["dvc"]["in_sync"] is False
    assert EDITED in entry["note"] and "dvc add" in entry["note"]
    assert EDITED in result.output


def test_valid_edit_is_valid_with_the_note_and_in_sync_data_has_none(project: DataProject) -> None:
    project.branch()
    project.write("README.md", "docs\n")
    project.commit()
    project.write("data/train.csv", IRIS_HEADER + iris_rows(21))
    result = project.validate("--base", "main")
    assert result.exit_code == 0, result.output
    entry = project.dataset("data/train.csv")
    assert entry["status"] == "valid" and EDITED in entry["note"]
    result = project.validate("--all")
    assert result.exit_code == 0 and EDITED in project.dataset("data/train.csv")["note"]

    project.dvc("add", "-q", "data/train.csv")  # recorded: in sync again, nothing to say
    project.validate("--all")
    assert "note" not in project.dataset("data/train.csv")


def test_a_file_edited_inside_a_tracked_directory(git_repo: Path) -> None:
    project = DataProject(git_repo)
    project.dvc_init()
    project.config([{"path": "images/*.csv", "checks": {"rows": {"min": 2}}}])
    project.write("images/a.csv", "x\n1\n2\n")
    project.write("images/b.csv", "x\n1\n2\n")
    project.dvc("add", "-q", "images")
    project.commit()
    project.branch()
    project.write("images/b.csv", "x\n1\n")  # not `dvc add`ed
    result = project.validate("--base", "main")
    assert result.exit_code == 1, result.output
    # the .dir manifest is in the local cache: only the edited file
    statuses = {d["path"]: d["status"] for d in project.validation()["datasets"]}
    assert statuses == {"images/b.csv": "invalid"}
    assert "the workspace differs from images.dvc" in project.dataset("images/b.csv")["note"]

    for manifest in (project.root / ".dvc" / "cache").rglob("*.dir"):
        manifest.unlink()  # without it: the directory's md5 differs, so every file of it is validated
    result = project.validate("--base", "main")
    assert result.exit_code == 1, result.output
    statuses = {d["path"]: d["status"] for d in project.validation()["datasets"]}
    assert statuses == {"images/a.csv": "valid", "images/b.csv": "invalid"}
    assert all("the workspace differs from images.dvc" in d["note"] for d in project.validation()["datasets"])
