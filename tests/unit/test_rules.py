"""The gate's rules (mlgate.rules): what counts as a rule, what a PR changes, the config it is judged by,
the gate's own files; and the report's notice of a change (escaped: the PR writes the keys and values)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from mlgate.config import Config, parse_config
from mlgate.documents import Verdict
from mlgate.report.render import render
from mlgate.report.view import Context, Documents
from mlgate.rules import apply_rules, is_gate_file, rule_changes, rule_files
from tests.support import gfm
from tests.support import report_documents as docs

BASE: dict[str, Any] = {
    "model": {"name": "churn"},
    "metrics": {"roc_auc": {"direction": "maximize", "max_regression": 0.01, "min": 0.8},
                "f1": {"direction": "maximize", "function": "my_metrics:f1"}},
    "baseline": {"metrics": "baselines/baseline.json"},
    "evaluate": {"data": "eval.csv", "label": "y", "command": "python score.py", "task": "binary",
                 "confidence": 0.95, "inconclusive": "warn", "slices": ["band"]},
}


def config(**changes: Any) -> Config:
    raw = {**BASE, **changes}
    return parse_config(raw, source="mlgate.yaml", root=Path("."))


def evaluate(**changes: Any) -> dict[str, Any]:
    return {**BASE["evaluate"], **changes}


def test_looser_rules_are_changes_shown_base_to_pr() -> None:
    pr = config(metrics={"roc_auc": {"direction": "maximize", "max_regression": 0.05, "min": 0.8,
                                     "severity": "warn"}},
                evaluate=evaluate(inconclusive="pass", confidence=0.6, command="python new.py"),
                model={"name": "churn", "production_alias": "weak"})
    found = {c.key: (c.base, c.pr) for c in rule_changes(config(), pr)}
    assert found == {
        "metrics.f1": ("direction maximize, function my_metrics:f1", "(not gated)"),
        "metrics.roc_auc.max_regression": ("0.01", "0.05"), "metrics.roc_auc.severity": ("fail", "warn"),
        "model.production_alias": ("production", "weak"), "evaluate.confidence": ("0.95", "0.6"),
        "evaluate.inconclusive": ("warn", "pass"),
    }  # evaluate.command is the model's own setting: not a rule


def test_the_pr_is_judged_by_the_bases_rules_with_its_own_model_settings() -> None:
    pr = config(metrics={"roc_auc": {"direction": "maximize", "max_regression": 0.5}},
                evaluate=evaluate(inconclusive="pass", command="python new.py", data="new.csv"),
                model={"name": "other", "candidate_alias": "cand"}, baseline={"alias": "weak"})
    judged = apply_rules(pr, config())
    assert judged.metrics == config().metrics and judged.baseline == config().baseline
    assert judged.model.name == "churn" and judged.model.candidate_alias == "cand"
    assert judged.evaluate is not None
    assert (judged.evaluate.inconclusive, judged.evaluate.command, judged.evaluate.data) == (
        "warn", "python new.py", "new.csv")


def test_passing_the_registry_credentials_is_a_rule_of_the_base() -> None:
    train = {"command": "python train.py", "metrics": "metrics.json", "model": "model"}
    base, pr = config(train=train), config(train={**train, "tracking_credentials": "pass"})
    assert [c.text() for c in rule_changes(base, pr)] == ["train.tracking_credentials none → pass"]
    judged = apply_rules(pr, base)
    assert judged.train is not None and judged.train.tracking_credentials == "none"
    assert judged.train.command == "python train.py"  # the PR's own training otherwise
    assert apply_rules(pr, config(train={**train, "tracking_credentials": "pass"})).train.tracking_credentials \
        == "pass"  # type: ignore[union-attr]


def test_dropping_evaluate_keeps_the_bases_and_adding_it_takes_default_statistics() -> None:
    dropped = Config.model_validate({k: v for k, v in BASE.items() if k != "evaluate"})
    assert apply_rules(dropped, config()).evaluate == config().evaluate
    added = apply_rules(config(evaluate=evaluate(inconclusive="pass", resamples=100)), dropped)
    assert added.evaluate is not None and (added.evaluate.inconclusive, added.evaluate.resamples) == ("warn", 2000)


def test_the_gate_files_and_the_files_the_rules_read() -> None:
    assert is_gate_file(".github/workflows/pr-gate.yml") and is_gate_file(".github/actions/x/action.yml")
    assert is_gate_file("tools/ci/action.yaml") and not is_gate_file("train.py")
    assert rule_files(config(), "ml") == {"ml/baselines/baseline.json", "ml/my_metrics.py",
                                          "ml/my_metrics/__init__.py"}


def rendered(rules: dict[str, Any]) -> str:
    verdict = Verdict.model_validate({**docs.verdict("passed"), "rules": rules})
    return render(Documents(verdict=verdict), Context(model="churn")).text


def test_the_report_says_first_that_the_pr_changes_the_gate() -> None:
    text = rendered({"source": "base", "ref": "main", "commit": "a" * 40, "path": "mlgate.yaml",
                     "changes": [{"key": "metrics.roc_auc.max_regression", "base": "0.01", "pr": "0.05"}]})
    head = gfm.text(gfm.render(text.split("### Metrics")[0]))
    assert "This PR changes the gate." in head and "roc_auc max_regression 0.01 → 0.05" in head
    assert head.index("This PR changes the gate") < head.index("All 3 gated metrics")


def test_the_notice_escapes_what_the_pr_wrote() -> None:
    hostile = docs.HOSTILE + " " + docs.LINKS
    text = rendered({"source": "base", "ref": "main", "commit": "a" * 40, "path": "mlgate.yaml",
                     "changes": [{"key": f"metrics.{hostile}.min", "base": hostile, "pr": hostile}]})
    notice = text.split("**All 3 gated")[0].split("-->", 1)[1]
    assert "This PR changes the gate" in notice
    html = gfm.render(notice)
    assert "<img" not in html and "<details" not in html and gfm.links(html) == []
    assert gfm.references(html) == []


@pytest.mark.parametrize(("source", "words"), [("pr-first", "This PR adds the gate's config"),
                                               ("pr-base-invalid", "The base's rules cannot be used")])
def test_the_pr_judged_by_its_own_rules_is_said(source: str, words: str) -> None:
    text = rendered({"source": source, "ref": "main", "commit": "a" * 40, "path": "mlgate.yaml",
                     "problem": "metrics.roc_auc.max_regression: should be >= 0"})
    assert words in text.split("### Metrics")[0]


def test_unchanged_base_rules_add_nothing() -> None:
    text = rendered({"source": "base", "ref": "main", "commit": "a" * 40, "path": "mlgate.yaml", "changes": []})
    assert "[!WARNING]" not in text and "[!NOTE]" not in text


def test_a_custom_template_cannot_hide_the_notice(tmp_path: Path) -> None:
    template = tmp_path / "quiet.md.j2"
    template.write_text('{% extends "report.md.j2" %}{% block rules %}{% endblock %}')
    verdict = Verdict.model_validate({**docs.verdict("passed"), "rules": {
        "source": "base", "ref": "main", "commit": "a" * 40, "path": "mlgate.yaml",
        "changes": [{"key": "metrics.roc_auc.severity", "base": "fail", "pr": "warn"}]}})
    text = render(Documents(verdict=verdict), Context(model="churn"), template).text
    assert text.startswith("<!-- mlgate-report: churn -->\n> [!WARNING]\n> **This PR changes the gate.**")
