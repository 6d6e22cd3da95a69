"""The comparison policy: per metric pass / warn / fail, with reasons a person can read. Pure functions."""

from __future__ import annotations

import dataclasses
import difflib
from collections.abc import Mapping, Sequence

from mlgate.gate import paired as same_data
from mlgate.gate.model import (
    Comparison,
    DataCheck,
    Evidence,
    FlipResult,
    Interval,
    MetricResult,
    Paired,
    ParamChange,
    RawValue,
    Rule,
    Severity,
    Side,
    SliceEvidence,
    SliceResult,
    Status,
    Verdict,
)
from mlgate.gate.noninferiority import improvement_bounds
from mlgate.gate.values import as_number, describe_unusable, plain, signed_plain

# Floating-point slack, relative to the values: a candidate equal to production up to rounding (float64 keeps
# ~16 digits) is never a regression, while a real regression of 0.002 at 1e6 is still seen.
EPSILON = 1e-12
# How many of the candidate's metric names a "missing metric" reason lists.
MAX_LISTED = 10


def improvement(rule: Rule, candidate: float, reference: float) -> float:
    """How much better the candidate is than the reference (negative: worse), in the metric's units."""
    return candidate - reference if rule.direction == "maximize" else reference - candidate


def check_production(rule: Rule, candidate: float, production: float) -> str | None:
    """A reason when the regression against production exceeds what the rule tolerates, else None."""
    regression = -improvement(rule, candidate, production)
    slack = EPSILON * max(1.0, abs(production))
    if regression <= slack:
        return None
    worse = "lower" if rule.direction == "maximize" else "higher"

    def by(amount: str) -> str:  # the candidate's value first: "0 is 0.86 lower than production (0.86)"
        return f"{_fmt(candidate)} is {amount} {worse} than production ({_fmt(production)})"

    if rule.max_regression is not None and regression > rule.max_regression + slack:
        return f"{by(_fmt(regression))}, more than the tolerated {_fmt(rule.max_regression)}"
    if rule.max_regression_pct is not None:
        pct = _pct(regression, production)
        if pct is None or pct > rule.max_regression_pct + EPSILON:
            shown = "an infinite share" if pct is None else f"{pct:.2f}%"
            return f"{by(shown)}, more than the tolerated {_fmt(rule.max_regression_pct)}%"
    if rule.max_regression is None and rule.max_regression_pct is None:
        return f"{by(_fmt(regression))}; no regression is tolerated"
    return None


def check_bounds(rule: Rule, candidate: float) -> list[str]:
    """Reasons when the candidate is below the floor or above the ceiling."""
    reasons = []
    if rule.min is not None and candidate < rule.min:
        reasons.append(f"{_fmt(candidate)} is below the minimum {_fmt(rule.min)}")
    if rule.max is not None and candidate > rule.max:
        reasons.append(f"{_fmt(candidate)} is above the maximum {_fmt(rule.max)}")
    return reasons


def check_baseline(rule: Rule, candidate: float, baseline: float) -> str | None:
    """A reason when the candidate does not beat the baseline by `beat_baseline_by`, else None."""
    margin = rule.beat_baseline_by
    if margin is None:
        return None
    gain = improvement(rule, candidate, baseline)
    if margin == 0 and gain > EPSILON * max(1.0, abs(baseline)):
        return None
    if margin != 0 and gain >= margin - EPSILON * max(1.0, abs(baseline)):
        return None
    by = "" if margin == 0 else f" by at least {_fmt(margin)}"
    return f"{_fmt(candidate)} does not beat the baseline ({_fmt(baseline)}){by}: {_signed(gain)}"


