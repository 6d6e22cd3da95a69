"""In a pull request the gate's rules come from the base commit's mlgate.yaml, not from the PR's own.

Real parts: a git repository in tmp (main, and a PR branch that edits mlgate.yaml), the SQLite MLflow store,
the real pull_request webhook payload (its base.sha set to main's commit). Each attack is a PR that loosens
its own rules to turn a failing gate green: with the defence it still fails, and the verdict shows the change.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from mlgate.cli import cli
from tests.conftest import MlflowStore
from tests.support.mlflow_factories import make_run, register

CONFIG = """
model: {name: churn}
metrics:
  roc_auc: {direction: maximize, max_regression: 0.005, min: 0.80, beat_baseline_by: 0.0}
  latency_ms: {direction: minimize, max_regression_pct: 10, severity: warn}
baseline: {metrics: baseline.json}
"""


def git(root: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """main: CONFIG and baseline.json committed; HEAD: the branch `pr` off main."""
    root = tmp_path / "project"
    root.mkdir()
    (root / "mlgate.yaml").write_text(CONFIG)
    (root / "baseline.json").write_text(json.dumps({"roc_auc": 0.5, "latency_ms": 1.0}))
    (root / ".gitignore").write_text(".mlgate/\n")
    git(root, "init", "-q", "-b", "main")
    git(root, "-c", "user.name=t", "-c", "user.email=t@t", "add", "-A")
    git(root, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "main")
    git(root, "checkout", "-q", "-b", "pr")
    monkeypatch.chdir(root)
    for name in ("GITHUB_EVENT_PATH", "GITHUB_EVENT_NAME", "MLGATE_RULES_FROM"):
        monkeypatch.delenv(name, raising=False)
    return root


def commit_pr(root: Path, config: str | None = None, **files: str) -> None:
    if config is not None:
        (root / "mlgate.yaml").write_text(config)
    for name, text in files.items():
        (root / name.replace("__", ".")).write_text(text)
    git(root, "add", "-A")
    git(root, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "pr")


def pr_event(root: Path, events: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The real pull_request payload, its base the main commit of this repository."""
    event = json.loads((events / "pull_request.synchronize.payload.json").read_text())
    event["pull_request"]["base"].update(sha=git(root, "rev-parse", "main"), ref="main")
    event["pull_request"]["head"].update(sha=git(root, "rev-parse", "HEAD"), ref="pr")
    path = tmp_path / "event.json"
    path.write_text(json.dumps(event))
    monkeypatch.setenv("GITHUB_EVENT_PATH", str(path))
    monkeypatch.setenv("GITHUB_EVENT_NAME", "pull_request")


def models(store: MlflowStore, production: float, candidate: float) -> str:
    client = store.client()
    prod = make_run(client, store.experiment(), {"roc_auc": production, "latency_ms": 10.0}, {"C": "1.0"})
    register(client, "churn", prod, alias="production")
    cand = make_run(client, store.experiment(), {"roc_auc": candidate, "latency_ms": 10.0}, {"C": "0.5"})
    register(client, "churn", cand, alias="candidate")
    return cand


def compare(*args: str) -> tuple[Result, dict[str, Any]]:
    result = CliRunner().invoke(cli, ["compare", *args], catch_exceptions=False)
    path = Path(".mlgate/verdict.json")
    return result, (json.loads(path.read_text()) if path.exists() else {})


LOOSER = {
    "tolerance": CONFIG.replace("max_regression: 0.005", "max_regression: 0.5"),
    "severity": CONFIG.replace("beat_baseline_by: 0.0}", "beat_baseline_by: 0.0, severity: warn}"),
    "dropped": CONFIG.replace("  roc_auc: {direction: maximize, max_regression: 0.005, min: 0.80, "
                              "beat_baseline_by: 0.0}\n", ""),
}


@pytest.mark.parametrize("attack", sorted(LOOSER))
def test_a_pr_that_loosens_its_rules_is_judged_by_the_bases(
        repo: Path, mlflow_store: MlflowStore, events: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        attack: str) -> None:
    run = models(mlflow_store, production=0.90, candidate=0.85)  # 0.05 worse: fails max_regression 0.005
    commit_pr(repo, LOOSER[attack])
    pr_event(repo, events, tmp_path, monkeypatch)

    result, verdict = compare("--candidate-run", run, "--tracking-uri", mlflow_store.uri)

    assert result.exit_code == 1, result.output
    assert verdict["passed"] is False
    assert {m["name"]: m["status"] for m in verdict["metrics"]}["roc_auc"] == "fail"
    rules = verdict["rules"]
    assert rules["source"] == "base" and rules["commit"] == git(repo, "rev-parse", "main")
    assert rules["changes"] and rules["note"].startswith("this PR changes the gate: ")
    assert "it applies after merge" in result.output


