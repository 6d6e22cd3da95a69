"""Confinement, staged as the pull request's author would (issue 20 item 5; docs/security.md, "Paths and
symlinks"): a host path in mlgate.yaml, symlinks committed in the tree or written by the training command,
and engine arguments that mount, add privileges or pass the host's environment.

Each test fails without its defence: the "host" file outside the repository stands for /etc/shadow or a
runner's file; it must stay untouched and never reach lineage, MLflow, the report or a message.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner, Result

from mlgate.cli import cli
from tests.conftest import MlflowStore
from tests.support import report_documents as docs
from tests.support.train_project import git, invoke, make_project, train_args

SECRET = "root:$6$hunter2-host-secret:19000:0:99999:7:::"


@pytest.fixture
def host_file(tmp_path: Path) -> Path:
    """A file outside the repository (the repository is tmp_path/repo), standing for /etc/shadow."""
    path = tmp_path / "host" / "shadow"
    path.parent.mkdir()
    path.write_text(SECRET + "\n")
    return path


def set_train(config: Path, **settings: Any) -> None:
    raw = yaml.safe_load(config.read_text())
    raw["train"].update(settings)
    config.write_text(yaml.safe_dump(raw, sort_keys=False))


def everything_written(repo: Path, mlflow_store: MlflowStore) -> str:
    """All text mlgate wrote: the work directory and the MLflow store's artifacts (where a leak would go)."""
    texts = []
    for folder in (repo / ".mlgate", mlflow_store.db.parent):
        for path in folder.rglob("*"):
            if path.is_file() and not path.is_symlink():
                texts.append(path.read_bytes().decode("utf-8", "replace"))
    return "\n".join(texts)


# --- paths from mlgate.yaml ---------------------------------------------------------------------------


@pytest.mark.parametrize(("key", "value"), [
    ("predictions", "ABS"),  # evaluate.predictions: /abs/host/file deleted it and mounted its folder rw
    ("predictions", "../host/shadow"),
    ("data", "../host/shadow"),
])
def test_a_path_in_mlgate_yaml_outside_the_repository_is_refused(
        git_repo: Path, host_file: Path, key: str, value: str) -> None:
    config = make_project(git_repo)
    raw = yaml.safe_load(config.read_text())
    raw["evaluate"] = {"data": "data/train.csv", "label": "y", "command": "true", "task": "binary",
                       key: str(host_file) if value == "ABS" else value}
    config.write_text(yaml.safe_dump(raw))
    result = invoke(config, *train_args(git_repo / ".mlgate"))
    assert result.exit_code == 2, result.output
    assert f"evaluate.{key}:" in result.output and "is outside the repository" in result.output
    assert host_file.read_text() == SECRET + "\n"  # not deleted, not scored into


def test_a_symlinked_folder_leading_out_is_refused_at_load(git_repo: Path, host_file: Path) -> None:
    """`train.metrics: out/metrics.json` with `out` a committed symlink to a host folder."""
    config = make_project(git_repo)
    (git_repo / "out").symlink_to(host_file.parent)
    set_train(config, metrics="out/metrics.json")
    result = invoke(config, *train_args(git_repo / ".mlgate"))
    assert result.exit_code == 2, result.output
    assert "train.metrics: out/metrics.json is outside the repository (through a symlink" in result.output
    assert sorted(p.name for p in host_file.parent.iterdir()) == ["shadow"]


# --- symlinks in the tree, or written by the training command ---------------------------------------


def test_a_committed_train_log_symlink_is_replaced_not_written_through(
        git_repo: Path, host_file: Path, mlflow_store: MlflowStore) -> None:
    config = make_project(git_repo)
    out = git_repo / ".mlgate"
    out.mkdir()
    (out / "train.log").symlink_to(host_file)
    result = invoke(config, *train_args(out))
    assert result.exit_code == 0, result.output
    assert host_file.read_text() == SECRET + "\n"  # neither truncated nor overwritten
    assert not (out / "train.log").is_symlink() and "saved model" in (out / "train.log").read_text()


