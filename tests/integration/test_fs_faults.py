"""File-system faults (issue 20 item 8): a full disk, a read-only `--out` and a file-size limit are exit 3
with what, why and how to fix it, and nothing half-written (no truncated document, no temp file left).

The faults are real: a file-size limit set with RLIMIT_FSIZE in the mlgate process (Python ignores SIGXFSZ,
so the write fails with EFBIG), a 64 KiB tmpfs filled to the last byte (ENOSPC), and a tmpfs remounted
read-only (EROFS). Mounting needs root (CAP_SYS_ADMIN): where it is refused, those two tests are skipped,
saying so.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.data_factories import DataProject, iris_project

LIMITED = """\
import resource, signal, sys
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
resource.setrlimit(resource.RLIMIT_FSIZE, (int(sys.argv[1]), int(sys.argv[1])))
from mlgate.cli import main
sys.argv = ["mlgate", *sys.argv[2:]]
main()
"""


@pytest.fixture
def project(git_repo: Path) -> DataProject:
    return iris_project(git_repo)


def mlgate(project: DataProject, out: Path, limit: int | None = None) -> subprocess.CompletedProcess[str]:
    args = ["--config", str(project.root / "mlgate.yaml"), "validate", "--all", "--out", str(out)]
    argv = [sys.executable, "-c", LIMITED, str(limit), *args] if limit else [sys.executable, "-m", "mlgate",
                                                                             *args]
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    return subprocess.run(argv, cwd=project.root, capture_output=True, text=True, env=env, timeout=300)


def assert_nothing_half_written(out: Path) -> None:
    left = sorted(p.name for p in out.iterdir()) if out.is_dir() else []
    assert [name for name in left if name.startswith(".")] == []  # no temp file of an atomic write
    assert "validation.json" not in left


def assert_exit_3(done: subprocess.CompletedProcess[str], why: str) -> None:
    text = done.stdout + done.stderr
    assert done.returncode == 3, text
    assert "Traceback" not in text and "bug in mlgate" not in text
    assert "cannot write" in text and why in text and "fix:" in text


def test_a_file_size_limit_is_exit_3_and_leaves_no_half_file(project: DataProject, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert mlgate(project, out).returncode == 0  # validation.json is written without the limit
    size = (out / "validation.json").stat().st_size
    assert size > 300
    (out / "validation.json").unlink()
    done = mlgate(project, out, limit=300)
    assert_exit_3(done, "file-size limit")
    assert_nothing_half_written(out)


@contextlib.contextmanager
def tmpfs(where: Path, size: str) -> Iterator[Path]:
    where.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)],
                             capture_output=True, text=True, check=False)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here (needs root): {mounted.stderr.strip()}")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False, capture_output=True)


def fill(folder: Path) -> None:
    """Write to `folder` until its file system is full."""
    with (folder / "filler").open("wb", buffering=0) as handle:
        try:
            while True:
                handle.write(b"\0" * 4096)
        except OSError as exc:
            assert exc.errno == 28  # ENOSPC
    with contextlib.suppress(OSError), (folder / "filler2").open("wb", buffering=0) as handle:
        while True:
            handle.write(b"\0")


def test_a_full_disk_is_exit_3_and_leaves_no_half_file(project: DataProject, tmp_path: Path) -> None:
    with tmpfs(tmp_path / "disk", "64k") as disk:
        out = disk / "out"
        out.mkdir()
        fill(disk)
        done = mlgate(project, out)
        assert_exit_3(done, "the disk is full")
        assert_nothing_half_written(out)


def test_a_read_only_out_is_exit_3(project: DataProject, tmp_path: Path) -> None:
    with tmpfs(tmp_path / "ro", "1m") as disk:
        out = disk / "out"
        out.mkdir()
        remounted = subprocess.run(["mount", "-o", "remount,ro", str(disk)], capture_output=True, text=True,
                                   check=False)
        if remounted.returncode != 0:
            pytest.skip(f"cannot remount the tmpfs read-only: {remounted.stderr.strip()}")
        done = mlgate(project, out)
        assert_exit_3(done, "read-only")
        assert "--out" in done.stdout + done.stderr
        assert_nothing_half_written(out)
