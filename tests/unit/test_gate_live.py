"""gate/live.py: production's metric on a labelled batch against its own recorded value (the interval is of
the value, not of a difference): ok, fell at the rule's severity, inconclusive as a warning; min/max on the
point value."""

from __future__ import annotations

import pytest

from mlgate.gate.live import judge_live
from mlgate.gate.model import Rule

AUC = Rule("roc_auc", "maximize", max_regression=0.02)


@pytest.mark.parametrize(("low", "high", "decision", "status"), [
    (0.955, 0.975, "ok", "pass"),  # the worse bound within recorded - m = 0.95
    (0.950, 0.975, "ok", "pass"),  # on it
    (0.890, 0.930, "fell", "fail"),  # the whole interval beyond
    (0.940, 0.960, "inconclusive", "warn"),  # straddles it
])
def test_the_interval_against_recorded_minus_the_tolerance(low: float, high: float, decision: str,
                                                           status: str) -> None:
    check = judge_live(AUC, 0.97, (low + high) / 2, low, high)
    assert (check.decision, check.status) == (decision, status)


def test_the_message_reads_fell_from_to_with_the_interval() -> None:
    check = judge_live(AUC, 0.97, 0.91, 0.89, 0.93)
    assert check.reason.startswith("roc_auc fell from 0.97 to 0.91 [0.89, 0.93]: beyond the tolerated 0.02")


def test_a_minimized_metric_rose_and_a_warn_rule_warns() -> None:
    rule = Rule("log_loss", "minimize", max_regression_pct=10, severity="warn")
    check = judge_live(rule, 0.30, 0.45, 0.40, 0.50)  # tolerated: 10% of 0.30 = 0.03
    assert (check.decision, check.status) == ("fell", "warn")
    assert check.reason.startswith("log_loss rose from 0.3 to 0.45 [0.4, 0.5]")
    assert judge_live(rule, 0.30, 0.31, 0.30, 0.33).decision == "ok"


def test_no_tolerance_and_bounds_on_the_point_value() -> None:
    rule = Rule("accuracy", "maximize", min=0.9)
    assert judge_live(rule, 0.91, 0.92, 0.91, 0.93).status == "pass"
    below = judge_live(rule, 0.91, 0.89, 0.91, 0.93)  # the interval holds, the point value is under min
    assert below.decision == "ok" and below.status == "fail" and "below the minimum 0.9" in below.reason
    assert judge_live(rule, 0.91, 0.91, 0.905, 0.93).decision == "inconclusive"


def test_against_the_evaluation_rows_the_difference_of_two_estimates_decides() -> None:
    from mlgate.gate.live import judge_against_reference

    rule = Rule("rmse", "minimize", max_regression=0.06)
    # the wine-quality case: the batch is the evaluation rows themselves: no change, within the tolerance
    # (two unpaired estimates: the difference's interval is about sqrt(2) times either one's)
    same = judge_against_reference(rule, 0.796, 0.759, 0.832, 0.796, 0.759, 0.832, 0.95)
    assert (same.decision, same.status) == ("ok", "pass")
    assert "the difference 0 [-0.0516, +0.0516]" in same.reason  # sqrt(2) x the half-width 0.0365
    fell = judge_against_reference(rule, 0.796, 0.786, 0.806, 0.95, 0.94, 0.96, 0.95)
    assert (fell.decision, fell.status) == ("fell", "fail")
    assert fell.reason.startswith("rmse rose from 0.796 [0.786, 0.806] on the evaluation rows to 0.95 [")
    unsure = judge_against_reference(rule, 0.796, 0.759, 0.832, 0.86, 0.82, 0.90, 0.95)
    assert (unsure.decision, unsure.status) == ("inconclusive", "warn")