def evaluate_metric(
    rule: Rule, candidate: RawValue, production: RawValue | None, baseline: RawValue | None,
    *, has_production: bool, has_baseline: bool, same_version: bool, similar: Sequence[str] = (),
    comparison: Comparison | None = None,
) -> MetricResult:
    """Decide one metric. Missing or unusable candidate values fail (at the rule's severity).

    `comparison`: logged-metrics when a same-data comparison is configured but this metric rests on the
    logged values (mlgate cannot compute it from predictions); None when none is configured."""
    failures: list[str] = []
    notes: list[str] = []
    cand = as_number(candidate)
    prod = as_number(production)
    base = as_number(baseline)
    if cand is None:
        failures.append(f"candidate value {describe_unusable(candidate)}")
        if candidate is None and similar:
            failures.append(f"the candidate has {', '.join(similar)}: name one of those in mlgate.yaml")
    else:
        failures.extend(check_bounds(rule, cand))
        _production_checks(rule, cand, production, prod, has_production, same_version, failures, notes)
        _baseline_checks(rule, cand, baseline, base, has_baseline, failures, notes)
    status = "pass" if not failures else rule.severity
    delta = cand - prod if cand is not None and prod is not None else None
    if comparison == "logged-metrics" and has_production:
        notes.append("logged: compared on the metrics each model logged, possibly on different data")
    return MetricResult(
        name=rule.name, direction=rule.direction, severity=rule.severity,
        candidate=candidate, production=production, baseline=baseline,
        delta=delta,
        delta_pct=_pct(delta, prod) if delta is not None and prod is not None else None,
        baseline_delta=cand - base if cand is not None and base is not None else None,
        status=status, reasons=tuple(failures + notes), comparison=comparison,
    )


def evaluate_paired(
    rule: Rule, paired: Paired, baseline: RawValue | None, *, has_baseline: bool, inconclusive: Status,
    severity: Severity | None = None, bounds: bool = True,
) -> MetricResult:
    """Decide one metric on the same evaluation rows: non-inferiority against production on the paired
    interval; `min`/`max`/`beat_baseline_by` on the candidate's value (`bounds`: False for a slice, which
    is judged against production only). `severity`: the rule's, or its slice_severity for a slice."""
    level = severity or rule.severity
    failures: list[str] = check_bounds(rule, paired.candidate) if bounds else []
    notes: list[str] = []
    base = as_number(baseline)
    if bounds:
        _baseline_checks(rule, paired.candidate, baseline, base, has_baseline, failures, notes)
    found = same_data.check(rule, paired, severity=level, inconclusive=inconclusive)
    status = _worst([level if failures else "pass", found.status])
    first = found.decision == "fail"  # what failed first: the summary names a failed metric's first reason
    reasons = ([found.reason] if first else []) + failures + ([] if first else [found.reason])
    return MetricResult(
        name=rule.name, direction=rule.direction, severity=level,
        candidate=paired.candidate, production=paired.production, baseline=baseline,
        delta=paired.delta, delta_pct=_pct(paired.delta, paired.production),
        baseline_delta=paired.candidate - base if base is not None else None,
        status=status, reasons=tuple(reasons + notes),
        decision=found.decision, interval=found.interval, rows_to_decide=found.rows_to_decide,
        comparison="same-data", tolerance=same_data.tolerance(rule, paired.production),
        sensitivity=(found.interval.high - found.interval.low) / 2,
    )


def _worst(statuses: Sequence[Status]) -> Status:
    return "fail" if "fail" in statuses else "warn" if "warn" in statuses else "pass"


def _production_checks(
    rule: Rule, cand: float, raw: RawValue | None, prod: float | None, has_production: bool,
    same_version: bool, failures: list[str], notes: list[str],
) -> None:
    if not has_production:
        return
    if same_version:
        notes.append("candidate is the production model version itself: not a regression")
    elif prod is None:
        notes.append(f"production value {describe_unusable(raw)}: production check skipped")
    else:
        reason = check_production(rule, cand, prod)
        if reason:
            failures.append(reason)


def _baseline_checks(
    rule: Rule, cand: float, raw: RawValue | None, base: float | None, has_baseline: bool,
    failures: list[str], notes: list[str],
) -> None:
    if not has_baseline or rule.beat_baseline_by is None:
        return
    if base is None:
        notes.append(f"baseline value {describe_unusable(raw)}: baseline check skipped")
        return
    reason = check_baseline(rule, cand, base)
    if reason:
        failures.append(reason)


# The name of the verdict's row for the data the candidate was trained on.
DATA_ROW = "data"


