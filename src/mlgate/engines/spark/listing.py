"""The version of a Spark dataset: the DVC md5 when DVC tracks it, else a digest of its file listing.

Hashing the content of a dataset that lives in an object store, or is larger than the runner, is what
`engine: spark` avoids, so:

- a dataset whose path is a DVC output (a `.dvc` file or a `dvc.lock` entry records it) gets the md5 DVC
  recorded (`dvc-md5`); mlgate does not re-hash it, so `dvc.in_sync` is null (not checked);
- any other gets `file-listing`: the sha256 of the sorted lines `path<TAB>bytes<TAB>mtime-ms`, one per file
  Spark reads (paths relative to the repository for local files, else their URIs). It changes when a file
  is added, removed or rewritten; it is not a digest of the content (a rewrite with the same bytes, or a
  fresh checkout, changes it too).
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from mlgate.data.dvcmeta import DvcIndex


def listing(spark: Any, frame: Any, root: Path) -> list[tuple[str, int, int]]:
    """(path, bytes, modification time in ms) of every file the frame reads, sorted."""
    found = []
    remote = []
    for uri in frame.inputFiles():
        parsed = urlparse(uri)
        if parsed.scheme in ("", "file"):
            path = Path(unquote(parsed.path))
            stat = path.stat()
            found.append((_relative(path, root), stat.st_size, stat.st_mtime_ns // 1_000_000))
        else:
            remote.append(uri)
    if remote:
        found += _hadoop_stats(spark, remote)
    return sorted(found)


def _hadoop_stats(spark: Any, uris: list[str]) -> list[tuple[str, int, int]]:
    """Sizes and times from the Hadoop file system of each URI (S3, GCS, ADLS, HDFS), as Spark sees them."""
    jvm = spark.sparkContext._jvm
    conf = spark.sparkContext._jsc.hadoopConfiguration()
    stats = []
    for uri in uris:
        path = jvm.org.apache.hadoop.fs.Path(uri)
        status = path.getFileSystem(conf).getFileStatus(path)
        stats.append((uri, int(status.getLen()), int(status.getModificationTime())))
    return stats


def _relative(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def listing_version(files: list[tuple[str, int, int]]) -> dict[str, Any]:
    body = "".join(f"{path}\t{size}\t{mtime}\n" for path, size, mtime in files)
    return {"kind": "file-listing", "value": hashlib.sha256(body.encode("utf-8")).hexdigest()}


def dvc_version(index: DvcIndex, rel: str) -> dict[str, Any] | None:
    """The md5 DVC recorded when the dataset's path is exactly a DVC output, else None."""
    out = index.owner(rel.rstrip("/"))
    if out is None or out.path.rstrip("/") != rel.rstrip("/") or not out.md5:
        return None
    return {"kind": "dvc-md5", "value": out.md5,
            "dvc": {"metafile": out.metafile, "out": out.path, "in_sync": None}}
