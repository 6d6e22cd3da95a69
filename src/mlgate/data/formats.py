"""Reading data files in chunks: CSV (also .csv.gz), Parquet, JSON lines; unreadable files are BadInput.

Each chunk is a pandas DataFrame whose index holds the 0-based position of its rows in the whole file,
so a failure found in any chunk names the row of the file. Memory is bounded by the chunk size.
"""

from __future__ import annotations

import contextlib
import csv
import gzip
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol

from mlgate import safepath
from mlgate.data.memory import keep_freed_memory
from mlgate.errors import BadInput

if TYPE_CHECKING:
    import pandas as pd

Format = Literal["csv", "parquet", "jsonl"]
LFS_POINTER = b"version https://git-lfs.github.com/spec/"
_SUFFIXES: dict[str, Format] = {
    ".csv": "csv", ".csv.gz": "csv", ".tsv": "csv", ".tsv.gz": "csv",
    ".parquet": "parquet", ".pq": "parquet",
    ".jsonl": "jsonl", ".jsonl.gz": "jsonl", ".ndjson": "jsonl", ".ndjson.gz": "jsonl",
}
_OTHER_DELIMITERS = (";", "\t", "|", ",")
SNIFF_BYTES = 64 * 1024
BLOCK = 1 << 20


def detect_format(path: Path, declared: str = "auto") -> Format:
    """The format from `format:` in the config, else from the file name."""
    if declared in ("csv", "parquet", "jsonl"):
        return declared  # type: ignore[return-value]
    name = path.name.lower()
    for suffix, fmt in sorted(_SUFFIXES.items(), key=lambda item: -len(item[0])):
        if name.endswith(suffix):
            return fmt
    raise BadInput(
        f"{path.name}: cannot tell the data format from the file name",
        f"known endings are {', '.join(sorted(_SUFFIXES))}",
        "rename the file, or set `format: csv|parquet|jsonl` on the dataset in mlgate.yaml",
        file=str(path),
    )


def is_gzip(path: Path) -> bool:
    return path.name.lower().endswith(".gz")


def head_bytes(path: Path, size: int = SNIFF_BYTES, rel: str | None = None) -> bytes:
    """The first bytes of the file, decompressed when it is gzip."""
    if is_gzip(path):
        try:
            with _gunzip(path) as handle:
                return handle.read(size)
        except (OSError, EOFError) as exc:
            raise BadInput(
                f"{rel or path.name} is not a valid gzip file", str(exc),
                "re-compress it with gzip, or drop the .gz ending if it is not compressed", file=rel,
            ) from exc
    with safepath.open_read(path) as handle:
        return handle.read(size)


def sniff(path: Path, fmt: Format, rel: str) -> None:
    """Refuse files that cannot be data of this format, with a message that says why."""
    if path.stat().st_size == 0:
        raise BadInput(f"{rel} is empty", "a data file needs at least a header or one record",
                       "commit the real data, or remove the file", file=rel)
    with safepath.open_read(path) as handle:
        raw = handle.read(len(LFS_POINTER))
    if raw == LFS_POINTER:
        raise BadInput(
            f"{rel} is a Git LFS pointer, not the data",
            "the file is stored with Git LFS and its content was not fetched",
            "run `git lfs pull` (in Actions: actions/checkout with `lfs: true`) before mlgate", file=rel,
        )
    if fmt == "parquet":
        with safepath.open_read(path) as handle:
            magic = handle.read(4)
        if magic != b"PAR1":
            raise BadInput(f"{rel} is not a Parquet file", "it does not start with the PAR1 magic bytes",
                           "write it with pandas/pyarrow, or set the right `format:`", file=rel)
        return
    if not is_gzip(path):
        _refuse_container(path, fmt, rel)
    head = head_bytes(path, rel=rel)
    if not head.strip():
        raise BadInput(f"{rel} is empty", "it holds only whitespace", "commit the real data", file=rel)
    encoding = wide_encoding(head)
    if encoding is not None:
        raise BadInput(
            f"{rel} is {encoding} encoded, not UTF-8",
            f"mlgate reads {fmt.upper()} as UTF-8 text; in {encoding} most characters take "
            f"{2 if encoding == 'UTF-16' else 4} bytes, some of them NUL",
            f"re-save it as UTF-8 (in a spreadsheet: CSV UTF-8; or `iconv -f {encoding} -t UTF-8 "
            f"{path.name} > {path.name}.utf8` and replace the file with it)", file=rel,
        )
    if (at := head.find(b"\0")) >= 0:
        raise nul_byte(rel, fmt, at, head.count(b"\n", 0, at) + 1)
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 4:  # not just a character cut at the end of the sample
            raise BadInput(
                f"{rel} is not UTF-8 text", f"byte {exc.start}: {exc.reason}",
                "re-save the file as UTF-8", file=rel,
            ) from exc


