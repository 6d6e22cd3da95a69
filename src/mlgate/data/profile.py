"""Profiles of data files: per column counts, null share, quantiles, histogram bins, category frequencies.

One pass over the files with the chunked readers of `data/formats.py`, so memory is bounded by the chunk
size and the number of columns, never by the number of rows; no raw row is kept.

Numbers go into a log-scale sketch (as HDR histograms and DDSketch do): each power of two, [2^e, 2^(e+1)),
is split in 4,096 equal buckets (and the same for negative values), so a bucket is at most 1/4,096 of its
values wide; a value's bucket is the top bits of its IEEE 754 pattern, one shift, and the buckets' bounds
are floats themselves (no rounding). Each column keeps the exact count of every occupied bucket; when more
than 4,096 are occupied, neighbouring buckets are merged in pairs (2,048 a power of two, ...), which depends
only on the data, not on how it was chunked. From the buckets come:

- the quantiles (p1 ... p99): the middle of the bucket holding that rank, so a quantile is off by at most
  `relative_error` of its value (1/8,192 at first; about 1/256 for normal data of 1,000,000 rows);
- the histogram's edges: min and max (exact), and between them the bucket boundaries nearest to equal
  counts (bins of about equal frequency), so each bin's count is exact.

A column's kind is the reference's, else it is numeric when the first chunk holding a value of it reads
as numbers (later text in it counts as `non_numeric`), else categorical; so only a column mixing numbers
and text can depend on the chunk size.

Given a reference profile, its edges are used instead and every value is counted against them exactly
(with a bin below and one above for values outside the reference's range), and its categories are kept.

Categories: exact counts of every value as long as a column has at most `distinct_limit` distinct values
(10,000, fewer for very wide data so that memory stays bounded); the `top_categories` most frequent are kept,
the rest summed in `other`. A column with more distinct values, or whose distinct values are more than half
of its values (ids, names, free text: they would identify rows), lists no values. The
profile's size is bounded: at most `top_categories` values per column of at most 200 characters, and fewer
values per column when the document would exceed 1 MiB.
"""

from __future__ import annotations

import glob
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mlgate.data.formats import Format, detect_format, prefetch, read_chunks, sniff
from mlgate.documents import (
    Categories,
    ColumnProfile,
    Histogram,
    NumericSummary,
    Profile,
    ProfiledFile,
)
from mlgate.errors import BadInput

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt
    import pandas as pd

    from mlgate.config import Dataset

    Floats = npt.NDArray[np.float64]
    Ints = npt.NDArray[np.int64]

QUANTILES = (0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99)
MAX_BUCKETS = 4096
MAX_VALUE_CHARS = 200
MAX_BYTES = 1 << 20
DEFAULT_CHUNK_ROWS = 200_000


