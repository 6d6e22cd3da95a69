"""The `git worktree`s mlgate makes to score a model at its recorded commit, and the stale ones it prunes.

Each lives in a fresh temporary folder `mlgate-production-*/code`, with a lock file `mlgate.lock` beside it
held (flock) for as long as the scoring runs. A process killed with SIGKILL never removes its worktree: the
folder stays, git keeps it registered. The next `mlgate evaluate` (or monitor's live performance) in the
clone removes every mlgate worktree whose lock no process holds, and lets git forget those whose folder is
gone. A worktree of a scoring still running (its lock held) is left alone.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

PREFIX = "mlgate-production-"
TREE = "code"
LOCK = "mlgate.lock"


def _git(top: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", "-C", str(top), *args], capture_output=True, text=True, timeout=300,
                          check=False)


def _try_lock(handle: IO[str]) -> bool:
    """Take the lock without waiting; False when another process holds it (or flock is missing)."""
    try:
        import fcntl
    except ImportError:  # Windows: no advisory locks; nothing is pruned
        return False
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    return True


@contextmanager
def locked_folder() -> Iterator[Path]:
    """A new temporary folder for a worktree, its lock held until the block ends (then the folder goes)."""
    folder = Path(tempfile.mkdtemp(prefix=PREFIX))
    try:
        with (folder / LOCK).open("w") as handle:
            _try_lock(handle)
            yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _stale(tree: Path) -> bool:
    """Whether a worktree folder of mlgate's is left by a process that is gone (its lock is free)."""
    lock = tree.parent / LOCK
    if not tree.parent.is_dir():
        return True
    if not lock.is_file():
        return True  # made by an mlgate from before the lock, or half made: nobody uses it
    try:
        with lock.open("a") as handle:
            return _try_lock(handle)  # released when the file closes
    except OSError:
        return False


def mlgate_worktrees(top: Path) -> list[Path]:
    """The worktrees of the clone that mlgate made (`…/mlgate-production-*/code`)."""
    done = _git(top, "worktree", "list", "--porcelain")
    if done.returncode != 0:
        return []
    lines = done.stdout.splitlines()
    paths = [Path(line[len("worktree "):]) for line in lines if line.startswith("worktree ")]
    return [p for p in paths if p.name == TREE and p.parent.name.startswith(PREFIX)]


def prune_stale(top: Path) -> list[Path]:
    """Remove mlgate's worktrees whose process is gone; the ones removed."""
    removed = []
    for tree in mlgate_worktrees(top):
        if not _stale(tree):
            continue
        _git(top, "worktree", "remove", "--force", str(tree))
        shutil.rmtree(tree.parent, ignore_errors=True)
        removed.append(tree)
    if removed:
        _git(top, "worktree", "prune")
    return removed
