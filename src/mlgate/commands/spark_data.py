"""The Spark side of the profile and the monitor: which data Spark reads, and the session it reads it with.

`mlgate train` and `mlgate profile --run` profile the `engine: spark` datasets with Spark (when
`train.deps` lists no data file: those are read by pandas); `mlgate monitor` reads a batch with Spark when
`--engine spark` says so, when the batch's `data:` entry (`--dataset`) has `engine: spark`, or (with
`--engine auto`, the default) when a location is a URI, a directory, or lies under an `engine: spark`
entry's path. pyspark is imported only then (engines/spark/).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from mlgate.config import Config, Dataset
from mlgate.output import Output, one_line

if TYPE_CHECKING:
    from mlgate.documents import FeedCheck, Profile

Engine = Literal["auto", "pandas", "spark"]
_WILDCARDS = "*?[{"


def spark_training(config: Config, data_deps: Sequence[str]) -> list[Dataset]:
    """The `engine: spark` datasets the training profile covers (none when train.deps names data files)."""
    if data_deps:
        return []
    return [d for d in config.data if d.engine == "spark"]


def training_profile(config: Config, output: Output, datasets: Sequence[Dataset],
                     master: str | None = None) -> Profile:
    """The reference profile of the Spark datasets, made by Spark where they lie."""
    from mlgate.engines.spark.batch import profile_datasets
    from mlgate.engines.spark.session import spark_session

    session = spark_session(config.spark, master)
    output.line(f"mlgate: profiling {', '.join(one_line(d.path) for d in datasets)} with Spark "
                f"{session.version} (master {one_line(session.sparkContext.master)})")
    return profile_datasets(session, config.root, datasets, bins=config.monitor.bins,
                            top_categories=config.monitor.top_categories)


def batch_entry(config: Config, data: Sequence[str], named: Dataset | None,
                engine: Engine) -> tuple[bool, Dataset | None]:
    """Whether Spark reads the batch, and its `data:` entry (the one named, else an `engine: spark` entry
    whose path holds every location)."""
    entry = named
    if engine == "pandas":
        return False, entry
    if entry is None:
        entry = next((d for d in config.data if d.engine == "spark" and all(_under(config, loc, d.path)
                                                                              for loc in data)), None)
    if engine == "spark" or (entry is not None and entry.engine == "spark"):
        return True, entry
    return any(_spark_only(config, loc) for loc in data), entry


def _under(config: Config, location: str, path: str) -> bool:
    from mlgate.engines.spark.read import is_uri

    if is_uri(location) or is_uri(path):
        return location.rstrip("/") == path.rstrip("/") or location.startswith(path.rstrip("/") + "/")
    root = config.resolve(path.rstrip("/")).as_posix()
    here = _batch_path(config, location.rstrip("/")).as_posix()
    return here == root or here.startswith(root + "/")


def _batch_path(config: Config, location: str) -> Path:
    """A batch location (`--data`): the workflow's input, not the PR's config, so it may lie anywhere on the
    runner; relative to the config's folder."""
    path = Path(location)
    return path if path.is_absolute() else config.root / path


def _spark_only(config: Config, location: str) -> bool:
    """A URI, or a local directory: not files the pandas reader takes."""
    from mlgate.engines.spark.read import is_uri

    if is_uri(location):
        return True
    return not any(c in location for c in _WILDCARDS) and _batch_path(config, location).is_dir()


@dataclass(frozen=True)
class SparkBatch:
    locations: list[str]
    entry: Dataset | None
    profile: Profile
    feed: FeedCheck | None


def profile_batch(config: Config, output: Output, data: Sequence[str], entry: Dataset | None,
                  reference: Profile, master: str | None) -> SparkBatch:
    """The batch profiled by Spark on the reference's bins, and checked with its entry."""
    from mlgate.data.result import VALID
    from mlgate.data.schema import load_schemas
    from mlgate.documents import FeedCheck
    from mlgate.engines.spark.batch import profile_locations
    from mlgate.engines.spark.session import spark_session

    where, schemas = "", []
    if entry is not None:
        where = f"data[{config.data.index(entry)}]"
        schemas = load_schemas(config, entry, where)
    session = spark_session(config.spark, master)
    output.line(f"mlgate monitor: reading {', '.join(one_line(d) for d in data[:5])} with Spark "
                f"{session.version} (master {one_line(session.sparkContext.master)})")
    found = profile_locations(session, config.root, list(data), entry=entry, bins=config.monitor.bins,
                              top_categories=config.monitor.top_categories, reference=reference, where=where,
                              schemas=schemas)
    feed = None
    if found.feed is not None and entry is not None:
        feed = FeedCheck(dataset=entry.path, passed=found.feed.status == VALID,
                         files=[found.feed.to_document()])
    return SparkBatch(list(data), entry, found.profile, feed)

