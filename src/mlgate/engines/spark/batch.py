"""Data profiled by Spark where it lies: the training data of `engine: spark` datasets (`mlgate train`,
`mlgate profile --run`) and a batch of production data (`mlgate monitor`).

A location is anything Spark reads: a file, a directory (Parquet part files, partitioned or not), a Hadoop
glob (`events/date=2026-12-0[1-6]`, `*.parquet`) or a URI (`s3a://`, `gs://`, `abfss://`, `hdfs://`,
`dbfs:/`). A partition filter is a location's `key=value` segment: `s3a://lake/events/date=2026-12-06/` reads
that partition only (Spark lists nothing else), and because mlgate gives Spark the table's root (the path
before the first `key=value` segment) as `basePath`, the partition columns stay columns, as they are when
the whole table is read: the batch has the columns of the reference made from the table.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mlgate.config import Dataset
from mlgate.data.formats import Format
from mlgate.data.result import ERROR, INVALID, VALID, FileResult
from mlgate.documents import Profile
from mlgate.engines.spark.checks import validate_frame
from mlgate.engines.spark.profile import Source, profile_frame
from mlgate.engines.spark.read import is_uri, normalize, spark_format
from mlgate.engines.spark.run import _one_line, _spark_errors
from mlgate.errors import BadInput

_PARTITION = re.compile(r"^[^=/*?\[{]+=[^/]*$")


@dataclass(frozen=True)
class Where:
    """A location as Spark reads it (`read`: absolute or a URI) and as mlgate shows it (`shown`)."""

    read: str
    shown: str


def base_path(location: str) -> str | None:
    """The table's root when a segment of the location names a partition (`key=value`), else None."""
    parts = location.rstrip("/").split("/")
    for index, part in enumerate(parts):
        if index and _PARTITION.match(part):
            return "/".join(parts[:index]) or "/"
    return None


def read_locations(spark: Any, places: Sequence[Where], fmt: Format, delimiter: str) -> Any:
    """The locations as one DataFrame (lazy), typed as pandas types them (read.py's normalize)."""
    reader = spark.read
    bases = {base_path(place.read) for place in places}
    if len(bases) == 1 and None not in bases:
        reader = reader.option("basePath", bases.pop())
    paths = [place.read for place in places]
    if fmt == "parquet":
        frame = reader.parquet(*paths)
    elif fmt == "csv":
        frame = reader.options(header=True, inferSchema=True, sep=delimiter, mode="FAILFAST").csv(paths)
    else:
        frame = reader.options(mode="FAILFAST").json(paths)
    return normalize(frame, widen=fmt != "parquet")


def locate(root: Path, location: str) -> Where:
    """A location relative to the repository (or absolute, or a URI) as Spark reads it."""
    if is_uri(location):
        return Where(location, location)
    path = Path(location)
    full = path if path.is_absolute() else root / path
    return Where(str(full), location)


@dataclass(frozen=True)
class Profiled:
    profile: Profile
    feed: FileResult | None  # the batch checked with its data: entry (None without an entry)
    format: Format


def profile_locations(spark: Any, root: Path, locations: Sequence[str], *, entry: Dataset | None,
                      bins: int, top_categories: int, reference: Profile | None = None,
                      where: str = "", schemas: Sequence[Any] = ()) -> Profiled:
    """Profile the data at these locations with Spark (on the reference's bins when given), and check it
    with its `data:` entry's schema and checks when `where` names the entry (monitor's feed check)."""
    places = [locate(root, location) for location in locations]
    shown = ", ".join(place.shown for place in places)
    fmt = spark_format(places[0].read, entry.format if entry is not None else "auto")
    delimiter = entry.delimiter if entry is not None else ","
    with _spark_errors(shown, fmt):
        frame = read_locations(spark, places, fmt, delimiter)
        profile = profile_frame(frame, Source(shown, fmt), bins=bins, top_categories=top_categories,
                                reference=reference)
    feed = None
    if entry is not None and where:
        try:
            with _spark_errors(shown, fmt):
                outcome = validate_frame(frame, entry, where, shown, list(schemas),
                                         root_uri=root.resolve().as_uri())
            feed = FileResult(entry.path, shown, INVALID if outcome.failures else VALID, format=fmt,
                              rows=outcome.rows, failures=outcome.failures)
        except BadInput as exc:
            feed = FileResult(entry.path, shown, ERROR, format=fmt, error=_one_line(exc))
    return Profiled(profile, feed, fmt)


def profile_datasets(spark: Any, root: Path, datasets: Sequence[Dataset], *, bins: int,
                     top_categories: int) -> Profile:
    """The training data of the `engine: spark` datasets, as one table (columns matched by name: a column
    a dataset lacks is null in its rows)."""
    frames = []
    shown = []
    formats: set[Format] = set()
    for dataset in datasets:
        place = locate(root, dataset.path)
        fmt = spark_format(place.read, dataset.format)
        with _spark_errors(place.shown, fmt):
            frames.append(read_locations(spark, [place], fmt, dataset.delimiter))
        shown.append(place.shown)
        formats.add(fmt)
    frame = frames[0]
    for other in frames[1:]:
        frame = frame.unionByName(other, allowMissingColumns=True)
    read: Format = formats.pop() if len(formats) == 1 else "parquet"
    with _spark_errors(", ".join(shown), read):
        return profile_frame(frame, Source(", ".join(shown), read), bins=bins, top_categories=top_categories)
