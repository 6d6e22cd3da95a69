"""`mlgate compare` on the same evaluation rows, end to end: a real git repository (production trained at an
older commit with another score.py), a real SQLite MLflow store, the local runtime; `mlgate train`, `mlgate
evaluate`, `mlgate compare`, `mlgate report` as a workflow runs them.

The project (tests/support/eval_project.py): production scores x/10, the PR's scorer x/10 * 0.9, so on the
same rows both rank perfectly (ROC AUC 1.0 each), while the PR's model calls the rows with x = 5 negative:
3 of 30 rows flip from right to wrong (s5, s15, s25), all with sex = m.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import MlflowStore
from tests.support import gfm
from tests.support.eval_project import make_eval_project, score_py, write_holdout
from tests.support.train_project import git, invoke, lineage, train_args


def verdict(out: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((out / "verdict.json").read_text())
    return data


def rows(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {m["name"]: m for m in doc["metrics"]}


def pull_request(repo: Path, mlflow_store: MlflowStore, *, evaluate: dict[str, Any] | None = None,
                 metrics: dict[str, Any] | None = None, files: dict[str, str] | None = None) -> tuple[Path, Path]:
    """Production trained and promoted at the first commit (scorer v1); the PR (scorer v2, 30 evaluation
    rows) trained. Returns the config and the work directory."""
    config = make_eval_project(repo, rows=20, version=1, evaluate={"min_slice_rows": 10, **(evaluate or {})})
    if metrics is not None or files:
        settings = yaml.safe_load(config.read_text())
        settings["metrics"] = {**settings["metrics"], **(metrics or {})}
        config.write_text(yaml.safe_dump(settings, sort_keys=False))
        for name, text in (files or {}).items():
            (repo / name).write_text(text)
        git(repo, "add", "-A")
        git(repo, "commit", "-qm", "metrics")
    out = repo / ".mlgate"
    result = invoke(config, *train_args(out))
    assert result.exit_code == 0, result.output
    mlflow_store.client().set_registered_model_alias("churn", "production", lineage(out)["registered"]["version"])
    (repo / "score.py").write_text(score_py(2))
    write_holdout(repo, 30)
    git(repo, "commit", "-qam", "scorer v2, a larger holdout")
    result = invoke(config, *train_args(out))
    assert result.exit_code == 0, result.output
    return config, out


def test_compare_decides_on_the_same_rows_with_intervals_slices_and_flips(
        git_repo: Path, mlflow_store: MlflowStore) -> None:
    config, out = pull_request(git_repo, mlflow_store)
    assert invoke(config, "evaluate", "--out", str(out)).exit_code == 0
    result = invoke(config, "compare", "--out", str(out))
    assert result.exit_code == 0, result.output  # an inconclusive accuracy only warns
    doc = verdict(out)
    assert doc["schema_version"] == 2 and doc["comparison"] == "same-data" and doc["status"] == "warned"
    assert doc["evaluation_data"].startswith("data/holdout.csv (sha256 ")
    auc, accuracy = rows(doc)["roc_auc"], rows(doc)["accuracy"]
    # roc_auc is logged by neither model: computed from the predictions, both rank perfectly
    assert (auc["candidate"], auc["production"], auc["decision"], auc["status"]) == (1.0, 1.0, "pass", "pass")
    assert auc["interval"]["method"] == "delong" and auc["interval"]["n"] == 30
    assert accuracy["candidate"] == pytest.approx(0.9) and accuracy["production"] == 1.0  # logged: 0.91 both
    assert accuracy["interval"]["method"] == "mcnemar" and accuracy["interval"]["low"] < -0.1 < 0
    assert (accuracy["decision"], accuracy["status"]) == ("inconclusive", "warn")
    assert accuracy["rows_to_decide"] > 30 and "evaluation rows would decide it" in accuracy["reasons"][0]
    flips = doc["flips"]
    assert (flips["both_right"], flips["harmful"], flips["helpful"], flips["both_wrong"]) == (27, 3, 0, 0)
    assert [r["id"] for r in flips["harmful_rows"]] == ["s5", "s15", "s25"]
    slices = {s["value"]: s for s in doc["slices"]}
    assert set(slices) == {"f", "m"} and slices["f"]["n"] == slices["m"]["n"] == 15
    assert rows(slices["f"])["roc_auc"]["decision"] == "pass"
    # no row of f flips, yet 15 rows cannot show that accuracy fell by no more than 0 (no tolerance)
    assert [rows(s)["accuracy"]["decision"] for s in (slices["f"], slices["m"])] == ["inconclusive"] * 2
    assert rows(slices["m"])["accuracy"]["delta"] == pytest.approx(-0.2)
    assert "compared on the same evaluation rows: data/holdout.csv" in result.output
    assert "inconclusive (warn)" in result.output and "flips: 3 of 30 rows (10.00%)" in result.output

    report = invoke(config, "report", "--no-post", "--out", str(out))
    assert report.exit_code == 0, report.output
    seen = gfm.text(gfm.render((out / "report.md").read_text()))
    assert "Same data: this PR's model and production were scored on the same 30 rows" in seen
    assert "❔ inconclusive, leans fail" in seen and "; counts as warn" in seen
    assert "Flips: 3 of 30 rows from right to wrong (10.00%)" in seen
    assert seen.splitlines()[2].startswith("passed with warnings: accuracy -0.10 [-0.21, +0.02] vs production")


def test_harmful_flips_beyond_the_limit_fail_the_gate(git_repo: Path, mlflow_store: MlflowStore) -> None:
    config, out = pull_request(git_repo, mlflow_store, evaluate={"max_harmful_flip_pct": 5})
    result = invoke(config, "compare", "--out", str(out))
    assert result.exit_code == 1, result.output
    doc = verdict(out)
    assert doc["status"] == "failed" and doc["flips"]["status"] == "fail"
    assert "flips: 3 of 30 rows (10.00%) flip from right (production) to wrong" in doc["summary"]
    assert "more than the tolerated 5%" in doc["summary"]


def test_compare_runs_evaluate_first_and_keeps_what_it_cannot_compute_logged(
        git_repo: Path, mlflow_store: MlflowStore) -> None:
    config, out = pull_request(git_repo, mlflow_store, metrics={"test.auc": {"direction": "maximize"}})
    assert not (out / "evaluation.json").exists()
    result = invoke(config, "compare", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert "no evaluation.json in" in result.output and "scoring production churn@production" in result.output
    assert (out / "evaluation.json").is_file()
    logged = rows(verdict(out))["test.auc"]
    assert logged["comparison"] == "logged-metrics" and "interval" not in logged
    assert (logged["candidate"], logged["production"]) == (0.87, 0.87)
    assert logged["reasons"] == ["logged: compared on the metrics each model logged, possibly on different data"]
    assert verdict(out)["comparison"] == "same-data"


def test_a_user_metric_function_is_computed_by_bootstrap(git_repo: Path, mlflow_store: MlflowStore) -> None:
    files = {"my_metrics.py": "def share_positive(y_true, y_pred):\n    return float(sum(y_pred)) / len(y_pred)\n"}
    config, out = pull_request(git_repo, mlflow_store, files=files, metrics={
        "positives": {"direction": "maximize", "max_regression": 0.5, "function": "my_metrics:share_positive"}})
    result = invoke(config, "compare", "--out", str(out))
    assert result.exit_code == 0, result.output
    positives = rows(verdict(out))["positives"]
    assert positives["interval"]["method"] == "bootstrap" and positives["decision"] == "pass"
    assert positives["candidate"] == pytest.approx(12 / 30) and positives["production"] == pytest.approx(15 / 30)


def test_a_metric_function_that_does_not_import_is_bad_input(git_repo: Path, mlflow_store: MlflowStore) -> None:
    config, out = pull_request(git_repo, mlflow_store, metrics={
        "positives": {"direction": "maximize", "function": "no_such_module:share"}})
    result = invoke(config, "compare", "--out", str(out))
    assert result.exit_code == 2, result.output
    assert "the metric function 'no_such_module:share' does not import" in result.output


def test_production_not_rescored_writes_the_verdict_then_exits_3(git_repo: Path, mlflow_store: MlflowStore) -> None:
    config, out = pull_request(git_repo, mlflow_store)
    result = invoke(config, "compare", "--out", str(out), env={"SCORE_MODE": "fail"})
    assert result.exit_code == 3, result.output
    assert "could not be re-scored" in result.output and "no module named xgboost" in result.output
    doc = verdict(out)
    evaluation = rows(doc)["evaluation"]
    assert doc["status"] == "failed" and doc["comparison"] == "logged-metrics"
    assert evaluation["status"] == "fail" and evaluation["reasons"][0].startswith(
        "production could not be re-scored on the evaluation data: production churn@production (version 1) "
        "could not be re-scored")
    report = invoke(config, "report", "--no-post", "--out", str(out))
    assert report.exit_code == 0, report.output
    assert "production could not be re-scored on the evaluation data" in (out / "report.md").read_text()


def test_production_not_rescored_falls_back_to_logged_metrics_when_allowed(
        git_repo: Path, mlflow_store: MlflowStore) -> None:
    config, out = pull_request(git_repo, mlflow_store, evaluate={"on_production_error": "logged"},
                               metrics={"roc_auc": {"direction": "maximize", "severity": "warn"}})
    assert invoke(config, "evaluate", "--out", str(out), env={"SCORE_MODE": "fail"}).exit_code == 0
    result = invoke(config, "compare", "--out", str(out))
    doc = verdict(out)
    assert doc["comparison"] == "logged-metrics" and "evaluation" not in rows(doc)
    assert doc["notes"][0].startswith("production could not be re-scored on the evaluation data (")
    assert rows(doc)["accuracy"]["comparison"] == "logged-metrics"  # 0.91 logged by both
    assert rows(doc)["accuracy"]["status"] == "pass" and result.exit_code == 0, result.output


def test_compare_judges_the_candidate_run_it_is_given_on_that_runs_predictions(
        git_repo: Path, mlflow_store: MlflowStore) -> None:
    """`--candidate-run` names another run than the one trained in this work directory: its own logged
    predictions are compared, not those lineage.json's run left here."""
    config, out = pull_request(git_repo, mlflow_store)
    first = lineage(out)["run"]["run_id"]
    (git_repo / "score.py").write_text(score_py(1))  # the next push scores like production again
    git(git_repo, "commit", "-qam", "scorer v1 again")
    other = git_repo / ".mlgate-2"
    assert invoke(config, *train_args(other)).exit_code == 0
    second = lineage(other)["run"]["run_id"]
    assert invoke(config, "evaluate", "--out", str(out)).exit_code == 0  # the first run's evaluation
    result = invoke(config, "compare", "--candidate-run", second, "--out", str(out))
    assert result.exit_code == 0, result.output
    assert "another candidate's evaluation.json" in result.output
    evaluation = json.loads((out / "evaluation.json").read_text())
    assert evaluation["candidate"]["run_id"] == second and evaluation["candidate"]["source"] == "artifact"
    doc = verdict(out)
    assert doc["candidate"]["run_id"] == second != first
    assert doc["flips"]["harmful"] == 0  # the first run's predictions flip 3 rows; the second's none


