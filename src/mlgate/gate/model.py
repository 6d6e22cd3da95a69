"""Plain data the policy works on, and the Verdict it returns."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

Direction = Literal["maximize", "minimize"]
Severity = Literal["fail", "warn"]
Status = Literal["pass", "warn", "fail"]
RawValue = float | int | str | bool | None
DataStatus = Literal["passed", "failed", "forced", "not-validated"]


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

    @property
    def passed(self) -> bool:
        return all(m.status != "fail" for m in self.metrics)

    @property
    def status(self) -> Literal["passed", "warned", "failed"]:
        if not self.passed:
            return "failed"
        return "warned" if any(m.status == "warn" for m in self.metrics) else "passed"
