"""The same-data evidence for `mlgate compare`: both models' predictions on the evaluation rows → paired
metrics, slices and flips as the plain values gate/ decides on.

Runs `mlgate evaluate` first when the work directory has no evaluation.json (the stage did not run), then
reads the predictions it left, computes every gated metric mlgate knows (or a `metrics.<name>.function`)
on the same rows with its paired interval; a metric it cannot compute stays on the logged values.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from pathlib import Path

from mlgate.commands.evaluate import evaluate_stage
from mlgate.config import Config, EvaluateSettings
from mlgate.documents import Evaluation, read_document
from mlgate.evaluate.constant import constant
from mlgate.evaluate.flips import flips as count_flips
from mlgate.evaluate.metrics import MetricSpec, MetricUndefined, metric_spec, undefined_input
from mlgate.evaluate.model import EvalSet, Flips, PairedMetric, Scored
from mlgate.evaluate.paired import compare, estimates, paired_metrics
from mlgate.evaluate.predictions import load_predictions
from mlgate.evaluate.slices import slice_metrics
from mlgate.gate.model import Estimate, Evidence, FlipEvidence, FlipRow, Interval, Paired, SliceEvidence
from mlgate.github.context import GitHubContext
from mlgate.output import Output
from mlgate.workdir import EVALUATION


def same_data_evidence(config: Config, output: Output, github: GitHubContext, *, out: Path,
                       tracking_uri: str | None, candidate_run: str | None = None) -> Evidence | None:
    """The evidence of the same-data comparison; None without `evaluate:` in the config. Without a
    production model, the candidate's own metrics on the evaluation rows (`own`), each with its interval.

    `candidate_run`: the run compare judges; evaluation.json of another candidate is not used."""
    settings = config.evaluate
    if settings is None:
        return None
    evaluation = read_document(out / EVALUATION, Evaluation) if (out / EVALUATION).is_file() else None
    other_rules = evaluation is not None and evaluation.rules_commit != config.rules_commit
    if evaluation is None or other_rules or (candidate_run and evaluation.candidate.run_id != candidate_run):
        why = "no" if evaluation is None else "other rules'" if other_rules else "another candidate's"
        output.line(f"mlgate compare: {why} {EVALUATION} in {out}: scoring production on the evaluation data "
                    "first (mlgate evaluate)")
        evaluation = evaluate_stage(config, output, github, out=out, tracking_uri=tracking_uri,
                                    candidate_run=candidate_run)
    data = _data_label(evaluation)
    error = _production_error(evaluation)
    if error is not None:  # recorded, not raised: on_production_error is `logged`, or production predates
        # evaluate: (its commit has no evaluate: section); either way its logged metrics decide
        return Evidence(production_error=error, fallback=True, inconclusive=settings.inconclusive, data=data)
    evalset, scored = load_predictions(config, out)
    candidate, production = scored.get("candidate"), scored.get("production")
    if candidate is None:
        return None
    specs = _specs(config, settings)
    baseline = scored.get("baseline")
    if config.baseline is not None and config.baseline.constant:  # scored here, on the same rows
        baseline = constant(evalset)
    against = _against_baseline(specs, evalset, candidate, baseline, settings)
    if production is None:  # the first model: judged alone on the evaluation rows, with its own intervals
        return Evidence(own=_own(specs, evalset, candidate, settings),
                        baseline=_baseline(specs, evalset, baseline, candidate, settings),
                        baseline_paired=against, inconclusive=settings.inconclusive, data=data)
    found = paired_metrics(list(specs.values()), evalset, candidate, production,
                           confidence=settings.confidence, resamples=settings.resamples, seed=settings.seed)
    metrics = {m.name: _paired(m) for m in found}
    return Evidence(
        metrics=metrics,
        baseline=_baseline(specs, evalset, baseline, production, settings),
        baseline_paired=against,
        slices=_slices(specs, evalset, candidate, production, settings),
        flips=_flips(count_flips(evalset, candidate, production)) if settings.task != "regression" else None,
        inconclusive=settings.inconclusive,
        max_harmful_flip_pct=settings.max_harmful_flip_pct,
        data=data,
    )


def _specs(config: Config, settings: EvaluateSettings) -> dict[str, MetricSpec]:
    """The gated metrics mlgate computes from predictions (by name, or by the rule's function, imported
    with the config's folder first on sys.path: `function: my_metrics:recall_at_5` next to mlgate.yaml)."""
    root = str(config.root)
    sys.path.insert(0, root)
    try:
        found = {name: metric_spec(name, settings.task, policy.function)
                 for name, policy in config.metrics.items()}
    finally:
        sys.path.remove(root)
    return {name: spec for name, spec in found.items() if spec is not None}


def _own(specs: Mapping[str, MetricSpec], evalset: EvalSet, candidate: Scored,
         settings: EvaluateSettings) -> dict[str, Estimate]:
    """The candidate's metrics on the evaluation rows, each with the bootstrap interval of its value."""
    found = estimates(list(specs.values()), evalset, candidate, confidence=settings.confidence,
                      resamples=settings.resamples, seed=settings.seed)
    out = {}
    for spec, result in zip(specs.values(), found, strict=True):
        if isinstance(result, MetricUndefined):
            raise undefined_input(spec, result)
        out[spec.name] = Estimate(result.value, result.low, result.high, result.confidence, result.n,
                                  result.left_out)
    return out


def _against_baseline(specs: Mapping[str, MetricSpec], evalset: EvalSet, candidate: Scored,
                      baseline: Scored | None, settings: EvaluateSettings) -> dict[str, Paired]:
    """The candidate against a baseline scored on the same rows: paired, with intervals, like production."""
    if baseline is None or not specs:
        return {}
    found = compare(list(specs.values()), evalset, candidate, baseline, confidence=settings.confidence,
                    resamples=settings.resamples, seed=settings.seed)
    return {m.name: _paired(m) for m in found if isinstance(m, PairedMetric)}


def _paired(metric: PairedMetric) -> Paired:
    found = metric.interval
    interval = Interval(found.low, found.high, found.confidence, found.method, metric.n, found.left_out)
    return Paired(candidate=metric.candidate, production=metric.production, delta=metric.delta,
                  interval=interval)


def _baseline(specs: Mapping[str, MetricSpec], evalset: EvalSet, baseline: Scored | None, production: Scored,
              settings: EvaluateSettings) -> dict[str, float]:
    """The baseline's value of each metric on the same rows, when it was scored there (a metric with no
    value for it is left out: its logged value is shown)."""
    if baseline is None or not specs:
        return {}
    found = compare(list(specs.values()), evalset, baseline, production, confidence=settings.confidence,
                    resamples=settings.resamples, seed=settings.seed)
    return {m.name: m.candidate for m in found if isinstance(m, PairedMetric)}


def _slices(specs: Mapping[str, MetricSpec], evalset: EvalSet, candidate: Scored, production: Scored,
            settings: EvaluateSettings) -> tuple[SliceEvidence, ...]:
    if not settings.slices or not specs:
        return ()
    found = slice_metrics(list(specs.values()), evalset, candidate, production,
                          min_rows=settings.min_slice_rows, confidence=settings.confidence,
                          resamples=settings.resamples, seed=settings.seed)
    return tuple(SliceEvidence(s.column, s.value, s.n, s.judged, {m.name: _paired(m) for m in s.metrics})
                 for s in found)


def _flips(found: Flips) -> FlipEvidence:
    return FlipEvidence(found.both_right, found.both_wrong, found.harmful, found.helpful,
                        tuple(FlipRow(r.id, r.label, r.production, r.candidate) for r in found.harmful_rows))


def _production_error(evaluation: Evaluation) -> str | None:
    """Why production could not be re-scored (evaluation.json records it), or None."""
    production = evaluation.production
    if production is None or production.source != "unavailable":
        return None
    return production.error or "production's predictions are unavailable"


def _data_label(evaluation: Evaluation) -> str:
    """The evaluation data as the report names it: its path and version."""
    version = evaluation.data.version
    return f"{evaluation.data.path} ({version.kind} {version.value[:8]})"
