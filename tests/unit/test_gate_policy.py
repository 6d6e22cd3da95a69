"""The comparison policy: pure functions over plain data (no MLflow, no files)."""

from __future__ import annotations

import math

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from mlgate.gate.model import Rule, Side
from mlgate.gate.policy import evaluate, evaluate_metric, params_diff, summary

AUC = Rule("roc_auc", "maximize", max_regression=0.005, min=0.80, beat_baseline_by=0.0)
LATENCY = Rule("latency_ms", "minimize", max_regression_pct=10, severity="warn")


def side(role: str, version: str | None = None, **metrics: object) -> Side:
    return Side(role=role, source=role, metrics=metrics, version=version)  # type: ignore[arg-type]


def decide(rule: Rule, cand: object, prod: object = None, base: object = None, **kw: bool) -> tuple[str, str]:
    result = evaluate_metric(rule, cand, prod, base, has_production=kw.get("has_production", prod is not None),  # type: ignore[arg-type]
                             has_baseline=kw.get("has_baseline", base is not None),
                             same_version=kw.get("same_version", False))
    return result.status, " | ".join(result.reasons)


def test_within_tolerance_passes() -> None:
    assert decide(AUC, 0.902, 0.905, 0.5)[0] == "pass"


def test_regression_beyond_tolerance_fails_with_reason() -> None:
    status, why = decide(AUC, 0.89, 0.90, 0.5)
    assert status == "fail"
    assert "lower than production (0.9)" in why and "tolerated 0.005" in why


def test_minimize_direction_and_relative_tolerance_warns() -> None:
    assert decide(LATENCY, 10.9, 10.0)[0] == "pass"  # 9% slower, 10% tolerated
    status, why = decide(LATENCY, 11.5, 10.0)
    assert status == "warn"  # severity warn
    assert "15.00% higher than production" in why


def test_no_tolerance_means_any_regression_fails() -> None:
    rule = Rule("f1", "maximize")
    assert decide(rule, 0.80, 0.81)[0] == "fail"
    assert decide(rule, 0.82, 0.81)[0] == "pass"


def test_floor_and_ceiling() -> None:
    assert "below the minimum 0.8" in decide(AUC, 0.79)[1]
    ceiling = Rule("error", "minimize", max=0.2)
    assert decide(ceiling, 0.25)[0] == "fail"
    assert decide(ceiling, 0.15)[0] == "pass"


def test_must_beat_baseline() -> None:
    status, why = decide(AUC, 0.85, None, 0.85)
    assert status == "fail" and "does not beat the baseline" in why
    margin = Rule("acc", "maximize", beat_baseline_by=0.05)
    assert decide(margin, 0.90, None, 0.84)[0] == "pass"
    assert "by at least 0.05" in decide(margin, 0.88, None, 0.84)[1]


@pytest.mark.parametrize("value, words", [
    (None, "is missing"), (float("nan"), "is NaN"), (math.inf, "is infinite"), ("n/a", "is not a number"),
    (True, "is not a number"),
])
def test_unusable_candidate_fails_never_crashes(value: object, words: str) -> None:
    status, why = decide(AUC, value, 0.9, 0.5)
    assert status == "fail" and f"candidate value {words}" in why


def test_unusable_candidate_on_warn_metric_warns() -> None:
    assert decide(LATENCY, float("nan"), 10.0)[0] == "warn"


def test_metric_missing_from_production_is_skipped_and_said() -> None:
    status, why = decide(AUC, 0.9, None, 0.5, has_production=True)
    assert status == "pass" and "production value is missing: production check skipped" in why


def test_same_version_is_not_a_regression() -> None:
    status, why = decide(AUC, 0.85, 0.95, 0.5, same_version=True)
    assert status == "pass" and "production model version itself" in why


def test_verdict_without_production_says_so() -> None:
    verdict = evaluate("churn", [AUC], side("candidate", roc_auc=0.9), None, side("baseline", roc_auc=0.5))
    assert verdict.passed and verdict.status == "passed"
    assert any("no production model yet" in n and "baseline only" in n for n in verdict.notes)