def check_data(data: DataCheck) -> MetricResult:
    """The row `data`: fails when the data failed validation (trained anyway or not), warns when it was never
    validated. Data that failed validation never passes, whatever the metrics say."""
    where = f" ({data.source})" if data.source else ""
    shown = ", ".join(data.invalid[:MAX_LISTED]) + (", …" if len(data.invalid) > MAX_LISTED else "")
    which = f": {shown}" if shown else ""
    status: Status = "fail"
    severity: Severity = "fail"
    if data.status == "passed":
        status, reason = "pass", f"the data passed validation{where}"
    elif data.status == "failed":
        reason = f"failed validation{which}{where}"
    elif data.status == "forced":
        reason = f"failed validation{which}{where}; the model was trained on it anyway (--force)"
    else:
        status = severity = "warn"
        reason = (f"not validated{where}: run `mlgate validate` before `mlgate train` (with the same --out); "
                  "mlgate promote refuses a version whose data was never validated")
    return MetricResult(
        name=DATA_ROW, direction=None, severity=severity, candidate=data.status, production=None,
        baseline=None, delta=None, delta_pct=None, baseline_delta=None, status=status, reasons=(reason,),
    )


def evaluate(
    model: str, rules: Sequence[Rule], candidate: Side, production: Side | None, baseline: Side | None,
    *, primary_metric: str | None = None, production_label: str = "production", data: DataCheck | None = None,
    evidence: Evidence | None = None,
) -> Verdict:
    """The whole comparison: the data's validation (when known) and every gated metric decided, plus notes
    on what could not be compared.

    With `evidence` (both models scored on the same evaluation rows), a metric it holds is decided on its
    paired interval, its slices and flips too; a metric it does not hold is decided on the logged values, and
    the row says so. Without it, everything is decided on the logged metrics, as before."""
    same = _same_version(candidate, production)
    data_row = (check_data(data),) if data is not None else ()
    paired = _usable(evidence, production, same)
    decided = tuple(_decide(rule, candidate, production, baseline, evidence, paired, same=same)
                    for rule in rules)
    results = data_row + _evaluation_row(evidence) + decided
    on_same_data = any(r.comparison == "same-data" for r in decided)
    # a metric computed from the predictions is not "missing" from the logged ones
    logged_rules = [r for r in rules if _measured(evidence, paired, r.name) is None]
    notes = _notes(model, rules, candidate, production, baseline, same, production_label, logged_rules)
    notes.extend(unresolved_tolerances(rules, decided))
    if evidence is not None and evidence.production_error and evidence.fallback:
        notes.insert(0, "production could not be re-scored on the evaluation data "
                        f"({evidence.production_error}): compared with the logged metrics, possibly on "
                        "different data (`evaluate.on_production_error: logged`)")
    return Verdict(
        model=model, candidate=candidate, production=production, baseline=baseline, metrics=results,
        notes=tuple(notes),
        params_diff=params_diff(candidate.params, production.params) if production else (),
        primary_metric=primary_metric, rules=tuple(rules),
        comparison="same-data" if on_same_data else "logged-metrics",
        slices=tuple(judge_slice(s, rules) for s in paired.slices) if paired else (),
        flips=judge_flips(paired) if paired is not None else None,
        evaluation_data=evidence.data if evidence is not None and on_same_data else "",
    )


def _decide(rule: Rule, candidate: Side, production: Side | None, baseline: Side | None,
            evidence: Evidence | None, paired: Evidence | None, *, same: bool) -> MetricResult:
    """One gated metric: on its paired interval against production; else, with `evaluate:`, on the
    candidate's own value on the evaluation rows (the first model, or the candidate that is production
    itself); else on the logged values. What the training logged stays as information only. With a
    baseline scored on the same rows, `beat_baseline_by` is decided on the paired interval of the gain."""
    against = evidence.baseline_paired.get(rule.name) if evidence is not None else None
    if against is not None and rule.beat_baseline_by is not None:  # the baseline on the same rows, paired
        found = _decide_alone(rule, candidate, production, None, evidence, paired, same=same)
        return _with_baseline(found, rule, against, evidence.inconclusive if evidence else "warn")
    return _decide_alone(rule, candidate, production, baseline, evidence, paired, same=same)


