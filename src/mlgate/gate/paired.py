"""The same-data comparison of one metric: non-inferiority on the paired interval, in words. Pure.

With the improvement d (positive = better) and the tolerated regression m (`max_regression`, or
`max_regression_pct` of production's value; with both, the smaller; with neither, 0): the metric passes when
the interval's lower bound of d is ≥ -m, fails when its upper bound is < -m, and is otherwise inconclusive,
which becomes what `evaluate.inconclusive` says (never more than the rule's severity).
"""

from __future__ import annotations

from dataclasses import dataclass

from mlgate.gate.model import Decision, Interval, Paired, Rule, Severity, Status
from mlgate.gate.noninferiority import decide, rows_to_decide
from mlgate.gate.values import plain, signed_plain


@dataclass(frozen=True)
class PairedCheck:
    """What the paired interval says of the regression against production, and the status it implies."""

    decision: Decision
    status: Status
    reason: str
    interval: Interval
    rows_to_decide: int | None


def tolerance(rule: Rule, production: float) -> float:
    """The regression tolerated, in the metric's units: max_regression, or max_regression_pct of
    production's value; with both, the smaller; with neither, none (0)."""
    allowed = []
    if rule.max_regression is not None:
        allowed.append(rule.max_regression)
    if rule.max_regression_pct is not None:
        allowed.append(rule.max_regression_pct / 100 * abs(production))
    return max(min(allowed), 0.0) if allowed else 0.0


def inconclusive_status(setting: Status, severity: Severity) -> Status:
    """evaluate.inconclusive (warn | fail | pass), never more than the rule's severity."""
    if setting == "fail":
        return severity
    return setting


def check(rule: Rule, paired: Paired, *, severity: Severity, inconclusive: Status) -> PairedCheck:
    """The non-inferiority decision on `paired` and its status: pass; fail at `severity`; inconclusive as
    `inconclusive` says (capped at `severity`), with the rows that would decide it."""
    m = tolerance(rule, paired.production)
    interval = paired.interval
    decision = decide(rule.direction, interval.low, interval.high, m)
    shown = describe(paired)
    beyond = f"a regression beyond the tolerated {_fmt(m)}" if m > 0 else "any regression (none is tolerated)"
    if decision == "pass":
        basis = f"{interval.confidence * 100:.3g}% interval ({interval.method}, {interval.n:,} rows)"
        return PairedCheck(decision, "pass", f"non-inferior: its {basis} rules out {beyond}", interval, None)
    if decision == "fail":
        worse = "lower" if rule.direction == "maximize" else "higher"
        by = f"by more than the tolerated {_fmt(m)}" if m > 0 else "and no regression is tolerated"
        values = f"{_fmt(paired.candidate)} is {worse} than production ({_fmt(paired.production)})"
        reason = f"{values} {by}: {shown}"
        return PairedCheck(decision, severity, reason, interval, None)
    rows = rows_to_decide(interval.n, rule.direction, interval.low, interval.high, m)
    decides = (f"about {rows:,} evaluation rows would decide it" if rows is not None
               else "no number of rows decides it: the difference sits on the tolerance")
    reason = f"inconclusive: {shown} neither rules out nor shows {beyond}; {decides}"
    return PairedCheck(decision, inconclusive_status(inconclusive, severity), reason, interval, rows)


def describe(paired: Paired) -> str:
    """`the difference -0.004 [-0.012, +0.003] (95% bootstrap, 500 rows)`."""
    interval = paired.interval
    return (f"the difference {interval_text(paired.delta, interval.low, interval.high)} "
            f"({interval.confidence * 100:.3g}% {interval.method}, {interval.n:,} rows)")


def interval_text(delta: float, low: float, high: float) -> str:
    return f"{_signed(delta)} [{_signed(low)}, {_signed(high)}]"


def _fmt(value: float) -> str:
    return plain(value)


def _signed(value: float) -> str:
    return signed_plain(value, 3)
