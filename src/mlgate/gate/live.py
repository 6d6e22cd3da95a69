"""Live performance: production's metric on a labelled batch, judged against its OWN recorded value. Pure.

With the tolerance m (`max_regression`, or `max_regression_pct` of the recorded value; with both, the
smaller; with neither, 0) and the interval [low, high] of the metric's value on the batch: the metric "fell"
(status: the rule's severity) when the whole interval is worse than recorded - m (in the metric's
direction); it is ok when the interval's worse bound is within recorded - m; otherwise inconclusive (warn,
never more than the rule's severity). `min`/`max` apply to the point value. This is the paired decision of
gate/paired.py on the interval of (value - recorded), the recorded value being a constant.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist
from typing import Literal

from mlgate.gate.model import Rule, Status
from mlgate.gate.noninferiority import decide
from mlgate.gate.paired import tolerance
from mlgate.gate.policy import EPSILON, check_bounds
from mlgate.gate.values import plain, signed_plain

LiveDecision = Literal["ok", "fell", "inconclusive"]


@dataclass(frozen=True)
class LiveCheck:
    decision: LiveDecision
    status: Status
    reason: str


def judge_live(rule: Rule, recorded: float, value: float, low: float, high: float) -> LiveCheck:
    """The decision for one metric: ok, fell (at the rule's severity) or inconclusive (warn), with the
    reason ("roc_auc fell from 0.97 to 0.91 [0.89, 0.93] ..."); a min/max bound broken fails too."""
    m = tolerance(rule, recorded)
    slack = EPSILON * max(1.0, abs(recorded))  # a bound on recorded - m stays within, whatever the rounding
    decision = decide(rule.direction, low - recorded, high - recorded, m + slack)
    shown = f"{_fmt(value)} [{_fmt(low)}, {_fmt(high)}]"
    allowed = f"the tolerated {_fmt(m)}" if m > 0 else "no regression (none is tolerated)"
    bounds = check_bounds(rule, value)
    if decision == "fail":
        worse = "fell" if rule.direction == "maximize" else "rose"
        reason = f"{rule.name} {worse} from {_fmt(recorded)} to {shown}: beyond {allowed}"
        return LiveCheck("fell", rule.severity, "; ".join([reason, *bounds]))
    if decision == "pass":
        reason = f"{rule.name} is {shown}, production recorded {_fmt(recorded)}: within {allowed}"
        status: Status = rule.severity if bounds else "pass"
        return LiveCheck("ok", status, "; ".join([reason, *bounds]))
    reason = (f"{rule.name} is {shown}, production recorded {_fmt(recorded)}: the interval neither rules out "
              f"nor shows a regression beyond {allowed} (more labelled rows would decide it)")
    status = rule.severity if bounds else "warn"
    return LiveCheck("inconclusive", status, "; ".join([reason, *bounds]))


def judge_against_reference(rule: Rule, reference: float, ref_low: float, ref_high: float, value: float,
                            low: float, high: float, confidence: float) -> LiveCheck:
    """The decision against production's value on the evaluation rows (its own bootstrap interval): the
    difference batch - reference of two unpaired estimates, its interval the normal one from both
    half-widths (d ± z·sqrt(se_batch² + se_reference²), each se its interval's half-width / z), decided as
    judge_live decides (ok, fell, inconclusive against the tolerance; min/max on the point value)."""
    z = NormalDist().inv_cdf(0.5 + confidence / 2)
    se = math.hypot((high - low) / (2 * z), (ref_high - ref_low) / (2 * z))
    delta = value - reference
    d_low, d_high = delta - z * se, delta + z * se
    m = tolerance(rule, reference)
    slack = EPSILON * max(1.0, abs(reference))
    decision = decide(rule.direction, d_low, d_high, m + slack)
    shown = f"{_fmt(value)} [{_fmt(low)}, {_fmt(high)}]"
    ref = f"{_fmt(reference)} [{_fmt(ref_low)}, {_fmt(ref_high)}] on the evaluation rows"
    diff = f"the difference {signed_plain(delta, 3)} [{signed_plain(d_low, 3)}, {signed_plain(d_high, 3)}]"
    allowed = f"the tolerated {_fmt(m)}" if m > 0 else "no regression (none is tolerated)"
    bounds = check_bounds(rule, value)
    if decision == "fail":
        worse = "fell" if rule.direction == "maximize" else "rose"
        reason = f"{rule.name} {worse} from {ref} to {shown}: {diff}, beyond {allowed}"
        return LiveCheck("fell", rule.severity, "; ".join([reason, *bounds]))
    if decision == "pass":
        reason = f"{rule.name} is {shown}, production {ref}: {diff}, within {allowed}"
        return LiveCheck("ok", rule.severity if bounds else "pass", "; ".join([reason, *bounds]))
    reason = (f"{rule.name} is {shown}, production {ref}: {diff} neither rules out nor shows a regression "
              f"beyond {allowed} (more labelled rows would decide it)")
    return LiveCheck("inconclusive", rule.severity if bounds else "warn", "; ".join([reason, *bounds]))


def _fmt(value: float) -> str:
    return plain(value, 3 if abs(value) < 1 else 4)
