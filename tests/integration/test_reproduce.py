"""`mlgate reproduce RUN_ID`: re-run from the recorded pins, compare model files byte for byte."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import MlflowStore
from tests.support.podman import BusyboxImage, busybox_image, needs_podman  # noqa: F401
from tests.support.train_project import git, invoke, lineage, make_project, train_args


def trained(config: Path, out: Path) -> str:
    result = invoke(config, *train_args(out))
    assert result.exit_code == 0, result.output
    return str(lineage(out)["run"]["run_id"])


@pytest.mark.podman
@needs_podman
def test_a_pinned_run_reproduces_byte_for_byte(git_repo: Path, mlflow_store: MlflowStore,
                                               busybox_image: BusyboxImage) -> None:  # noqa: F811
    config = make_project(git_repo, image=busybox_image.reference, runtime="podman")
    out = git_repo / ".mlgate"
    run_id = trained(config, out)
    (git_repo / "model" / "weights.txt").write_text("tampered")
    result = invoke(config, "reproduce", run_id, "--out", str(out))
    assert result.exit_code == 0, result.output
    assert "reproducible byte-for-byte" in result.output
    report = json.loads((out / "reproduce.json").read_text())
    assert report["identical"] is True and report["changed"] == []
    tags = mlflow_store.client().get_run(run_id).data.tags
    assert tags["mlgate.reproduced"] == "true" and "mlgate.reproduced_at" in tags


@pytest.mark.podman
@needs_podman
def test_reproduce_uses_the_recorded_image_and_command_not_the_current_config(
        git_repo: Path, mlflow_store: MlflowStore, busybox_image: BusyboxImage) -> None:  # noqa: F811
    config = make_project(git_repo, image=busybox_image.reference, runtime="podman",
                          train={"command": "sh train.sh && cat /bin/busybox | sha256sum > model/env.sha"})
    out = git_repo / ".mlgate"
    run_id = trained(config, out)
    # the config now names another command; reproduce still runs the recorded one in the recorded image
    make_project(git_repo, image=busybox_image.reference, runtime="local", train={"command": "false"})
    result = invoke(config, "reproduce", run_id, "--out", str(out))
    assert result.exit_code == 0, result.output
    assert "(podman)" in result.output


@pytest.mark.podman
@needs_podman
def test_the_sqlite_store_is_mounted_for_reproduce_as_for_train(
        git_repo: Path, mlflow_store: MlflowStore, busybox_image: BusyboxImage) -> None:  # noqa: F811
    """With `tracking_credentials: pass` MLFLOW_TRACKING_URI reaches the container: its SQLite folder (outside
    the workspace here) must be there, for reproduce as for train."""
    command = 'sh train.sh && test -f "${MLFLOW_TRACKING_URI#sqlite:///}"'
    config = make_project(git_repo, image=busybox_image.reference, runtime="podman",
                          train={"command": command, "tracking_credentials": "pass"})
    out = git_repo / ".mlgate"
    run_id = trained(config, out)
    result = invoke(config, "reproduce", run_id, "--out", str(out))
    assert result.exit_code == 0, result.output
    assert "reproducible byte-for-byte" in result.output


def test_a_nondeterministic_training_is_caught(git_repo: Path, mlflow_store: MlflowStore) -> None:
    config = make_project(git_repo, train={"command": "EXTRA=$$-$(date +%s%N) sh train.sh"})
    out = git_repo / ".mlgate"
    run_id = trained(config, out)
    result = invoke(config, "reproduce", run_id, "--out", str(out))
    assert result.exit_code == 1
    assert "not reproducible: the model files differ" in result.output
    assert "differs: extra.txt" in result.output
    assert "weights.txt" not in result.output  # the deterministic file matched
    assert json.loads((out / "reproduce.json").read_text())["changed"] == ["extra.txt"]
    assert mlflow_store.client().get_run(run_id).data.tags["mlgate.reproduced"] == "false"


def test_a_local_run_reproduces(git_repo: Path, mlflow_store: MlflowStore) -> None:
    config = make_project(git_repo)
    out = git_repo / ".mlgate"
    run_id = trained(config, out)
    result = invoke(config, "reproduce", run_id, "--out", str(out))
    assert result.exit_code == 0
    assert "reproducible byte-for-byte" in result.output


def test_changed_data_is_refused(git_repo: Path, mlflow_store: MlflowStore) -> None:
    config = make_project(git_repo)
    out = git_repo / ".mlgate"
    run_id = trained(config, out)
    (git_repo / "data" / "train.csv").write_text("x,y\n9,9\n")
    result = invoke(config, "reproduce", run_id, "--out", str(out))
    assert result.exit_code == 2
    assert "the workspace data differs from the versions the run recorded" in result.output
    assert "data/train.csv: recorded" in result.output
    assert git(git_repo, "rev-parse", "HEAD") in result.output  # how to fix: check out the recorded commit


def test_a_data_file_added_to_a_dataset_glob_is_refused(git_repo: Path, mlflow_store: MlflowStore) -> None:
    """The training may read every file the glob matches: one the run did not record is different data."""
    config = make_project(git_repo)
    text = config.read_text().replace("model:\n", "data:\n- path: data/*.csv\nmodel:\n", 1)
    config.write_text(text)
    out = git_repo / ".mlgate"
    run_id = trained(config, out)
    (git_repo / "data" / "more.csv").write_text("x,y\n5,1\n")
    result = invoke(config, "reproduce", run_id, "--out", str(out))
    assert result.exit_code == 2, result.output
    assert "data/more.csv: not in the recorded data" in result.output
    (git_repo / "data" / "more.csv").unlink()
    assert invoke(config, "reproduce", run_id, "--out", str(out)).exit_code == 0


def test_missing_data_is_refused(git_repo: Path, mlflow_store: MlflowStore) -> None:
    config = make_project(git_repo)
    out = git_repo / ".mlgate"
    run_id = trained(config, out)
    (git_repo / "data" / "train.csv").unlink()
    result = invoke(config, "reproduce", run_id, "--out", str(out))
    assert result.exit_code == 2
    assert "data/train.csv not found" in result.output


def test_changed_params_are_refused(git_repo: Path, mlflow_store: MlflowStore) -> None:
    config = make_project(git_repo)
    out = git_repo / ".mlgate"
    run_id = trained(config, out)
    (git_repo / "params.yaml").write_text("lr: 0.5\n")
    result = invoke(config, "reproduce", run_id, "--out", str(out))
    assert result.exit_code == 2
    assert "params file params.yaml differs" in result.output


def test_changed_code_is_a_warning_and_the_files_tell(git_repo: Path, mlflow_store: MlflowStore) -> None:
    config = make_project(git_repo)
    out = git_repo / ".mlgate"
    run_id = trained(config, out)
    script = git_repo / "train.sh"
    script.write_text(script.read_text().replace('echo "seed $MLGATE_SEED"', 'echo "SEED $MLGATE_SEED"'))
    git(git_repo, "commit", "-qam", "change the training")
    result = invoke(config, "reproduce", run_id, "--out", str(out))
    assert result.exit_code == 1
    assert "the code is not the recorded commit" in result.output
    assert "differs: weights.txt" in result.output


def test_unknown_run_and_failed_run(git_repo: Path, mlflow_store: MlflowStore) -> None:
    config = make_project(git_repo)
    out = git_repo / ".mlgate"
    result = invoke(config, "reproduce", "0" * 32, "--out", str(out))
    assert result.exit_code == 2
    assert "not found" in result.output

    other = mlflow_store.client().create_run(mlflow_store.experiment()).info.run_id  # a run not made by mlgate
    result = invoke(config, "reproduce", other, "--out", str(out))
    assert result.exit_code == 2
    assert "has no mlgate lineage" in result.output

    failing = make_project(git_repo, train={"env": {"MODE": "fail"}})
    assert invoke(failing, *train_args(out)).exit_code == 1
    result = invoke(failing, "reproduce", lineage(out)["run"]["run_id"], "--out", str(out))
    assert result.exit_code == 2
    assert "did not finish training successfully" in result.output


@pytest.mark.parametrize(("change", "words"), [
    ({"schema_version": 2}, "has schema_version 2; this mlgate reads up to 1"),
    ({"model": {"path": "model", "files": ["weights.txt"], "sha256": "0" * 64}},
     "model.files: Input should be a valid dictionary"),
])
def test_a_malformed_recorded_lineage_is_bad_input(git_repo: Path, mlflow_store: MlflowStore, tmp_path: Path,
                                                   change: dict[str, object], words: str) -> None:
    """The lineage comes back from the tracking store: it is checked with the same model as lineage.json."""
    config = make_project(git_repo)
    out = git_repo / ".mlgate"
    trained(config, out)
    recorded = {**lineage(out), **change}
    client = mlflow_store.client()
    run_id = client.create_run(mlflow_store.experiment()).info.run_id
    folder = tmp_path / "artifact"
    folder.mkdir()
    (folder / "lineage.json").write_text(json.dumps(recorded))
    client.log_artifact(run_id, str(folder / "lineage.json"), "mlgate")
    result = invoke(config, "reproduce", run_id, "--out", str(out))
    assert result.exit_code == 2, result.output
    assert f"the lineage.json logged with MLflow run {run_id}" in result.output and words in result.output