_CONTAINERS = (  # magic bytes of files that are not text, under a text name
    (b"\x1f\x8b", "gzip"), (b"PK\x03\x04", "zip"), (b"PAR1", "parquet"),
    (b"BZh", "bzip2"), (b"\xfd7zXZ\x00", "xz"), (b"\x28\xb5\x2f\xfd", "zstd"),
)


def _refuse_container(path: Path, fmt: Format, rel: str) -> None:
    """A compressed file or an archive under a plain .csv/.jsonl name: say which, and what to do."""
    with safepath.open_read(path) as handle:
        magic = handle.read(8)
    kind = next((name for prefix, name in _CONTAINERS if magic.startswith(prefix)), None)
    if kind is None:
        return
    if kind == "gzip":
        raise BadInput(f"{rel} is gzip-compressed, but its name does not end in .gz",
                       "mlgate decompresses files whose name ends in .gz and reads the others as text",
                       f"rename it to {rel}.gz (and let the dataset's path in mlgate.yaml match it), "
                       "or commit it uncompressed",
                       file=rel)
    if kind == "parquet":
        raise BadInput(f"{rel} is a Parquet file, not {fmt.upper()} text",
                       "it starts with Parquet's PAR1 magic bytes",
                       "rename it to .parquet, or set `format: parquet` on the dataset in mlgate.yaml",
                       file=rel)
    fix = "unzip it" if kind == "zip" else f"decompress it ({kind})"
    raise BadInput(f"{rel} is a {kind} archive, not {fmt.upper()} text" if kind == "zip"
                   else f"{rel} is {kind}-compressed, not {fmt.upper()} text",
                   f"it starts with {kind}'s magic bytes; mlgate reads plain files and .gz only",
                   f"{fix} and commit the data file itself (gzip is read as NAME.gz)", file=rel)


def wide_encoding(head: bytes) -> str | None:
    """"UTF-16" or "UTF-32" when the text is in one of them (by its BOM, else by its NUL pattern)."""
    if head.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        return "UTF-32"
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "UTF-16"
    sample = head[:4096]
    if len(sample) < 8 or b"\0" not in sample:
        return None
    for width in (4, 2):  # ASCII text in UTF-32/16 without BOM: NULs everywhere but one byte of each unit
        units = [sample[i:i + width] for i in range(0, len(sample) - width + 1, width)]
        for keep in (0, width - 1):  # little endian: the first byte holds the character, big: the last
            if sum(u[keep] != 0 and u.count(0) == width - 1 for u in units) >= 0.9 * len(units):
                return f"UTF-{8 * width}"
    return None


def nul_byte(rel: str, fmt: str, offset: int, line: int) -> BadInput:
    """A NUL byte, wherever it is in the file (the sniffed head or a chunk read later): one rule."""
    return BadInput(
        f"{rel} holds a NUL byte at line {line} (byte offset {offset}): it is a binary file, "
        f"not {fmt.upper()} text",
        f"{fmt.upper()} text never contains NUL bytes; a file that does is binary or corrupt",
        "check the file was committed as text (not an archive or a Parquet file with a wrong name), "
        "or set the right `format:`", file=rel,
    )


