"""The code, environment and configuration pins, and the model files' hashes. No MLflow here."""

from __future__ import annotations

import hashlib
import json
import subprocess
from pathlib import Path
from typing import Any

import yaml

from mlgate.errors import BadInput

BLOCK = 1 << 20


def sha256_file(path: Path) -> str:
    """The hex sha256 of a file, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(BLOCK):
            digest.update(block)
    return digest.hexdigest()


def _git(root: Path, *args: str) -> subprocess.CompletedProcess[bytes] | None:
    try:
        return subprocess.run(["git", "-C", str(root), *args], capture_output=True, timeout=120, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None


def code_pin(root: Path) -> dict[str, Any]:
    """git commit, whether the work tree differs from it, and a sha256 of the difference when it does.

    Outside a git repository (or without git) the commit is None: the run cannot be rebuilt from code.
    """
    head = _git(root, "rev-parse", "HEAD")
    if head is None or head.returncode != 0:
        return {"commit": None, "dirty": None, "diff_sha256": None}
    status = _git(root, "status", "--porcelain", "--untracked-files=all")
    changes = status.stdout if status is not None and status.returncode == 0 else b""
    dirty = bool(changes.strip())
    return {
        "commit": head.stdout.decode().strip(),
        "dirty": dirty,
        "diff_sha256": _diff_sha256(root, changes) if dirty else None,
    }


def _diff_sha256(root: Path, porcelain: bytes) -> str:
    """sha256 over `git diff HEAD --binary` and the content of every untracked file."""
    digest = hashlib.sha256()
    diff = _git(root, "diff", "HEAD", "--binary")
    digest.update(diff.stdout if diff is not None else b"")
    for line in porcelain.decode("utf-8", "replace").splitlines():
        if line.startswith("?? "):
            rel = line[3:].strip().strip('"')
            path = root / rel
            digest.update(f"\0untracked {rel}\0".encode())
            if path.is_file():
                digest.update(sha256_file(path).encode())
    return digest.hexdigest()


def read_params(path: Path, field: str = "train.params") -> dict[str, Any]:
    """The hyperparameters file (YAML or JSON) as a mapping; BadInput when missing or malformed."""
    if not path.is_file():
        raise BadInput(f"params file {path} not found", f"{field} names it",
                       f"create the file or fix {field} in mlgate.yaml", file=str(path))
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise BadInput(f"params file {path} is not valid YAML or JSON", str(exc).splitlines()[0],
                       "fix its syntax", file=str(path)) from exc
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
    """relpath → sha256 of every file of the model (a directory, or a single file)."""
    if path.is_file():
        return {path.name: sha256_file(path)}
    found = sorted(p for p in path.rglob("*") if p.is_file())
    return {p.relative_to(path).as_posix(): sha256_file(p) for p in found}


def files_digest(files: dict[str, str]) -> str:
    """One sha256 for a set of model files (over sorted `relpath sha256` lines)."""
    body = "".join(f"{rel} {sha}\n" for rel, sha in sorted(files.items()))
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def relative_to_root(path: Path, root: Path) -> str:
    """A path as the lineage records it: relative to the repository root when inside it."""
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.resolve().as_posix()
