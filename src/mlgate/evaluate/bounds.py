"""Predictions files are bounded before anything parses or caches them.

A predictions file comes from a scoring command (the PR's own for the candidate) or from a model's run in the
tracking store (the cache): untrusted either way. Before pandas reads it, its size and its columns are held
to what one row of predictions per evaluation row can need: at most `MAX_COLUMNS` columns (`prediction`, the
id, one `score_<class>` per class, a few more), and at most `HEADER_BYTES + rows * BYTES_PER_ROW` bytes
(decompressed for .gz; Parquet: its row count, read from the footer, must be the evaluation rows'). The rows
themselves are then checked against the evaluation rows (one prediction per row) as the file is aligned.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
from pathlib import Path

from mlgate.data.formats import detect_format, head_bytes
from mlgate.errors import BadInput

MAX_COLUMNS = 1_000
BYTES_PER_ROW = 16 * 1024
HEADER_BYTES = 1 << 20
_BLOCK = 1 << 20


def max_bytes(rows: int) -> int:
    """The most bytes a predictions file of `rows` rows may hold (decompressed)."""
    return HEADER_BYTES + rows * BYTES_PER_ROW


def check_bounds(path: Path, rows: int, rel: str, fix: str) -> None:
    """BadInput (exit 2) when the file is larger, or has more columns, than predictions of `rows` evaluation
    rows can need; read without parsing the file (its size, its first line, Parquet's footer)."""
    limit = max_bytes(rows)
    fmt = detect_format(path)
    size = _size(path, limit)
    if size > limit:
        raise BadInput(f"{rel} is over {limit:,} bytes, more than predictions of {rows:,} evaluation rows "
                       f"can need (at most {BYTES_PER_ROW:,} bytes a row)",
                       "predictions are bounded before they are parsed or cached",
                       fix, file=rel)
    if fmt == "parquet":
        columns, found_rows = _parquet_shape(path, rel)
        if found_rows != rows:
            raise BadInput(f"{rel} has {found_rows:,} rows but the evaluation data has {rows:,}",
                           "each evaluation row needs exactly one prediction", fix, file=rel)
    else:
        columns = _text_columns(path, fmt, rel)
    if columns > MAX_COLUMNS:
        raise BadInput(f"{rel} has {columns:,} columns, over the {MAX_COLUMNS:,} mlgate reads in predictions",
                       "predictions need `prediction`, the id, and a score per class; a file this wide is "
                       "refused before it is parsed or cached", fix, file=rel)


def _size(path: Path, limit: int) -> int:
    """The file's size; for .gz its decompressed size, counted up to just past `limit` (a gzip bomb is
    never inflated whole)."""
    if not path.name.lower().endswith(".gz"):
        return path.stat().st_size
    total = 0
    try:
        with gzip.open(path, "rb") as handle:
            while total <= limit:
                block = handle.read(_BLOCK)
                if not block:
                    break
                total += len(block)
    except (OSError, EOFError):
        return path.stat().st_size  # not valid gzip: the reader says so, naming the file
    return total


def _text_columns(path: Path, fmt: str, rel: str) -> int:
    """The columns of a CSV header or of the first JSON-lines record (their first line, bounded)."""
    head = head_bytes(path, HEADER_BYTES + 1, rel)
    line, newline, _rest = head.partition(b"\n")
    if not newline and len(head) > HEADER_BYTES:
        return MAX_COLUMNS + 1  # a first line over HEADER_BYTES: far more columns than predictions have
    text = line.decode("utf-8", errors="replace")
    if fmt == "jsonl":
        try:
            record = json.loads(text)
        except ValueError:
            return 0  # the reader refuses it with its own message
        return len(record) if isinstance(record, dict) else 0
    delimiter = "\t" if path.name.lower().endswith((".tsv", ".tsv.gz")) else ","
    try:
        return max((len(row) for row in csv.reader(io.StringIO(text), delimiter=delimiter)), default=0)
    except csv.Error:
        return text.count(delimiter) + 1


def _parquet_shape(path: Path, rel: str) -> tuple[int, int]:
    import pyarrow.parquet as pq

    try:
        meta = pq.read_metadata(path)
    except (OSError, ValueError) as exc:
        raise BadInput(f"{rel} is not a readable Parquet file", str(exc).splitlines()[0] if str(exc) else "",
                       "write it with pandas/pyarrow", file=rel) from exc
    return int(meta.num_columns), int(meta.num_rows)
