"""Live performance for `mlgate monitor`: production scored on a labelled batch, judged against its own
metrics on the evaluation rows (the one measure), or the metrics its run logged when those cannot be had.

The batch files (several, any size) are streamed, chunk by chunk, into one CSV of the label, the id and the
reference profile's columns (`out/live/batch.csv`), the rows without a label left out; above `MAX_ROWS`
labelled rows a seeded random sample of about `MAX_ROWS` is kept (the metrics and their intervals need the
labels and predictions in memory). Production is then scored on that file exactly as `mlgate evaluate`
scores it (commands/evaluate.py: its recorded commit in a git worktree, its image digest or local runtime,
its model artifacts, that commit's evaluate.command), without the predictions cache of its run. Each gated
metric mlgate computes from predictions gets a bootstrap interval of its value (evaluate/paired.estimates),
judged against production's value on the evaluation rows (its cached predictions there, scored when
missing; the unpaired difference with its interval) or, failing that, the value its run logged
(gate/live.py).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from mlgate.commands.compare import rules_from_config
from mlgate.commands.evaluate import Stage, Target, score_target
from mlgate.commands.evidence import _specs
from mlgate.config import Config, Dataset, EvaluateSettings
from mlgate.documents import LiveMetric, LivePerformance, Profile
from mlgate.errors import BadInput, MlgateError
from mlgate.evaluate.metrics import MetricUndefined
from mlgate.evaluate.model import EvalSet, MetricEstimate, Scored
from mlgate.evaluate.paired import estimates
from mlgate.evaluate.predictions import load_evalset, read_predictions, rel_path
from mlgate.gate.live import LiveCheck, judge_against_reference, judge_live
from mlgate.gate.model import Rule
from mlgate.gate.values import as_number
from mlgate.output import Output

if TYPE_CHECKING:
    import pandas as pd

    from mlgate.registry import Registry

MAX_ROWS = 1_000_000  # labelled rows scored at most (a seeded random sample above)
LIVE_DIR = "live"
BATCH_FILE = "batch.csv"
CHUNK_ROWS = 200_000


def needs_evaluate_note(config: Config, reference: Profile, current: Profile) -> str | None:
    """Without `evaluate:`, a batch that may hold labels (every column of the reference profile, the
    training data's label among them) gets a note saying live performance needs it."""
    if config.evaluate is not None or not reference.columns:
        return None
    if not set(reference.columns) <= set(current.columns):
        return None
    return ("the batch holds every column of the training data's profile (its label too?): live "
            "performance (production's metrics on labelled rows) needs an `evaluate:` section "
            "(evaluate.label, evaluate.command, evaluate.task) in mlgate.yaml")


def live_performance(config: Config, output: Output, registry: Registry, *, run_id: str, version: str | None,
                     files: Sequence[Path], entry: Dataset | None, reference: Profile, current: Profile,
                     out: Path, config_name: str) -> LivePerformance | None:
    """Production's gated metrics on the batch's labelled rows; None when the batch has no label column
    (or there is no evaluate: section). Raises what `mlgate evaluate` raises when production's scoring
    fails (ServiceError, exit 3) unless evaluate.on_production_error is `logged`."""
    settings = config.evaluate
    if settings is None or settings.label not in current.columns:
        return None
    folder = (out / LIVE_DIR).resolve()
    folder.mkdir(parents=True, exist_ok=True)
    batch = folder / BATCH_FILE
    keep = [*reference.columns, settings.label] + ([settings.id] if settings.id else [])
    labelled, unlabelled, has_id = _write_batch(config, files, entry, batch, settings, keep, current.rows)
    sampled = current.rows if current.rows > MAX_ROWS else None
    label = production_label(config, version)
    empty = LivePerformance(label=settings.label, rows=0, unlabelled=unlabelled, sampled_from=sampled,
                            scored=False, error=None, metrics=[])
    if labelled == 0:
        return empty.model_copy(update={"error": f"no row of the batch has a label in `{settings.label}`"})
    live = settings.model_copy(update={"data": str(batch), "id": settings.id if has_id else None,
                                       "slices": []})
    live_config = config.model_copy(update={"evaluate": live}).with_own_files(folder)
    evalset = load_evalset(live_config)
    stage = Stage(live_config, live, output, registry, folder, evalset, key="", runtime=None,
                  config_name=config_name, cache=False)
    output.line(f"mlgate monitor: live performance: scoring {label} on {evalset.n:,} labelled rows")
    scored = score_target(stage, Target("production", run_id, version, label))
    if scored.file is None:
        return empty.model_copy(update={"rows": evalset.n, "error": scored.error})
    predictions = read_predictions(folder / scored.file, evalset, "production", live.task, id_column=live.id,
                                   rel=rel_path(folder / scored.file, config.root))
    metrics = judge_batch(config, output, registry, live_config, evalset, predictions, run_id=run_id,
                          version=version, out=out, config_name=config_name)
    return LivePerformance(label=settings.label, rows=evalset.n, unlabelled=unlabelled, sampled_from=sampled,
                           scored=True, error=None, metrics=metrics)


def production_label(config: Config, version: str | None) -> str:
    model = config.model
    return f"{model.name}@{model.production_alias} (version {version})" if version else model.name


def judge_batch(config: Config, output: Output, registry: Registry, live_config: Config, evalset: EvalSet,
                predictions: Scored, *, run_id: str, version: str | None, out: Path,
                config_name: str) -> list[LiveMetric]:
    """Each gated metric of production's predictions on the batch's labelled rows (`live_config`: the
    config whose evaluate: reads the batch), with its bootstrap interval, judged against production's value
    on the evaluation rows (else the value its run logged). Whoever read the batch (pandas, Spark)."""
    live = live_config.evaluate
    assert live is not None
    specs = _specs(live_config, live)
    found = estimates(list(specs.values()), evalset, predictions, confidence=live.confidence,
                      resamples=live.resamples, seed=live.seed)
    by_name = dict(zip(specs, found, strict=True))
    recorded = registry.run_side(run_id, "production").metrics
    label = production_label(config, version)
    on_rows = _on_evaluation_rows(config, output, registry, run_id, version, label, out, config_name)
    return [_metric(rule, by_name.get(rule.name), as_number(recorded.get(rule.name)), live, evalset.n,
                    on_rows.get(rule.name))
            for rule in rules_from_config(config)]


def _on_evaluation_rows(config: Config, output: Output, registry: Registry, run_id: str, version: str | None,
                        label: str, out: Path, config_name: str) -> dict[str, MetricEstimate]:
    """Production's gated metrics on the evaluation rows (evaluate.data), each with its bootstrap interval:
    the one measure the batch is compared with. From the predictions cached on its run for this version of
    the evaluation data, scored (and cached) when missing; {} when that cannot be done (the logged values
    are then the reference, and the reasons say so)."""
    from mlgate.evaluate.predictions import cache_key, data_version

    settings = config.evaluate
    assert settings is not None
    try:
        evalset = load_evalset(config)
        folder = (out / LIVE_DIR / "reference").resolve()
        folder.mkdir(parents=True, exist_ok=True)
        key = cache_key(data_version(config))
        stage = Stage(config, settings, output, registry, folder, evalset, key=key, runtime=None,
                      config_name=config_name)
        scored = score_target(stage, Target("production", run_id, version, label))
        if scored.file is None:
            return {}
        predictions = read_predictions(folder / scored.file, evalset, "production", settings.task,
                                       id_column=settings.id, rel=rel_path(folder / scored.file, config.root))
        specs = _specs(config, settings)
        found = estimates(list(specs.values()), evalset, predictions, confidence=settings.confidence,
                          resamples=settings.resamples, seed=settings.seed)
    except MlgateError as exc:
        output.warn(f"production's metrics on the evaluation rows are unavailable ({exc.what}): live "
                    "performance is judged against the metrics its run logged")
        return {}
    return {name: f for name, f in zip(specs, found, strict=True) if isinstance(f, MetricEstimate)}


def _metric(rule: Rule, found: MetricEstimate | MetricUndefined | None, recorded: float | None,
            settings: EvaluateSettings, n: int, on_rows: MetricEstimate | None = None) -> LiveMetric:
    if on_rows is not None:
        recorded = on_rows.value

    def make(estimate: MetricEstimate | None, check: LiveCheck | None, reason: str) -> LiveMetric:
        return LiveMetric(
            name=rule.name, direction=rule.direction, severity=rule.severity, recorded=recorded,
            current=estimate.value if estimate else None, low=estimate.low if estimate else None,
            high=estimate.high if estimate else None, confidence=settings.confidence, method="bootstrap",
            n=n, decision=check.decision if check else None, status=check.status if check else "not-judged",
            reason=check.reason if check else reason,
            reference="evaluation-rows" if on_rows is not None else "logged",
            recorded_low=on_rows.low if on_rows is not None else None,
            recorded_high=on_rows.high if on_rows is not None else None)

    if found is None:
        return make(None, None, f"mlgate cannot compute {rule.name} from predictions (give its rule a "
                                "`function:`)")
    if isinstance(found, MetricUndefined):
        return make(None, None, f"{rule.name} has no value on the batch: {found}")
    if on_rows is not None:
        check = judge_against_reference(rule, on_rows.value, on_rows.low, on_rows.high, found.value,
                                        found.low, found.high, settings.confidence)
        return make(found, check, "")
    if recorded is None or not math.isfinite(recorded):
        return make(found, None, f"production's run logged no {rule.name} to compare with")
    return make(found, judge_live(rule, recorded, found.value, found.low, found.high), "")


def _write_batch(config: Config, files: Sequence[Path], entry: Dataset | None, target: Path,
                 settings: EvaluateSettings, keep: Sequence[str], total: int) -> tuple[int, int, bool]:
    """Stream the batch files into one CSV of the `keep` columns each has, the rows with a label only
    (a seeded sample above MAX_ROWS): (labelled rows written, rows without a label, whether the id is in)."""
    import numpy as np

    from mlgate.data.formats import detect_format, read_chunks, sniff

    rng = np.random.default_rng(settings.seed)
    share = MAX_ROWS / total if total > MAX_ROWS else None
    written = unlabelled = 0
    columns: list[str] | None = None
    target.unlink(missing_ok=True)
    for path in files:
        rel = rel_path(path, config.root)
        fmt = detect_format(path, entry.format if entry else "auto")
        sniff(path, fmt, rel)
        options = {"delimiter": entry.delimiter, "names": entry.names} if entry else {}
        for chunk in read_chunks(path, fmt, rel, chunk_rows=CHUNK_ROWS, **options):  # type: ignore[arg-type]
            have = [str(c) for c in chunk.columns]
            if columns is None:
                columns = [c for c in dict.fromkeys(keep) if c in have]
            missing = [c for c in columns if c not in have]
            if missing:
                raise BadInput(f"{rel} lacks the column(s) {', '.join(missing[:5])} of the other batch files",
                               "live performance scores the batch files as one table",
                               "monitor files of one layout together", file=rel)
            chunk = chunk.rename(columns=str)[columns]
            missing_label = chunk[settings.label].isna()
            unlabelled += int(missing_label.sum())
            chunk = chunk[~missing_label]
            if share is not None:
                chunk = chunk[rng.random(len(chunk)) < share]
            chunk = chunk.iloc[: max(MAX_ROWS - written, 0)]
            _append(chunk, target, header=written == 0)
            written += len(chunk)
    has_id = bool(settings.id and columns and settings.id in columns)
    return written, unlabelled, has_id


def _append(chunk: pd.DataFrame, target: Path, *, header: bool) -> None:
    if chunk.empty and not header:
        return
    chunk.to_csv(target, mode="w" if header else "a", header=header, index=False)
