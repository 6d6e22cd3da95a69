"""A Spark DataFrame profiled with Spark aggregations: the same `Profile` document as the pandas engine
(data/profile.py), and nothing but counts reaches the driver.

Two passes over the data (the second, one small job a column):

1. one aggregation: the rows; per column its non-null values; per numeric column the finite values, their
   sum, min and max, the infinities, the text that is not a number and, given a reference, the values at
   or above each of the reference's edges (so each reference bin's count is exact, as on pandas); per
   categorical column an estimate of its distinct values (HyperLogLog);
2. a group-by a column: every numeric value's bucket of the log-scale sketch of data/profile.py (the same
   buckets: each power of two split in 4,096, computed from `log2` and exact power-of-two scaling, so a
   bucket's bounds are the ones pandas uses), and every value of a categorical column that may have at most
   `distinct_limit` distinct values. Spark keeps a numeric column's group-by (persisted on the executors):
   from it, the number of occupied buckets at each coarser shift gives the shift where the pandas sketch ends
   (the first at which at most 4,096 buckets are occupied), and only the buckets at that shift are collected.
   The driver receives at most 4,096 buckets a numeric column and the categories (at most twice the
   distinct limit a column), never a row.

The quantiles, histogram edges and category lists are then made by the very code that makes them on pandas,
so the same data gives the same profile on both engines: the same edges, counts, quantiles and
`relative_error` (a quantile is off by at most that fraction of its value: 1/8,192 at first, about 1/256 for
1,000,000 normal values; not Spark's `approxQuantile`, whose error is in rank, not in value). A reference's
bins are counted exactly. The mean is the sum in Spark's order, rounded to 12 significant digits as on
pandas (it may differ in the last digit).

Kinds: a column of a Spark numeric type (integers, floats, decimals) is numeric, any other (strings,
booleans, dates, timestamps) categorical, unless the reference says otherwise (then text is read as numbers
and what is not a number counts as `non_numeric` and null, as on pandas). Booleans are `True`/`False`, as
pandas writes them; other values are Spark's text for them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mlgate.data.profile import MAX_BUCKETS, CategoricalColumn, NumericColumn, assemble, distinct_limit
from mlgate.documents import Profile, ProfiledFile

FINEST_SHIFT = 40  # data/profile.py's first shift: 4,096 buckets a power of two
_NUMERIC = ("tinyint", "smallint", "int", "bigint", "float", "double", "decimal")
_TWO_1022 = 2.0 ** -1022
_EXTRA_SHIFTS = 24  # shifts 40 ... 63: one bucket a power of two at the coarsest


@dataclass(frozen=True)
class Source:
    """What the profile says it read: the dataset's location (not each file) and its format."""

    path: str
    format: Any  # "csv" | "parquet" | "jsonl"


def profile_frame(frame: Any, source: Source, *, bins: int, top_categories: int,
                  reference: Profile | None = None) -> Profile:
    """The profile of a DataFrame (read and normalized by read.py): the pandas engine's document."""
    types = {f.name: f.dataType.simpleString() for f in frame.schema.fields}
    names = list(frame.columns)
    limit = distinct_limit(len(names))
    kinds = {name: _kind(name, types[name], reference) for name in names}
    frame, values = _normalized(frame, names, {
        name: _as_double(name, types[name]) if kinds[name] == "numeric" else _as_text(name, types[name])
        for name in names})
    first = _first_pass(frame, names, kinds, values, types, reference)
    rows = int(first["rows"])
    columns: dict[str, NumericColumn | CategoricalColumn] = {}
    numeric: list[str] = []  # numeric columns with finite values: their buckets are counted
    counted: list[str] = []  # categorical columns whose values are counted
    for i, name in enumerate(names):
        present = int(first[f"v{i}"])
        unknown = reference is None or name not in reference.columns
        if kinds[name] == "numeric" or (present == 0 and unknown):
            columns[name] = _numeric(first, i, name, reference)
            column = columns[name]
            if isinstance(column, NumericColumn) and column.finite:
                numeric.append(name)
        else:
            category = _categorical(first, i, name, reference, limit)
            columns[name] = category
            if present and int(first[f"d{i}"] or 0) <= 2 * limit:
                counted.append(name)
            else:
                category.counts = None  # past the limit (HyperLogLog's estimate is within a few %)
    if numeric or counted:
        _second_pass(frame, names, values, numeric, counted, columns)
    seen = dict.fromkeys(names, rows)
    files = [ProfiledFile(path=source.path, format=source.format, rows=rows)]
    return assemble(columns, seen, rows, files, bins, top_categories, reference)


