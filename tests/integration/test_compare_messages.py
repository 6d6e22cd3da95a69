"""What `mlgate compare` prints for a new user's usual mistakes (real SQLite MLflow store)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from mlgate.cli import cli
from tests.conftest import MlflowStore
from tests.support import report_documents as docs
from tests.support.mlflow_factories import make_run

CONFIG = """
model: {name: churn}
metrics:
  roc_auc: {direction: maximize, min: 0.8}
baseline: {metrics: baseline.json}
"""


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "project"
    root.mkdir()
    (root / "mlgate.yaml").write_text(CONFIG)
    (root / "baseline.json").write_text(json.dumps({"roc_auc": 0.5}))
    (root / "metrics.json").write_text(json.dumps({"roc_auc": 0.9}))
    monkeypatch.chdir(root)
    return root


def compare(*args: str) -> Result:
    return CliRunner().invoke(cli, ["compare", *args], catch_exceptions=False)


def test_headline_does_not_repeat_the_status(project: Path, mlflow_store: MlflowStore) -> None:
    result = compare("--candidate-metrics", "metrics.json")
    assert result.exit_code == 0
    assert result.output.splitlines()[0] == ("mlgate compare: PASSED - first model of churn, no production model to "
                                             "compare with; roc_auc 0.9 meets its minimum 0.8")
    (project / "metrics.json").write_text(json.dumps({"roc_auc": 0.7}))
    result = compare("--candidate-metrics", "metrics.json")
    assert result.exit_code == 1
    assert result.output.splitlines()[0] == "mlgate compare: FAILED - roc_auc 0.7 is below the minimum 0.8"


def test_missing_baseline_file_names_the_config_field(project: Path, mlflow_store: MlflowStore) -> None:
    (project / "baseline.json").unlink()
    result = compare("--candidate-metrics", "metrics.json")
    assert result.exit_code == 2
    assert f"metrics file {project / 'baseline.json'} not found" in result.output
    assert f"why: baseline.metrics in the config names it (relative to the config's folder, {project})" \
        in result.output
    assert "training did not write it" not in result.output  # no training writes the baseline


def test_missing_candidate_file_names_the_option(project: Path, mlflow_store: MlflowStore) -> None:
    result = compare("--candidate-metrics", "nope.json")
    assert result.exit_code == 2
    assert "why: --candidate-metrics names it" in result.output
    assert "relative to the current directory" in result.output


def test_unknown_baseline_run_says_it_is_the_baseline(project: Path, mlflow_store: MlflowStore) -> None:
    (project / "mlgate.yaml").write_text(CONFIG.replace("{metrics: baseline.json}", "{run_id: 0a1b2c}"))
    result = compare("--candidate-metrics", "metrics.json")
    assert result.exit_code == 2
    assert "baseline.run_id: MLflow run '0a1b2c' not found" in result.output
    assert "or change baseline in" in result.output


def test_a_misnamed_metric_lists_what_the_run_has(project: Path, mlflow_store: MlflowStore) -> None:
    run = make_run(mlflow_store.client(), mlflow_store.experiment(), {"score": 0.9, "accuracy": 0.8}, {})
    result = compare("--candidate-run", run)
    assert result.exit_code == 1
    assert "roc_auc not among the candidate's metrics (accuracy, score): check the names" in result.output


@pytest.mark.parametrize("gated", [True, False])
def test_a_failed_training_run_says_so_and_fails(project: Path, mlflow_store: MlflowStore, gated: bool) -> None:
    if not gated:
        (project / "mlgate.yaml").write_text("model: {name: churn}\n")
    run = make_run(mlflow_store.client(), mlflow_store.experiment(), {}, {})
    Path(".mlgate").mkdir()
    Path(".mlgate/lineage.json").write_text(json.dumps({
        **docs.lineage(), "status": "failed", "run": {"run_id": run, "experiment_id": "0", "url": None},
        "model": None, "metrics": {}, "registered": None,
        "error": "the training command failed with exit code 1\n  why: ValueError: boom"}))
    result = compare()
    assert result.exit_code == 1, result.output
    note = ("note: the training of this run failed (the training command failed with exit code 1), so it has no "
            "metrics: fix the training")
    assert note in result.output
    verdict = json.loads(Path(".mlgate/verdict.json").read_text())
    assert verdict["notes"][0].startswith("the training of this run failed")


def test_both_candidate_options_do_not_blame_a_missing_lineage(project: Path, mlflow_store: MlflowStore) -> None:
    result = compare("--candidate-run", "r", "--candidate-metrics", "metrics.json")
    assert result.exit_code == 2
    assert "both were given" in result.output and "lineage.json" not in result.output
    result = compare()
    assert result.exit_code == 2
    assert "lineage.json, which is not there" in result.output and "run `mlgate train` first" in result.output
