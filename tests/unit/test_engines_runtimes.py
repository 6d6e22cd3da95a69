"""The engines (mlgate.engines): container command lines, failure detection, lookup, the host's environment."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from mlgate.engines.runtimes import (
    WRAPPER,
    ContainerRuntime,
    LocalRuntime,
    engine_failed,
    find_engine,
    make_runtime,
)
from mlgate.errors import BadInput, ServiceError
from mlgate.train.runner import Invocation, Outcome, Runtime

IMAGE = "localhost/t@sha256:" + "a" * 64


def invocation(tmp_path: Path, mounts: tuple[Path, ...] = ()) -> Invocation:
    return Invocation(command="python train.py", workdir=tmp_path / "repo", env={"MLGATE_SEED": "1",
                      "MLFLOW_TRACKING_TOKEN": "s3cret"}, host_env={}, log_path=tmp_path / "log",
                      python_version_file=tmp_path / "pv", mounts=mounts)


def test_argv_mounts_the_workspace_at_the_same_path_and_passes_variables_by_name(tmp_path: Path) -> None:
    runtime = ContainerRuntime(name="podman", executable="/usr/bin/podman", image=IMAGE,
                               run_args=("--runtime", "runc", "--ulimit", "host"))
    argv = runtime.argv(invocation(tmp_path))
    repo = str((tmp_path / "repo").resolve())
    assert argv[:5] == ["/usr/bin/podman", "run", "--rm", "--entrypoint", "/bin/sh"]
    assert argv[argv.index("-v") + 1] == f"{repo}:{repo}"
    assert argv[argv.index("-w") + 1] == str(tmp_path / "repo")
    assert argv[-3:] == [IMAGE, "-c", WRAPPER]
    assert argv[-7:-3] == ["--runtime", "runc", "--ulimit", "host"]  # engine args just before the image
    names = [argv[i + 1] for i, a in enumerate(argv) if a == "-e"]
    assert {"MLGATE_SEED", "MLFLOW_TRACKING_TOKEN", "MLGATE_COMMAND"} <= set(names)
    assert not any("s3cret" in a or "python train.py" in a for a in argv)  # values never on the command line


def test_extra_mounts_inside_the_workspace_are_not_repeated(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    outside = tmp_path / "mlflow"
    runtime = ContainerRuntime(name="docker", executable="docker", image=IMAGE)
    argv = runtime.argv(invocation(tmp_path, mounts=(repo / ".mlgate", outside, outside / "sub")))
    mounts = [argv[i + 1] for i, a in enumerate(argv) if a == "-v"]
    assert mounts == [f"{repo.resolve()}:{repo.resolve()}", f"{outside.resolve()}:{outside.resolve()}"]


@pytest.mark.parametrize(
    ("code", "tail", "failed"),
    [
        (125, ["Error: initializing source docker://x"], True),
        (126, ["Error: runc: runc create failed: ... OCI permission denied"], True),
        (127, ['exec: "/bin/sh": ... OCI runtime attempted to invoke a command that was not found'], True),
        (127, ["sh: python: not found"], False),  # the training command is wrong: a training failure
        (1, ["Traceback ...", "ValueError: bad"], False),
        (0, [], False),
    ],
)
def test_engine_failed(code: int, tail: list[str], failed: bool) -> None:
    assert engine_failed(Outcome(code, tail, 0.1)) is failed


def fake_bin(folder: Path, name: str, script: str) -> None:
    path = folder / name
    path.write_text(f"#!/bin/sh\n{script}\n")
    path.chmod(path.stat().st_mode | stat.S_IEXEC)


def test_auto_skips_a_docker_without_daemon_and_names_what_it_looked_for(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A docker CLI whose daemon does not answer is stood in by a script exiting 1, as the real one does."""
    fake_bin(tmp_path, "docker", "echo 'Cannot connect to the Docker daemon' >&2; exit 1")
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(ServiceError) as caught:
        find_engine("auto")
    assert "no container engine" in caught.value.what
    assert "docker at" in caught.value.why and "daemon does not answer" in caught.value.why
    assert "podman (not on PATH)" in caught.value.why
    fake_bin(tmp_path, "podman", "exit 0")
    assert find_engine("auto") == ("podman", str(tmp_path / "podman"))


def test_an_engine_failure_names_its_reason_not_the_help_hint(tmp_path: Path) -> None:
    """The real docker CLI without a daemon ends with "Run 'docker run --help' ...": the why is the line before."""
    fake_bin(tmp_path, "docker", "echo 'docker: Cannot connect to the Docker daemon at unix:///var/run/docker.sock.'"
             " >&2; echo >&2; echo \"Run 'docker run --help' for more information\" >&2; exit 125")
    (tmp_path / "repo").mkdir()
    runtime = ContainerRuntime(name="docker", executable=str(tmp_path / "docker"), image=IMAGE)
    with pytest.raises(ServiceError) as caught:
        runtime.run(invocation(tmp_path))
    assert caught.value.why == "docker: Cannot connect to the Docker daemon at unix:///var/run/docker.sock."


def test_a_requested_engine_must_be_on_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(ServiceError) as caught:
        find_engine("docker")
    assert "'docker' not found on PATH" in caught.value.what


def test_container_runtime_needs_an_image() -> None:
    with pytest.raises(BadInput, match=r"train\.image is not set"):
        make_runtime("podman", None, [])
    assert isinstance(make_runtime("local", None, []), LocalRuntime)


def test_local_runtime_runs_the_wrapper_and_reads_the_python_version(tmp_path: Path) -> None:
    (tmp_path / "repo").mkdir()
    inv = Invocation(command='echo "seed=$MLGATE_SEED" > out.txt', workdir=tmp_path / "repo",
                     env={"MLGATE_SEED": "9"}, host_env=dict(os.environ), log_path=tmp_path / "log",
                     python_version_file=tmp_path / "pv")
    result = LocalRuntime().run(inv)
    assert result.outcome.returncode == 0
    assert (tmp_path / "repo" / "out.txt").read_text() == "seed=9\n"
    assert result.python_version is not None and result.python_version.count(".") == 2
    assert not (tmp_path / "pv").exists()  # the probe file is removed after reading
    assert os.environ.get("MLGATE_SEED") is None  # the variables went to the child only


def test_the_command_gets_the_host_environment_it_is_given_not_the_process_one(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The host's environment is read once by the command (commands/) and passed in; engines read none."""
    (tmp_path / "repo").mkdir()
    monkeypatch.setenv("MLGATE_TEST_PROCESS_ONLY", "p")
    host = {"PATH": os.environ["PATH"], "MLGATE_TEST_HOST": "h", "MLGATE_SEED": "host"}
    inv = Invocation(command='echo "$MLGATE_TEST_HOST/${MLGATE_TEST_PROCESS_ONLY:-none}/$MLGATE_SEED" > out.txt',
                     workdir=tmp_path / "repo", env={"MLGATE_SEED": "9"}, host_env=host,
                     log_path=tmp_path / "log", python_version_file=tmp_path / "pv")
    assert LocalRuntime().run(inv).outcome.returncode == 0
    assert (tmp_path / "repo" / "out.txt").read_text() == "h/none/9\n"  # the job's variables win


def test_the_engines_implement_the_port_train_defines() -> None:
    runtimes: list[Runtime] = [LocalRuntime(), ContainerRuntime(name="podman", executable="podman", image=IMAGE)]
    assert [(r.name, r.pinned) for r in runtimes] == [("local", False), ("podman", True)]
