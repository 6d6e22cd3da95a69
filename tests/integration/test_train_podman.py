"""`mlgate train` in real podman with a tiny busybox image imported locally and referenced by digest."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from tests.conftest import MlflowStore
from tests.support.podman import BusyboxImage, busybox_image, needs_podman  # noqa: F401
from tests.support.train_project import invoke, lineage, make_project, train_args

pytestmark = [pytest.mark.podman, needs_podman]


def test_train_in_a_pinned_container(git_repo: Path, mlflow_store: MlflowStore,
                                     busybox_image: BusyboxImage) -> None:  # noqa: F811
    config = make_project(git_repo, image=busybox_image.reference, runtime="podman", train={
        "command": "sh train.sh && pwd > model/where.txt && hostname > model/extra.txt",
        "runtime_args": ["--hostname", "from-runtime-args"],  # an argument the allowlist lets through
    })
    out = git_repo / ".mlgate"
    result = invoke(config, *train_args(out))
    assert result.exit_code == 0, result.output
    assert "training: seed=42" in result.output
    doc = lineage(out)
    env = doc["environment"]
    assert env == {"runtime": "podman", "image": busybox_image.reference, "image_digest": busybox_image.digest,
                   "pinned": True, "lockfile": "requirements.lock", "lockfile_sha256": env["lockfile_sha256"],
                   "python_version": None}  # busybox has no Python
    assert doc["reproducible"] is True and doc["not_reproducible_because"] == []
    # the workspace is mounted at the same path and is the working directory
    assert (git_repo / "model" / "where.txt").read_text().strip() == str(git_repo)
    # train.runtime_args reach the engine
    assert (git_repo / "model" / "extra.txt").read_text().strip() == "from-runtime-args"
    run = mlflow_store.client().get_run(doc["run"]["run_id"])
    assert run.data.tags["mlgate.image_digest"] == busybox_image.digest
    assert run.data.tags["mlgate.environment.pinned"] == "true"
    assert run.data.tags["mlgate.reproducible"] == "true"
    assert run.data.metrics["accuracy"] == 0.91
    version = mlflow_store.client().get_model_version_by_alias("churn", "candidate")
    assert version.tags["mlgate.image_digest"] == busybox_image.digest


def test_the_host_environment_does_not_leak_into_the_container(
        git_repo: Path, mlflow_store: MlflowStore, busybox_image: BusyboxImage,  # noqa: F811
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOST_ONLY_SECRET", "do-not-pass")
    config = make_project(git_repo, image=busybox_image.reference, runtime="podman",
                          train={"command": "sh train.sh && env > model/env.txt", "env": {"CUSTOM": "1"}})
    assert invoke(config, *train_args(git_repo / ".mlgate")).exit_code == 0
    seen = (git_repo / "model" / "env.txt").read_text()
    assert "HOST_ONLY_SECRET" not in seen
    assert "CUSTOM=1" in seen and "MLGATE_SEED=42" in seen
    assert f"MLFLOW_TRACKING_URI={mlflow_store.uri}" not in seen  # a throwaway store's (test_train_sandbox.py)


def test_training_failure_in_the_container_exits_1(git_repo: Path, mlflow_store: MlflowStore,
                                                   busybox_image: BusyboxImage) -> None:  # noqa: F811
    config = make_project(git_repo, image=busybox_image.reference, runtime="podman",
                          train={"env": {"MODE": "fail"}})
    result = invoke(config, *train_args(git_repo / ".mlgate"))
    assert result.exit_code == 1
    doc = lineage(git_repo / ".mlgate")
    assert doc["status"] == "failed" and doc["log_tail"][-1] == "loss exploded at step 3"


def test_unpinned_image_is_refused_unless_allowed(git_repo: Path, mlflow_store: MlflowStore,
                                                  busybox_image: BusyboxImage) -> None:  # noqa: F811
    config = make_project(git_repo, image=busybox_image.tag, runtime="podman")
    result = invoke(config, *train_args(git_repo / ".mlgate"))
    assert result.exit_code == 2
    assert "is not pinned by digest" in result.output
    assert not (git_repo / ".mlgate" / "lineage.json").exists()  # refused before anything ran

    config = make_project(git_repo, image=busybox_image.tag, runtime="podman", train={"allow_unpinned": True})
    result = invoke(config, *train_args(git_repo / ".mlgate"))
    assert result.exit_code == 0, result.output
    doc = lineage(git_repo / ".mlgate")
    assert doc["environment"]["pinned"] is False
    assert doc["environment"]["image_digest"] == busybox_image.digest  # resolved from the engine
    assert doc["reproducible"] is False
    assert "not pinned by digest" in doc["not_reproducible_because"][0]
    assert "not reproducible" in result.output


def test_engine_failure_exits_3(git_repo: Path, mlflow_store: MlflowStore,
                                busybox_image: BusyboxImage) -> None:  # noqa: F811
    absent = "localhost/mlgate-test-absent@sha256:" + "0" * 64  # not here; its registry does not exist
    config = make_project(git_repo, image=absent, runtime="podman",
                          train={"runtime_args": ["--pull", "never"]})
    result = invoke(config, *train_args(git_repo / ".mlgate"))
    assert result.exit_code == 3
    assert "podman could not run the training container" in result.output
    assert lineage(git_repo / ".mlgate")["status"] == "failed"


def test_no_container_engine_exits_3_naming_what_was_looked_for(
        git_repo: Path, mlflow_store: MlflowStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        busybox_image: BusyboxImage) -> None:  # noqa: F811
    config = make_project(git_repo, image=busybox_image.reference, runtime="auto")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("git", "sh"):
        target = bin_dir / tool
        target.write_text(f'#!/bin/sh\nexec {"/usr/bin/git" if tool == "git" else "/bin/sh"} "$@"\n')
        target.chmod(target.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", str(bin_dir))
    result = invoke(config, *train_args(git_repo / ".mlgate"))
    assert result.exit_code == 3
    assert "no container engine found" in result.output
    assert "docker (not on PATH) and podman (not on PATH)" in result.output
    assert os.environ["PATH"] == str(bin_dir)


def test_lineage_json_is_valid_json_with_stable_keys(git_repo: Path, mlflow_store: MlflowStore,
                                                     busybox_image: BusyboxImage) -> None:  # noqa: F811
    config = make_project(git_repo, image=busybox_image.reference, runtime="podman")
    assert invoke(config, *train_args(git_repo / ".mlgate")).exit_code == 0
    doc = json.loads((git_repo / ".mlgate" / "lineage.json").read_text())
    assert list(doc) == ["schema_version", "status", "reproducible", "not_reproducible_because", "code", "data",
                         "data_validation", "environment", "configuration", "model", "metrics", "run", "registered", "ci",
                         "duration_seconds"]