def _decide_alone(rule: Rule, candidate: Side, production: Side | None, baseline: Side | None,
                  evidence: Evidence | None, paired: Evidence | None, *, same: bool) -> MetricResult:
    logged = candidate.metrics.get(rule.name)
    if paired is not None and rule.name in paired.metrics:
        found = evaluate_paired(rule, paired.metrics[rule.name], _baseline_value(rule.name, paired, baseline),
                                has_baseline=baseline is not None, inconclusive=paired.inconclusive)
        return _with_logged(found, logged)
    measured = _measured(evidence, paired, rule.name)
    if evidence is not None and measured is not None:
        value, interval = measured
        found = evaluate_metric(
            rule, value, production.metrics.get(rule.name) if production else None,
            _baseline_value(rule.name, evidence, baseline), has_production=production is not None,
            has_baseline=baseline is not None, same_version=same, comparison="same-data")
        sensitivity = (interval.high - interval.low) / 2 if interval is not None else None
        found = dataclasses.replace(found, value_interval=interval, sensitivity=sensitivity)
        return _with_logged(found, logged)
    return evaluate_metric(
        rule, logged, production.metrics.get(rule.name) if production else None,
        baseline.metrics.get(rule.name) if baseline else None,
        has_production=production is not None, has_baseline=baseline is not None, same_version=same,
        similar=similar_names(rule.name, candidate.metrics),
        comparison="logged-metrics" if evidence is not None else None,
    )


def _with_baseline(found: MetricResult, rule: Rule, against: Paired, inconclusive: Status) -> MetricResult:
    """`beat_baseline_by` decided on the paired interval of candidate - baseline on the same rows: beaten
    when the interval of the gain lies above the margin (strictly for 0), not beaten when it lies at or
    below it, else inconclusive (as `evaluate.inconclusive` says, never above the rule's severity)."""
    margin = rule.beat_baseline_by or 0.0
    interval = against.interval
    low, high = improvement_bounds(rule.direction, interval.low, interval.high)
    gain = improvement(rule, against.candidate, against.production)
    shown = (f"{_signed(gain)} [{_signed(low)}, {_signed(high)}] over the baseline "
             f"({_fmt(against.production)}; {interval.confidence * 100:.3g}% {interval.method}, "
             f"{interval.n:,} rows)")
    by = f"by at least {_fmt(margin)}" if margin else "strictly"
    if low > margin or (margin and low >= margin):
        return dataclasses.replace(found, baseline=against.production,
                                   baseline_delta=against.candidate - against.production)
    if high < margin or (not margin and high <= 0):
        status: Status = found.severity
        reason = f"does not beat the baseline {by}: {shown}"
    else:
        status = same_data.inconclusive_status(inconclusive, found.severity)
        reason = f"inconclusive against the baseline ({by}): {shown}"
    return dataclasses.replace(found, baseline=against.production, status=_worst([found.status, status]),
                               baseline_delta=against.candidate - against.production,
                               reasons=(*found.reasons, reason))


def _measured(evidence: Evidence | None, paired: Evidence | None,
              name: str) -> tuple[float, Interval | None] | None:
    """The candidate's value of `name` on the evaluation rows (with the interval of the value when it was
    judged alone), or None when mlgate did not compute it there."""
    if evidence is None:
        return None
    if paired is not None and name in paired.metrics:
        return paired.metrics[name].candidate, None
    own = evidence.own.get(name)
    if own is not None:
        return own.value, Interval(own.low, own.high, own.confidence, "bootstrap", own.n, own.left_out)
    if name in evidence.metrics and not evidence.production_error:
        return evidence.metrics[name].candidate, None
    return None


def unresolved_tolerances(rules: Sequence[Rule], results: Sequence[MetricResult]) -> list[str]:
    """A warning per metric whose tolerance is below what the evaluation rows resolve (the half-width of its
    interval): a candidate as good as production can then at best be inconclusive."""
    warnings = []
    by_name = {r.name: r for r in rules}
    for m in results:
        rule = by_name.get(m.name)
        if rule is None or m.interval is None or m.sensitivity is None or m.tolerance is None:
            continue
        if m.tolerance >= m.sensitivity:
            continue
        if rule.max_regression is None and rule.max_regression_pct is None:
            which = "no regression is tolerated (max_regression unset), so a candidate as good as production"
        elif rule.max_regression is not None and m.tolerance == rule.max_regression:
            which = f"max_regression {_fmt(rule.max_regression)}"
        else:
            which = f"max_regression_pct {_fmt(rule.max_regression_pct or 0)}% ({_fmt(m.tolerance)})"
        resolve = f"{m.interval.n:,} rows resolve {m.name} to ±{plain(m.sensitivity, 2)}"
        warnings.append(f"{resolve}; {which} can at best be inconclusive: add rows or raise the tolerance")
    return warnings


def _with_logged(result: MetricResult, logged: RawValue) -> MetricResult:
    """The row with what the training logged, as information (no rule reads it)."""
    return result if logged is None else dataclasses.replace(result, logged=logged)


