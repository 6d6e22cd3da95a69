"""`mlgate demo` end to end: the real CLI in a subprocess, offline, with its own SQLite store."""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from mlgate.cli import cli

pytestmark = pytest.mark.slow


def demo_env(tmp_path: Path) -> dict[str, str]:
    """No GitHub, no MLflow of the caller; an MLflow URI that would fail loudly if the demo used it."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "MLFLOW_", "MLGATE_"))}
    return {**env, "MLFLOW_TRACKING_URI": "http://127.0.0.1:9", "GITHUB_ACTIONS": "true",
            "GITHUB_API_URL": "http://127.0.0.1:9", "GITHUB_TOKEN": "ghs_must_not_be_used",
            "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md")}


def test_the_demo_runs_its_three_loops_as_designed(tmp_path: Path) -> None:
    root = tmp_path / "demo"
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "mlgate", "demo", "--dir", str(root)], capture_output=True,
                          text=True, env=demo_env(tmp_path), timeout=600, check=False)
    seconds = time.monotonic() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    # Under a minute on a laptop: CPU time (the demo and its git, dvc and training processes) does not
    # depend on how busy a shared CI machine is; wall time only gets a generous bound. About 23 s with the
    # packages' bytecode compiled (.ci/run installs with --compile-bytecode), 55 s when each process compiles
    # MLflow, pandas and scikit-learn again (PYTHONDONTWRITEBYTECODE set, no bytecode in the venv).
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    assert cpu < 60, f"the demo used {cpu:.0f}s of CPU"
    assert seconds < 300, f"the demo took {seconds:.0f}s"
    assert "The demo ran as designed" in output
    assert str(root) in output  # it says where its files are

    main = json.loads((root / "out/1-main/verdict.json").read_text())
    resplit = json.loads((root / "out/2-pr-resplit/verdict.json").read_text())
    pr = json.loads((root / "out/3-pr/verdict.json").read_text())
    assert main["passed"] is True and pr["passed"] is False and pr["status"] == "failed"
    # the re-split: its logged ROC AUC is past the tolerance, the same rows say it is as good
    auc = next(m for m in resplit["metrics"] if m["name"] == "roc_auc")
    logged = resplit["candidate"]["metrics"]["roc_auc"] - resplit["production"]["metrics"]["roc_auc"]
    assert logged < -0.01 and resplit["passed"] is True and resplit["comparison"] == "same-data"
    assert auc["decision"] == "pass" and auc["interval"]["low"] >= -0.01
    failing = {m["name"] for m in pr["metrics"] if m["status"] == "fail"}
    assert "roc_auc" in failing and pr["comparison"] == "same-data"
    first_push = json.loads((root / "out/3-pr-first-push/validation.json").read_text())
    assert first_push["passed"] is False  # the typo in row 57 is caught before training
    assert "row 57" in output
    assert json.loads((root / "out/3-pr/validation.json").read_text())["passed"] is True
    report = (root / "out/3-pr/report.md").read_text()
    assert "failed" in report and report in done.stdout  # the rendered report is shown
    assert "texture\\_band = high" in report and "harmful" in report.lower()  # the slices and flips

    # The first model is production in the demo's own store; the PR's model is only a candidate.
    from mlflow.tracking import MlflowClient

    client = MlflowClient(tracking_uri=f"sqlite:///{root / 'mlflow' / 'mlflow.db'}")
    assert str(client.get_model_version_by_alias("breast-cancer-classifier", "production").version) == "1"
    assert str(client.get_model_version_by_alias("breast-cancer-classifier", "candidate").version) == "3"

    # A real git + DVC repository with the PR on its own branch, and a clean tree.
    project = root / "breast-cancer"
    git = lambda *a: subprocess.run(["git", *a], cwd=project, capture_output=True, text=True).stdout  # noqa: E731
    assert "pr/new-labels" in git("branch") and "pr/resplit-seed-17" in git("branch")
    assert git("status", "--porcelain") == ""
    assert "data/breast_cancer.csv.dvc" in git("diff", "--name-only", "main", "HEAD")
    assert not (tmp_path / "summary.md").exists()  # GitHub was out of reach: nothing written for Actions


def test_the_demo_refuses_a_folder_that_is_not_empty(tmp_path: Path) -> None:
    (tmp_path / "something").write_text("x")
    result = CliRunner().invoke(cli, ["demo", "--dir", str(tmp_path)], catch_exceptions=False)
    assert result.exit_code == 2
    assert "not an empty folder" in result.output and "fix:" in result.output
