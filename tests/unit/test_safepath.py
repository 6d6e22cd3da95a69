"""mlgate.safepath and the checks built on it: paths from mlgate.yaml confined to the repository, symlinks
followed only inside it, writes never through a link, train.runtime_args on an allowlist, and the disk
faults as exit 3. Real files, links and FIFOs in tmp; each test fails without its check."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from mlgate import safepath
from mlgate.config import parse_config
from mlgate.engines.runtimes import check_runtime_args
from mlgate.errors import EXIT_SERVICE, BadInput


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    (root / ".git").mkdir(parents=True)
    (root / "data").mkdir()
    (root / "data" / "x.csv").write_text("a\n1\n")
    return root


@pytest.fixture
def host(tmp_path: Path) -> Path:
    path = tmp_path / "host" / "shadow"
    path.parent.mkdir()
    path.write_text("host secret\n")
    return path


def test_the_repository_is_the_folder_holding_git(repo: Path) -> None:
    assert safepath.repository(repo / "data") == repo
    assert safepath.repository(repo / "data" / "new" / "deeper") == repo


def test_a_symlink_leading_out_is_never_read(repo: Path, host: Path) -> None:
    (repo / "data" / "link.csv").symlink_to(host)
    with pytest.raises(BadInput, match="symlink leading outside the repository"):
        safepath.read_bytes(repo / "data" / "link.csv")


def test_a_symlinked_parent_folder_leading_out_is_never_read(repo: Path, host: Path) -> None:
    (repo / "linked").symlink_to(host.parent)
    with pytest.raises(BadInput, match="outside the repository"):
        safepath.read_bytes(repo / "linked" / "shadow")


def test_a_symlink_inside_the_repository_is_followed(repo: Path) -> None:
    (repo / "data" / "link.csv").symlink_to("x.csv")
    assert safepath.read_bytes(repo / "data" / "link.csv") == b"a\n1\n"


def test_a_fifo_is_not_waited_on(repo: Path) -> None:
    os.mkfifo(repo / "data" / "pipe.csv")
    with pytest.raises(OSError, match="not a regular file"):
        safepath.read_bytes(repo / "data" / "pipe.csv")


def test_an_atomic_write_replaces_a_symlink_not_its_target(repo: Path, host: Path) -> None:
    (repo / "out.json").symlink_to(host)
    safepath.write_atomic(repo / "out.json", b"{}")
    assert host.read_text() == "host secret\n"
    assert not (repo / "out.json").is_symlink() and (repo / "out.json").read_bytes() == b"{}"


def test_a_log_replaces_a_symlink_not_its_target(repo: Path, host: Path) -> None:
    (repo / "train.log").symlink_to(host)
    with safepath.open_new(repo / "train.log") as log:
        log.write(b"line\n")
    assert host.read_text() == "host secret\n" and (repo / "train.log").read_text() == "line\n"


def test_no_write_into_a_symlinked_folder_leading_out(repo: Path, host: Path) -> None:
    (repo / ".mlgate").symlink_to(host.parent)
    with pytest.raises(BadInput, match="outside the repository"):
        safepath.write_atomic(repo / ".mlgate" / "shadow", b"overwritten")
    assert host.read_text() == "host secret\n"


def test_a_tree_holding_a_link_out_is_refused(repo: Path, host: Path) -> None:
    (repo / "model").mkdir()
    (repo / "model" / "weights").symlink_to(host)
    with pytest.raises(BadInput, match="model/weights"):
        safepath.check_tree(repo / "model")


CONFIG = {"model": {"name": "m"}, "train": {"command": "true"}}


@pytest.mark.parametrize(("section", "key", "value"), [
    ("train", "params", "/etc/shadow"),
    ("train", "metrics", "../../metrics.json"),
    ("train", "model", "/tmp"),
    ("report", "template", "../t.md.j2"),
    ("evaluate", "predictions", "/abs/host/file"),
    ("evaluate", "data", "data/../../x.csv"),
])
def test_a_config_path_outside_the_repository_names_the_key(repo: Path, section: str, key: str,
                                                            value: str) -> None:
    raw = {**CONFIG, "train": {"command": "true"}}
    if section == "evaluate":
        raw["evaluate"] = {"data": "data/x.csv", "label": "a", "command": "true", "task": "binary"}
    raw.setdefault(section, {})[key] = value
    with pytest.raises(BadInput, match=f"{section}.{key}: .* is outside the repository") as caught:
        parse_config(raw, source="mlgate.yaml", root=repo)
    assert value in caught.value.what


def test_a_config_path_through_a_symlinked_folder_is_refused(repo: Path, host: Path) -> None:
    (repo / "out").symlink_to(host.parent)
    raw = {**CONFIG, "data": [{"path": "out/*.csv"}]}
    with pytest.raises(BadInput, match=r"data\[0\].path: out/\*.csv is outside the repository"):
        parse_config(raw, source="mlgate.yaml", root=repo)


def test_config_paths_inside_the_repository_and_urls_pass(repo: Path) -> None:
    raw = {**CONFIG, "data": [{"path": "data/*.csv"}, {"path": "s3a://bucket/x.parquet", "engine": "spark"}],
           "train": {"command": "true", "params": str(repo / "params.yaml"), "model": "model/"}}
    config = parse_config(raw, source="mlgate.yaml", root=repo / "data" / ".." )
    assert ("train.model", "model/") in config.paths()


@pytest.mark.parametrize("args", [
    ["-v", "/:/host"], ["--volume", "/:/host"], ["--mount=type=bind,src=/,dst=/h"], ["-itv", "/:/h"],
    ["--privileged"], ["--cap-add", "ALL"], ["--security-opt=apparmor=unconfined"], ["--network=host"],
    ["--net", "host"], ["--ipc=host"], ["--pid", "host"], ["--uts=host"], ["--userns=host"],
    ["--device=/dev/mem"], ["--runtime", "/repo/evil.sh"], ["-e", "GITHUB_TOKEN"], ["-eTOKEN"],
    ["--env=A=1"], ["--env-file", ".env"], ["--env-host"], ["--tmpfs", "/x"], ["busybox"], ["--memory"],
])
def test_runtime_args_refused(args: list[str]) -> None:
    with pytest.raises(BadInput, match=r"train.runtime_args: .* is not allowed"):
        check_runtime_args(args)


def test_runtime_args_allowed() -> None:
    check_runtime_args(["--cpus", "1.5", "-m", "512m", "-m1g", "--memory-swap=1g", "--pids-limit", "100",
                        "--shm-size=1g", "--gpus", "device=0", "--device", "/dev/nvidia0",
                        "--device=/dev/dri/renderD128", "--network", "none", "-u", "1001:1001",
                        "--userns=keep-id", "--cap-drop", "ALL", "--read-only", "--init"])


@pytest.mark.parametrize(("code", "why"), [(errno.ENOSPC, "the disk is full"),
                                           (errno.EROFS, "read-only"), (errno.EFBIG, "file-size limit")])
def test_a_disk_fault_anywhere_in_the_chain_is_exit_3(code: int, why: str) -> None:
    try:
        try:
            raise OSError(code, os.strerror(code), "/out/report.md")
        except OSError as inner:
            raise RuntimeError("a library wrapped it") from inner
    except RuntimeError as outer:
        fault = safepath.disk_fault_in_chain(outer)
    assert fault is not None and fault.exit_code == EXIT_SERVICE
    assert "/out/report.md" in fault.what and why in fault.why and fault.fix


def test_other_os_errors_stay_what_they_are() -> None:
    assert safepath.disk_fault_in_chain(OSError(errno.EIO, "I/O error")) is None
