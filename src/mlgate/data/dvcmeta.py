"""DVC metadata: the outputs that `.dvc` files and `dvc.lock` stages track, read from their YAML.

Parsing the metafiles directly (rather than opening a `dvc.repo.Repo`) keeps this fast and lets us read
the base commit's version of a metafile with `git show`, which is how changed DVC data is found.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from mlgate.errors import BadInput
from mlgate.parse import MAX_YAML_BYTES, load_yaml, read_text

LOCKFILE = "dvc.lock"
METAFILE_SUFFIX = ".dvc"
_SKIP_DIRS = {".git", ".dvc", ".venv", "venv", "node_modules", "__pycache__", ".mlgate", ".tox"}

RECREATE = "fix the file or re-create it with `dvc add`/`dvc repro`"


@dataclass(frozen=True)
class DvcOut:
    """One output DVC tracks: its path in the repo, the hash DVC recorded, and the file that records it."""

    path: str  # posix, relative to the repository root
    md5: str | None
    size: int | None
    hash_name: str  # "md5" (DVC 3) or "md5-dos2unix" (DVC 2 metafiles without `hash: md5`)
    metafile: str  # posix, relative to the repository root

    @property
    def is_dir(self) -> bool:
        return bool(self.md5 and self.md5.endswith(".dir"))

    def contains(self, rel_path: str) -> bool:
        """True when rel_path is this output or lies inside it (a tracked directory)."""
        return rel_path == self.path or rel_path.startswith(self.path.rstrip("/") + "/")


def is_metafile(rel_path: str) -> bool:
    name = PurePosixPath(rel_path).name
    return name == LOCKFILE or (name.endswith(METAFILE_SUFFIX) and name != METAFILE_SUFFIX)


def read_metafile(repo_root: Path, rel_path: str) -> list[DvcOut]:
    """The outputs recorded in the workspace's `.dvc` file or `dvc.lock` at rel_path."""
    return parse_metafile(rel_path, read_text(repo_root / rel_path, rel_path, RECREATE, file=rel_path,
                                              limit=MAX_YAML_BYTES))


def parse_metafile(rel_path: str, text: str) -> list[DvcOut]:
    """The outputs recorded in one `.dvc` file or `dvc.lock` (given as its text), relative to the repo."""
    raw = load_yaml(text, rel_path, RECREATE, file=rel_path) or {}
    if not isinstance(raw, Mapping):
        raise BadInput(f"{rel_path} is not a DVC metafile", "expected a mapping", "re-create it",
                       file=rel_path)
    folder = PurePosixPath(rel_path).parent
    if PurePosixPath(rel_path).name == LOCKFILE:
        return list(_lock_outs(rel_path, folder, raw))
    wdir = folder / str(raw.get("wdir", "."))
    return [out for entry in _entries(raw.get("outs")) if (out := _out(entry, wdir, rel_path))]


def _lock_outs(rel_path: str, folder: PurePosixPath, raw: Mapping[str, Any]) -> Iterator[DvcOut]:
    stages = raw.get("stages")
    if not isinstance(stages, Mapping):
        return
    for stage in stages.values():
        if not isinstance(stage, Mapping):
            continue
        # dvc.lock records paths relative to the stage's wdir, which dvc.yaml holds; "." is the default.
        for entry in _entries(stage.get("outs")):
            if out := _out(entry, folder, rel_path):
                yield out


def _entries(value: Any) -> Iterable[Mapping[str, Any]]:
    if isinstance(value, list):
        return [entry for entry in value if isinstance(entry, Mapping)]
    return []


def _out(entry: Mapping[str, Any], base: PurePosixPath, metafile: str) -> DvcOut | None:
    path = entry.get("path")
    if not isinstance(path, str) or not path:
        return None
    rel = _normalize(base / path)
    md5 = entry.get("md5")
    size = entry.get("size")
    hash_name = "md5" if entry.get("hash") == "md5" else "md5-dos2unix"
    return DvcOut(
        path=rel,
        md5=str(md5) if md5 else None,
        size=int(size) if isinstance(size, int) else None,
        hash_name=hash_name,
        metafile=metafile,
    )


def _normalize(path: PurePosixPath) -> str:
    return os.path.normpath(str(path)).replace(os.sep, "/")


def find_metafiles(repo_root: Path) -> list[str]:
    """Every `.dvc` file and `dvc.lock` in the repository (posix, relative), git-aware when possible."""
    listed = _git_metafiles(repo_root)
    if listed is not None:
        return listed
    found: list[str] = []
    for folder, dirs, files in os.walk(repo_root):
        dirs[:] = [d for d in dirs if d not in _SKIP_DIRS]
        for name in files:
            rel = Path(folder, name).relative_to(repo_root).as_posix()
            if is_metafile(rel):
                found.append(rel)
    return sorted(found)


def _git_metafiles(repo_root: Path) -> list[str] | None:
    """Tracked and untracked-but-not-ignored metafiles; None when repo_root is not a git work tree."""
    try:
        result = subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard", "--",
             "*.dvc", "dvc.lock", "**/dvc.lock"],
            cwd=repo_root, capture_output=True, check=False,
        )
    except OSError:
        return None
    if result.returncode != 0:
        return None
    names = {name for name in result.stdout.decode("utf-8", "replace").split("\0") if name}
    return sorted(name for name in names if is_metafile(name) and (repo_root / name).is_file())


@dataclass(frozen=True)
class DvcIndex:
    """All outputs DVC tracks in a workspace."""

    outs: tuple[DvcOut, ...]

    def owner(self, rel_path: str) -> DvcOut | None:
        """The output that is rel_path or the tracked directory holding it (the innermost one)."""
        holders = [out for out in self.outs if out.contains(rel_path)]
        return max(holders, key=lambda out: len(out.path)) if holders else None


def load_index(repo_root: Path) -> DvcIndex:
    outs: list[DvcOut] = []
    for rel in find_metafiles(repo_root):
        outs.extend(read_metafile(repo_root, rel))
    return DvcIndex(tuple(outs))