def test_a_candidate_metrics_file_is_compared_on_logged_metrics_and_says_why(
        git_repo: Path, mlflow_store: MlflowStore) -> None:
    config, out = pull_request(git_repo, mlflow_store, metrics={"roc_auc": {"direction": "maximize",
                                                                            "severity": "warn"}})
    (git_repo / "candidate.json").write_text('{"accuracy": 0.95}')
    result = invoke(config, "compare", "--out", str(out), "--candidate-metrics", str(git_repo / "candidate.json"))
    assert result.exit_code == 0, result.output
    doc = verdict(out)
    assert doc["comparison"] == "logged-metrics" and not (out / "evaluation.json").exists()
    assert doc["notes"][0].startswith("the candidate is a metrics file (--candidate-metrics), which has no "
                                      "predictions: compared on the logged metrics")
    assert rows(doc)["accuracy"]["candidate"] == 0.95


def test_compare_of_a_candidate_run_in_a_fresh_work_directory_reads_its_logged_predictions(
        git_repo: Path, mlflow_store: MlflowStore) -> None:
    config, out = pull_request(git_repo, mlflow_store)
    run_id = lineage(out)["run"]["run_id"]
    fresh = git_repo / "elsewhere"
    result = invoke(config, "compare", "--out", str(fresh), "--candidate-run", run_id)
    assert result.exit_code == 0, result.output
    assert "candidate: predictions logged with its run" in result.output
    doc = verdict(fresh)
    assert doc["comparison"] == "same-data" and doc["candidate"]["run_id"] == run_id
    assert json.loads((fresh / "evaluation.json").read_text())["candidate"]["source"] == "artifact"


