"""Safe promotion: the gate records the production version it compared with, and `mlgate promote` moves
the alias only when production is still that version (a compare-and-set), reads it back, and records who,
when, what was production before, the PR and the commit."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from mlgate.registry import Registry
from tests.conftest import MlflowStore
from tests.support.train_project import git, invoke, lineage, make_project, train_args, validate

GATED_AGAINST = "mlgate.verdict.production_version"


def aliases(store: MlflowStore) -> dict[str, str]:
    return {k: str(v) for k, v in store.client().get_registered_model("churn").aliases.items()}


def tags(store: MlflowStore, version: str) -> dict[str, Any]:
    return dict(store.client().get_model_version("churn", version).tags)


def gate(config: Path, out: Path, change: str) -> str:
    """A PR's gate: a commit, validate, train (registers a version), compare --candidate-run; its version."""
    repo = config.parent
    (repo / "README.md").write_text(change)
    git(repo, "add", "README.md")
    git(repo, "commit", "-q", "-m", change)
    validate(config, out)
    assert invoke(config, *train_args(out)).exit_code == 0
    run_id, version = lineage(out)["run"]["run_id"], str(lineage(out)["registered"]["version"])
    result = invoke(config, "compare", "--candidate-run", run_id, "--out", str(out))
    assert result.exit_code == 0, result.output
    return version


@pytest.fixture
def project(git_repo: Path, mlflow_store: MlflowStore) -> Path:
    return make_project(git_repo)


def test_the_gate_records_the_production_version_it_compared_with(project: Path, git_repo: Path,
                                                                  mlflow_store: MlflowStore) -> None:
    out = git_repo / ".mlgate"
    first = gate(project, out, "first model")
    assert json.loads((out / "verdict.json").read_text())["production"] is None
    assert tags(mlflow_store, first)[GATED_AGAINST] == "none"
    assert invoke(project, "promote", "--version", first).exit_code == 0

    second = gate(project, out, "second model")
    assert json.loads((out / "verdict.json").read_text())["production"]["version"] == first
    assert tags(mlflow_store, second)[GATED_AGAINST] == first


def test_promote_refuses_when_production_moved_since_the_gate_ran(project: Path, git_repo: Path,
                                                                  mlflow_store: MlflowStore,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    out = git_repo / ".mlgate"
    first = gate(project, out, "first model")
    assert invoke(project, "promote", "--version", first).exit_code == 0
    pr_a = gate(project, out, "PR A")  # both PRs were gated against the first version
    pr_b = gate(project, out, "PR B")
    assert invoke(project, "promote", "--version", pr_b).exit_code == 0  # B merged first

    result = invoke(project, "promote", "--version", pr_a)
    assert result.exit_code == 1, result.output
    assert f"refusing to promote churn version {pr_a}" in result.output
    assert f"compared it with version {first}" in result.output
    assert f"@production is now version {pr_b}" in result.output
    assert "--force" in result.output
    assert aliases(mlflow_store)["production"] == pr_b  # nothing moved
    assert "mlgate.promoted_at" not in tags(mlflow_store, pr_a)

    monkeypatch.setenv("GITHUB_ACTOR", "release-manager")
    result = invoke(project, "promote", "--version", pr_a, "--force")
    assert result.exit_code == 0, result.output
    assert "production moved since its gate ran" in result.output
    assert aliases(mlflow_store)["production"] == pr_a
    assert aliases(mlflow_store)["previous-production"] == pr_b
    stamped = tags(mlflow_store, pr_a)
    assert stamped["mlgate.promoted_forced_by"] == "release-manager"
    assert stamped["mlgate.promoted_previous_version"] == pr_b


def test_a_first_promotion_gated_against_no_production_is_refused_once_there_is_one(
        project: Path, git_repo: Path, mlflow_store: MlflowStore) -> None:
    out = git_repo / ".mlgate"
    pr_a = gate(project, out, "PR A")
    pr_b = gate(project, out, "PR B")
    assert invoke(project, "promote", "--version", pr_a).exit_code == 0
    result = invoke(project, "promote", "--version", pr_b)
    assert result.exit_code == 1, result.output
    assert f"compared it with no version as @production, but @production is now version {pr_a}" \
        in result.output


def test_promote_records_previous_version_pr_and_commit(project: Path, git_repo: Path, mlflow_store: MlflowStore,
                                                        events: Path, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    out = git_repo / ".mlgate"
    first = gate(project, out, "first model")
    assert invoke(project, "promote", "--version", first).exit_code == 0
    assert "mlgate.promoted_previous_version" not in tags(mlflow_store, first)  # there was none

    payload = json.loads((events / "pull_request.opened.payload.json").read_text())
    number = payload["pull_request"]["number"]
    payload["pull_request"]["base"]["sha"] = git(git_repo, "rev-parse", "HEAD")  # the PR's base: this clone's
    opened = tmp_path / "opened.json"
    opened.write_text(json.dumps(payload))
    monkeypatch.setenv("GITHUB_EVENT_PATH", str(opened))
    second = gate(project, out, "second model")
    head = git(git_repo, "rev-parse", "HEAD")
    payload["action"], payload["pull_request"]["merged"] = "closed", True
    payload["pull_request"]["head"]["sha"] = head
    event = tmp_path / "event.json"
    event.write_text(json.dumps(payload))
    monkeypatch.setenv("GITHUB_EVENT_PATH", str(event))
    monkeypatch.setenv("GITHUB_ACTOR", "octocat")
    result = invoke(project, "promote", "--commit", head)
    assert result.exit_code == 0, result.output
    stamped = tags(mlflow_store, second)
    assert stamped["mlgate.promoted_previous_version"] == first
    assert stamped["mlgate.promoted_pr"] == str(number)
    assert stamped["mlgate.promoted_by"] == "octocat"
    assert stamped["mlgate.promoted_from_commit"] == head
    assert "mlgate.promoted_at" in stamped and "mlgate.promoted_forced_by" not in stamped


def test_a_concurrent_promote_that_wins_is_exit_3(project: Path, git_repo: Path, mlflow_store: MlflowStore,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """Another job moves @production between this one's set and its read-back: the read-back tells."""
    out = git_repo / ".mlgate"
    other = gate(project, out, "the other job's model")
    mine = gate(project, out, "my model")
    real_set_alias = Registry.set_alias

    def racing(self: Registry, name: str, alias: str, version: str) -> None:
        real_set_alias(self, name, alias, version)
        if alias == "production":  # the other promote job sets the alias just after this one
            mlflow_store.client().set_registered_model_alias(name, alias, other)

    monkeypatch.setattr(Registry, "set_alias", racing)
    result = invoke(project, "promote", "--version", mine)
    assert result.exit_code == 3, result.output
    assert f"@production is version {other}, not {mine}" in result.output
    assert "another promote" in result.output
    assert "mlgate.promoted_at" not in tags(mlflow_store, mine)