def test_verdict_same_version_detected_from_versions() -> None:
    verdict = evaluate("churn", [AUC], side("candidate", "3", roc_auc=0.81),
                       side("production", "3", roc_auc=0.95), None)
    assert verdict.passed
    assert any("candidate is the production model itself (version 3)" in n for n in verdict.notes)


def test_verdict_status_fail_wins_over_warn_and_summary_names_reason() -> None:
    verdict = evaluate("churn", [AUC, LATENCY], side("candidate", roc_auc=0.70, latency_ms=20),
                       side("production", roc_auc=0.9, latency_ms=10), None)
    assert not verdict.passed and verdict.status == "failed"
    assert [m.status for m in verdict.metrics] == ["fail", "warn"]
    assert summary(verdict).startswith("failed: roc_auc")


def test_nested_name_hint() -> None:
    verdict = evaluate("m", [AUC], side("candidate", **{"test.roc_auc": 0.9}), None, None)
    assert "the candidate has test.roc_auc" in " ".join(verdict.metrics[0].reasons)


def test_params_diff_lists_changed_added_removed() -> None:
    diff = params_diff({"C": "1.0", "seed": "42", "new": "x"}, {"C": "0.1", "seed": "42", "old": "y"})
    assert [(p.name, p.candidate, p.production) for p in diff] == [
        ("C", "1.0", "0.1"), ("new", "x", None), ("old", None, "y")]


finite = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False)
rules = st.builds(
    Rule, name=st.just("m"), direction=st.sampled_from(["maximize", "minimize"]),
    max_regression=st.none() | st.floats(0, 10), max_regression_pct=st.none() | st.floats(0, 50),
    severity=st.sampled_from(["fail", "warn"]),
)


@given(rules, finite)
def test_property_candidate_equal_to_production_never_fails_production_check(rule: Rule, value: float) -> None:
    status, _ = decide(rule, value, value)
    assert status == "pass"


@given(rules, finite, finite)
def test_property_improvement_never_fails(rule: Rule, prod: float, gain: float) -> None:
    assume(gain >= 0)
    cand = prod + gain if rule.direction == "maximize" else prod - gain
    assert decide(rule, cand, prod)[0] == "pass"


@given(rules, finite, st.floats(0.001, 1e3))
def test_property_regression_beyond_absolute_tolerance_fails(rule: Rule, prod: float, extra: float) -> None:
    assume(rule.max_regression is not None and rule.max_regression_pct is None)
    assert rule.max_regression is not None
    loss = rule.max_regression + extra
    cand = prod - loss if rule.direction == "maximize" else prod + loss
    assert decide(rule, cand, prod)[0] == rule.severity


@given(rules, st.one_of(st.none(), st.just(float("nan")), st.just(math.inf), st.text()), finite)
def test_property_garbage_never_crashes_and_never_passes(rule: Rule, value: object, prod: float) -> None:
    try:
        assume(not math.isfinite(float(value)))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        pass
    assert decide(rule, value, prod)[0] == rule.severity


@pytest.mark.parametrize(("rule", "cand", "prod", "base", "reason"), [
    (Rule("roc_auc", "maximize", max_regression=0.01), 0, 0.8626, None,
     "0 is 0.8626 lower than production (0.8626), more than the tolerated 0.01"),
    (Rule("latency_ms", "minimize", max_regression_pct=10), 11.5, 10.0, None,
     "11.5 is 15.00% higher than production (10), more than the tolerated 10%"),
    (Rule("f1", "maximize"), 0.8, 0.81, None, "0.8 is 0.01 lower than production (0.81); no regression is tolerated"),
    (Rule("roc_auc", "maximize", min=0.8), 0.79, None, None, "0.79 is below the minimum 0.8"),
    (Rule("error", "minimize", max=0.2), 0.25, None, None, "0.25 is above the maximum 0.2"),
    (Rule("acc", "maximize", beat_baseline_by=0.05), 0.88, None, 0.84,
     "0.88 does not beat the baseline (0.84) by at least 0.05: +0.04"),
    (Rule("acc", "maximize", beat_baseline_by=0.0), 0.84, None, 0.85, "0.84 does not beat the baseline (0.85): -0.01"),
])
def test_every_reason_names_the_candidates_value(rule: Rule, cand: float, prod: float | None, base: float | None,
                                                 reason: str) -> None:
    status, why = decide(rule, cand, prod, base)
    assert status == "fail" and why == reason