class Readable(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...


class NulGuard:
    """A binary file as the CSV parser reads it: a NUL byte in any block read is BadInput naming where.

    The scan rides on the parser's own reads (a memchr per block), so the file is not read twice; only
    when a NUL is found are the bytes before it read again, to count its line.
    """

    def __init__(self, raw: Readable, path: Path, rel: str) -> None:
        self.raw, self.path, self.rel = raw, path, rel
        self.offset = 0  # bytes read so far (decompressed)

    def read(self, size: int = -1) -> bytes:
        block = self.raw.read(size)
        at = block.find(b"\0")
        if at >= 0:
            offset = self.offset + at
            raise nul_byte(self.rel, "csv", offset, _line_at(self.path, offset))
        self.offset += len(block)
        return block

    def readable(self) -> bool:
        return True

    def __iter__(self) -> Iterator[bytes]:  # pandas checks for it to tell a file-like object
        return iter(self.read, b"")


def _line_at(path: Path, offset: int) -> int:
    """The 1-based line of the byte at `offset` (of the decompressed bytes)."""
    lines, left = 1, offset
    with _open_binary(path) as handle:
        while left > 0 and (block := handle.read(min(BLOCK, left))):
            lines += block.count(b"\n")
            left -= len(block)
    return lines


@contextlib.contextmanager
def _gunzip(path: Path) -> Iterator[gzip.GzipFile]:
    """The decompressed bytes of a .gz file, opened as mlgate.safepath.open_read does (no symlink out)."""
    with safepath.open_read(path) as raw, gzip.GzipFile(fileobj=raw, mode="rb") as handle:
        yield handle


@contextlib.contextmanager
def _open_binary(path: Path) -> Iterator[Readable]:
    if is_gzip(path):
        with _gunzip(path) as compressed:
            yield compressed
    else:
        with safepath.open_read(path) as plain:
            yield plain


@contextlib.contextmanager
def guarded(path: Path, rel: str) -> Iterator[NulGuard]:
    """The file's bytes (decompressed when it is gzip) behind a NulGuard."""
    with _open_binary(path) as raw:
        yield NulGuard(raw, path, rel)


def read_chunks(path: Path, fmt: Format, rel: str, *, chunk_rows: int, delimiter: str = ",",
                columns: Sequence[str] | None = None, names: Sequence[str] | None = None,
                names_from: str = "names") -> Iterator[pd.DataFrame]:
    """The file as DataFrames of at most chunk_rows rows, indexed by row position in the file.

    A CSV file's first row names its columns, unless `names` gives them (a file without a header row);
    `names_from` says where they came from, for the message when they do not fit the file.
    """
    keep_freed_memory()  # each chunk reuses the last one's memory instead of faulting in new pages
    if fmt == "csv":
        yield from _csv_chunks(path, rel, chunk_rows, delimiter, columns, names, names_from)
    elif fmt == "parquet":
        yield from _parquet_chunks(path, rel, chunk_rows, columns)
    else:
        yield from _jsonl_chunks(path, rel, chunk_rows, columns)


def _csv_chunks(path: Path, rel: str, chunk_rows: int, delimiter: str, columns: Sequence[str] | None,
                names: Sequence[str] | None, names_from: str) -> Iterator[pd.DataFrame]:
    import pandas as pd

    try:
        if columns is None:  # the first read of the file (a re-read of some columns follows a good one)
            check_first_row(path, rel, delimiter, names, names_from)
        with guarded(path, rel) as handle, pd.read_csv(
                handle, sep=delimiter, chunksize=chunk_rows, engine="c",
                header=0 if names is None else None, names=list(names) if names is not None else None,
                usecols=list(columns) if columns is not None else None) as reader:
            first = names is None
            for chunk in reader:
                if first:
                    check_delimiter(chunk, path, rel, delimiter)
                    first = False
                yield chunk
    except pd.errors.EmptyDataError as exc:
        raise BadInput(f"{rel} has no CSV header", str(exc), "add a header line naming the columns",
                       file=rel) from exc
    except MemoryError as exc:
        raise too_large(path, rel, "Python ran out of memory") from exc
    except pd.errors.ParserError as exc:
        if any(marker in str(exc) for marker in _OUT_OF_MEMORY):
            raise too_large(path, rel, _first_line(exc)) from exc
        raise BadInput(
            f"{rel} is not valid CSV", _first_line(exc),
            f"fix the rows named above (quotes, field counts); the delimiter in use is {delimiter!r} "
            "(set `delimiter:` on the dataset if it differs)", file=rel,
        ) from exc
    except UnicodeDecodeError as exc:
        raise BadInput(f"{rel} is not UTF-8 text", str(exc), "re-save the file as UTF-8", file=rel) from exc
    except (OSError, EOFError) as exc:
        raise BadInput(f"{rel} cannot be read", str(exc), "check the file (a broken .gz?)", file=rel) from exc


_OUT_OF_MEMORY = ("out of memory", "Buffer overflow caught")
_GUNZIP_CAP = 2**30  # how far a suspected gzip bomb is decompressed to measure it


def too_large(path: Path, rel: str, reason: str) -> BadInput:
    """Reading ran out of memory: a line too long to hold, and for a .gz, how far it expands."""
    why = f"the parser could not hold one line in memory ({reason})"
    fix = ("a CSV holds one record per line: check where the file comes from, and commit the real data "
           "(split it, or write it as Parquet)")
    if is_gzip(path):
        packed = path.stat().st_size
        unpacked = _gunzipped_bytes(path, _GUNZIP_CAP)
        more = "more than " if unpacked >= _GUNZIP_CAP else ""
        why += (f"; the {_size(packed)} file decompresses to {more}{_size(unpacked)} "
                f"({more}{unpacked // max(packed, 1):,}:1)")
        if unpacked >= 100 * max(packed, 1):
            why += ": it looks like a gzip bomb"
            fix = ("do not use a file that expands this much: check where it comes from, and commit the real "
                   "data (a CSV holds one record per line)")
    return BadInput(f"{rel} is too large to read: it ran out of memory", why, fix, file=rel)


def _gunzipped_bytes(path: Path, cap: int) -> int:
    """How many bytes the .gz decompresses to, counting at most `cap`."""
    total = 0
    try:
        with _gunzip(path) as handle:
            while total < cap and (block := handle.read(2**20)):
                total += len(block)
    except (OSError, EOFError):
        pass
    return min(total, cap)


def _size(count: int) -> str:
    if count < 1024:
        return f"{count} bytes"
    value = count / 1024
    for unit in ("KB", "MB"):
        if value < 1024:
            return f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} GB"


