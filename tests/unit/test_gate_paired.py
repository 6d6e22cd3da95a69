"""The same-data policy: non-inferiority on paired intervals, slices, flips (pure: plain values in)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mlgate.documents import Verdict as VerdictDocument
from mlgate.documents import read_document
from mlgate.errors import BadInput
from mlgate.gate.model import (
    Evidence,
    FlipEvidence,
    FlipRow,
    Interval,
    Paired,
    Rule,
    Side,
    SliceEvidence,
    Verdict,
)
from mlgate.gate.noninferiority import improvement_bounds
from mlgate.gate.paired import tolerance
from mlgate.gate.policy import EVALUATION_ROW, evaluate, summary
from mlgate.gate.serialize import verdict_dict
from tests.support import report_documents as docs

AUC = Rule("roc_auc", "maximize", max_regression=0.005, min=0.8)
LOSS = Rule("log_loss", "minimize", max_regression_pct=10)


def paired(delta: float, low: float, high: float, *, production: float = 0.9, n: int = 500,
           method: str = "bootstrap") -> Paired:
    return Paired(candidate=production + delta, production=production, delta=delta,
                  interval=Interval(low, high, 0.95, method, n))


def side(role: str, version: str | None = None, **metrics: Any) -> Side:
    return Side(role=role, source=role, metrics=metrics, version=version)  # type: ignore[arg-type]


CANDIDATE = side("candidate", "2", roc_auc=0.70, log_loss=0.5, latency_ms=10.0)  # logged on other data
PRODUCTION = side("production", "1", roc_auc=0.95, log_loss=0.3, latency_ms=9.0)


def verdict(rules: list[Rule], evidence: Evidence | None, *, production: Side | None = PRODUCTION,
            baseline: Side | None = None) -> Verdict:
    return evaluate("churn", rules, CANDIDATE, production, baseline, primary_metric=rules[0].name,
                    evidence=evidence)


def auc(delta: float, low: float, high: float, **kw: Any) -> Evidence:
    return Evidence(metrics={"roc_auc": paired(delta, low, high)}, **kw)


def test_an_interval_within_the_tolerance_passes_on_the_same_data_not_the_logged_values() -> None:
    # logged: 0.70 vs 0.95 would fail; on the same rows the candidate is as good
    result = verdict([AUC], auc(-0.001, -0.004, 0.002))
    row = result.metrics[0]
    assert (row.status, row.decision, row.comparison) == ("pass", "pass", "same-data")
    assert (row.candidate, row.production) == (pytest.approx(0.899), 0.9)
    assert row.interval is not None and (row.interval.low, row.interval.high, row.interval.n) == (-0.004, 0.002, 500)
    assert row.reasons == ("non-inferior: its 95% interval (bootstrap, 500 rows) rules out a regression beyond the "
                           "tolerated 0.005",)
    assert row.logged == 0.70  # information only: the decision above ignores it
    assert result.comparison == "same-data" and result.status == "passed"
    assert summary(result) == ("passed: roc_auc 0.899 (-0.001 [-0.004, +0.002] vs production on the same 500 "
                               "rows)")


def test_an_interval_entirely_beyond_the_tolerance_fails() -> None:
    result = verdict([AUC], auc(-0.03, -0.04, -0.02))
    row = result.metrics[0]
    assert (row.status, row.decision) == ("fail", "fail")
    assert row.reasons[0] == ("0.87 is lower than production (0.9) by more than the tolerated 0.005: "
                              "the difference -0.03 [-0.04, -0.02] (95% bootstrap, 500 rows)")
    assert summary(result).startswith("failed: roc_auc 0.87 is lower than production (0.9)")


@pytest.mark.parametrize(("setting", "severity", "expected"), [
    ("warn", "fail", "warn"), ("fail", "fail", "fail"), ("pass", "fail", "pass"), ("fail", "warn", "warn"),
])
def test_inconclusive_becomes_what_evaluate_inconclusive_says_never_above_the_severity(
        setting: str, severity: str, expected: str) -> None:
    rule = Rule("roc_auc", "maximize", max_regression=0.005, severity=severity)  # type: ignore[arg-type]
    result = verdict([rule], auc(-0.004, -0.012, 0.003, inconclusive=setting))
    row = result.metrics[0]
    assert (row.decision, row.status) == ("inconclusive", expected)
    assert row.rows_to_decide is not None and row.rows_to_decide > 500
    assert row.reasons == (f"inconclusive: the difference -0.004 [-0.012, +0.003] (95% bootstrap, 500 rows) "
                           f"neither rules out nor shows a regression beyond the tolerated 0.005; about "
                           f"{row.rows_to_decide:,} evaluation rows would decide it",)


def test_a_minimized_metric_that_rises_beyond_a_relative_tolerance_fails() -> None:
    # tolerance: 10% of production's 0.3 = 0.03; the loss rose by 0.05 [0.04, 0.06]
    result = verdict([LOSS], Evidence(metrics={"log_loss": paired(0.05, 0.04, 0.06, production=0.3)}))
    row = result.metrics[0]
    assert (row.decision, row.status) == ("fail", "fail")
    assert "is higher than production (0.3) by more than the tolerated 0.03" in row.reasons[0]
    falling = verdict([LOSS], Evidence(metrics={"log_loss": paired(-0.05, -0.06, -0.04, production=0.3)}))
    assert falling.metrics[0].decision == "pass"


def test_without_a_tolerance_the_reasons_say_none_is_tolerated() -> None:
    rule = Rule("roc_auc", "maximize")
    passed = verdict([rule], auc(0.0, 0.0, 0.0)).metrics[0]
    assert passed.reasons == ("non-inferior: its 95% interval (bootstrap, 500 rows) rules out any regression (none "
                              "is tolerated)",)
    failed = verdict([rule], auc(-0.03, -0.04, -0.02)).metrics[0]
    assert failed.reasons[0].startswith("0.87 is lower than production (0.9) and no regression is tolerated: ")
    unsure = verdict([rule], auc(0.0, -0.01, 0.01)).metrics[0]
    assert unsure.reasons[0] == ("inconclusive: the difference 0 [-0.01, +0.01] (95% bootstrap, 500 rows) neither "
                                 "rules out nor shows any regression (none is tolerated); no number of rows decides "
                                 "it: the difference sits on the tolerance")
    assert unsure.rows_to_decide is None


def test_the_tolerance_is_the_smaller_of_absolute_and_relative_and_zero_without_either() -> None:
    assert tolerance(Rule("a", "maximize", max_regression=0.01, max_regression_pct=5), 0.1) == pytest.approx(0.005)
    assert tolerance(Rule("a", "maximize", max_regression=0.01, max_regression_pct=5), 1.0) == 0.01
    assert tolerance(Rule("a", "minimize", max_regression_pct=10), -2.0) == pytest.approx(0.2)
    assert tolerance(Rule("a", "maximize"), 0.9) == 0.0


def test_min_and_baseline_keep_their_meaning_on_the_point_value_on_the_same_rows() -> None:
    rule = Rule("roc_auc", "maximize", max_regression=0.05, min=0.8, beat_baseline_by=0.0)
    evidence = Evidence(metrics={"roc_auc": paired(-0.001, -0.01, 0.01, production=0.79)},
                        baseline={"roc_auc": 0.795})
    row = verdict([rule], evidence, baseline=side("baseline", roc_auc=0.5)).metrics[0]
    assert row.decision == "pass" and row.status == "fail"
    assert row.baseline == 0.795  # the baseline scored on the same rows, not its logged 0.5
    assert "0.789 is below the minimum 0.8" in row.reasons
    assert any("does not beat the baseline (0.795)" in r for r in row.reasons)


def test_a_metric_mlgate_cannot_compute_stays_logged_and_says_so() -> None:
    rules = [AUC, Rule("latency_ms", "minimize", max_regression_pct=20)]
    result = verdict(rules, auc(0.0, -0.002, 0.002))
    auc_row, latency = result.metrics
    assert auc_row.comparison == "same-data" and latency.comparison == "logged-metrics"
    assert latency.decision is None and latency.interval is None and latency.candidate == 10.0
    assert latency.reasons == ("logged: compared on the metrics each model logged, possibly on different data",)
    assert result.comparison == "same-data"


def test_without_evidence_nothing_changes() -> None:
    result = verdict([AUC], None)
    row = result.metrics[0]
    assert (row.comparison, row.decision, row.interval) == (None, None, None)
    assert row.status == "fail" and result.comparison == "logged-metrics"
    assert result.slices == () and result.flips is None


def test_without_production_the_candidate_is_judged_on_its_evaluation_rows_value() -> None:
    # the logged 0.7 is below the minimum 0.8; on the evaluation rows the candidate scored 0.899
    result = verdict([AUC], auc(0.0, -0.002, 0.002), production=None)
    row = result.metrics[0]
    assert result.comparison == "same-data" and row.decision is None and row.status == "pass"
    assert (row.candidate, row.logged) == (pytest.approx(0.9), 0.70)


def slice_(value: str, delta: float, low: float, high: float, n: int = 200) -> SliceEvidence:
    return SliceEvidence("sex", value, n, judged=True, metrics={"roc_auc": paired(delta, low, high, n=n)})


def test_a_regressing_slice_warns_by_default_and_fails_with_slice_severity_fail() -> None:
    evidence = auc(0.0, -0.003, 0.003, slices=(
        slice_("F", -0.05, -0.08, -0.02), slice_("M", 0.01, 0.0, 0.02),
        SliceEvidence("sex", "(missing)", 12, judged=False)))
    warned = verdict([AUC], evidence)
    assert warned.status == "warned"
    female, male, small = warned.slices
    assert (female.status, female.metrics[0].decision, female.metrics[0].severity) == ("warn", "fail", "warn")
    assert male.status == "pass" and (small.judged, small.status, small.metrics) == (False, None, ())
    assert summary(warned) == ("passed with warnings on roc_auc on sex=F: roc_auc 0.9 (0 [-0.003, +0.003] vs "
                               "production on the same 500 rows)")
    strict = Rule("roc_auc", "maximize", max_regression=0.005, slice_severity="fail")
    failed = verdict([strict], evidence)
    assert failed.status == "failed" and not failed.passed
    assert summary(failed).startswith("failed: roc_auc on sex=F 0.85 is lower than production (0.9)")


@pytest.mark.parametrize("setting", ["warn", "fail"])
def test_an_inconclusive_slice_is_listed_and_never_warns_nor_fails(setting: str) -> None:
    strict = Rule("roc_auc", "maximize", max_regression=0.005, slice_severity="fail")
    evidence = auc(0.0, -0.003, 0.003, inconclusive=setting, slices=(slice_("F", -0.004, -0.03, 0.02),))
    result = verdict([strict], evidence)
    (female,) = result.slices
    assert female.metrics[0].decision == "inconclusive" and female.status == "pass"
    assert "inconclusive" in female.metrics[0].reasons[0]
    assert result.status == "passed"


def flips(harmful: int, helpful: int = 3) -> FlipEvidence:
    return FlipEvidence(both_right=900, both_wrong=100 - harmful - helpful, harmful=harmful, helpful=helpful,
                        harmful_rows=(FlipRow("row-7", "1", "1", "0"),))


def test_harmful_flips_beyond_max_harmful_flip_pct_fail() -> None:
    result = verdict([AUC], auc(0.0, -0.003, 0.003, flips=flips(20), max_harmful_flip_pct=1.0))
    assert result.flips is not None and result.flips.status == "fail" and result.status == "failed"
    assert result.flips.reason == ("20 of 1,000 rows (2.00%) flip from right (production) to wrong (candidate), "
                                   "3 from wrong to right: more than the tolerated 1%")
    assert "flips: 20 of 1,000 rows" in summary(result)
    within = verdict([AUC], auc(0.0, -0.003, 0.003, flips=flips(5), max_harmful_flip_pct=1.0))
    assert within.flips is not None and within.flips.status == "pass" and within.status == "passed"
    counted = verdict([AUC], auc(0.0, -0.003, 0.003, flips=flips(50)))  # no limit: counted, not gated
    assert counted.flips is not None and counted.flips.status == "pass" and counted.flips.limit is None


def test_production_not_rescored_fails_unless_the_fallback_to_logged_metrics_is_allowed() -> None:
    error = "the scoring command failed with exit code 1"
    failed = verdict([AUC], auc(0.0, -0.003, 0.003, production_error=error))
    row = failed.metrics[0]
    assert (row.name, row.direction, row.status) == (EVALUATION_ROW, None, "fail")
    assert row.reasons == (f"production could not be re-scored on the evaluation data: {error}; fix the scoring, "
                           "or set `evaluate.on_production_error: logged` to compare the logged metrics",)
    assert failed.comparison == "logged-metrics" and failed.status == "failed"
    fallback = verdict([Rule("roc_auc", "maximize", max_regression=0.5)],
                       auc(0.0, -0.003, 0.003, production_error=error, fallback=True))
    assert fallback.status == "passed" and fallback.comparison == "logged-metrics"
    assert fallback.metrics[0].comparison == "logged-metrics"
    assert fallback.notes[0].startswith(f"production could not be re-scored on the evaluation data ({error}): "
                                        "compared with the logged metrics")


def test_the_candidate_that_is_production_is_never_judged_against_itself() -> None:
    result = evaluate("churn", [AUC], side("candidate", "1", roc_auc=0.9), side("production", "1", roc_auc=0.9),
                      None, evidence=auc(-0.03, -0.04, -0.02))
    row = result.metrics[0]
    assert row.status == "pass" and row.decision is None and row.interval is None
    # its value is still the one on the evaluation rows (the one measure), not the logged 0.9
    assert result.comparison == "same-data" and row.candidate == pytest.approx(0.87) and row.logged == 0.9


def test_a_same_data_verdict_is_a_valid_verdict_document() -> None:
    evidence = auc(-0.004, -0.012, 0.003, slices=(slice_("F", -0.05, -0.08, -0.02),
                                                  SliceEvidence("sex", "x", 3, judged=False)),
                   flips=flips(20), max_harmful_flip_pct=1.0, data="data/holdout.csv")
    body = verdict_dict(verdict([AUC, Rule("latency_ms", "minimize")], evidence))
    body.update(model={"name": "churn", "production_alias": "production"}, history=[],
                framing={"decision": "", "primary_metric": "roc_auc"})
    document = VerdictDocument.model_validate(body)
    assert document.comparison == "same-data" and document.evaluation_data == "data/holdout.csv"
    assert document.metrics[0].interval is not None and document.metrics[0].interval.method == "bootstrap"
    assert document.slices[1].status is None and document.flips is not None
    assert document.flips.harmful_rows[0].id == "row-7"
    logged = document.model_dump(mode="json")["metrics"][1]
    assert "interval" not in logged and logged["comparison"] == "logged-metrics"


bounds = st.floats(-0.2, 0.2, allow_nan=False)


@given(a=bounds, b=bounds, m=st.floats(0, 0.1), direction=st.sampled_from(["maximize", "minimize"]))
def test_the_decision_follows_the_interval(a: float, b: float, m: float, direction: str) -> None:
    low, high = min(a, b), max(a, b)
    rule = Rule("x", direction, max_regression=m)  # type: ignore[arg-type]
    result = evaluate("m", [rule], side("candidate", x=1.0), side("production", x=1.0), None,
                      evidence=Evidence(metrics={"x": paired((low + high) / 2, low, high, production=1.0)}))
    row = result.metrics[0]
    lo, hi = improvement_bounds(rule.direction, low, high)
    assert row.decision == ("pass" if lo >= -m else "fail" if hi < -m else "inconclusive")
    assert row.status == {"pass": "pass", "fail": "fail", "inconclusive": "warn"}[row.decision]


def test_verdict_json_is_version_2_and_a_version_1_file_reads_as_logged_metrics(tmp_path: Path) -> None:
    assert VerdictDocument.model_validate({k: v for k, v in docs.verdict().items()
                                           if k != "schema_version"}).schema_version == 2
    older = tmp_path / "verdict.json"
    before = {k: v for k, v in docs.verdict().items() if k not in ("comparison", "slices")}
    older.write_text(json.dumps({**before, "schema_version": 1}))  # as mlgate wrote it before
    read = read_document(older, VerdictDocument)
    assert (read.schema_version, read.comparison, read.slices, read.flips) == (1, "logged-metrics", [], None)
    older.write_text(json.dumps({**docs.verdict(), "schema_version": 3}))
    with pytest.raises(BadInput, match="has schema_version 3; this mlgate reads up to 2"):
        read_document(older, VerdictDocument)


def test_a_metric_computed_from_predictions_is_not_reported_missing_from_the_logged_ones() -> None:
    rules = [Rule("brier", "minimize"), Rule("f2", "maximize")]
    evidence = Evidence(metrics={"brier": paired(0.0, -0.01, 0.0)})
    result = verdict(rules, evidence)
    note = next(n for n in result.notes if "not among the candidate's metrics" in n)
    assert note.startswith("f2 not among")  # brier was computed from the predictions
