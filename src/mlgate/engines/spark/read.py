"""A Spark dataset read as a DataFrame: Parquet (a file, or a directory of part files, partitioned or not),
CSV (a header line) or JSON lines; a local path, a glob, or a URI any of Spark's Hadoop connectors read
(`s3a://`, `gs://`, `abfss://`, `hdfs://`, `dbfs:/`...).

The frame is typed as pandas would type the same file, so one schema means the same on both engines:
CSV and JSON numbers are 64-bit (`bigint`, `double`), and NaN is missing (null), as pandas counts it.
Malformed CSV or JSON rows fail the read (FAILFAST), as the pandas reader does.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from mlgate.data.formats import Format, detect_format
from mlgate.errors import BadInput

_URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:/")
_WILDCARDS = re.compile(r"[*?\[{]")
_WIDEN = {"int": "bigint", "smallint": "bigint", "tinyint": "bigint", "float": "double"}


def is_uri(path: str) -> bool:
    """`s3a://bucket/x`, `file:///data`, `dbfs:/x`: read by Spark's connectors, not looked at by mlgate."""
    return bool(_URI.match(path))


def spark_format(location: str, declared: str) -> Format:
    """`format:` when given; else from the name; else from the files of a local directory; else Parquet
    (a directory of part files, as Spark and most lakehouses write)."""
    if declared != "auto":
        return detect_format(Path("x"), declared)
    name = location.rstrip("/").rsplit("/", 1)[-1]
    try:
        return detect_format(Path(name or "x"))
    except BadInput:
        pass
    folder = Path(location)
    if not is_uri(location) and not _WILDCARDS.search(location) and folder.is_dir():
        for path in sorted(folder.rglob("*")):
            if path.is_file() and not path.name.startswith(("_", ".")):
                try:
                    return detect_format(path)
                except BadInput:
                    continue
    return "parquet"


def read_frame(spark: Any, location: str, fmt: Format, delimiter: str) -> Any:
    """The dataset as a Spark DataFrame (lazy: nothing is read but the schema)."""
    reader = spark.read
    if fmt == "parquet":
        frame = reader.parquet(location)
    elif fmt == "csv":
        frame = reader.options(header=True, inferSchema=True, sep=delimiter, mode="FAILFAST").csv(location)
    else:
        frame = reader.options(mode="FAILFAST").json(location)
    return normalize(frame, widen=fmt != "parquet")


def normalize(frame: Any, *, widen: bool) -> Any:
    """NaN as null (pandas' missing value) in float columns; with `widen`, the 64-bit types pandas reads
    CSV and JSON numbers as."""
    from pyspark.sql import functions as F

    from mlgate.engines.spark.checks import column

    picked = []
    changed = False
    for field in frame.schema.fields:
        kind = field.dataType.simpleString()
        value = column(field.name)
        if widen and kind in _WIDEN:
            value, kind, changed = value.cast(_WIDEN[kind]), _WIDEN[kind], True
        if kind in ("double", "float"):
            value, changed = F.when(F.isnan(value), F.lit(None)).otherwise(value), True
        picked.append(value.alias(field.name))
    return frame.select(*picked) if changed else frame
