"""Dataset-level checks, accumulated chunk by chunk over the whole file with bounded memory.

Row counts, null fractions and class balance keep counters. Uniqueness keeps one 64-bit hash per row
(8 bytes), spilled to temporary partition files past a limit; when hashes repeat, a second pass over the
key columns re-checks the real values, so a hash collision is never reported as a duplicate.
"""

from __future__ import annotations

import json
import tempfile
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mlgate.config import ClassBalance, RowBounds
from mlgate.data.result import Failure, json_value

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

HASHES_IN_MEMORY = 1_000_000  # 8 MB of hashes in memory; past that they are spilled to disk
PARTITION_BITS = 6
MAX_CLASSES = 10_000


class RowCount:
    def __init__(self, bounds: RowBounds | None) -> None:
        self.bounds = bounds

    def finish(self, rows: int) -> list[Failure]:
        if self.bounds is None:
            return []
        low, high = self.bounds.min, self.bounds.max
        if low is not None and rows < low:
            return [Failure("rows", None, f"{_plural(rows)}, fewer than the minimum {low:,}",
                            details={"rows": rows, "min": low})]
        if high is not None and rows > high:
            return [Failure("rows", None, f"{_plural(rows)}, more than the maximum {high:,}",
                            details={"rows": rows, "max": high})]
        return []


def _plural(rows: int) -> str:
    return "1 row" if rows == 1 else f"{rows:,} rows"


class NullFractions:
    """Nulls per column; `"*"` applies a limit to every column without its own."""

    def __init__(self, limits: dict[str, float]) -> None:
        self.limits = limits
        self.columns: dict[str, float] = {}
        self.nulls: Counter[str] = Counter()
        self.samples: dict[str, list[int]] = {}

    def start(self, columns: Iterable[str]) -> None:
        default = self.limits.get("*")
        for column in columns:
            if column in self.limits:
                self.columns[column] = self.limits[column]
            elif default is not None:
                self.columns[column] = default

    def update(self, chunk: pd.DataFrame) -> None:
        import numpy as np

        for column in self.columns:
            # a column absent from this chunk (a JSON-lines record without the key) is null there
            mask = chunk[column].isna().to_numpy() if column in chunk else np.ones(len(chunk), dtype=bool)
            count = int(mask.sum())
            if not count:
                continue
            self.nulls[column] += count
            taken = self.samples.setdefault(column, [])
            if len(taken) < 10:
                taken.extend(int(i) for i in chunk.index[mask][: 10 - len(taken)])

    def finish(self, rows: int) -> list[Failure]:
        failures = []
        for column, limit in self.columns.items():
            nulls = self.nulls[column]
            fraction = nulls / rows if rows else 0.0
            if fraction > limit:
                failure = Failure(
                    "max_null_fraction", column,
                    f"column {column} is {fraction:.2%} null ({nulls:,} of {rows:,} rows), over the limit "
                    f"{limit:.2%}", nulls, details={"fraction": fraction, "max": limit},
                )
                for row in self.samples.get(column, []):
                    failure.add_sample({"row": row + 1, column: None})
                failures.append(failure)
        return failures


class ClassCounts:
    """Counts per class of a label column: minimum fraction per class and maximum imbalance ratio."""

    def __init__(self, spec: ClassBalance) -> None:
        self.spec = spec
        self.counts: Counter[Any] = Counter()

    def update(self, chunk: pd.DataFrame) -> None:
        if self.spec.column not in chunk:
            return
        counts = chunk[self.spec.column].value_counts(dropna=True)
        for value, count in counts.items():
            self.counts[json_value(value)] += int(count)

    def finish(self) -> list[Failure]:
        column, total = self.spec.column, sum(self.counts.values())
        if not total:
            return []
        shown = dict(self.counts.most_common(50))
        if len(self.counts) > MAX_CLASSES:
            return [Failure("class_balance", column, f"column {column} has {len(self.counts):,} classes: "
                            "is it really a label column?", details={"classes": len(self.counts)})]
        failures = []
        if self.spec.min_fraction is not None:
            small = {k: v for k, v in self.counts.items() if v / total < self.spec.min_fraction}
            if small:
                ordered = sorted(small.items(), key=lambda item: item[1])
                parts = ", ".join(f"{k!r} {v / total:.2%}" for k, v in ordered)
                failures.append(Failure(
                    "class_balance.min_fraction", column,
                    f"classes under {self.spec.min_fraction:.2%} of rows in column {column}: {parts}",
                    sum(small.values()), details={"counts": shown, "rows": total},
                ))
        if self.spec.max_ratio is not None and len(self.counts) > 1:
            big, most = self.counts.most_common(1)[0]
            tiny, least = min(self.counts.items(), key=lambda item: item[1])
            if most / least > self.spec.max_ratio:
                failures.append(Failure(
                    "class_balance.max_ratio", column,
                    f"class imbalance in column {column}: {big!r} has {most:,} rows, {tiny!r} has {least:,} "
                    f"(ratio {most / least:.2f}, limit {self.spec.max_ratio:g})",
                    0, details={"counts": shown, "rows": total, "ratio": most / least},
                ))
        return failures