def check_first_row(path: Path, rel: str, delimiter: str, names: Sequence[str] | None,
                    names_from: str) -> None:
    """The header's names, read as written (pandas renames a repeated name `x.1`), must be distinct;
    without a header, the first row must have as many fields as there are names."""
    import pandas as pd

    with guarded(path, rel) as handle:
        frame = pd.read_csv(handle, sep=delimiter, header=None, nrows=1, dtype=str,
                            keep_default_na=False, engine="c")
    if frame.empty:
        return
    fields = [str(value) for value in frame.iloc[0]]
    if names is not None:
        if len(fields) != len(names):
            raise BadInput(
                f"{rel} has {len(fields)} fields in its first row, but {names_from} lists {len(names)} "
                "column names",
                "without a header row, the names are the file's columns in order, one per field",
                f"list one name per column in {names_from}", file=rel,
            )
        return
    seen: dict[str, int] = {}
    for number, name in enumerate(fields, start=1):
        if name and name in seen:
            raise BadInput(
                f"{rel}: the header names the column {name!r} twice (columns {seen[name]} and {number})",
                f"pandas would read the second one as {name}.1, a column the checks and the schema do "
                "not know",
                "rename or remove the repeated column (if the first row is data, not a header, set "
                "`header: false` and `names:` on the dataset in mlgate.yaml)", file=rel,
            )
        seen.setdefault(name, number)


