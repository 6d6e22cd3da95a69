"""Live performance on a labelled batch Spark reads (`mlgate monitor --predictions LOCATION`).

The batch lies where Spark reads it, so production is not scored on the runner: the scoring is the team's own
job (often a Spark job writing predictions next to the batch), and mlgate reads the predictions where they
are (engines/spark/live.py: joined to the batch's labelled rows by `evaluate.id`, checked in Spark).

Why a sample and not Spark aggregations: the metrics and their intervals are then exactly the pandas
path's (commands/live.py): the same estimators, the same vectorised bootstrap (evaluate/paired.estimates),
the same judgement against production's metrics on the evaluation rows, for every metric mlgate computes
(ROC AUC and PR AUC are not means of rows, and a rule's own `function:` takes arrays). The driver holds at
most `commands/live.MAX_ROWS` (1,000,000) joined rows of a few columns whatever the batch's size (a
seeded Spark sample above it, recorded as `sampled_from`), and a million rows put the half-width of a
mean-type metric's interval near 0.001, far below any tolerance a rule sets. The sample is written to
`out/live/batch.csv` (id and label) and `out/live/predictions.csv`, and read back with the readers
`mlgate evaluate` uses, so a class the labels lack, a score outside [0, 1] or a missing prediction fail as
they do there (exit 2).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from mlgate.config import Config, Dataset
from mlgate.documents import LivePerformance, Profile
from mlgate.errors import BadInput
from mlgate.output import Output, one_line

if TYPE_CHECKING:
    from mlgate.registry import Registry

PREDICTIONS_FILE = "predictions.csv"
DOCS = "docs/spark.md#live-performance-on-spark"


def check_option(config: Config, on_spark: bool, predictions: Sequence[str]) -> None:
    """`--predictions` before any work: only for a batch Spark reads, and only with evaluate.id to join by."""
    if not predictions:
        return
    if not on_spark:
        raise BadInput("--predictions is for a batch Spark reads",
                       "on the pandas engine monitor scores production on the batch itself, with its "
                       "evaluate.command (docs/stages.md)",
                       "drop --predictions, or read the batch with Spark (--engine spark)")
    if config.evaluate is None or config.evaluate.id is None:
        raise BadInput("--predictions needs evaluate.id in mlgate.yaml",
                       "production's predictions are joined to the batch's labels by the row id",
                       "set evaluate.id to the column naming each row (in the batch and in the predictions), "
                       f"and an evaluate: section if there is none ({DOCS})")


def missing_note(config: Config) -> str:
    """The note of a labelled Spark batch monitored without --predictions."""
    need = "" if config.evaluate is not None and config.evaluate.id else " and evaluate.id in mlgate.yaml"
    return ("live performance not measured: the batch holds the label, but Spark reads it where it lies and "
            "production is not scored there; pass where its predictions for the batch lie with "
            f"--predictions LOCATION{need} ({DOCS})")


def spark_live_performance(config: Config, output: Output, registry: Registry, *, run_id: str,
                           version: str | None, locations: Sequence[str], entry: Dataset | None,
                           predictions: Sequence[str], current: Profile, out: Path, config_name: str,
                           master: str | None) -> LivePerformance | None:
    """Production's gated metrics on the batch's labelled rows, from its predictions at `predictions`;
    None when the batch has no label column (or there is no evaluate: section)."""
    from mlgate.commands import live as pandas_live
    from mlgate.engines.spark.live import join_predictions
    from mlgate.engines.spark.session import spark_session
    from mlgate.evaluate.predictions import load_evalset, read_predictions

    settings = config.evaluate
    if settings is None or settings.label not in current.columns or not predictions:
        return None
    assert settings.id is not None  # check_option
    folder = (out / pandas_live.LIVE_DIR).resolve()
    folder.mkdir(parents=True, exist_ok=True)
    batch, scored = folder / pandas_live.BATCH_FILE, folder / PREDICTIONS_FILE
    for path in (batch, scored):
        path.unlink(missing_ok=True)
    output.line(f"mlgate monitor: live performance: reading production's predictions at "
                f"{', '.join(one_line(p) for p in predictions[:5])} with Spark")
    joined = join_predictions(spark_session(config.spark, master), config.root, locations, entry, predictions,
                              label=settings.label, id_column=settings.id, max_rows=pandas_live.MAX_ROWS,
                              seed=settings.seed)
    sampled = joined.labelled if joined.sampled else None
    empty = LivePerformance(label=settings.label, rows=0, unlabelled=joined.unlabelled, sampled_from=sampled,
                            scored=False, error=None, metrics=[])
    if joined.labelled == 0:
        return empty.model_copy(update={"error": f"no row of the batch has a label in `{settings.label}`"})
    joined.rows[[settings.id, settings.label]].to_csv(batch, index=False)
    joined.rows.drop(columns=[settings.label]).to_csv(scored, index=False)
    live = settings.model_copy(update={"data": str(batch), "slices": []})
    live_config = config.model_copy(update={"evaluate": live}).with_own_files(folder)
    evalset = load_evalset(live_config)
    shown = ", ".join(predictions)
    joined_in = f"{pandas_live.LIVE_DIR}/{PREDICTIONS_FILE}"
    found = read_predictions(scored, evalset, "production", live.task, id_column=live.id,
                             rel=f"{shown} (joined to the batch in {joined_in})")
    output.line(f"mlgate monitor: live performance of {pandas_live.production_label(config, version)} on "
                f"{evalset.n:,} labelled rows" + (f" (a sample of {sampled:,})" if sampled else ""))
    metrics = pandas_live.judge_batch(config, output, registry, live_config, evalset, found, run_id=run_id,
                          version=version, out=out, config_name=config_name)
    return LivePerformance(label=settings.label, rows=evalset.n, unlabelled=joined.unlabelled,
                           sampled_from=sampled, scored=True, error=None, metrics=metrics)
