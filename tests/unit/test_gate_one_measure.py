"""With `evaluate:`, the evaluation rows are the one measure: the first model, limits and the baseline read
mlgate's values there; what the training logged is shown, never decided on (pure: plain values in)."""

from __future__ import annotations

import pytest

from mlgate.gate.model import Estimate, Evidence, Interval, Paired, Rule, Side
from mlgate.gate.policy import evaluate, summary
from mlgate.gate.serialize import verdict_dict

RMSE = Rule("rmse", "minimize", max=0.78)
AUC = Rule("roc_auc", "maximize", min=0.8, beat_baseline_by=0.05)


def side(role: str, **metrics: float) -> Side:
    return Side(role=role, source=role, metrics=metrics)  # type: ignore[arg-type]


def own(**values: tuple[float, float, float]) -> Evidence:
    return Evidence(own={k: Estimate(v, lo, hi, 0.95, 171) for k, (v, lo, hi) in values.items()},
                    data="eval.csv (sha256 1234abcd)")


def test_a_first_model_fails_a_limit_on_the_evaluation_rows_that_its_logged_value_meets() -> None:
    # the wine-quality case: rmse logged 0.7747 on the script's own split, 0.7949 on the evaluation rows
    verdict = evaluate("wine", [RMSE], side("candidate", rmse=0.7747), None, None,
                       evidence=own(rmse=(0.7949, 0.759, 0.832)))
    row = verdict.metrics[0]
    assert verdict.comparison == "same-data" and verdict.evaluation_data.startswith("eval.csv")
    assert (row.candidate, row.logged, row.status) == (0.7949, 0.7747, "fail")
    assert row.reasons == ("0.7949 is above the maximum 0.78",)
    assert row.value_interval is not None
    assert (row.value_interval.low, row.value_interval.high, row.value_interval.n) == (0.759, 0.832, 171)
    body = verdict_dict(verdict)["metrics"][0]
    assert body["logged"] == 0.7747 and body["value_interval"]["low"] == 0.759


def test_without_evaluate_the_logged_value_still_decides() -> None:
    verdict = evaluate("wine", [RMSE], side("candidate", rmse=0.7747), None, None)
    assert verdict.comparison == "logged-metrics" and verdict.metrics[0].status == "pass"


def test_the_baseline_margin_reads_the_evaluation_rows_value_not_the_logged_one() -> None:
    # logged 0.95 beats the baseline 0.85 by 0.10; on the evaluation rows 0.88 beats it by 0.03 < 0.05
    baseline = side("baseline", roc_auc=0.85)
    verdict = evaluate("churn", [AUC], side("candidate", roc_auc=0.95), None, baseline,
                       evidence=own(roc_auc=(0.88, 0.85, 0.91)))
    row = verdict.metrics[0]
    assert row.status == "fail" and row.candidate == 0.88
    assert row.reasons == ("0.88 does not beat the baseline (0.85) by at least 0.05: +0.03",)


def test_the_first_models_summary_names_its_evaluation_rows_value() -> None:
    verdict = evaluate("churn", [Rule("roc_auc", "maximize", min=0.8)], side("candidate", roc_auc=0.7), None,
                       None, primary_metric="roc_auc", evidence=own(roc_auc=(0.88, 0.85, 0.91)))
    assert verdict.status == "passed"
    assert summary(verdict).startswith("passed: first model of churn")
    assert "0.88" in summary(verdict) and "0.7 " not in summary(verdict)
    assert verdict.metrics[0].candidate == pytest.approx(0.88)


def paired(candidate: float, baseline: float, low: float, high: float) -> Paired:
    return Paired(candidate=candidate, production=baseline, delta=candidate - baseline,
                  interval=Interval(low, high, 0.95, "bootstrap", 171))


def test_a_baseline_on_the_same_rows_is_beaten_on_the_paired_interval_of_the_gain() -> None:
    rule = Rule("roc_auc", "maximize", beat_baseline_by=0.05)
    constant = side("baseline")
    beaten = evaluate("churn", [rule], side("candidate"), None, constant,
                      evidence=Evidence(own={"roc_auc": Estimate(0.9, 0.88, 0.92, 0.95, 171)},
                                        baseline_paired={"roc_auc": paired(0.9, 0.5, 0.36, 0.44)}))
    assert beaten.metrics[0].status == "pass" and beaten.metrics[0].baseline == 0.5
    # a gain of +0.06 whose interval [+0.01, +0.11] straddles the margin 0.05: inconclusive, warns
    unsure = evaluate("churn", [rule], side("candidate"), None, constant,
                      evidence=Evidence(own={"roc_auc": Estimate(0.56, 0.5, 0.6, 0.95, 171)},
                                        baseline_paired={"roc_auc": paired(0.56, 0.5, 0.01, 0.11)}))
    row = unsure.metrics[0]
    assert row.status == "warn"
    assert row.reasons[-1].startswith("inconclusive against the baseline (by at least 0.05): +0.06 [+0.01, +0.11]")
    lost = evaluate("churn", [rule], side("candidate"), None, constant,
                    evidence=Evidence(own={"roc_auc": Estimate(0.51, 0.45, 0.57, 0.95, 171)},
                                      baseline_paired={"roc_auc": paired(0.51, 0.5, -0.02, 0.04)}))
    assert lost.metrics[0].status == "fail"
    assert "does not beat the baseline by at least 0.05" in lost.metrics[0].reasons[-1]