def check_delimiter(chunk: pd.DataFrame, path: Path, rel: str, delimiter: str) -> None:
    """One column whose header holds another delimiter means the delimiter is wrong."""
    if len(chunk.columns) != 1:
        return
    header = str(chunk.columns[0])
    found = [d for d in _OTHER_DELIMITERS if d != delimiter and d in header]
    if not found:
        return
    guess = _sniff_delimiter(path) or found[0]
    raise BadInput(
        f"{rel}: wrong delimiter: the file reads as one column {header[:60]!r}",
        f"the dataset's delimiter is {delimiter!r} but the file looks {guess!r}-delimited",
        f"set `delimiter: {guess!r}` on this dataset in mlgate.yaml", file=rel,
    )


def _sniff_delimiter(path: Path) -> str | None:
    text = head_bytes(path, 8192).decode("utf-8", "replace")
    try:
        return csv.Sniffer().sniff(text, delimiters="".join(_OTHER_DELIMITERS)).delimiter
    except csv.Error:
        return None


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def _parquet_chunks(path: Path, rel: str, chunk_rows: int,
                    columns: Sequence[str] | None) -> Iterator[pd.DataFrame]:
    import pandas as pd
    import pyarrow as pa
    import pyarrow.parquet as pq

    offset = 0
    try:
        with safepath.open_read(path) as raw:
            handle = pq.ParquetFile(raw)
            for batch in handle.iter_batches(batch_size=chunk_rows,
                                             columns=list(columns) if columns is not None else None):
                frame = batch.to_pandas()
                frame.index = pd.RangeIndex(offset, offset + len(frame))
                offset += len(frame)
                yield frame
    except (pa.ArrowException, OSError) as exc:
        raise BadInput(f"{rel} is not a readable Parquet file", _first_line(exc),
                       "re-write the file with pandas/pyarrow", file=rel) from exc


def _jsonl_chunks(path: Path, rel: str, chunk_rows: int,
                  columns: Sequence[str] | None) -> Iterator[pd.DataFrame]:
    import pandas as pd

    try:
        with safepath.open_read(path) as raw, pd.read_json(
                raw, lines=True, chunksize=chunk_rows, dtype=False,
                compression="gzip" if is_gzip(path) else None) as reader:
            for chunk in reader:
                yield chunk[list(columns)] if columns is not None else chunk
    except MemoryError as exc:
        raise too_large(path, rel, "Python ran out of memory") from exc
    except ValueError as exc:
        raise BadInput(
            f"{rel} is not valid JSON lines", _first_line(exc),
            "write one JSON object per line (no surrounding array, no trailing commas)", file=rel,
        ) from exc
    except (OSError, EOFError) as exc:
        raise BadInput(f"{rel} cannot be read", str(exc), "check the file (a broken .gz?)", file=rel) from exc


def prefetch(chunks: Iterator[pd.DataFrame], depth: int = 1) -> Iterator[pd.DataFrame]:
    """Read the next chunk in a background thread while the caller validates this one.

    The parsers release the GIL for much of their work, so reading and checking overlap on two cores;
    at most `depth` chunks wait in the queue, so memory stays bounded. Errors are re-raised here.
    """
    import queue
    import threading

    slots: queue.Queue[tuple[str, Any]] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(item: tuple[str, Any]) -> bool:
        while not stop.is_set():
            try:
                slots.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for chunk in chunks:
                if not put(("chunk", chunk)):
                    return
            put(("done", None))
        except BaseException as exc:  # handed to the consumer, which raises it
            put(("error", exc))

    worker = threading.Thread(target=produce, name="mlgate-read", daemon=True)
    worker.start()
    try:
        while True:
            kind, value = slots.get()
            if kind == "done":
                return
            if kind == "error":
                raise value
            yield value
    finally:
        stop.set()
        worker.join(timeout=5)