def test_a_committed_work_directory_symlink_is_refused(git_repo: Path, host_file: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """`.mlgate` committed as a link to a host folder: each stage deleted and wrote files there."""
    (host_file.parent / "validation.json").write_text("host's own file\n")
    config = make_project(git_repo)
    (git_repo / ".mlgate").symlink_to(host_file.parent)
    monkeypatch.chdir(git_repo)
    for args in (["validate", "--all"], train_args(Path(".mlgate")), ["report"]):
        result = invoke(config, *args)
        assert result.exit_code == 2, result.output
        assert "--out" in result.output and "outside the repository" in result.output
    assert (host_file.parent / "validation.json").read_text() == "host's own file\n"
    assert sorted(p.name for p in host_file.parent.iterdir()) == ["shadow", "validation.json"]


def test_a_params_symlink_to_a_host_file_is_never_read_into_lineage(
        git_repo: Path, host_file: Path, mlflow_store: MlflowStore) -> None:
    config = make_project(git_repo)
    (git_repo / "params.yaml").unlink()
    (git_repo / "params.yaml").symlink_to(host_file)
    result = invoke(config, *train_args(git_repo / ".mlgate"))
    assert result.exit_code == 2, result.output
    assert "outside the repository" in result.output
    assert "hunter2" not in result.output and "hunter2" not in everything_written(git_repo, mlflow_store)


def test_a_data_symlink_to_a_host_file_is_not_hashed_into_the_data_pin(
        git_repo: Path, host_file: Path, mlflow_store: MlflowStore) -> None:
    """lineage's data pin reads every declared dependency: a link to /etc/shadow was read and hashed."""
    config = make_project(git_repo)
    (git_repo / "data" / "train.csv").unlink()
    (git_repo / "data" / "train.csv").symlink_to(host_file)
    result = invoke(config, *train_args(git_repo / ".mlgate"))
    assert result.exit_code == 2, result.output
    assert "data/train.csv" in result.output and "outside the repository" in result.output


@pytest.mark.parametrize("output", ["metrics.json", "model/weights.txt"])
def test_outputs_the_training_links_to_a_host_file_are_refused(
        git_repo: Path, host_file: Path, mlflow_store: MlflowStore, output: str) -> None:
    """The training command (PR code) replaces its metrics or a model file by a link to a host file."""
    config = make_project(git_repo)
    set_train(config, command=f"sh train.sh && rm -f {output} && ln -s {host_file} {output}")
    result = invoke(config, *train_args(git_repo / ".mlgate"))
    assert result.exit_code == 2, result.output
    assert "outside the repository" in result.output
    assert "hunter2" not in result.output and "hunter2" not in everything_written(git_repo, mlflow_store)


def test_a_symlink_inside_the_repository_is_followed(git_repo: Path, mlflow_store: MlflowStore) -> None:
    """DVC's `symlink` cache type links data into .dvc/cache: a link that stays inside is fine."""
    config = make_project(git_repo)
    cache = git_repo / ".dvc" / "cache" / "files" / "md5" / "ab" / "cdef"
    cache.parent.mkdir(parents=True)
    (git_repo / "data" / "train.csv").rename(cache)
    (git_repo / "data" / "train.csv").symlink_to(os.path.relpath(cache, git_repo / "data"))
    git(git_repo, "add", "-A")
    git(git_repo, "commit", "-q", "-m", "dvc symlink cache")
    result = invoke(config, *train_args(git_repo / ".mlgate"))
    assert result.exit_code == 0, result.output
    pin = json.loads((git_repo / ".mlgate" / "lineage.json").read_text())["data"][0]
    assert pin["path"] == "data/train.csv" and pin["bytes"] == 12


# --- the report template -------------------------------------------------------------------------------


@pytest.fixture
def report_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "project"
    root.mkdir()
    docs.write_workdir(root / ".mlgate", verdict_doc=docs.verdict("failed"),
                       validation_doc=docs.validation(passed=True), lineage_doc=docs.lineage())
    monkeypatch.chdir(root)
    monkeypatch.setenv("GITHUB_TOKEN", "ghs_confinement_test_token_value")
    return root


def report() -> Result:
    return CliRunner().invoke(cli, ["report"], catch_exceptions=False)


def test_a_template_including_a_symlink_to_the_environment_is_refused(report_project: Path) -> None:
    """`{% include %}` of a committed link to /proc/self/environ put GITHUB_TOKEN into the PR comment."""
    (report_project / "env.md.j2").symlink_to("/proc/self/environ")
    (report_project / "report.md.j2").write_text(
        '{% extends "report.md.j2" %}{% block notes %}{% include "env.md.j2" %}{% endblock %}')
    docs.config_file(report_project, template="report.md.j2")
    result = report()
    assert result.exit_code == 2, result.output
    assert "is a symlink" in result.output
    assert "ghs_confinement" not in result.output
    assert not (report_project / ".mlgate" / "report.md").exists()


@pytest.mark.parametrize("name", ["../outside.md.j2", "sub/../../outside.md.j2"])
def test_a_template_including_a_file_outside_its_folder_is_refused(report_project: Path, name: str) -> None:
    (report_project.parent / "outside.md.j2").write_text("OUTSIDE-" + SECRET)
    (report_project / "sub").mkdir()
    (report_project / "report.md.j2").write_text(
        '{% extends "report.md.j2" %}{% block notes %}{% include "' + name + '" %}{% endblock %}')
    docs.config_file(report_project, template="report.md.j2")
    result = report()
    assert result.exit_code == 2, result.output
    assert "OUTSIDE-" not in result.output
    report_md = report_project / ".mlgate" / "report.md"
    assert not report_md.exists() or "OUTSIDE-" not in report_md.read_text()


def test_the_template_itself_as_a_symlink_is_refused(report_project: Path) -> None:
    (report_project / "report.md.j2").symlink_to("/proc/self/environ")
    docs.config_file(report_project, template="report.md.j2")
    result = report()
    assert result.exit_code == 2, result.output
    assert "ghs_confinement" not in result.output


# --- train.runtime_args --------------------------------------------------------------------------------


@pytest.mark.parametrize(("args", "named", "why"), [
    (["-v", "/:/host"], "'-v'", "mounts a host path"),
    (["--volume=/:/host"], "'--volume=/:/host'", "mounts a host path"),
    (["-itv", "/:/host"], "'-itv'", "-v in -itv: it mounts"),
    (["--mount", "type=bind,src=/,dst=/host"], "'--mount'", "mounts a host path"),
    (["--privileged"], "'--privileged'", "privileges"),
    (["--cap-add=SYS_ADMIN"], "'--cap-add=SYS_ADMIN'", "capabilities"),
    (["--security-opt", "seccomp=unconfined"], "'--security-opt seccomp=unconfined'", "privileges"),
    (["--network", "host"], "'--network host'", "host namespace"),
    (["--pid=host"], "'--pid=host'", "host namespace"),
    (["--userns", "host"], "'--userns host'", "host namespace"),
    (["--device", "/dev/sda"], "'--device /dev/sda'", "devices"),
    (["-e", "GITHUB_TOKEN"], "'-e'", "passes environment variables"),
    (["--env-file=/proc/self/environ"], "'--env-file=/proc/self/environ'", "environment"),
    (["--env-host"], "'--env-host'", "environment"),
    (["--memory", "1g", "alpine:latest"], "'alpine:latest'", "read as the image"),
])
def test_runtime_args_that_mount_escalate_or_pass_the_environment_are_refused(
        git_repo: Path, mlflow_store: MlflowStore, args: list[str], named: str, why: str) -> None:
    config = make_project(git_repo, train={"runtime_args": args})
    result = invoke(config, *train_args(git_repo / ".mlgate"))
    assert result.exit_code == 2, result.output
    assert f"train.runtime_args: {named} is not allowed" in result.output and why in result.output
    assert not (git_repo / "model").exists()  # nothing ran


def test_the_issue_s_runtime_args_are_refused_with_the_first_named(git_repo: Path) -> None:
    config = make_project(git_repo, train={
        "runtime_args": ["-v", "/:/host", "--privileged", "-e", "GITHUB_TOKEN"]})
    result = invoke(config, *train_args(git_repo / ".mlgate"))
    assert result.exit_code == 2 and "train.runtime_args: '-v' is not allowed" in result.output


def test_allowed_runtime_args_pass(git_repo: Path, mlflow_store: MlflowStore) -> None:
    config = make_project(git_repo, train={"runtime_args": [
        "--cpus", "2", "--memory=1g", "--pids-limit", "256", "--shm-size", "64m", "--network", "none",
        "--user", "1001:1001", "--gpus", "all", "--device", "nvidia.com/gpu=all", "--read-only",
        "--security-opt", "no-new-privileges", "--runtime", "runc", "--ulimit", "host", "--pull=never"]})
    result = invoke(config, *train_args(git_repo / ".mlgate"))
    assert result.exit_code == 0, result.output
