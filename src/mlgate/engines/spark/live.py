"""Live performance on a batch Spark reads: production's predictions, read where a job wrote them, joined by
`evaluate.id` to the batch's labelled rows, and a bounded sample of the joined rows brought to the driver.

The predictions are any location Spark reads (Parquet directories and partitions, CSV with a header, JSON
lines, a Hadoop glob, a URI), with the id column and the columns of mlgate's predictions files
(evaluate/predictions.py): `prediction`, and for a classifier `score` or `score_<class>`. They may cover
more rows than the labelled ones (production scored the whole batch; the labels arrive for some): a
prediction without a labelled batch row is ignored; a labelled batch row without a prediction is bad input.
Ids are compared as text, 7 and 7.0 alike (as the pandas reader aligns them).

Only counts and at most `max_rows` joined rows (the id, the label, the prediction and scores) reach the
driver: above that, a seeded Bernoulli sample of Spark's (`DataFrame.sample`), cut at `max_rows`. The rows
are sorted by id on the driver, so the same data gives the same rows in the same order whatever the
partitioning (the bootstrap intervals drawn from them are then reproducible).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mlgate.config import Dataset
from mlgate.engines.spark.batch import locate, read_locations
from mlgate.engines.spark.checks import column
from mlgate.engines.spark.read import spark_format
from mlgate.engines.spark.run import _spark_errors
from mlgate.errors import BadInput

if TYPE_CHECKING:
    import pandas as pd

PREDICTION = "prediction"
SCORE = "score"
SCORE_PREFIX = "score_"
_FOUND = "__mlgate_found"
_SHOWN = 5  # ids named in a message
PREDICTIONS_FIX = ("make production's scoring job write, for every labelled row of the batch, its "
                   "evaluate.id column and `prediction` (a classifier: `score` or `score_<class>` too), and "
                   "pass where it wrote them with --predictions (see docs/spark.md)")


@dataclass(frozen=True)
class Joined:
    """The batch's labelled rows joined to production's predictions (a sample of them above max_rows)."""

    rows: pd.DataFrame  # the id, the label, `prediction` and the score columns; sorted by id
    labelled: int  # labelled rows in the batch (each has its prediction)
    unlabelled: int  # rows of the batch without a label, left out
    sampled: bool  # rows is a random sample of the labelled rows


def join_predictions(spark: Any, root: Path, batch: Sequence[str], entry: Dataset | None,
                     predictions: Sequence[str], *, label: str, id_column: str, max_rows: int,
                     seed: int) -> Joined:
    """The labelled rows of the batch with production's predictions, checked: the label and the id in the
    batch, the id unique and present on every labelled row, the id and `prediction` in the predictions,
    one prediction per id, and one for every labelled row. Each fault is BadInput (exit 2) naming it."""
    from pyspark.sql import functions as F

    places = [locate(root, location) for location in batch]
    shown = ", ".join(place.shown for place in places)
    fmt = spark_format(places[0].read, entry.format if entry is not None else "auto")
    with _spark_errors(shown, fmt):
        frame = read_locations(spark, places, fmt, entry.delimiter if entry is not None else ",")
    _require(frame, [(id_column, "evaluate.id: it joins the predictions to the labels")], shown,
             "give the batch its row id (evaluate.id), as the scoring job writes it next to each prediction")
    written = [locate(root, location) for location in predictions]
    where = ", ".join(place.shown for place in written)
    written_fmt = spark_format(written[0].read, "auto")
    with _spark_errors(where, written_fmt):
        scored = read_locations(spark, written, written_fmt, ",")
    _require(scored, [(id_column, "evaluate.id"), (PREDICTION, "the predicted class or value")], where,
             PREDICTIONS_FIX)
    kept = [c for c in scored.columns if c in (PREDICTION, SCORE) or c.startswith(SCORE_PREFIX)]
    keyed = frame.select(_key(frame, id_column).alias(id_column), column(label).alias(label))
    scored = scored.select(_key(scored, id_column).alias(id_column), *[column(c) for c in kept],
                           F.lit(True).alias(_FOUND))
    with _spark_errors(shown, fmt):
        labelled, unlabelled, no_id = _counts(keyed, label, id_column)
    if no_id:
        raise BadInput(f"{shown}: {no_id:,} labelled row(s) have no id in {id_column!r} (evaluate.id)",
                       "the predictions are joined to the labelled rows by id",
                       "give every row its id", file=shown)
    labelled_rows = keyed.where(column(label).isNotNull())
    with _spark_errors(shown, fmt):
        _unique(labelled_rows, id_column, shown, "the batch's labelled rows",
                "evaluate.id must name each row once",
                "make the ids unique (a batch of several days may repeat a customer id: use a row id)")
    with _spark_errors(where, written_fmt):
        _unique(scored.where(column(id_column).isNotNull()), id_column, where, "the predictions",
                "each labelled row needs exactly one prediction", PREDICTIONS_FIX)
    joined = labelled_rows.join(scored, on=id_column, how="left")
    if labelled:
        with _spark_errors(where, written_fmt):
            _all_predicted(joined, id_column, where, labelled)
    sampled = labelled > max_rows
    if sampled:
        joined = joined.sample(withReplacement=False, fraction=max_rows / labelled, seed=seed).limit(max_rows)
    with _spark_errors(where, written_fmt):
        rows = _collect(joined.drop(_FOUND))
    rows = rows.sort_values(id_column, kind="stable").reset_index(drop=True)
    return Joined(rows, labelled, unlabelled, sampled)


def _require(frame: Any, wanted: Sequence[tuple[str, str]], shown: str, fix: str) -> None:
    have = list(frame.columns)
    for name, role in wanted:
        if name not in have:
            listed = ", ".join(repr(c) for c in have[:_SHOWN]) + (" …" if len(have) > _SHOWN else "")
            raise BadInput(f"{shown} has no column {name!r} ({role})",
                           f"its columns are {listed}" if have else "it has no columns", fix, file=shown)


def _key(frame: Any, name: str) -> Any:
    """The id as text: a whole float as the integer (7.0 reads 7, as evaluate/predictions.py aligns ids)."""
    from pyspark.sql import functions as F

    value = column(name)
    if dict(frame.dtypes).get(name) in ("double", "float"):
        return F.when(value == F.floor(value), value.cast("bigint").cast("string")).otherwise(
            value.cast("string"))
    return value.cast("string")


def _counts(keyed: Any, label: str, id_column: str) -> tuple[int, int, int]:
    """(labelled rows, rows without a label, labelled rows without an id) in one pass over the batch."""
    from pyspark.sql import functions as F

    has_label = column(label).isNotNull()
    row = keyed.agg(F.count(F.lit(1)).alias("rows"), F.count(column(label)).alias("labelled"),
                    F.sum(F.when(has_label & column(id_column).isNull(), 1).otherwise(0)).alias("no_id")
                    ).collect()[0]
    return int(row["labelled"]), int(row["rows"]) - int(row["labelled"]), int(row["no_id"] or 0)


def _unique(frame: Any, id_column: str, shown: str, what: str, why: str, fix: str) -> None:
    from pyspark.sql import functions as F

    repeated = (frame.groupBy(column(id_column)).agg(F.count(F.lit(1)).alias("n")).where(F.col("n") > 1)
                .select(column(id_column)).limit(_SHOWN).collect())
    if repeated:
        ids = ", ".join(repr(r[0]) for r in repeated)
        raise BadInput(f"{shown}: {what} repeat ids in {id_column!r} ({ids})", why, fix, file=shown)


def _all_predicted(joined: Any, id_column: str, where: str, labelled: int) -> None:
    missing = joined.where(column(_FOUND).isNull())
    count = missing.count()
    if count:
        ids = ", ".join(repr(r[0]) for r in missing.select(column(id_column)).limit(_SHOWN).collect())
        raise BadInput(f"{where} lacks the predictions of {count:,} of the batch's {labelled:,} labelled "
                       f"rows (ids {ids}{' …' if count > _SHOWN else ''})",
                       "production's metrics on the batch need its prediction for every labelled row",
                       "score the whole batch before monitor runs, or point --predictions at the "
                       "predictions of this batch", file=where)


def _collect(frame: Any) -> pd.DataFrame:
    """The (bounded) rows as pandas, through Arrow where pyspark has it (4.0+: no Row objects)."""
    if hasattr(frame, "toArrow"):
        return frame.toArrow().to_pandas()
    return frame.toPandas()
