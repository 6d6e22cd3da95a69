"""The contract between stages: `mlgate compare` (real MLflow store) writes verdict.json, `mlgate report` renders
it and posts it to the fake GitHub API."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from markdown_it import MarkdownIt

from mlgate.cli import cli
from tests.conftest import MlflowStore
from tests.support import report_documents as docs
from tests.support.github_server import FakeGitHub
from tests.support.mlflow_factories import make_run, register


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "project"
    root.mkdir()
    docs.config_file(root)
    monkeypatch.chdir(root)
    return root


def test_compare_then_report(project: Path, mlflow_store: MlflowStore, github_server: FakeGitHub,
                             events: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    client = mlflow_store.client()
    for value in (0.89, 0.90, 0.912):  # three production versions: the chart's history
        run = make_run(client, mlflow_store.experiment(), {"roc_auc": value, "f1": 0.7, "latency_ms": 11.0})
        version = register(client, "churn", run, alias="production")
        client.set_model_version_tag("churn", version, "mlgate.promoted_at", "2026-01-01T00:00:00Z")
    (project / "candidate.json").write_text(json.dumps({"roc_auc": 0.85, "f1": 0.72, "latency_ms": 10.0}))
    compared = CliRunner().invoke(cli, ["compare", "--candidate-metrics", "candidate.json"],
                                  catch_exceptions=False)
    assert compared.exit_code == 1, compared.output  # roc_auc regressed

    for name, value in github_server.env().items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("GITHUB_EVENT_NAME", "pull_request")
    monkeypatch.setenv("GITHUB_EVENT_PATH", str(events / "pull_request.opened.payload.json"))
    github_server.add_pull(2, head_sha=docs.HEAD_SHA)
    reported = CliRunner().invoke(cli, ["report", "--post"], catch_exceptions=False)
    assert reported.exit_code == 0, reported.output  # the report worked; the failure is in the status

    [status] = github_server.statuses(docs.HEAD_SHA)
    assert status["state"] == "failure" and status["context"] == "mlgate/churn"
    body = github_server.comments(2)[0]["body"]
    tokens = MarkdownIt("commonmark").enable("table").parse(body)
    cells = [t.content for t in tokens if t.type == "inline" and t.level >= 4]
    assert "**roc\\_auc** ↑" in cells and "0.85" in cells and "0.912" in cells and "❌ fail" in cells
    assert 'x-axis ["v1", "v2", "v3", "this PR"]' in body
    assert "line [0.89, 0.9, 0.912, 0.85]" in body