def test_the_change_is_shown_as_base_to_pr(repo: Path, mlflow_store: MlflowStore, events: Path, tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    run = models(mlflow_store, production=0.90, candidate=0.85)
    commit_pr(repo, LOOSER["tolerance"].replace("min: 0.80", "min: 0.5"))
    pr_event(repo, events, tmp_path, monkeypatch)
    result, verdict = compare("--candidate-run", run, "--tracking-uri", mlflow_store.uri)
    assert result.exit_code == 1
    changes = {c["key"]: (c["base"], c["pr"]) for c in verdict["rules"]["changes"]}
    assert changes == {"metrics.roc_auc.max_regression": ("0.005", "0.5"), "metrics.roc_auc.min": ("0.8", "0.5")}
    assert "roc_auc max_regression 0.005 → 0.5; roc_auc min 0.8 → 0.5" in verdict["rules"]["note"]


def test_a_pr_that_edits_the_baseline_file_is_judged_by_the_bases(
        repo: Path, mlflow_store: MlflowStore, monkeypatch: pytest.MonkeyPatch) -> None:
    git(repo, "checkout", "-q", "main")
    commit_pr(repo, baseline__json=json.dumps({"roc_auc": 0.95, "latency_ms": 1.0}))  # main: a strong baseline
    git(repo, "checkout", "-q", "-B", "pr", "main")
    run = models(mlflow_store, production=0.90, candidate=0.91)  # better than production, below the baseline
    commit_pr(repo, baseline__json=json.dumps({"roc_auc": 0.5, "latency_ms": 1.0}))

    result, verdict = compare("--candidate-run", run, "--tracking-uri", mlflow_store.uri, "--rules-from", "main")

    assert result.exit_code == 1, result.output
    assert verdict["baseline"]["metrics"]["roc_auc"] == 0.95
    assert any("baseline.metrics file" in c["key"] for c in verdict["rules"]["changes"])


def test_unchanged_rules_are_recorded_without_a_change(repo: Path, mlflow_store: MlflowStore) -> None:
    run = models(mlflow_store, production=0.90, candidate=0.91)
    commit_pr(repo, CONFIG + "\n# a comment\n")
    result, verdict = compare("--candidate-run", run, "--tracking-uri", mlflow_store.uri, "--rules-from", "main")
    assert result.exit_code == 0, result.output
    assert verdict["rules"]["source"] == "base" and verdict["rules"]["changes"] == []
    assert "note" not in verdict["rules"]


def test_outside_a_pull_request_the_own_rules_apply(repo: Path, mlflow_store: MlflowStore) -> None:
    run = models(mlflow_store, production=0.90, candidate=0.85)
    commit_pr(repo, LOOSER["tolerance"])
    result, verdict = compare("--candidate-run", run, "--tracking-uri", mlflow_store.uri)
    assert result.exit_code == 0, result.output  # no base named: the config's own (looser) rules
    assert "rules" not in verdict


def test_a_pr_that_adds_mlgate_yaml_uses_its_own_rules_noted(repo: Path, mlflow_store: MlflowStore) -> None:
    git(repo, "checkout", "-q", "main")
    git(repo, "rm", "-q", "mlgate.yaml")
    commit_pr(repo)
    git(repo, "checkout", "-q", "-B", "pr", "main")
    run = models(mlflow_store, production=0.90, candidate=0.91)
    commit_pr(repo, CONFIG)
    result, verdict = compare("--candidate-run", run, "--tracking-uri", mlflow_store.uri, "--rules-from", "main")
    assert result.exit_code == 0, result.output
    assert verdict["rules"]["source"] == "pr-first"
    assert "this PR adds mlgate.yaml" in verdict["rules"]["note"]


def test_an_invalid_base_config_uses_the_prs_rules_prominently(repo: Path, mlflow_store: MlflowStore) -> None:
    git(repo, "checkout", "-q", "main")
    commit_pr(repo, CONFIG.replace("max_regression: 0.005", "max_regression: -1"))
    git(repo, "checkout", "-q", "-B", "pr", "main")
    run = models(mlflow_store, production=0.90, candidate=0.91)
    commit_pr(repo, CONFIG)
    result, verdict = compare("--candidate-run", run, "--tracking-uri", mlflow_store.uri, "--rules-from", "main")
    assert result.exit_code == 0, result.output
    assert verdict["rules"]["source"] == "pr-base-invalid"
    assert "cannot be used" in verdict["rules"]["note"] and "max_regression" in verdict["rules"]["note"]
    assert "which a reviewer must check" in result.output


def test_a_base_commit_missing_from_the_clone_is_exit_2(repo: Path, mlflow_store: MlflowStore) -> None:
    run = models(mlflow_store, production=0.90, candidate=0.91)
    result, verdict = compare("--candidate-run", run, "--tracking-uri", mlflow_store.uri,
                              "--rules-from", "0123456789abcdef0123456789abcdef01234567")
    assert result.exit_code == 2
    assert "is not in this clone" in result.output and "fetch-depth: 0" in result.output
    assert verdict == {}


def test_a_baseline_file_the_base_does_not_commit_is_read_from_the_tree(repo: Path,
                                                                        mlflow_store: MlflowStore) -> None:
    """A baseline the workflow writes (e.g. `python train.py --baseline`, gitignored) has no base version."""
    git(repo, "checkout", "-q", "main")
    git(repo, "rm", "-q", "--cached", "baseline.json")
    (repo / ".gitignore").write_text(".mlgate/\nbaseline.json\n")
    commit_pr(repo)
    git(repo, "checkout", "-q", "-B", "pr", "main")
    run = models(mlflow_store, production=0.90, candidate=0.91)
    result, verdict = compare("--candidate-run", run, "--tracking-uri", mlflow_store.uri, "--rules-from", "main")
    assert result.exit_code == 0, result.output
    assert verdict["baseline"]["metrics"]["roc_auc"] == 0.5 and verdict["rules"]["changes"] == []