def _normalized(frame: Any, names: list[str], values: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
    """The frame with each column's normalized value beside it (`__mlgate_<i>`), and those columns.

    Each expression on a value (a bucket's key uses it a dozen times) then reads a column instead of
    recomputing the cast: three times faster, and the generated code of a stage stays small enough for
    the JVM to compile (past its method size Spark runs a stage interpreted, many times slower)."""
    from pyspark.sql import functions as F

    from mlgate.engines.spark.checks import column

    keep = [column(name) for name in names]
    added = [values[name].alias(f"__mlgate_{i}") for i, name in enumerate(names)]
    return frame.select(*keep, *added), {name: F.col(f"__mlgate_{i}") for i, name in enumerate(names)}


def _kind(name: str, spark_type: str, reference: Profile | None) -> str:
    known = reference.columns.get(name) if reference is not None else None
    if known is not None:
        return known.kind
    return "numeric" if spark_type.startswith(_NUMERIC) else "categorical"


def _as_double(name: str, spark_type: str) -> Any:
    """The column as a double: numbers as they are, text parsed (not a number: null), NaN null."""
    from pyspark.sql import functions as F

    from mlgate.engines.spark.checks import column

    if spark_type.startswith(_NUMERIC):
        value = column(name).cast("double")
    else:
        value = F.expr(f"try_cast(`{name.replace('`', '``')}` AS DOUBLE)")
    return F.when(F.isnan(value), F.lit(None)).otherwise(value)


def _as_text(name: str, spark_type: str) -> Any:
    """The column as text, as pandas writes its values (booleans True/False)."""
    from pyspark.sql import functions as F

    from mlgate.engines.spark.checks import column

    value = column(name)
    if spark_type == "boolean":
        return F.when(value.isNull(), F.lit(None)).when(value, F.lit("True")).otherwise(F.lit("False"))
    return value if spark_type == "string" else value.cast("string")


def _first_pass(frame: Any, names: list[str], kinds: dict[str, str], values: dict[str, Any],
                types: dict[str, str], reference: Profile | None) -> Any:
    from pyspark.sql import functions as F

    from mlgate.engines.spark.checks import column

    inf = float("inf")
    parts = [F.count(F.lit(1)).alias("rows")]
    for i, name in enumerate(names):
        x = values[name]
        parts.append(F.count(x).alias(f"v{i}"))
        if kinds[name] != "numeric":
            parts.append(F.approx_count_distinct(x).alias(f"d{i}"))
            continue
        finite = x.isNotNull() & (x != inf) & (x != -inf)
        parts += [F.count(F.when(finite, 1)).alias(f"f{i}"), F.sum(F.when(finite, x)).alias(f"s{i}"),
                  F.min(F.when(finite, x)).alias(f"lo{i}"), F.max(F.when(finite, x)).alias(f"hi{i}"),
                  F.count(F.when(x == inf, 1)).alias(f"up{i}"), F.count(F.when(x == -inf, 1)).alias(f"dn{i}")]
        if not types[name].startswith(_NUMERIC):
            parts.append(F.count(F.when(column(name).isNotNull() & x.isNull(), 1)).alias(f"nn{i}"))
        for j, edge in enumerate(_edges(name, reference)):
            parts.append(F.count(F.when(x >= edge, 1)).alias(f"e{i}_{j}"))
        if _edges(name, reference):
            parts.append(F.count(F.when(x > _edges(name, reference)[-1], 1)).alias(f"a{i}"))
    return frame.agg(*parts).first()


def _edges(name: str, reference: Profile | None) -> list[float]:
    known = reference.columns.get(name) if reference is not None else None
    if known is None or known.kind != "numeric" or known.numeric is None or known.numeric.histogram is None:
        return []
    return list(known.numeric.histogram.edges)


def _numeric(first: Any, i: int, name: str, reference: Profile | None) -> NumericColumn:
    import numpy as np

    column = NumericColumn()
    present = int(first[f"v{i}"])
    column.values = present
    column.nulls = int(first["rows"]) - present
    if f"f{i}" not in first.asDict():  # a column with no value anywhere, typed as text: no numbers
        return column
    column.finite = int(first[f"f{i}"])
    column.non_numeric = int(first[f"nn{i}"]) if f"nn{i}" in first.asDict() else 0
    column.above, column.below = int(first[f"up{i}"]), int(first[f"dn{i}"])
    if column.finite:
        column.total = float(first[f"s{i}"])
        column.low, column.high = float(first[f"lo{i}"]), float(first[f"hi{i}"])
    edges = _edges(name, reference)
    if edges:
        at_least = [int(first[f"e{i}_{j}"]) for j in range(len(edges))]
        above = int(first[f"a{i}"])
        counts = [present - at_least[0], *[at_least[j] - at_least[j + 1] for j in range(len(edges) - 2)],
                  at_least[-2] - above, above]
        column.edges = np.array(edges, dtype=np.float64)
        column.reference_counts = np.array(counts, dtype=np.int64)
    return column


def _categorical(first: Any, i: int, name: str, reference: Profile | None, limit: int) -> CategoricalColumn:
    known = reference.columns.get(name) if reference is not None else None
    keep = tuple(known.categories.counts) if known is not None and known.categories is not None else ()
    present = int(first[f"v{i}"])
    column = CategoricalColumn(limit=limit, keep=keep)
    column.values, column.nulls = present, int(first["rows"]) - present
    return column


def bucket_key(x: Any, shift: int) -> Any:
    """The sketch's bucket of a finite double (data/profile.py's Sketch.keys_of) as a Spark expression.

    |x| = 2^e (1 + f): the key at the finest shift is (e + 1023) 4096 + floor(4096 f) (its IEEE 754 bits
    >> 40); e comes from log2, corrected by one where log2 rounds across a power of two, and the scaling by
    2^-e is exact. Subnormals: floor(|x| 2^1034). A negative x gets -k when |x| is a bucket's lower bound,
    else -(k + 1). Each shift past 40 is an arithmetic right shift, as on pandas.
    """
    from pyspark.sql import functions as F

    a = F.abs(x)
    e0 = F.floor(F.log2(a))
    e = e0 - F.when(F.pow(F.lit(2.0), e0) > a, 1).otherwise(0) \
        + F.when(F.pow(F.lit(2.0), e0 + 1) <= a, 1).otherwise(0)
    scaled = (a / F.pow(F.lit(2.0), e) - 1.0) * 4096.0
    normal = (e + 1023) * 4096 + F.floor(scaled)
    tiny = a * F.lit(2.0 ** 1000) * F.lit(2.0 ** 34)
    k = F.when(a == 0, F.lit(0)).when(a < _TWO_1022, F.floor(tiny)).otherwise(normal).cast("bigint")
    exact = F.when(a == 0, F.lit(True)).when(a < _TWO_1022, tiny == F.floor(tiny)) \
        .otherwise(scaled == F.floor(scaled))
    key = F.when(x < 0, F.when(exact, -k).otherwise(-k - 1)).otherwise(k)
    return F.shiftright(key, shift - FINEST_SHIFT) if shift > FINEST_SHIFT else key


def _second_pass(frame: Any, names: list[str], values: dict[str, Any], numeric: list[str],
                 counted: list[str], columns: dict[str, NumericColumn | CategoricalColumn]) -> None:
    """Per numeric column, one group-by over its finest buckets, kept by Spark (persisted, never
    collected); from it, the number of occupied buckets at each coarser shift, so the coarsest needed (the
    first at which at most 4,096 buckets are occupied: where the pandas sketch ends up) is the only one
    collected. Per counted categorical column, one group-by over its values (at most twice the distinct
    limit). A group-by per column, not one over all columns exploded: each reads one column (Parquet
    reads no other), and its generated code stays small (the bucket expression of every column in one
    stage is past the JVM's method size: Spark then runs that stage interpreted, many times slower)."""
    for name in names:
        if name in numeric:
            column = columns[name]
            if isinstance(column, NumericColumn):
                _bucket_counts(frame, values[name], column)
        elif name in counted:
            column = columns[name]
            if isinstance(column, CategoricalColumn) and column.counts is not None:
                x = values[name]
                for row in frame.where(x.isNotNull()).groupBy(x.alias("v")).count().collect():
                    column.counts[str(row["v"])] = int(row["count"])
                if len(column.counts) > column.limit:
                    column.counts = None


def _bucket_counts(frame: Any, x: Any, column: NumericColumn) -> None:
    """The column's finite values counted in the sketch's buckets, at the shift the pandas sketch ends at."""
    import numpy as np
    from pyspark import StorageLevel
    from pyspark.sql import functions as F

    inf = float("inf")
    finite = x.isNotNull() & (x != inf) & (x != -inf)
    keys = (frame.where(finite).select(bucket_key(x, FINEST_SHIFT).alias("k")).groupBy("k").count()
            .persist(StorageLevel.MEMORY_AND_DISK))
    try:
        occupied = (keys.select(F.explode(F.sequence(F.lit(0), F.lit(_EXTRA_SHIFTS - 1))).alias("t"), "k")
                    .select("t", F.expr("shiftright(k, t)").alias("kk")).distinct()
                    .groupBy("t").count().collect())
        fits = [int(row["t"]) for row in occupied if int(row["count"]) <= MAX_BUCKETS]
        shift = min(fits) if fits else _EXTRA_SHIFTS - 1  # the first with at most MAX_BUCKETS occupied
        found = (keys.select(F.shiftright("k", shift).alias("kk"), "count").groupBy("kk")
                 .agg(F.sum("count").alias("n")).collect())
    finally:
        keys.unpersist()
    counts = {int(row["kk"]): int(row["n"]) for row in found}
    ordered = np.array(sorted(counts), dtype=np.int64)
    column.sketch.load(FINEST_SHIFT + shift, ordered,
                       np.array([counts[k] for k in ordered.tolist()], dtype=np.int64))
