"""A gated metric the candidate does not have: the reason points at the names it does have."""

from __future__ import annotations

from mlgate.gate.model import Rule, Side
from mlgate.gate.policy import MAX_LISTED, evaluate, similar_names

AUC = Rule("roc_auc", "maximize")


def verdict_for(rule: Rule, **metrics: float) -> tuple[str, list[str]]:
    candidate = Side(role="candidate", source="run", metrics=metrics)
    verdict = evaluate("m", [rule], candidate, None, None)
    assert verdict.metrics[0].status == "fail"
    return " | ".join(verdict.metrics[0].reasons), list(verdict.notes)


def test_a_misspelt_name_suggests_the_close_one() -> None:
    reasons, notes = verdict_for(AUC, **{"roc-auc": 0.9})
    assert "the candidate has roc-auc: name one of those in mlgate.yaml" in reasons
    assert not any("not among" in note for note in notes)
    assert similar_names("accuracy", {"acuracy": 1.0, "loss": 2.0}) == ["acuracy"]


def test_no_close_name_notes_the_candidates_metrics() -> None:
    reasons, notes = verdict_for(Rule("f1", "maximize"), accuracy=0.9, f1_macro=0.8)
    assert reasons == "candidate value is missing"
    assert ("f1 not among the candidate's metrics (accuracy, f1_macro): check the names under `metrics:` in "
            "mlgate.yaml") in notes


def test_the_list_is_bounded() -> None:
    many = {f"m{i:02d}": float(i) for i in range(MAX_LISTED + 5)}
    _, notes = verdict_for(Rule("zzz", "maximize"), **many)
    note = next(n for n in notes if "not among" in n)
    assert "(m00, m01" in note and ", …): check" in note and f"m{MAX_LISTED:02d}" not in note


def test_a_candidate_with_no_metrics_only_says_missing() -> None:
    reasons, notes = verdict_for(AUC)
    assert reasons == "candidate value is missing"
    assert not any("not among" in note for note in notes)


def test_rounding_slack_does_not_hide_a_regression_at_large_values() -> None:
    """Found by the regression property: 0.002 below 1e6 with 0.001 tolerated passed (slack was 1e-9 * 1e6)."""
    rule = Rule("m", "maximize", max_regression=0.001)
    production = Side(role="production", source="p", metrics={"m": 1e6})
    result = evaluate("m", [rule], Side(role="candidate", source="c", metrics={"m": 1e6 - 0.002}),
                      production, None).metrics[0]
    assert result.status == "fail"
    same = evaluate("m", [rule], Side(role="candidate", source="c", metrics={"m": (0.1 + 0.2) * 1e6 / 0.3}),
                    production, None).metrics[0]
    assert same.status == "pass"  # equal up to float rounding