def distinct_limit(columns: int) -> int:
    """How many distinct values of a column are counted: 10,000, fewer for very wide data."""
    return max(1_000, min(10_000, 2_000_000 // max(columns, 1)))


# --- the numeric sketch ------------------------------------------------------------------------------

MANTISSA_BITS = 12  # the finest buckets split each power of two in 4,096
FIRST_SHIFT = 52 - MANTISSA_BITS
MAGNITUDE = 0x7FFF_FFFF_FFFF_FFFF
INF_BITS = 0x7FF0_0000_0000_0000


def _count(keys: Ints) -> tuple[Ints, Ints]:
    """The distinct keys and how often each occurs, sorted.

    A negative key is the complement of a non-negative one, so key ^ sign folds both signs onto one narrow
    range of integers, interleaved (2 m for a key m >= 0, 2 m + 1 for ~m): one bincount counts them. The
    zero bucket (0, and the smallest subnormals) lies far below the others and takes slot 0. Keys spread
    over a wider range (data spanning hundreds of orders of magnitude) are sorted instead.
    """
    import numpy as np

    if not len(keys):
        return keys, keys
    sign = keys >> 63  # -1 for a negative key
    folded = keys ^ sign  # >= 0
    low = int(np.min(folded, where=folded > 0, initial=np.iinfo(np.int64).max))
    high = int(folded.max())
    if high == 0 or high - low >= max(1 << 19, 2 * len(keys)):
        unique, counts = np.unique(keys, return_counts=True)
        return unique, counts.astype(np.int64)
    slots = folded  # in place: folded - (low - 1), the zero bucket at 0, times 2, + 1 for a negative key
    slots -= low - 1
    np.maximum(slots, 0, out=slots)
    slots <<= 1
    slots -= sign
    counted = np.bincount(slots)
    found = np.flatnonzero(counted)
    negative = -(found & 1)
    half = found >> 1
    original = np.where(half == 0, 0, half + (low - 1)) ^ negative
    order = np.argsort(original, kind="stable")
    return original[order].astype(np.int64), counted[found][order].astype(np.int64)


def _bound(keys: Ints, shift: int) -> Floats:
    """The float whose IEEE 754 pattern is key << shift (a magnitude, keys >= 0), at most infinity."""
    import numpy as np

    past = keys > (INF_BITS >> shift)
    bits = np.where(past, INF_BITS, np.where(past, 0, keys) << shift)
    return bits.astype(np.int64).view(np.float64)


@dataclass
class Sketch:
    """Exact counts of the occupied buckets of a column's finite values.

    The bit pattern of a non-negative float, read as an integer, grows with the value; its top bits (the
    exponent and the first mantissa bits) name a bucket [lo, hi) whose bounds are floats themselves, so a
    value's bucket is one shift, with no rounding. A value x >= 0 has the key bits(x) >> shift; a negative
    one -(((bits(|x|) - 1) >> shift) + 1), its bucket [-hi, -lo); keys sort as the values do. Each extra bit
    of shift merges neighbouring buckets in pairs.
    """

    shift: int = FIRST_SHIFT
    keys: Any = None  # Ints, sorted
    counts: Any = None  # Ints

    def keys_of(self, values: Floats) -> Ints:
        import numpy as np

        bits = values.view(np.int64)
        sign = bits >> 63  # -1 for a negative value, else 0
        # x >= 0: bits >> shift; x < 0: -(((bits(|x|) - 1) >> shift) + 1), that is its complement (-0.0: 0)
        keys: Ints = (((bits & MAGNITUDE) + sign) >> self.shift) ^ sign
        return keys

    def add(self, values: Floats) -> None:
        if not len(values):
            return
        self._merge(*_count(self.keys_of(values)))
        while len(self.keys) > MAX_BUCKETS:  # a key >> 1 is the key one shift further, for either sign
            self.shift += 1
            self._merge(self.keys >> 1, self.counts, replace=True)

    def load(self, shift: int, keys: Ints, counts: Ints) -> None:
        """Start from bucket counts made elsewhere (Spark) at `shift`, merged down as `add` merges them."""
        self.shift, self.keys, self.counts = shift, keys, counts
        while len(self.keys) > MAX_BUCKETS:
            self.shift += 1
            self._merge(self.keys >> 1, self.counts, replace=True)

    def _merge(self, keys: Ints, counts: Ints, *, replace: bool = False) -> None:
        import numpy as np

        if self.keys is not None and not replace:
            keys, counts = np.concatenate([self.keys, keys]), np.concatenate([self.counts, counts])
        order = np.argsort(keys, kind="stable")
        keys, counts = keys[order], counts[order]
        unique, starts = np.unique(keys, return_index=True)
        self.keys, self.counts = unique, np.add.reduceat(counts, starts) if len(keys) else counts

    def lows(self) -> Floats:
        """The lowest value of each occupied bucket."""
        import numpy as np

        keys = self.keys
        return np.where(keys >= 0, _bound(np.maximum(keys, 0), self.shift),
                        -_bound(-np.minimum(keys, -1), self.shift))

    def highs(self) -> Floats:
        """The end of each occupied bucket (not in it)."""
        import numpy as np

        keys = self.keys
        return np.where(keys >= 0, _bound(np.maximum(keys, 0) + 1, self.shift),
                        -_bound(-np.minimum(keys, -1) - 1, self.shift))

    def relative_error(self) -> float:
        """The most a bucket's middle is off any value in it, relative to the value (0-containing bucket
        aside: its error is below the smallest positive value it excludes)."""
        import numpy as np

        if self.keys is None:
            return 0.0
        lows, highs = np.abs(self.lows()), np.abs(self.highs())
        near, far = np.minimum(lows, highs), np.maximum(lows, highs)
        inside = near > 0
        if not inside.any():
            return 0.0
        return float(np.max((far[inside] - near[inside]) / (2 * near[inside])))


# --- one column -----------------------------------------------------------------------------------


@dataclass
class NumericColumn:
    edges: Any = None  # Floats: a reference's edges, counted against directly
    sketch: Sketch = field(default_factory=Sketch)
    reference_counts: Any = None  # Ints
    values: int = 0
    nulls: int = 0
    non_numeric: int = 0
    finite: int = 0
    total: float = 0.0
    low: float = math.inf
    high: float = -math.inf
    below: int = 0  # -inf (without reference edges)
    above: int = 0  # +inf

    def update(self, series: pd.Series[Any]) -> None:
        import numpy as np
        import pandas as pd

        if not pd.api.types.is_numeric_dtype(series.dtype) or pd.api.types.is_bool_dtype(series.dtype):
            present = series.notna()
            numbers = pd.to_numeric(series.where(present), errors="coerce")
            self.non_numeric += int((present & numbers.isna()).sum())
            series = numbers
        data = series.to_numpy(dtype=np.float64, na_value=np.nan)
        nan = np.isnan(data)
        nulls = int(nan.sum())
        if nulls:
            self.nulls += nulls
            data = data[~nan]
        self.values += len(data)
        if self.edges is not None:
            self.reference_counts += _bin_counts(self.edges, data)
        finite = np.isfinite(data)
        if not finite.all():
            self.above += int((data == np.inf).sum())
            self.below += int((data == -np.inf).sum())
            data = data[finite]
        if len(data):
            self.finite += len(data)
            self.total += float(data.sum())
            self.low, self.high = min(self.low, float(data.min())), max(self.high, float(data.max()))
            self.sketch.add(data)

    def summary(self, bins: int) -> NumericSummary:
        quantiles: dict[str, float] = {}
        histogram = None
        if self.finite:
            quantiles = self._quantiles()
        if self.edges is not None:
            histogram = Histogram(edges=[float(e) for e in self.edges],
                                  counts=[int(c) for c in self.reference_counts])
        elif self.finite:
            histogram = self._histogram(bins)
        return NumericSummary(
            min=self.low if self.finite else None, max=self.high if self.finite else None,
            mean=_round(self.total / self.finite) if self.finite else None,
            quantiles=quantiles, relative_error=_round(self.sketch.relative_error()),
            non_numeric=self.non_numeric, histogram=histogram,
        )

    def _quantiles(self) -> dict[str, float]:
        import numpy as np

        cum = np.cumsum(self.sketch.counts)
        lows, highs = self.sketch.lows(), self.sketch.highs()
        found = {}
        for q in QUANTILES:
            at = int(np.searchsorted(cum, max(q * self.finite, 1.0), side="left"))
            middle = 0.0 if lows[at] == 0 else (lows[at] + highs[at]) / 2  # [0, 5e-312): 0
            found[f"p{round(q * 100)}"] = float(min(max(middle, self.low), self.high))
        return found

    def _histogram(self, bins: int) -> Histogram:
        """Edges at the bucket boundaries nearest to equal counts; each bin's count exact."""
        import numpy as np

        cum = np.cumsum(self.sketch.counts)
        lows = self.sketch.lows()
        inner: list[float] = []
        for i in range(1, bins):
            # a cut before bucket m + 1 leaves cum[m] values below it; the nearest to i/bins of them
            target = i * self.finite / bins
            m = int(np.searchsorted(cum[:-1], target))
            choices = [c for c in (m - 1, m) if 0 <= c < len(cum) - 1]
            if not choices:
                continue
            best = min(choices, key=lambda c: (abs(float(cum[c]) - target), c))
            edge = float(lows[best + 1])
            # an edge at max leaves max a bin of its own (the last bin is closed): a 0/1 column gets two
            if self.low < edge <= self.high and (not inner or edge > inner[-1]):
                inner.append(edge)
        edges = np.array([self.low, *inner, self.high], dtype=np.float64)
        where = np.clip(lows, self.low, self.high)  # each bucket lies in one bin: count it where it starts
        counts = np.zeros(len(edges) + 1, dtype=np.int64)
        np.add.at(counts, _bin_index(edges, where), self.sketch.counts)
        counts[0] += self.below
        counts[-1] += self.above
        return Histogram(edges=[float(e) for e in edges], counts=[int(c) for c in counts])


def _bin_index(edges: Floats, values: Floats) -> Ints:
    """0 below edges[0], i for edges[i-1] <= x < edges[i], len(edges) - 1 for x == edges[-1], len(edges)
    above."""
    import numpy as np

    index = np.searchsorted(edges, values, side="right")
    index[values == edges[-1]] = len(edges) - 1
    return index.astype(np.int64)


def _bin_counts(edges: Floats, values: Floats) -> Ints:
    """How many values fall in each bin of `_bin_index` (below, the bins, above)."""
    import numpy as np

    if len(edges) > 32:
        return np.bincount(_bin_index(edges, values), minlength=len(edges) + 1).astype(np.int64)
    # few edges: a counting comparison per edge is faster than a binary search per value
    at_least = [int(np.count_nonzero(values >= edge)) for edge in edges]
    above = int(np.count_nonzero(values > edges[-1]))
    counts = [len(values) - at_least[0]]
    counts += [at_least[i] - at_least[i + 1] for i in range(len(edges) - 2)]
    counts += [at_least[-2] - above, above]
    return np.array(counts, dtype=np.int64)


def _round(value: float) -> float:
    return float(f"{value:.12g}")


@dataclass
class CategoricalColumn:
    limit: int
    keep: tuple[str, ...] = ()  # a reference's categories, kept whatever their count
    counts: dict[str, int] | None = field(default_factory=dict)  # None: past the limit
    values: int = 0
    nulls: int = 0

    def update(self, series: pd.Series[Any]) -> None:
        present = series.dropna()
        self.nulls += len(series) - len(present)
        self.values += len(present)
        if self.counts is None or not len(present):
            return
        if present.dtype != object:
            present = present.astype(str)
        counted = present.value_counts(sort=False)
        counts = self.counts
        for value, count in zip(counted.index, counted.to_numpy().tolist(), strict=True):
            key = value if isinstance(value, str) else str(value)
            counts[key] = counts.get(key, 0) + count
        if len(counts) > self.limit:
            self.counts = None

    def summary(self, top: int) -> Categories:
        if self.counts is None:
            return Categories(counts={}, other=self.values, distinct=None, distinct_limit=self.limit)
        cut: dict[str, int] = {}
        for value, count in self.counts.items():
            short = value if len(value) <= MAX_VALUE_CHARS else value[:MAX_VALUE_CHARS - 1] + "…"
            cut[short] = cut.get(short, 0) + count
        ranked = sorted(cut.items(), key=lambda item: (-item[1], item[0]))
        # mostly distinct values (names, free text) identify rows: none is listed
        kept = dict(ranked[:top]) if 2 * len(self.counts) <= self.values else {}
        for value in self.keep:
            kept.setdefault(value, cut.get(value, 0))
        return Categories(counts=kept, other=self.values - sum(kept.values()), distinct=len(self.counts),
                          distinct_limit=self.limit)


# --- files ----------------------------------------------------------------------------------------


def expand(paths: Iterable[str | Path]) -> list[Path]:
    """Files and globs to the files, in order; a glob that matches nothing, or a missing file, is BadInput."""
    found: list[Path] = []
    for raw in paths:
        text = str(raw)
        if any(char in text for char in "*?["):
            matches = sorted(Path(m) for m in glob.glob(text, recursive=True) if Path(m).is_file())
            if not matches:
                raise BadInput(f"{text} matches no file", "a glob must match at least one data file",
                               "check the pattern (quote it, so the shell does not expand it)", file=text)
            found += [m for m in matches if m not in found]
        else:
            path = Path(text)
            if not path.is_file():
                raise BadInput(f"{text} not found" if not path.exists() else f"{text} is not a file",
                               "a profile reads data files (CSV, Parquet, JSON lines)",
                               "check the path", file=text)
            if path not in found:
                found.append(path)
    if not found:
        raise BadInput("no data files given", "a profile needs at least one data file", "name files or globs")
    return found


def profile_files(paths: Sequence[str | Path], *, dataset: Dataset | None, bins: int, top_categories: int,
                  reference: Profile | None = None) -> Profile:
    """The profile of the data in these files (globs expanded), read in chunks.

    `dataset` gives the format, delimiter, header/names and chunk size (the `data:` entry the files belong
    to); without one, the format comes from each file's name and CSV files have a header. With `reference`,
    numeric columns are counted on the reference's bins and its categories are kept, so the two compare.
    """
    files = expand(paths)
    chunk_rows = dataset.chunk_rows if dataset is not None else DEFAULT_CHUNK_ROWS
    order: dict[str, None] = {}  # every column, in the order the files name them
    columns: dict[str, NumericColumn | CategoricalColumn] = {}
    seen: dict[str, int] = {}  # rows accounted for, per column (those before its first value: nulls)
    rows = 0
    profiled: list[ProfiledFile] = []
    for path in files:
        rel = str(path)
        fmt = detect_format(path, dataset.format if dataset is not None else "auto")
        sniff(path, fmt, rel)
        file_rows = 0
        chunks = read_chunks(path, fmt, rel, chunk_rows=chunk_rows, delimiter=_delimiter(dataset, path),
                             names=_names(dataset, fmt, rel))
        for chunk in prefetch(chunks):
            for name in chunk.columns:
                key = str(name)
                order.setdefault(key)
                column = columns.get(key)
                if column is None:
                    column = _start(key, chunk[name], reference, len(chunk.columns))
                    if column is None:
                        continue  # no value yet to tell its kind: these rows count as nulls later
                    columns[key] = column
                    column.nulls += rows + file_rows
                    seen[key] = rows + file_rows
                column.update(chunk[name])
                seen[key] += len(chunk)
            file_rows += len(chunk)
        rows += file_rows
        profiled.append(ProfiledFile(path=rel, format=fmt, rows=file_rows))
    for key in order:
        if key not in columns:  # no value anywhere
            columns[key] = NumericColumn()
            seen[key] = 0
    columns = {key: columns[key] for key in order}
    return _finish(columns, seen, rows, profiled, bins, top_categories, reference)


def _start(name: str, series: pd.Series[Any], reference: Profile | None,
           width: int) -> NumericColumn | CategoricalColumn | None:
    """A column's accumulator: of the reference's kind when it has the column, else by its first values."""
    import numpy as np
    import pandas as pd

    known = reference.columns.get(name) if reference is not None else None
    if known is not None:
        if known.kind == "numeric":
            column = NumericColumn()
            hist = known.numeric.histogram if known.numeric is not None else None
            if hist is not None:
                column.edges = np.array(hist.edges, dtype=np.float64)
                column.reference_counts = np.zeros(len(hist.edges) + 1, dtype=np.int64)
            return column
        keep = tuple(known.categories.counts) if known.categories is not None else ()
        return CategoricalColumn(limit=distinct_limit(width), keep=keep)
    if series.isna().all():
        return None
    if pd.api.types.is_numeric_dtype(series.dtype) and not pd.api.types.is_bool_dtype(series.dtype):
        return NumericColumn()
    return CategoricalColumn(limit=distinct_limit(width))


def assemble(columns: dict[str, NumericColumn | CategoricalColumn], seen: dict[str, int], rows: int,
             files: list[ProfiledFile], bins: int, top: int, reference: Profile | None) -> Profile:
    """The document from filled accumulators (another engine's counts: engines/spark/profile.py)."""
    return _finish(columns, seen, rows, files, bins, top, reference)


def _finish(columns: dict[str, NumericColumn | CategoricalColumn], seen: dict[str, int], rows: int,
            files: list[ProfiledFile], bins: int, top: int, reference: Profile | None) -> Profile:
    out: dict[str, ColumnProfile] = {}
    for name, column in columns.items():
        column.nulls += rows - seen.get(name, 0)  # rows of files without the column, or after its last value
        if isinstance(column, NumericColumn):
            out[name] = ColumnProfile(kind="numeric", values=column.values, nulls=column.nulls,
                                      numeric=column.summary(bins))
        else:
            out[name] = ColumnProfile(kind="categorical", values=column.values, nulls=column.nulls,
                                      categories=column.summary(top))
    profile = Profile(rows=rows, bins=bins, top_categories=top, reference_bins=reference is not None,
                      files=files, columns=out)
    return _fit(profile, columns, top)


def _fit(profile: Profile, columns: dict[str, NumericColumn | CategoricalColumn], top: int) -> Profile:
    """Fewer categories per column while the document exceeds 1 MiB."""
    while len(profile.model_dump_json()) > MAX_BYTES and top > 1:
        top //= 2
        shrunk = dict(profile.columns)
        for name, column in columns.items():
            if isinstance(column, CategoricalColumn):
                shrunk[name] = profile.columns[name].model_copy(update={"categories": column.summary(top)})
        profile = profile.model_copy(update={"columns": shrunk})
    return profile


def _names(dataset: Dataset | None, fmt: Format, rel: str) -> list[str] | None:
    if dataset is None or dataset.header or fmt != "csv":
        return None
    if dataset.names:
        return list(dataset.names)
    raise BadInput(f"{rel}: the dataset has header: false but no names:",
                   "a profile names each column, and the file has no header row",
                   "list the columns in file order under the dataset's names:", file=rel)


def _delimiter(dataset: Dataset | None, path: Path) -> str:
    if dataset is not None and "delimiter" in dataset.model_fields_set:
        return dataset.delimiter
    if path.name.lower().endswith((".tsv", ".tsv.gz")):
        return "\t"
    return dataset.delimiter if dataset is not None else ","
