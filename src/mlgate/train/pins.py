"""The code, environment and configuration pins, and the model files' hashes. No MLflow here."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
from pathlib import Path
from typing import Any

from mlgate import safepath
from mlgate.data.versions import file_digest
from mlgate.documents import CodePin
from mlgate.errors import BadInput
from mlgate.parse import read_yaml


def sha256_file(path: Path) -> str:
    """The hex sha256 of a file, read in 1 MiB blocks."""
    return file_digest(path, "sha256")


def _git(root: Path, *args: str) -> subprocess.CompletedProcess[bytes] | None:
    try:
        return subprocess.run(["git", "-C", str(root), *args], capture_output=True, timeout=120, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None


def code_pin(root: Path, ignore: tuple[Path, ...] = ()) -> CodePin:
    """git commit, whether the work tree differs from it, and a sha256 of the difference when it does."""
    return code_state(root, ignore)[0]


def code_state(root: Path, ignore: tuple[Path, ...] = ()) -> tuple[CodePin, list[str]]:
    """The code pin, and the paths (from the repository root, sorted) that made the work tree dirty.

    `ignore` names mlgate's own folders (the work directory, the embedded MLflow store) and the outputs
    the config declares (the metrics file, the model): what mlgate and the training write there does not
    make the code dirty. Outside a git repository (or without git) the commit is None: the run cannot be
    rebuilt from code.
    """
    head = _git(root, "rev-parse", "HEAD")
    top = _git(root, "rev-parse", "--show-toplevel")
    if head is None or head.returncode != 0 or top is None or top.returncode != 0:
        return CodePin(commit=None, dirty=None, diff_sha256=None), []
    top_dir = Path(top.stdout.decode().strip())
    spec = ["--", ".", *_excludes(top_dir, ignore)]
    status = _git(top_dir, "status", "--porcelain", "-z", "--untracked-files=all", *spec)
    changes = status.stdout if status is not None and status.returncode == 0 else b""
    changed = _changed_paths(changes)
    dirty = bool(changes.strip())
    pin = CodePin(commit=head.stdout.decode().strip(), dirty=dirty,
                  diff_sha256=_diff_sha256(top_dir, spec) if dirty else None)
    return pin, changed


def _changed_paths(porcelain: bytes) -> list[str]:
    """The paths of `git status --porcelain -z`: `XY path`, and a rename's (or copy's) source after it."""
    entries = porcelain.decode("utf-8", "replace").split("\0")
    paths, skip = set(), False
    for entry in entries:
        if skip or len(entry) < 4:
            skip = False
            continue
        paths.add(entry[3:])
        skip = entry[0] in "RC"  # the next entry is the path it was renamed or copied from
    return sorted(paths)


def _excludes(top: Path, ignore: tuple[Path, ...]) -> list[str]:
    """`:(exclude)` pathspecs for the ignored folders inside the repository."""
    specs = []
    for folder in ignore:
        try:
            rel = folder.resolve().relative_to(top.resolve()).as_posix()
        except ValueError:
            continue
        if rel != ".":
            specs.append(f":(exclude){rel}")
    return specs


def _diff_sha256(top: Path, spec: list[str]) -> str:
    """sha256 over `git diff HEAD --binary` and the content of every untracked file."""
    digest = hashlib.sha256()
    diff = _git(top, "diff", "HEAD", "--binary", *spec)
    digest.update(diff.stdout if diff is not None else b"")
    untracked = _git(top, "ls-files", "-z", "--others", "--exclude-standard", *spec)
    names = untracked.stdout.decode("utf-8", "replace").split("\0") if untracked is not None else []
    for rel in sorted(name for name in names if name):
        path = top / rel
        digest.update(f"\0untracked {rel}\0".encode())
        if path.is_file():
            digest.update(sha256_file(path).encode())
    return digest.hexdigest()


def read_params(path: Path, field: str = "train.params") -> dict[str, Any]:
    """The hyperparameters file (YAML or JSON) as a mapping; BadInput when missing or malformed."""
    if not path.is_file():
        raise BadInput(f"params file {path} not found", f"{field} names it",
                       f"create the file or fix {field} in mlgate.yaml", file=str(path))
    raw = read_yaml(path, f"params file {path}", "fix its syntax (YAML, or JSON)")
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise BadInput(f"params file {path} must hold a mapping of parameters",
                       f"got {type(raw).__name__}", "write `name: value` pairs", file=str(path))
    plain: dict[str, Any] = json.loads(json.dumps(raw, default=str))  # plain JSON values (dates → strings)
    return plain


def flat_params(params: dict[str, Any], prefix: str = "") -> dict[str, str]:
    """Nested params as MLflow params: `{"model": {"depth": 3}}` → `{"model.depth": "3"}`."""
    flat: dict[str, str] = {}
    for key, value in params.items():
        name = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, dict):
            flat.update(flat_params(value, name))
        else:
            flat[name] = value if isinstance(value, str) else json.dumps(value)
    return flat


def optional_sha256(path: Path | None, field: str) -> str | None:
    """sha256 of a configured file (lockfile, params); BadInput when it is configured but missing."""
    if path is None:
        return None
    if not path.is_file():
        raise BadInput(f"{path} not found", f"{field} names it",
                       f"create the file or fix {field} in mlgate.yaml", file=str(path))
    return sha256_file(path)


def model_files(path: Path) -> dict[str, str]:
    """relpath → sha256 of every file of the model (a directory, or a single file); a symlink leading out
    of the repository (the model folder itself, or a file in it) is refused (mlgate.safepath)."""
    safepath.check_tree(path, what="train.model")
    if path.is_file():
        return {path.name: sha256_file(path)}
    found = sorted(p for p in path.rglob("*") if p.is_file())
    return {p.relative_to(path).as_posix(): sha256_file(p) for p in found}


def files_digest(files: dict[str, str]) -> str:
    """One sha256 for a set of model files (over sorted `relpath sha256` lines)."""
    body = "".join(f"{rel} {sha}\n" for rel, sha in sorted(files.items()))
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def relative_to_root(path: Path, root: Path) -> str:
    """A path as the lineage records it: relative to the repository root when inside it. The name as
    written is kept (a DVC `symlink` cache link is `data/x.csv`, not the cache object it points at)."""
    lexical = Path(os.path.normpath(os.path.abspath(path)))
    for base in (Path(os.path.normpath(os.path.abspath(root))), root.resolve()):
        if lexical.is_relative_to(base):
            return lexical.relative_to(base).as_posix()
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.resolve().as_posix()
