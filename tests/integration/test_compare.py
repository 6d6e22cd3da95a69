"""`mlgate compare` against a real SQLite MLflow store with registered versions and aliases."""

from __future__ import annotations

import json
import socket
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from mlgate.cli import cli
from tests.conftest import MlflowStore
from tests.support import report_documents as docs
from tests.support.mlflow_factories import make_run, register

CONFIG = """
model: {name: churn}
framing: {decision: "Ship the new churn model?", primary_metric: roc_auc}
metrics:
  roc_auc:   {direction: maximize, max_regression: 0.005, min: 0.80, beat_baseline_by: 0.0}
  latency_ms: {direction: minimize, max_regression_pct: 10, severity: warn}
baseline: {metrics: baseline.json}
"""


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "project"
    root.mkdir()
    (root / "mlgate.yaml").write_text(CONFIG)
    (root / "baseline.json").write_text(json.dumps({"roc_auc": 0.5, "latency_ms": 1.0}))
    monkeypatch.chdir(root)
    return root


def compare(*args: str) -> tuple[Result, dict[str, Any]]:
    result = CliRunner().invoke(cli, ["compare", *args], catch_exceptions=False)
    path = Path(".mlgate/verdict.json")
    return result, (json.loads(path.read_text()) if path.exists() else {})


def production(store: MlflowStore, roc_auc: float = 0.90, **params: str) -> tuple[str, str]:
    client = store.client()
    run = make_run(client, store.experiment(), {"roc_auc": roc_auc, "latency_ms": 10.0}, params or {"C": "1.0"})
    return run, register(client, "churn", run, alias="production")


def candidate(store: MlflowStore, metrics: dict[str, float], **params: str) -> tuple[str, str]:
    client = store.client()
    run = make_run(client, store.experiment(), metrics, params or {"C": "1.0"})
    return run, register(client, "churn", run, alias="candidate")