# The name of the verdict's row saying production could not be re-scored on the evaluation data.
EVALUATION_ROW = "evaluation"


def _usable(evidence: Evidence | None, production: Side | None, same: bool) -> Evidence | None:
    """The same-data evidence, when there is a production model (not the candidate itself) that was
    re-scored; else None (the logged metrics decide)."""
    if evidence is None or production is None or same or evidence.production_error:
        return None
    return evidence


def _evaluation_row(evidence: Evidence | None) -> tuple[MetricResult, ...]:
    """The row `evaluation` when production could not be re-scored and no fallback is allowed: it fails."""
    if evidence is None or not evidence.production_error or evidence.fallback:
        return ()
    reason = (f"production could not be re-scored on the evaluation data: {evidence.production_error}; "
              "fix the scoring, or set `evaluate.on_production_error: logged` to compare the logged metrics")
    return (MetricResult(name=EVALUATION_ROW, direction=None, severity="fail", candidate=None,
                         production=None, baseline=None, delta=None, delta_pct=None, baseline_delta=None,
                         status="fail", reasons=(reason,), comparison="same-data"),)


def _baseline_value(name: str, evidence: Evidence, baseline: Side | None) -> RawValue | None:
    """The baseline on the same rows when it was scored there, else its logged value."""
    if name in evidence.baseline:
        return evidence.baseline[name]
    return baseline.metrics.get(name) if baseline is not None else None


def judge_slice(evidence: SliceEvidence, rules: Sequence[Rule]) -> SliceResult:
    """A slice's metrics decided as the whole set's, at each rule's slice_severity (no min/max/baseline).

    A slice holds a few dozen rows, so most of its differences cannot be decided: an inconclusive slice is
    listed as such and never warns or fails (evaluate.inconclusive is for the whole set); a slice counts
    when its interval shows the regression."""
    if not evidence.judged:
        return SliceResult(evidence.column, evidence.value, evidence.n, judged=False)
    results = tuple(
        evaluate_paired(rule, evidence.metrics[rule.name], None, has_baseline=False,
                        inconclusive="pass", severity=rule.slice_severity, bounds=False)
        for rule in rules if rule.name in evidence.metrics
    )
    return SliceResult(evidence.column, evidence.value, evidence.n, judged=True, metrics=results)


def judge_flips(evidence: Evidence) -> FlipResult | None:
    """The flips; with max_harmful_flip_pct, fail when a larger share of rows flips from right to wrong."""
    flips, limit = evidence.flips, evidence.max_harmful_flip_pct
    if flips is None:
        return None
    share = flips.harmful_pct
    what = (f"{flips.harmful:,} of {flips.n:,} rows ({share:.2f}%) flip from right (production) to wrong "
            f"(candidate), {flips.helpful:,} from wrong to right")
    if limit is None:
        return FlipResult(flips, None, "pass", what)
    if share > limit + EPSILON:
        return FlipResult(flips, limit, "fail", f"{what}: more than the tolerated {_fmt(limit)}%")
    return FlipResult(flips, limit, "pass", f"{what}: within the tolerated {_fmt(limit)}%")


def similar_names(name: str, metrics: Mapping[str, RawValue]) -> list[str]:
    """Candidate metric names that end like `name` (nested files flatten `test.roc_auc`) or are spelled
    almost like it (`f1` for `f1_macro`, `roc-auc` for `roc_auc`)."""
    tail = name.rsplit(".", 1)[-1]
    same_tail = {k for k in metrics if k != name and k.rsplit(".", 1)[-1] == tail}
    close = set(difflib.get_close_matches(name, [k for k in metrics if k != name], n=3, cutoff=0.6))
    return sorted(same_tail | close)


def _same_version(candidate: Side, production: Side | None) -> bool:
    if production is None:
        return False
    if candidate.version and production.version:
        return candidate.version == production.version
    return bool(candidate.run_id) and candidate.run_id == production.run_id