def key_hashes(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """64-bit hashes of the key columns' values, and the row positions they belong to (nulls skipped).

    Numbers are hashed as float64, so 5 in one chunk and 5.0 in another (a column read as float
    because that chunk has nulls) are the same value.
    """
    import pandas as pd

    keep = frame.notna().all(axis=1).to_numpy()
    frame = frame[keep]
    types = pd.api.types
    normalized = pd.DataFrame({
        name: col.astype("float64") if types.is_numeric_dtype(col) and not types.is_bool_dtype(col) else col
        for name, col in frame.items()
    })
    try:
        hashes = pd.util.hash_pandas_object(normalized, index=False).to_numpy()
    except TypeError:  # nested values (JSON-lines objects, arrays) are not hashable: hash their JSON text
        hashes = pd.util.hash_pandas_object(normalized.map(_as_text), index=False).to_numpy()
    return hashes, frame.index.to_numpy()


def _key_part(value: Any) -> Any:
    """A key cell as a Python value to compare: numpy scalars unboxed (2 == 2.0), nested values as JSON."""
    if hasattr(value, "item") and not getattr(value, "ndim", 0) and not isinstance(value, (str, bytes)):
        value = value.item()
    return _as_text(value)


def _as_text(value: Any) -> Any:
    dims: int = getattr(value, "ndim", 0)
    if dims and hasattr(value, "tolist"):  # a Parquet list column: numpy arrays
        value = value.tolist()
    if isinstance(value, (dict, list, tuple)):
        return json.dumps(value, sort_keys=True, default=str)
    return value


class HashStore:
    """Collects 64-bit hashes; past `limit` in memory they go to 2**PARTITION_BITS files on disk."""

    def __init__(self, limit: int = HASHES_IN_MEMORY) -> None:
        self.limit = limit
        self.buffers: list[np.ndarray] = []
        self.buffered = 0
        self.folder: tempfile.TemporaryDirectory[str] | None = None

    def add(self, hashes: np.ndarray) -> None:
        self.buffers.append(hashes.copy())
        self.buffered += len(hashes)
        if self.buffered > self.limit:
            self._spill()

    def _spill(self) -> None:
        import numpy as np

        if self.folder is None:
            self.folder = tempfile.TemporaryDirectory(prefix="mlgate-unique-")
        data = np.concatenate(self.buffers) if self.buffers else np.empty(0, dtype="uint64")
        self.buffers, self.buffered = [], 0
        data.sort()  # sorted by value is sorted by partition (the top bits): no index arrays needed
        shift = np.uint64(64 - PARTITION_BITS)
        starts = np.arange(1 << PARTITION_BITS, dtype="uint64") << shift
        bounds = [*np.searchsorted(data, starts).tolist(), len(data)]
        for index in range(1 << PARTITION_BITS):
            start, stop = bounds[index], bounds[index + 1]
            if stop > start:
                with Path(self.folder.name, f"{index}.bin").open("ab") as handle:
                    data[start:stop].tofile(handle)

    def repeated(self) -> np.ndarray:
        """The hashes seen more than once (sorted)."""
        import numpy as np

        if self.folder is None:
            return _repeated(np.concatenate(self.buffers) if self.buffers else np.empty(0, dtype="uint64"))
        self._spill()
        parts = Path(self.folder.name).glob("*.bin")
        found = [_repeated(np.fromfile(path, dtype="uint64")) for path in parts]
        self.folder.cleanup()
        return np.sort(np.concatenate(found)) if found else np.empty(0, dtype="uint64")


def _repeated(hashes: np.ndarray) -> np.ndarray:
    """The values that occur more than once, sorted (sorts `hashes` in place: no extra copy)."""
    import numpy as np

    hashes.sort()
    return np.asarray(np.unique(hashes[1:][hashes[1:] == hashes[:-1]]))


class Uniqueness:
    """Uniqueness of one key (one or more columns) over the whole file."""

    def __init__(self, key: tuple[str, ...], limit: int = HASHES_IN_MEMORY) -> None:
        self.key = key
        self.store = HashStore(limit)

    @property
    def label(self) -> str:
        return ", ".join(self.key)

    def update(self, chunk: pd.DataFrame) -> None:
        hashes, _ = key_hashes(chunk.reindex(columns=list(self.key)))
        self.store.add(hashes)

    def finish(self, reread: Callable[[list[str]], Iterator[pd.DataFrame]]) -> list[Failure]:
        """Re-read the key columns only when hashes repeated, and count real duplicates exactly."""
        import numpy as np

        suspects = self.store.repeated()
        if not len(suspects):
            return []
        first_seen: dict[tuple[Any, ...], int] = {}
        failure = Failure("unique", self.label, "")
        for chunk in reread(list(self.key)):
            chunk = chunk.reindex(columns=list(self.key))
            hashes, rows = key_hashes(chunk)
            hit = np.isin(hashes, suspects)
            if not hit.any():
                continue
            values = chunk.loc[rows[hit], list(self.key)]
            for row, value in zip(rows[hit], values.itertuples(index=False, name=None), strict=True):
                key = tuple(_key_part(v) for v in value)  # whole values: json_value cuts long text
                earlier = first_seen.setdefault(key, int(row))
                if earlier != row:
                    failure.failing_rows += 1
                    shown = (json_value(v) for v in value)
                    failure.add_sample({"row": int(row) + 1, **dict(zip(self.key, shown, strict=True)),
                                        "first_row": earlier + 1})
        if not failure.failing_rows:
            return []  # every repeated hash was a collision of different values
        count = failure.failing_rows
        failure.message = (f"{count:,} {'row repeats' if count == 1 else 'rows repeat'} a value of "
                           f"{self.label} seen earlier in the file (it must be unique)")
        return [failure]
