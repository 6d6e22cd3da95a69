"""`mlgate train` scoring the candidate and `mlgate evaluate` scoring production in its own environment:
a real git repository (production trained at an older commit with another score.py), a real SQLite MLflow
store, the local runtime."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from tests.conftest import MlflowStore
from tests.support.eval_project import make_eval_project, score_py, write_holdout
from tests.support.train_project import git, invoke, lineage, train_args


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as handle:
        return list(csv.DictReader(handle))


def sha256(path: Path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()


def evaluation(out: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((out / "evaluation.json").read_text())
    return data


def promote_first(config: Path, out: Path, mlflow_store: MlflowStore) -> str:
    """Train at the current commit and put that version in production; its run id."""
    result = invoke(config, *train_args(out))
    assert result.exit_code == 0, result.output
    doc = lineage(out)
    mlflow_store.client().set_registered_model_alias("churn", "production", doc["registered"]["version"])
    return str(doc["run"]["run_id"])


def test_train_scores_the_candidate_and_logs_its_predictions(git_repo: Path, mlflow_store: MlflowStore) -> None:
    config = make_eval_project(git_repo)
    out = git_repo / ".mlgate"
    result = invoke(config, *train_args(out))
    assert result.exit_code == 0, result.output
    assert "scoring v1: model=" in result.output and "seed=0" in result.output
    rows = read_csv(out / "predictions" / "candidate.csv")
    assert len(rows) == 20 and rows[7] == {"sample_id": "s7", "prediction": "1", "score": "0.7"}
    doc = lineage(out)
    assert doc["code"]["dirty"] is False  # predictions.csv in the workspace is mlgate's output, not code
    client = mlflow_store.client()
    names = [a.path for a in client.list_artifacts(doc["run"]["run_id"], "mlgate/predictions")]
    assert len(names) == 1 and names[0].startswith("mlgate/predictions/eval-sha256-") and names[0].endswith(".csv")
    assert any(a.path == "mlgate/score.log" for a in client.list_artifacts(doc["run"]["run_id"], "mlgate"))


def test_a_failing_scoring_fails_the_training_with_its_log_tail(git_repo: Path, mlflow_store: MlflowStore) -> None:
    config = make_eval_project(git_repo)
    out = git_repo / ".mlgate"
    result = invoke(config, *train_args(out), env={"SCORE_MODE": "fail"})
    assert result.exit_code == 1, result.output
    assert "the scoring command `python3 score.py` failed with exit code 3" in result.output
    assert "no module named xgboost" in result.output
    doc = lineage(out)
    assert doc["status"] == "failed" and "scorer crashed: no module named xgboost" in doc["log_tail"]
    assert mlflow_store.client().get_run(doc["run"]["run_id"]).info.status == "FAILED"


def test_nan_scores_are_bad_input_naming_the_file_and_column(git_repo: Path, mlflow_store: MlflowStore) -> None:
    config = make_eval_project(git_repo)
    out = git_repo / ".mlgate"
    result = invoke(config, *train_args(out), env={"SCORE_MODE": "nan"})
    assert result.exit_code == 2, result.output
    assert "predictions.csv: the column 'score' has missing or non-numeric scores" in result.output


def test_a_broken_evaluation_file_is_refused_before_training(git_repo: Path, mlflow_store: MlflowStore) -> None:
    config = make_eval_project(git_repo, evaluate={"slices": ["age_band"]})
    out = git_repo / ".mlgate"
    result = invoke(config, *train_args(out))
    assert result.exit_code == 2, result.output
    assert "data/holdout.csv has no column 'age_band' (evaluate.slices)" in result.output
    assert "training:" not in result.output  # refused before the training ran


def test_evaluate_scores_production_at_its_own_commit_then_uses_the_cache(
        git_repo: Path, mlflow_store: MlflowStore) -> None:
    config = make_eval_project(git_repo, rows=20, version=1)
    out = git_repo / ".mlgate"
    production_run = promote_first(config, out, mlflow_store)
    old_commit = git(git_repo, "rev-parse", "HEAD")
    # the PR: a new scorer and more evaluation rows
    (git_repo / "score.py").write_text(score_py(2))
    write_holdout(git_repo, 30)
    git(git_repo, "commit", "-qam", "scorer v2, a larger holdout")
    result = invoke(config, *train_args(out))
    assert result.exit_code == 0, result.output

    result = invoke(config, "evaluate", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert f"scoring production churn@production (version 1) at commit {old_commit[:12]}" in result.output
    assert "scoring v1:" in result.output  # production's own score.py, not the PR's
    candidate = read_csv(out / "predictions" / "candidate.csv")
    production = read_csv(out / "predictions" / "production.csv")
    assert len(candidate) == len(production) == 30
    assert candidate[7]["score"] == "0.63" and production[7]["score"] == "0.7"  # v2 vs v1 on the same row
    doc = evaluation(out)
    assert doc["schema_version"] == 1 and doc["task"] == "binary"
    assert doc["data"]["path"] == "data/holdout.csv" and doc["data"]["rows"] == 30
    assert doc["data"]["version"]["kind"] == "sha256"
    assert doc["candidate"]["source"] == "scored" and doc["candidate"]["file"] == "predictions/candidate.csv"
    assert doc["production"] == {"run_id": production_run, "version": "1", "source": "scored",
                                 "file": "predictions/production.csv",
                                 "sha256": sha256(out / "predictions" / "production.csv")}
    assert doc["baseline"] is None
    assert git(git_repo, "worktree", "list").count("\n") == 0  # the worktree is gone
    schema = json.loads((Path(__file__).parents[2] / "docs/schemas/evaluation.schema.json").read_text())
    jsonschema.validate(doc, schema, cls=jsonschema.Draft202012Validator)

    again = invoke(config, "evaluate", "--out", str(out))
    assert again.exit_code == 0, again.output
    assert "cached predictions for this evaluation data (no scoring run)" in again.output
    assert "scoring v1" not in again.output
    assert evaluation(out)["production"]["source"] == "cached"
    assert read_csv(out / "predictions" / "production.csv") == production


def test_production_trained_on_the_same_data_is_cached_from_its_training(
        git_repo: Path, mlflow_store: MlflowStore) -> None:
    config = make_eval_project(git_repo)
    out = git_repo / ".mlgate"
    promote_first(config, out, mlflow_store)
    (git_repo / "score.py").write_text(score_py(2))
    git(git_repo, "commit", "-qam", "scorer v2")
    assert invoke(config, *train_args(out)).exit_code == 0
    result = invoke(config, "evaluate", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert "scoring production" not in result.output
    assert evaluation(out)["production"]["source"] == "cached"


def test_no_production_is_the_candidate_alone(git_repo: Path, mlflow_store: MlflowStore) -> None:
    config = make_eval_project(git_repo)
    out = git_repo / ".mlgate"
    assert invoke(config, *train_args(out)).exit_code == 0
    result = invoke(config, "evaluate", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert "no churn@production yet" in result.output
    doc = evaluation(out)
    assert doc["production"] is None and doc["candidate"]["source"] == "scored"


def test_without_the_candidates_predictions_evaluate_says_to_train(git_repo: Path,
                                                                     mlflow_store: MlflowStore) -> None:
    config = make_eval_project(git_repo)
    result = invoke(config, "evaluate", "--out", str(git_repo / ".mlgate"))
    assert result.exit_code == 2, result.output
    assert "the candidate's predictions are not in" in result.output and "mlgate train" in result.output


def _pr_with_new_data(git_repo: Path, config: Path, out: Path, mlflow_store: MlflowStore) -> str:
    promote_first(config, out, mlflow_store)
    old = git(git_repo, "rev-parse", "HEAD")
    (git_repo / "score.py").write_text(score_py(2))
    write_holdout(git_repo, 30)
    git(git_repo, "commit", "-qam", "v2")
    assert invoke(config, *train_args(out)).exit_code == 0
    return old


@pytest.mark.parametrize("policy, code", [("fail", 3), ("logged", 0)])
def test_production_scoring_failing_is_exit_3_unless_logged(git_repo: Path, mlflow_store: MlflowStore,
                                                            policy: str, code: int) -> None:
    config = make_eval_project(git_repo, evaluate={"on_production_error": policy})
    out = git_repo / ".mlgate"
    _pr_with_new_data(git_repo, config, out, mlflow_store)
    result = invoke(config, "evaluate", "--out", str(out), env={"SCORE_MODE": "fail"})
    assert result.exit_code == code, result.output
    assert "production churn@production (version 1) could not be re-scored" in result.output
    assert "no module named xgboost" in result.output  # the log tail
    if policy == "logged":
        production = evaluation(out)["production"]
        assert production["source"] == "unavailable" and production["file"] is None
        assert "exit code 3" in production["error"]
        assert not (out / "predictions" / "production.csv").exists()
    else:
        assert not (out / "evaluation.json").exists()


def test_production_from_before_evaluate_is_unavailable_not_fatal(git_repo: Path,
                                                                  mlflow_store: MlflowStore) -> None:
    from tests.support.train_project import make_project

    config = make_project(git_repo)  # no evaluate: section at production's commit
    out = git_repo / ".mlgate"
    promote_first(config, out, mlflow_store)
    config = make_eval_project(git_repo)
    assert invoke(config, *train_args(out)).exit_code == 0
    result = invoke(config, "evaluate", "--out", str(out))
    assert result.exit_code == 0, result.output
    production = evaluation(out)["production"]
    assert production["source"] == "unavailable" and "has no evaluate: section" in production["error"]
    assert "falls back to its logged metrics" in result.output


def test_production_commit_missing_from_a_shallow_clone_says_fetch_depth(
        git_repo: Path, mlflow_store: MlflowStore, tmp_path: Path) -> None:
    config = make_eval_project(git_repo)
    out = git_repo / ".mlgate"
    _pr_with_new_data(git_repo, config, out, mlflow_store)
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", "--depth", "1", git_repo.as_uri(), str(clone))
    clone_out = clone / ".mlgate"
    (clone_out / "predictions").mkdir(parents=True)
    (clone_out / "predictions" / "candidate.csv").write_bytes((out / "predictions" / "candidate.csv").read_bytes())
    result = invoke(clone / "mlgate.yaml", "evaluate", "--out", str(clone_out))
    assert result.exit_code == 2, result.output
    assert "which is not in this clone" in result.output and "fetch-depth: 0" in result.output
    assert "the clone is shallow" in result.output


def test_a_baseline_alias_is_scored_the_same_way(git_repo: Path, mlflow_store: MlflowStore) -> None:
    config = make_eval_project(git_repo)
    out = git_repo / ".mlgate"
    run_id = promote_first(config, out, mlflow_store)
    mlflow_store.client().set_registered_model_alias("churn", "baseline", "1")
    text = config.read_text() + "baseline: {alias: baseline}\n"
    config.write_text(text)
    write_holdout(git_repo, 25)
    git(git_repo, "commit", "-qam", "a baseline, a larger holdout")
    assert invoke(config, *train_args(out)).exit_code == 0
    result = invoke(config, "evaluate", "--out", str(out))
    assert result.exit_code == 0, result.output
    doc = evaluation(out)
    assert doc["production"]["source"] == "scored"
    assert doc["baseline"] == {"run_id": run_id, "version": "1", "source": "cached",  # the same run, scored
                               "file": "predictions/baseline.csv",                   # for production just now
                               "sha256": sha256(out / "predictions" / "baseline.csv")}
    assert len(read_csv(out / "predictions" / "baseline.csv")) == 25


def test_a_new_training_removes_the_older_evaluation(git_repo: Path, mlflow_store: MlflowStore) -> None:
    config = make_eval_project(git_repo)
    out = git_repo / ".mlgate"
    assert invoke(config, *train_args(out)).exit_code == 0
    assert invoke(config, "evaluate", "--out", str(out)).exit_code == 0
    (out / "predictions" / "production.csv").write_text("stale\n")
    assert (out / "evaluation.json").is_file()
    result = invoke(config, *train_args(out), env={"SCORE_MODE": "fail"})
    assert result.exit_code == 1
    assert not (out / "evaluation.json").exists() and not (out / "predictions").exists()


def test_evaluate_without_an_evaluate_section_does_nothing(git_repo: Path, mlflow_store: MlflowStore) -> None:
    from tests.support.train_project import make_project

    config = make_project(git_repo)
    result = invoke(config, "evaluate", "--out", str(git_repo / ".mlgate"))
    assert result.exit_code == 0, result.output
    assert "no evaluate: section in the config: nothing to score" in result.output
    assert not (git_repo / ".mlgate" / "evaluation.json").exists()


def test_evaluation_data_changed_since_training_is_bad_input(git_repo: Path, mlflow_store: MlflowStore) -> None:
    config = make_eval_project(git_repo)
    out = git_repo / ".mlgate"
    assert invoke(config, *train_args(out)).exit_code == 0
    write_holdout(git_repo, 20)
    holdout = git_repo / "data" / "holdout.csv"
    holdout.write_text(holdout.read_text().replace("s3,3,0,", "s3,3,1,"))  # a label fixed after training
    result = invoke(config, "evaluate", "--out", str(out))
    assert result.exit_code == 2, result.output
    assert "the evaluation data data/holdout.csv changed since `mlgate train` scored the candidate" in result.output


def test_the_bases_rules_choose_what_evaluate_scores_and_compare_sees_other_rules(
        git_repo: Path, mlflow_store: MlflowStore) -> None:
    """In a pull request the baseline (a rule) is the base's: a PR that adds its own is not scored; compare
    judging by other rules than evaluation.json's evaluates again."""
    config = make_eval_project(git_repo)
    out = git_repo / ".mlgate"
    promote_first(config, out, mlflow_store)
    base = git(git_repo, "rev-parse", "HEAD")
    mlflow_store.client().set_registered_model_alias("churn", "weak", "1")
    config.write_text(config.read_text() + "baseline: {alias: weak}\n")
    git(git_repo, "commit", "-qam", "a weak baseline of the PR's choosing")
    assert invoke(config, *train_args(out)).exit_code == 0

    result = invoke(config, "evaluate", "--out", str(out), "--rules-from", base)
    assert result.exit_code == 0, result.output
    assert "this PR changes the gate: baseline (not set) → alias weak" in result.output
    doc = evaluation(out)
    assert doc["baseline"] is None and doc["rules_commit"] == base

    compared = invoke(config, "compare", "--out", str(out))  # its own rules: not what evaluate used
    assert "other rules' evaluation.json" in compared.output, compared.output
    doc = evaluation(out)
    assert doc["baseline"]["version"] == "1" and "rules_commit" not in doc