def _notes(
    model: str, rules: Sequence[Rule], candidate: Side, production: Side | None, baseline: Side | None,
    same: bool, label: str, logged: Sequence[Rule] | None = None,
) -> list[str]:
    notes = []
    if not rules:
        notes.append("no metrics are gated: add some under `metrics:` in mlgate.yaml")
    if production is None:
        scope = "the baseline only" if baseline is not None else "the absolute limits only"
        notes.append(f"no production model yet (no `{label}` alias on {model}): compared with {scope}")
    elif same:
        notes.append(
            f"the candidate is the {label} model itself (version {production.version}): nothing to compare"
        )
    if baseline is None:
        notes.append("no baseline configured")
    notes.extend(_unknown_names(rules if logged is None else logged, candidate))
    return notes


def _unknown_names(rules: Sequence[Rule], candidate: Side) -> list[str]:
    """A note when gated metrics are absent from the candidate and no name looks alike: what it does have."""
    unknown = [r.name for r in rules
               if r.name not in candidate.metrics and not similar_names(r.name, candidate.metrics)]
    if not unknown or not candidate.metrics:
        return []
    names = sorted(candidate.metrics)
    shown = ", ".join(names[:MAX_LISTED]) + (", …" if len(names) > MAX_LISTED else "")
    return [f"{', '.join(unknown)} not among the candidate's metrics ({shown}): check the names under "
            "`metrics:` in mlgate.yaml"]


def params_diff(candidate: Mapping[str, str], production: Mapping[str, str]) -> tuple[ParamChange, ...]:
    """Params whose values differ between candidate and production (added and removed ones too)."""
    names = sorted(set(candidate) | set(production))
    return tuple(
        ParamChange(name, candidate.get(name), production.get(name))
        for name in names
        if candidate.get(name) != production.get(name)
    )


def summary(verdict: Verdict) -> str:
    """One line a reviewer can trust: what failed, or what passed against what."""
    failed = [f"{m.name} {m.reasons[0]}" for m in verdict.metrics if m.status == "fail" and m.reasons]
    failed += [f"{m.name} on {s.column}={s.value} {m.reasons[0]}" for s in verdict.slices for m in s.metrics
               if m.status == "fail" and m.reasons]
    if verdict.flips is not None and verdict.flips.status == "fail":
        failed.append(f"flips: {verdict.flips.reason}")
    warned = [m.name for m in verdict.metrics if m.status == "warn"]
    warned += [f"{m.name} on {s.column}={s.value}" for s in verdict.slices for m in s.metrics
               if m.status == "warn"]
    if failed:
        return "failed: " + "; ".join(failed)
    head = "passed with warnings on " + ", ".join(warned) if warned else "passed"
    same = _same_version(verdict.candidate, verdict.production)
    details = []
    if verdict.production is None:
        details.append(f"first model of {verdict.model}, no production model to compare with")
    elif same:
        version = f" (version {verdict.production.version})" if verdict.production.version else ""
        details.append(f"the candidate is the production model itself{version}")
    primary = next((m for m in verdict.metrics if m.name == verdict.primary_metric), None)
    value = as_number(primary.candidate) if primary is not None else None
    if primary is not None and value is not None:
        details.append(_primary_passed(verdict, primary, value, compared=not same))
    return head + (": " + "; ".join(details) if details else "")


def _primary_passed(verdict: Verdict, metric: MetricResult, value: float, *, compared: bool) -> str:
    """The primary metric's value, and what it was held against: production, else the limits it met."""
    shown = f"{metric.name} {_fmt(value)}"
    if compared and metric.delta is not None and metric.interval is not None:
        interval = same_data.interval_text(metric.delta, metric.interval.low, metric.interval.high)
        return f"{shown} ({interval} vs production on the same {metric.interval.n:,} rows)"
    if compared and metric.delta is not None:
        return f"{shown} ({_signed(metric.delta)} vs production)"
    rule = next((r for r in verdict.rules if r.name == metric.name), None)
    if rule is None or metric.status != "pass":
        return shown
    met = []
    if rule.min is not None:
        met.append(f"meets its minimum {_fmt(rule.min)}")
    if rule.max is not None:
        met.append(f"is within its maximum {_fmt(rule.max)}")
    baseline = as_number(metric.baseline)
    if rule.beat_baseline_by is not None and baseline is not None:
        met.append(f"beats the baseline ({_fmt(baseline)})")
    return " ".join([shown, " and ".join(met)]) if met else shown


def _pct(delta: float, reference: float) -> float | None:
    return None if reference == 0 else delta / abs(reference) * 100


def _fmt(value: float) -> str:
    return plain(value)


def _signed(value: float) -> str:
    return signed_plain(value)