def test_the_summary_names_the_metric_and_its_value() -> None:
    rule = Rule("roc_auc", "maximize", max_regression=0.01)
    verdict = evaluate("churn", [rule], side("candidate", roc_auc=0), side("production", roc_auc=0.8626), None)
    assert summary(verdict) == ("failed: roc_auc 0 is 0.8626 lower than production (0.8626), more than the "
                                "tolerated 0.01")


def test_the_summary_of_a_first_model_says_what_passed() -> None:
    rule = Rule("roc_auc", "maximize", min=0.8)
    verdict = evaluate("churn", [rule], side("candidate", roc_auc=0.93), None, None, primary_metric="roc_auc")
    assert summary(verdict) == ("passed: first model of churn, no production model to compare with; "
                                "roc_auc 0.93 meets its minimum 0.8")
    both = evaluate("churn", [AUC, LATENCY], side("candidate", roc_auc=0.93, latency_ms=5), None,
                    side("baseline", roc_auc=0.75), primary_metric="roc_auc")
    assert summary(both) == ("passed: first model of churn, no production model to compare with; "
                             "roc_auc 0.93 meets its minimum 0.8 and beats the baseline (0.75)")
    unbounded = evaluate("churn", [Rule("f1", "maximize")], side("candidate", f1=0.7), None, None,
                         primary_metric="f1")
    assert summary(unbounded) == "passed: first model of churn, no production model to compare with; f1 0.7"


def test_the_summary_against_production() -> None:
    verdict = evaluate("churn", [AUC], side("candidate", roc_auc=0.91), side("production", roc_auc=0.9), None,
                       primary_metric="roc_auc")
    assert summary(verdict) == "passed: roc_auc 0.91 (+0.01 vs production)"
    same = evaluate("churn", [AUC], side("candidate", "3", roc_auc=0.9), side("production", "3", roc_auc=0.9), None,
                    primary_metric="roc_auc")
    assert summary(same) == ("passed: the candidate is the production model itself (version 3); "
                             "roc_auc 0.9 meets its minimum 0.8")


# --- the row `data`: the validation of the data the candidate was trained on -----------------------------


@pytest.mark.parametrize(("status", "row", "passed"), [
    ("passed", "pass", True), ("failed", "fail", False), ("forced", "fail", False),
    ("not-validated", "warn", True),
])
def test_the_data_is_a_row_of_the_verdict(status: str, row: str, passed: bool) -> None:
    from mlgate.gate.model import DataCheck

    data = DataCheck(status, ("data/a.csv", "data/b.csv"), "validation.json")  # type: ignore[arg-type]
    verdict = evaluate("m", [AUC], side("candidate", roc_auc=0.95), side("production", "1", roc_auc=0.9),
                       None, data=data)
    first = verdict.metrics[0]
    assert (first.name, first.direction, first.candidate, first.status) == ("data", None, status, row)
    assert verdict.metrics[1].name == "roc_auc" and verdict.metrics[1].status == "pass"
    assert verdict.passed is passed
    if row == "fail":
        assert "data/a.csv, data/b.csv" in first.reasons[0] and "(validation.json)" in first.reasons[0]
        assert summary(verdict).startswith("failed: data failed validation: data/a.csv, data/b.csv")
    if status == "forced":
        assert "--force" in first.reasons[0]
    if status == "not-validated":
        assert verdict.status == "warned" and "mlgate validate" in first.reasons[0]


def test_no_data_check_no_data_row() -> None:
    verdict = evaluate("m", [AUC], side("candidate", roc_auc=0.95), None, None)
    assert [m.name for m in verdict.metrics] == ["roc_auc"]