def test_a_first_model_is_judged_on_the_evaluation_rows_not_its_logged_value(
        git_repo: Path, mlflow_store: MlflowStore) -> None:
    # no production yet; the training logs accuracy 0.91 (above the minimum 0.905), while the scorer v2 gets
    # 27 of the 30 evaluation rows right (0.9, below it): the evaluation rows decide
    config = make_eval_project(git_repo, rows=30, version=2, evaluate={"min_slice_rows": 10})
    settings = yaml.safe_load(config.read_text())
    settings["metrics"]["accuracy"]["min"] = 0.905
    config.write_text(yaml.safe_dump(settings, sort_keys=False))
    git(git_repo, "commit", "-qam", "a floor")
    out = git_repo / ".mlgate"
    assert invoke(config, *train_args(out)).exit_code == 0
    result = invoke(config, "compare", "--out", str(out))
    assert result.exit_code == 1, result.output
    doc = verdict(out)
    assert doc["comparison"] == "same-data" and doc["production"] is None
    accuracy = rows(doc)["accuracy"]
    assert (accuracy["candidate"], accuracy["logged"], accuracy["status"]) == (pytest.approx(0.9), 0.91, "fail")
    assert accuracy["reasons"] == ["0.9 is below the minimum 0.905"]
    assert accuracy["value_interval"]["low"] < 0.9 < accuracy["value_interval"]["high"]
    assert accuracy["value_interval"]["n"] == 30
    assert invoke(config, "report", "--out", str(out)).exit_code == 0
    report = (out / "report.md").read_text()
    assert "**Evaluation rows:** no production model yet" in report
    assert "logged by training on its own split: 0.91" in report
    assert not (git_repo / "mlflow.db").exists()


def test_a_constant_baseline_is_scored_on_the_evaluation_rows_and_compared_paired(
        git_repo: Path, mlflow_store: MlflowStore) -> None:
    # no user code: the positive share (15 of 30) as the score, ROC AUC 0.5; the PR's model ranks perfectly
    config = make_eval_project(git_repo, rows=30, version=2, evaluate={"min_slice_rows": 10})
    settings = yaml.safe_load(config.read_text())
    settings["baseline"] = {"constant": True}
    settings["metrics"]["roc_auc"]["beat_baseline_by"] = 0.2
    config.write_text(yaml.safe_dump(settings, sort_keys=False))
    git(git_repo, "commit", "-qam", "a constant baseline")
    out = git_repo / ".mlgate"
    assert invoke(config, *train_args(out)).exit_code == 0
    result = invoke(config, "compare", "--out", str(out))
    assert result.exit_code == 0, result.output
    doc = verdict(out)
    assert doc["baseline"]["source"] == "the best constant prediction on the evaluation rows"
    auc = rows(doc)["roc_auc"]
    assert (auc["candidate"], auc["baseline"], auc["status"]) == (1.0, 0.5, "pass")
    assert auc["baseline_delta"] == 0.5
