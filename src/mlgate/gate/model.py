"""Plain data the policy works on, and the Verdict it returns."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal

Direction = Literal["maximize", "minimize"]
Severity = Literal["fail", "warn"]
Status = Literal["pass", "warn", "fail"]
RawValue = float | int | str | bool | None
DataStatus = Literal["passed", "failed", "forced", "not-validated"]
# The same-data comparison: the non-inferiority decision on a paired interval, and what a verdict compared.
Decision = Literal["pass", "fail", "inconclusive"]
Comparison = Literal["same-data", "logged-metrics"]


@dataclass(frozen=True)
class Rule:
    """How one metric is gated (mirrors `metrics.<name>` in mlgate.yaml)."""

    name: str
    direction: Direction
    max_regression: float | None = None
    max_regression_pct: float | None = None
    min: float | None = None
    max: float | None = None
    beat_baseline_by: float | None = None
    severity: Severity = "fail"
    slice_severity: Severity = "warn"  # how a slice's decision counts (same-data comparison only)


@dataclass(frozen=True)
class Side:
    """One model being compared: where its metrics came from, and the metrics (and params) themselves."""

    role: Literal["candidate", "production", "baseline"]
    source: str
    metrics: Mapping[str, RawValue]
    params: Mapping[str, str] = field(default_factory=dict)
    run_id: str | None = None
    version: str | None = None
    url: str | None = None


@dataclass(frozen=True)
class DataCheck:
    """What validation said about the data the candidate was trained on, as plain values.

    `status`: passed; failed (validation.json says so); forced (failed, trained anyway with --force);
    not-validated. `invalid`: the data files that failed validation. `source`: where it was read.
    """

    status: DataStatus
    invalid: tuple[str, ...] = ()
    source: str = ""


@dataclass(frozen=True)
class Interval:
    """The confidence interval of candidate - production a decision rests on."""

    low: float
    high: float
    confidence: float
    method: str
    n: int
    left_out: int = 0  # bootstrap resamples left out (empty, or the metric undefined on them)


@dataclass(frozen=True)
class Paired:
    """One metric of candidate and production on the same evaluation rows: the values, the difference
    candidate - production, and its confidence interval (`method`: bootstrap, delong or mcnemar)."""

    candidate: float
    production: float
    delta: float
    interval: Interval


@dataclass(frozen=True)
class Estimate:
    """One model's metric on the evaluation rows with the interval of its value (not of a difference): the
    candidate judged alone (no production yet) on the same measure as a comparison."""

    value: float
    low: float
    high: float
    confidence: float
    n: int
    left_out: int = 0


@dataclass(frozen=True)
class SliceEvidence:
    """The paired metrics on the rows where `column` == `value`; not judged when it has too few rows."""

    column: str
    value: str
    n: int
    judged: bool
    metrics: Mapping[str, Paired] = field(default_factory=dict)


@dataclass(frozen=True)
class FlipRow:
    """A harmful flip: production was right on this row, the candidate is wrong."""

    id: str
    label: str
    production: str
    candidate: str


@dataclass(frozen=True)
class FlipEvidence:
    """Classification: rows both right, both wrong, harmful (production right, candidate wrong), helpful."""

    both_right: int
    both_wrong: int
    harmful: int
    helpful: int
    harmful_rows: tuple[FlipRow, ...] = ()

    @property
    def n(self) -> int:
        return self.both_right + self.both_wrong + self.harmful + self.helpful

    @property
    def harmful_pct(self) -> float:
        return 100.0 * self.harmful / self.n if self.n else 0.0


@dataclass(frozen=True)
class Evidence:
    """What scoring both models on the same evaluation rows showed (mlgate evaluate), as plain values.

    `metrics`: the paired metrics mlgate computed, by name (a gated metric not here is judged on its logged
    values); `baseline`: the baseline's values on the same rows, by name; `inconclusive`: what an
    inconclusive decision becomes (evaluate.inconclusive); `production_error`: production could not be
    re-scored (with `fallback`, evaluate.on_production_error: logged, the verdict compares logged metrics);
    `data`: the evaluation data, as the report names it; `own`: the candidate's metrics on the evaluation
    rows with the interval of each value, when there is no production to pair it with (the first model).
    """

    metrics: Mapping[str, Paired] = field(default_factory=dict)
    baseline: Mapping[str, float] = field(default_factory=dict)
    slices: tuple[SliceEvidence, ...] = ()
    flips: FlipEvidence | None = None
    inconclusive: Status = "warn"
    max_harmful_flip_pct: float | None = None
    production_error: str | None = None
    fallback: bool = False
    data: str = ""
    own: Mapping[str, Estimate] = field(default_factory=dict)
    # the candidate against a baseline scored on the same rows (a registered one, or the constant): paired
    baseline_paired: Mapping[str, Paired] = field(default_factory=dict)


@dataclass(frozen=True)
class MetricResult:
    """The decision for one gated metric (or the row `data`, the data's validation), with its reasons."""

    name: str
    direction: Direction | None  # None for the row `data`
    severity: Severity
    candidate: RawValue
    production: RawValue
    baseline: RawValue
    delta: float | None
    delta_pct: float | None
    baseline_delta: float | None
    status: Status
    reasons: tuple[str, ...]
    # the same-data comparison: the non-inferiority decision on the interval, and how many rows would
    # decide an inconclusive one; `comparison` says whether this row rests on the same data or on the
    # logged metrics (None: no same-data comparison was configured)
    decision: Decision | None = None
    interval: Interval | None = None
    rows_to_decide: int | None = None
    comparison: Comparison | None = None
    # with `evaluate:`: what the training logged (information only: no rule reads it) and, for a candidate
    # judged alone on the evaluation rows, the interval of its own value
    logged: RawValue = None
    value_interval: Interval | None = None
    # on the evaluation rows: the regression tolerated (in the metric's units) and the sensitivity, the
    # half-width of the interval: the smallest change these rows resolve
    tolerance: float | None = None
    sensitivity: float | None = None


@dataclass(frozen=True)
class SliceResult:
    """One slice's decisions (each metric's status at the rule's slice_severity); none when not judged."""

    column: str
    value: str
    n: int
    judged: bool
    metrics: tuple[MetricResult, ...] = ()

    @property
    def status(self) -> Status | None:
        if not self.judged:
            return None
        return _worst(m.status for m in self.metrics)


@dataclass(frozen=True)
class FlipResult:
    """The flips and, with max_harmful_flip_pct, their status."""

    flips: FlipEvidence
    limit: float | None
    status: Status
    reason: str


@dataclass(frozen=True)
class ParamChange:
    name: str
    candidate: str | None
    production: str | None


@dataclass(frozen=True)
class Verdict:
    model: str
    candidate: Side
    production: Side | None
    baseline: Side | None
    metrics: tuple[MetricResult, ...]
    notes: tuple[str, ...]
    params_diff: tuple[ParamChange, ...]
    primary_metric: str | None
    rules: tuple[Rule, ...] = ()  # what the metrics were gated with (the summary names the limits met)
    comparison: Comparison = "logged-metrics"
    slices: tuple[SliceResult, ...] = ()
    flips: FlipResult | None = None
    evaluation_data: str = ""  # the same-data comparison's evaluation data, as the report names it

    def statuses(self) -> list[Status]:
        """Every status that counts: the metrics, each judged slice's metrics, the flips."""
        found = [m.status for m in self.metrics]
        found += [m.status for s in self.slices for m in s.metrics]
        if self.flips is not None:
            found.append(self.flips.status)
        return found

    @property
    def passed(self) -> bool:
        return all(status != "fail" for status in self.statuses())

    @property
    def status(self) -> Literal["passed", "warned", "failed"]:
        if not self.passed:
            return "failed"
        return "warned" if "warn" in self.statuses() else "passed"


def _worst(statuses: Iterable[Status]) -> Status:
    found = set(statuses)
    return "fail" if "fail" in found else "warn" if "warn" in found else "pass"
