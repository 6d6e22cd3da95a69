"""Data versions: the DVC md5 where DVC tracks the data, else the sha256 of its content; plus bytes.

`dataset_version(path, repo_root)` is what training lineage records for every dependency:

    {"kind": "dvc-md5" | "sha256", "value": "<hex>", "bytes": 1234, "rows": 100 | None,
     "dvc": {"metafile": "data/train.csv.dvc", "out": "data/train.csv", "in_sync": true}}   # DVC only

For a DVC-tracked file the value is the md5 of the workspace content, which equals the md5 DVC recorded
when the workspace is in sync (`dvc.in_sync`); a file inside a DVC-tracked directory gets its own md5 too,
and a tracked directory gets DVC's `.dir` md5 (the md5 of its JSON manifest, computed as DVC does).
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

from mlgate import safepath
from mlgate.data.dvcmeta import DvcIndex, DvcOut, load_index
from mlgate.errors import BadInput
from mlgate.parse import read_json

BLOCK = 1 << 20
_SKIP_IN_DIRS = {".git", ".dvc"}


def file_digest(path: Path, algorithm: str) -> str:
    """The hex digest of a file's bytes, read in 1 MiB blocks."""
    digest = hashlib.new(algorithm)
    with safepath.open_read(path) as handle:
        while block := handle.read(BLOCK):
            digest.update(block)
    return digest.hexdigest()


def _dir_files(path: Path) -> list[tuple[str, Path]]:
    found: list[tuple[str, Path]] = []
    for folder, dirs, files in os.walk(path):
        dirs[:] = sorted(d for d in dirs if d not in _SKIP_IN_DIRS)
        for name in files:
            full = Path(folder, name)
            found.append((full.relative_to(path).as_posix(), full))
    return sorted(found)


def dir_digest(path: Path, algorithm: str) -> tuple[str, int]:
    """A directory's digest as DVC computes it: the hash of a sorted JSON manifest, suffixed `.dir`."""
    manifest = []
    total = 0
    for rel, full in _dir_files(path):
        manifest.append({algorithm: file_digest(full, algorithm), "relpath": rel})
        total += full.stat().st_size
    body = json.dumps(manifest, sort_keys=True).encode("utf-8")
    return hashlib.new(algorithm, body).hexdigest() + ".dir", total


def _digest(path: Path, algorithm: str) -> tuple[str, int]:
    if path.is_dir():
        return dir_digest(path, algorithm)
    return file_digest(path, algorithm), path.stat().st_size


def _relative(path: Path, repo_root: Path) -> str:
    try:
        return path.resolve().relative_to(repo_root.resolve()).as_posix()
    except ValueError:
        return path.resolve().as_posix()


def not_pulled(rel: str, out: DvcOut) -> BadInput:
    return BadInput(
        f"{rel} is tracked by DVC ({out.metafile}) but its data is not in the workspace",
        "mlgate reads the data itself, and DVC has not fetched it",
        f"run `dvc pull {out.metafile}` (or `dvc pull`) before mlgate",
        file=out.metafile,
    )


def dataset_version(path: Path, repo_root: Path, *, index: DvcIndex | None = None,
                    rows: int | None = None) -> dict[str, Any]:
    """The version of a data file or directory: DVC md5 where DVC tracks it, else sha256; plus bytes.

    Raises BadInput when the path does not exist (with "run dvc pull" when DVC tracks it).
    """
    index = index if index is not None else load_index(repo_root)
    rel = _relative(path, repo_root)
    out = index.owner(rel)
    if not path.exists():
        if out is not None:
            raise not_pulled(rel, out)
        raise BadInput(f"{rel} not found", "a dataset or dependency names it",
                       "check the path in mlgate.yaml")
    if out is None:
        value, size = _digest(path, "sha256")
        return {"kind": "sha256", "value": value, "bytes": size, "rows": _rows(path, rows)}
    value, size = _digest(path, "md5")
    in_sync = _in_sync(out, rel, value, size, repo_root)
    return {
        "kind": "dvc-md5",
        "value": value,
        "bytes": size,
        "rows": _rows(path, rows),
        "dvc": {"metafile": out.metafile, "out": out.path, "in_sync": in_sync},
    }


def _in_sync(out: DvcOut, rel: str, value: str, size: int, repo_root: Path) -> bool | None:
    """Whether the workspace matches what DVC recorded; None when that cannot be told cheaply."""
    if out.path == rel:
        if out.hash_name != "md5":  # DVC 2 metafile (md5 of text with CRLF made LF): compare sizes only
            return out.size == size if out.size is not None else None
        return out.md5 == value
    manifest = cached_manifest(out.md5, repo_root)
    if manifest is None:
        return None
    inner = rel[len(out.path.rstrip("/")) + 1:]
    return manifest.get(inner) == value


def edited_files(out: DvcOut, repo_root: Path) -> list[str]:
    """The files of a DVC output whose workspace content differs from what its metafile records (edited,
    not `dvc add`ed): posix paths relative to the root. Every file of a tracked directory when its md5
    differs and its `.dir` manifest is not in the local cache. [] when in sync, when the output is not in
    the workspace, or when it cannot be told (no md5 recorded; a DVC 2 hash compared by size only)."""
    path = repo_root / out.path
    if not out.md5 or not path.exists():
        return []
    if not out.is_dir:
        if not path.is_file():
            return []
        size = path.stat().st_size
        if out.size is not None and out.size != size:
            return [out.path]
        if out.hash_name != "md5":  # DVC 2 (md5 of text with CRLF made LF): sizes only, as _in_sync
            return []
        return [] if file_digest(path, "md5") == out.md5 else [out.path]
    if not path.is_dir() or out.hash_name != "md5":
        return []
    prefix = out.path.rstrip("/") + "/"
    files = _dir_files(path)
    manifest = cached_manifest(out.md5, repo_root)
    if manifest is None:
        value, _ = dir_digest(path, "md5")
        return [] if value == out.md5 else [prefix + rel for rel, _ in files]
    return [prefix + rel for rel, full in files if manifest.get(rel) != file_digest(full, "md5")]


def cached_manifest(md5: str | None, repo_root: Path) -> dict[str, str] | None:
    """relpath → md5 of a tracked directory, from its `.dir` object in the local DVC cache, if there."""
    if not md5 or not md5.endswith(".dir"):
        return None
    cache = repo_root / ".dvc" / "cache" / "files" / "md5" / md5[:2] / md5[2:]
    try:
        entries = read_json(cache, f"DVC cache object {cache}", "")
    except BadInput:  # missing or unreadable: the version is then told without a manifest
        return None
    if not isinstance(entries, list):
        return None
    return {str(e.get("relpath")): str(e.get("md5")) for e in entries if isinstance(e, dict)}


def _rows(path: Path, rows: int | None) -> int | None:
    """Rows when known: given by the caller (validation counted them), or from a Parquet footer."""
    if rows is not None or path.is_dir() or path.suffix.lower() not in {".parquet", ".pq"}:
        return rows
    try:
        import pyarrow.parquet as pq

        with safepath.open_read(path) as raw:
            return int(pq.ParquetFile(raw).metadata.num_rows)
    except Exception:  # not a readable Parquet file: rows unknown, the version still stands
        return None