def by_name(verdict: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {m["name"]: m for m in verdict["metrics"]}


def test_candidate_run_passes_and_tags_its_version(project: Path, mlflow_store: MlflowStore) -> None:
    production(mlflow_store, 0.90, C="1.0")
    run, version = candidate(mlflow_store, {"roc_auc": 0.91, "latency_ms": 10.5}, C="0.5")
    result, verdict = compare("--candidate-run", run)
    assert result.exit_code == 0, result.output
    assert verdict["schema_version"] == 2 and verdict["passed"] is True and verdict["status"] == "passed"
    assert verdict["production"]["version"] == "1" and verdict["candidate"]["version"] == version
    assert verdict["baseline"]["source"] == "metrics file baseline.json"
    auc = by_name(verdict)["roc_auc"]
    assert auc["production"] == 0.90 and auc["delta"] == pytest.approx(0.01) and auc["status"] == "pass"
    assert verdict["params_diff"] == [{"name": "C", "candidate": "0.5", "production": "1.0"}]
    assert verdict["history"][-1]["version"] == "1" and verdict["history"][-1]["value"] == 0.90
    tags = mlflow_store.client().get_model_version("churn", version).tags
    assert tags["mlgate.verdict"] == "passed" and tags["mlgate.verdict.passed"] == "true"


def test_candidate_run_read_from_lineage_when_no_option(project: Path, mlflow_store: MlflowStore) -> None:
    run, _ = candidate(mlflow_store, {"roc_auc": 0.91, "latency_ms": 1.0})
    Path(".mlgate").mkdir()
    lineage = {**docs.lineage(), "run": {"run_id": run, "experiment_id": "0", "url": None}}
    Path(".mlgate/lineage.json").write_text(json.dumps(lineage))
    result, verdict = compare()
    assert result.exit_code == 0, result.output
    assert verdict["candidate"]["run_id"] == run


def test_regression_fails_exit_1_and_no_fail_exits_0(project: Path, mlflow_store: MlflowStore) -> None:
    production(mlflow_store, 0.90)
    run, version = candidate(mlflow_store, {"roc_auc": 0.85, "latency_ms": 12.0})
    result, verdict = compare("--candidate-run", run)
    assert result.exit_code == 1
    assert verdict["passed"] is False
    metrics = by_name(verdict)
    assert metrics["roc_auc"]["status"] == "fail" and "more than the tolerated 0.005" in metrics["roc_auc"]["reasons"][0]
    assert metrics["latency_ms"]["status"] == "warn"
    assert "FAILED" in result.output
    assert mlflow_store.client().get_model_version("churn", version).tags["mlgate.verdict"] == "failed"
    result, verdict = compare("--candidate-run", run, "--no-fail")
    assert result.exit_code == 0 and verdict["passed"] is False


def test_no_production_yet_compares_with_baseline_only(project: Path, mlflow_store: MlflowStore) -> None:
    run, _ = candidate(mlflow_store, {"roc_auc": 0.88, "latency_ms": 3.0})
    result, verdict = compare("--candidate-run", run)
    assert result.exit_code == 0
    assert verdict["production"] is None
    assert any("no production model yet" in note for note in verdict["notes"])
    assert by_name(verdict)["roc_auc"]["baseline_delta"] == pytest.approx(0.38)


def test_candidate_that_is_production_is_not_a_regression(project: Path, mlflow_store: MlflowStore) -> None:
    run, _ = production(mlflow_store, 0.90)
    result, verdict = compare("--candidate-run", run)
    assert result.exit_code == 0
    assert any("the candidate is the production model itself" in note for note in verdict["notes"])


def test_missing_in_candidate_fails_missing_in_production_skipped(project: Path, mlflow_store: MlflowStore) -> None:
    client = mlflow_store.client()
    prod_run = make_run(client, mlflow_store.experiment(), {"roc_auc": 0.9})  # no latency_ms
    register(client, "churn", prod_run, alias="production")
    Path("cand.json").write_text(json.dumps({"latency_ms": 5.0}))
    result, verdict = compare("--candidate-metrics", "cand.json")
    assert result.exit_code == 1
    metrics = by_name(verdict)
    assert metrics["roc_auc"]["reasons"] == ["candidate value is missing"]
    assert "production value is missing: production check skipped" in metrics["latency_ms"]["reasons"]


@pytest.mark.parametrize("text", ['{"roc_auc": NaN, "latency_ms": 1}', '{"roc_auc": "high", "latency_ms": 1}',
                                  "roc_auc: .inf\nlatency_ms: 1\n"])
def test_nan_inf_and_strings_fail_with_reason(project: Path, mlflow_store: MlflowStore, text: str) -> None:
    name = "cand.yaml" if text.startswith("roc_auc:") else "cand.json"
    Path(name).write_text(text)
    result, verdict = compare("--candidate-metrics", name)
    assert result.exit_code == 1
    assert by_name(verdict)["roc_auc"]["reasons"][0].startswith("candidate value is ")
    json.loads(Path(".mlgate/verdict.json").read_text())  # still strict JSON


def test_nested_dvc_style_metrics_file(project: Path, mlflow_store: MlflowStore) -> None:
    (project / "mlgate.yaml").write_text(CONFIG.replace("roc_auc", "test.roc_auc"))
    (project / "baseline.json").write_text(json.dumps({"test": {"roc_auc": 0.5}, "latency_ms": 1.0}))
    Path("m.yaml").write_text("test:\n  roc_auc: 0.9\nlatency_ms: 1.0\n")
    result, verdict = compare("--candidate-metrics", "m.yaml")
    assert result.exit_code == 0, result.output
    assert by_name(verdict)["test.roc_auc"]["candidate"] == 0.9


def test_baseline_from_alias_and_from_run(project: Path, mlflow_store: MlflowStore) -> None:
    client = mlflow_store.client()
    base_run = make_run(client, mlflow_store.experiment(), {"roc_auc": 0.95, "latency_ms": 1.0})
    register(client, "churn", base_run, alias="baseline")
    (project / "mlgate.yaml").write_text(CONFIG.replace("{metrics: baseline.json}", "{alias: baseline}"))
    Path("c.json").write_text(json.dumps({"roc_auc": 0.9, "latency_ms": 1.0}))
    result, verdict = compare("--candidate-metrics", "c.json")
    assert result.exit_code == 1 and "does not beat the baseline" in by_name(verdict)["roc_auc"]["reasons"][0]
    assert verdict["baseline"]["source"] == "churn@baseline (version 1)"
    (project / "mlgate.yaml").write_text(CONFIG.replace("{metrics: baseline.json}", f"{{run_id: {base_run}}}"))
    result, verdict = compare("--candidate-metrics", "c.json")
    assert result.exit_code == 1 and verdict["baseline"]["run_id"] == base_run


def test_baseline_alias_not_set_is_bad_input(project: Path, mlflow_store: MlflowStore) -> None:
    (project / "mlgate.yaml").write_text(CONFIG.replace("{metrics: baseline.json}", "{alias: nope}"))
    Path("c.json").write_text("{}")
    result, _ = compare("--candidate-metrics", "c.json")
    assert result.exit_code == 2 and "baseline alias churn@nope is not set" in result.output


@pytest.mark.parametrize("args, words", [
    ([], "give exactly one of --candidate-run"),
    (["--candidate-run", "r", "--candidate-metrics", "m.json"], "give exactly one"),
    (["--candidate-metrics", "absent.json"], "metrics file absent.json not found"),
    (["--candidate-metrics", "bad.json"], "is not valid JSON"),
    (["--candidate-metrics", "list.json"], "must hold a mapping"),
    (["--candidate-run", "0123456789abcdef0123456789abcdef"], "not found"),
])
def test_bad_input_exits_2_with_message(project: Path, mlflow_store: MlflowStore, args: list[str], words: str) -> None:
    Path("bad.json").write_text("{not json")
    Path("list.json").write_text("[1, 2]")
    result, _ = compare(*args)
    assert result.exit_code == 2, result.output
    assert words in result.output and "Traceback" not in result.output
    assert not Path(".mlgate/verdict.json").exists()


def test_bad_config_exits_2(project: Path) -> None:
    (project / "mlgate.yaml").write_text(CONFIG.replace("maximize", "upward", 1))
    result, _ = compare("--candidate-metrics", "x.json")
    assert result.exit_code == 2
    assert "mlgate.yaml" in result.output and "metrics.roc_auc.direction" in result.output


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_unreachable_server_exits_3_with_redacted_uri(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "1")
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR", "0")
    uri = f"http://alice:s3cret@127.0.0.1:{_closed_port()}"
    Path("c.json").write_text(json.dumps({"roc_auc": 0.9}))
    result, _ = compare("--candidate-metrics", "c.json", "--tracking-uri", uri)
    assert result.exit_code == 3
    assert "cannot reach" in result.output or "MLflow failed" in result.output
    assert "http://***@127.0.0.1" in result.output and "s3cret" not in result.output
    assert "Traceback" not in result.output


def test_warning_annotations_and_outputs_inside_actions(
    project: Path, mlflow_store: MlflowStore, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    output = tmp_path / "gh_output"
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_OUTPUT", str(output))
    production(mlflow_store, 0.90)
    Path("c.json").write_text(json.dumps({"roc_auc": 0.5, "latency_ms": 99}))
    result, _ = compare("--candidate-metrics", "c.json")
    assert result.exit_code == 1
    assert "::error title=mlgate%3A roc_auc::" in result.output
    assert "::warning title=mlgate%3A latency_ms::" in result.output
    assert "passed<<ghadelimiter_" in output.read_text() and "\nfalse\n" in output.read_text()


def test_against_a_real_mlflow_server(project: Path, mlflow_server_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The same gate over the REST API of a real `mlflow server` process; run links point at its web UI."""
    from mlflow.tracking import MlflowClient

    monkeypatch.setenv("MLFLOW_TRACKING_URI", mlflow_server_url)
    client = MlflowClient(mlflow_server_url)
    experiment = client.create_experiment(f"server-{project.parent.name}")
    name = f"churn-{project.parent.name}"[:60]
    (project / "mlgate.yaml").write_text(CONFIG.replace("{name: churn}", f"{{name: {name}}}"))
    prod = make_run(client, experiment, {"roc_auc": 0.90, "latency_ms": 10.0})
    register(client, name, prod, alias="production")
    cand = make_run(client, experiment, {"roc_auc": 0.80, "latency_ms": 10.0})
    version = register(client, name, cand, alias="candidate")
    result, verdict = compare("--candidate-run", cand)
    assert result.exit_code == 1
    assert verdict["production"]["source"] == f"{name}@production (version 1)"
    assert verdict["candidate"]["url"] == f"{mlflow_server_url}/#/experiments/{experiment}/runs/{cand}"
    assert client.get_model_version(name, version).tags["mlgate.verdict"] == "failed"


def test_compare_removes_the_stale_report_and_verdict(project: Path, mlflow_store: MlflowStore) -> None:
    """A new comparison makes the last report stale; bad input leaves no older verdict behind."""
    Path(".mlgate").mkdir()
    Path(".mlgate/report.md").write_text("old report")
    Path(".mlgate/verdict.json").write_text('{"schema_version": 1, "passed": true}')
    result, verdict = compare("--candidate-metrics", "absent.json")
    assert result.exit_code == 2
    assert verdict == {} and not Path(".mlgate/report.md").exists()
