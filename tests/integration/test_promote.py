"""`mlgate promote`: the production alias moves to a gated candidate; the previous one is kept."""

from __future__ import annotations

import json
import re
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import MlflowStore
from tests.support.train_project import git, invoke, lineage, make_project, train_args, validate


def train_version(config: Path, out: Path, verdict: str | None, store: MlflowStore) -> str:
    """Validate, train and register a version; tag it with a verdict as `mlgate compare --candidate-run`
    does."""
    validate(config, out)
    assert invoke(config, *train_args(out)).exit_code == 0
    version = str(lineage(out)["registered"]["version"])
    if verdict:
        client = store.client()
        client.set_model_version_tag("churn", version, "mlgate.verdict", verdict)
        client.set_model_version_tag("churn", version, "mlgate.verdict.passed", str(verdict != "failed").lower())
    return version


def aliases(store: MlflowStore) -> dict[str, str]:
    return {k: str(v) for k, v in store.client().get_registered_model("churn").aliases.items()}


def tags(store: MlflowStore, version: str) -> dict[str, Any]:
    return dict(store.client().get_model_version("churn", version).tags)


def commit_change(repo: Path, message: str) -> str:
    (repo / "README.md").write_text(message)
    git(repo, "add", "README.md")
    git(repo, "commit", "-q", "-m", message)
    return git(repo, "rev-parse", "HEAD")


@pytest.fixture
def project(git_repo: Path, mlflow_store: MlflowStore) -> Path:
    return make_project(git_repo)


def test_promote_moves_production_and_keeps_the_previous(project: Path, git_repo: Path,
                                                         mlflow_store: MlflowStore,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    out = git_repo / ".mlgate"
    first = train_version(project, out, "passed", mlflow_store)
    first_commit = git(git_repo, "rev-parse", "HEAD")
    monkeypatch.setenv("GITHUB_ACTOR", "octocat")
    result = invoke(project, "promote", "--version", first, "--out", str(out))
    assert result.exit_code == 0, result.output
    assert aliases(mlflow_store) == {"candidate": first, "production": first}

    second_commit = commit_change(git_repo, "second model")
    second = train_version(project, out, "warned", mlflow_store)
    github_output = git_repo.parent / "github_output"
    monkeypatch.setenv("GITHUB_OUTPUT", str(github_output))
    result = invoke(project, "promote", "--commit", second_commit, "--out", str(out))
    assert result.exit_code == 0, result.output
    assert f"promoted churn version {second} to @production; version {first} is now @previous-production" \
        in result.output
    assert aliases(mlflow_store) == {"candidate": second, "production": second, "previous-production": first}
    stamped = tags(mlflow_store, second)
    assert stamped["mlgate.promoted_by"] == "octocat"
    assert stamped["mlgate.promoted_from_commit"] == second_commit
    when = datetime.strptime(stamped["mlgate.promoted_at"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
    assert abs((datetime.now(timezone.utc) - when).total_seconds()) < 120
    assert tags(mlflow_store, first)["mlgate.promoted_from_commit"] == first_commit  # from its own tag
    outputs = github_output.read_text()
    assert re.search(rf"version<<(\S+)\n{second}\n\1", outputs)
    assert re.search(rf"previous-version<<(\S+)\n{first}\n\1", outputs)


def test_promoting_the_production_version_again_changes_nothing(project: Path, git_repo: Path,
                                                                mlflow_store: MlflowStore) -> None:
    out = git_repo / ".mlgate"
    version = train_version(project, out, "passed", mlflow_store)
    assert invoke(project, "promote", "--version", version).exit_code == 0
    before = tags(mlflow_store, version)["mlgate.promoted_at"]
    result = invoke(project, "promote", "--version", version)
    assert result.exit_code == 0
    assert "already @production" in result.output
    assert "previous-production" not in aliases(mlflow_store)
    assert tags(mlflow_store, version)["mlgate.promoted_at"] == before


@pytest.mark.parametrize(("verdict", "why"), [("failed", "its gate verdict is 'failed'"),
                                              (None, "no gate verdict is recorded")])
def test_a_version_whose_gate_did_not_pass_is_refused_unless_forced(
        project: Path, git_repo: Path, mlflow_store: MlflowStore, verdict: str | None, why: str) -> None:
    out = git_repo / ".mlgate"
    good = train_version(project, out, "passed", mlflow_store)
    assert invoke(project, "promote", "--version", good).exit_code == 0
    bad = train_version(project, out, verdict, mlflow_store)
    result = invoke(project, "promote", "--version", bad)
    assert result.exit_code == 1
    assert f"refusing to promote churn version {bad}" in result.output
    assert why in result.output and "--force" in result.output
    assert aliases(mlflow_store)["production"] == good  # nothing moved

    result = invoke(project, "promote", "--version", bad, "--force")
    assert result.exit_code == 0
    assert aliases(mlflow_store)["production"] == bad
    assert aliases(mlflow_store)["previous-production"] == good
    assert tags(mlflow_store, bad)["mlgate.promoted_verdict"] == (verdict or "missing")


def test_commit_defaults_to_github_sha(project: Path, git_repo: Path, mlflow_store: MlflowStore,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    version = train_version(project, git_repo / ".mlgate", "passed", mlflow_store)
    monkeypatch.setenv("GITHUB_SHA", git(git_repo, "rev-parse", "HEAD"))
    assert invoke(project, "promote").exit_code == 0
    assert aliases(mlflow_store)["production"] == version


def test_merge_commit_finds_the_version_trained_on_the_pr_head(project: Path, git_repo: Path,
                                                               mlflow_store: MlflowStore) -> None:
    git(git_repo, "checkout", "-q", "-b", "feature")
    commit_change(git_repo, "better model")
    version = train_version(project, git_repo / ".mlgate", "passed", mlflow_store)
    git(git_repo, "checkout", "-q", "main")
    (git_repo / "other.txt").write_text("main moved on")
    git(git_repo, "add", "other.txt")
    git(git_repo, "commit", "-q", "-m", "meanwhile on main")
    git(git_repo, "merge", "-q", "--no-ff", "-m", "Merge pull request #7", "feature")
    result = invoke(project, "promote", "--commit", git(git_repo, "rev-parse", "HEAD"))
    assert result.exit_code == 0, result.output
    assert aliases(mlflow_store)["production"] == version


def test_github_sha_is_recorded_as_the_commit_promoted_from(project: Path, git_repo: Path,
                                                            mlflow_store: MlflowStore,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """On a push to main, promote finds the version through $GITHUB_SHA (a merge commit): that commit, not
    the PR's, is the one the promotion came from."""
    git(git_repo, "checkout", "-q", "-b", "feature")
    commit_change(git_repo, "better model")
    version = train_version(project, git_repo / ".mlgate", "passed", mlflow_store)
    git(git_repo, "checkout", "-q", "main")
    git(git_repo, "merge", "-q", "--no-ff", "-m", "Merge pull request #7", "feature")
    merge = git(git_repo, "rev-parse", "HEAD")
    monkeypatch.setenv("GITHUB_SHA", merge)
    assert invoke(project, "promote").exit_code == 0
    assert aliases(mlflow_store)["production"] == version
    assert tags(mlflow_store, version)["mlgate.promoted_from_commit"] == merge


def test_squash_merge_finds_the_version_by_pr_number(project: Path, git_repo: Path, mlflow_store: MlflowStore,
                                                     events: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    payload = json.loads((events / "pull_request.synchronize.payload.json").read_text())
    number = payload["pull_request"]["number"]
    monkeypatch.setenv("GITHUB_EVENT_PATH", str(events / "pull_request.synchronize.payload.json"))
    version = train_version(project, git_repo / ".mlgate", "passed", mlflow_store)
    monkeypatch.delenv("GITHUB_EVENT_PATH")
    squashed = commit_change(git_repo, f"Improve the model (#{number})")
    result = invoke(project, "promote", "--commit", squashed)
    assert result.exit_code == 0, result.output
    assert aliases(mlflow_store)["production"] == version


def test_merged_pull_request_event_names_the_head(project: Path, git_repo: Path, mlflow_store: MlflowStore,
                                                  events: Path, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """The real `opened` payload, made into `closed` + merged as GitHub sends it after a merge."""
    version = train_version(project, git_repo / ".mlgate", "passed", mlflow_store)
    payload = json.loads((events / "pull_request.opened.payload.json").read_text())
    payload["action"] = "closed"
    payload["pull_request"]["merged"] = True
    payload["pull_request"]["head"]["sha"] = git(git_repo, "rev-parse", "HEAD")
    event = tmp_path / "event.json"
    event.write_text(json.dumps(payload))
    monkeypatch.setenv("GITHUB_EVENT_PATH", str(event))
    merge_sha = "f" * 40  # the merge commit on main, not in this clone
    result = invoke(project, "promote", "--commit", merge_sha)
    assert result.exit_code == 0, result.output
    assert aliases(mlflow_store)["production"] == version


def test_which_version_cannot_be_told(project: Path, git_repo: Path, mlflow_store: MlflowStore) -> None:
    train_version(project, git_repo / ".mlgate", "passed", mlflow_store)
    result = invoke(project, "promote")
    assert result.exit_code == 2
    assert "pass --version N or --commit SHA" in result.output
    result = invoke(project, "promote", "--commit", "0" * 40)
    assert result.exit_code == 2
    assert "no version of churn was built from commit" in result.output
    assert "mlgate.commit=" + "0" * 40 in result.output
    result = invoke(project, "promote", "--version", "99")
    assert result.exit_code == 2
    assert "churn version 99 not found" in result.output


def test_unreachable_registry_exits_3(project: Path) -> None:
    result = invoke(project, "promote", "--version", "1", "--tracking-uri", "http://127.0.0.1:9")
    assert result.exit_code == 3
    assert "127.0.0.1:9" in result.output


def test_train_compare_promote_end_to_end(git_repo: Path, mlflow_store: MlflowStore) -> None:
    """The real chain: compare --candidate-run writes the verdict tags that promote reads."""
    config = make_project(git_repo, commit=False)
    config.write_text(config.read_text() + "metrics:\n  accuracy: {direction: maximize, min: 0.95}\n")
    git(git_repo, "add", "-A")
    git(git_repo, "commit", "-q", "-m", "gate accuracy >= 0.95")
    out = git_repo / ".mlgate"
    validate(config, out)
    assert invoke(config, *train_args(out)).exit_code == 0
    run_id, version = lineage(out)["run"]["run_id"], lineage(out)["registered"]["version"]
    assert invoke(config, "compare", "--candidate-run", run_id, "--out", str(out)).exit_code == 1  # 0.91 < 0.95
    assert tags(mlflow_store, version)["mlgate.verdict"] == "failed"
    result = invoke(config, "promote", "--commit", git(git_repo, "rev-parse", "HEAD"))
    assert result.exit_code == 1
    assert "its gate verdict is 'failed'" in result.output
    assert "production" not in aliases(mlflow_store)

    config.write_text(config.read_text().replace("min: 0.95", "min: 0.9"))
    git(git_repo, "commit", "-q", "-am", "gate accuracy >= 0.9")
    assert invoke(config, *train_args(out)).exit_code == 0
    run_id, version = lineage(out)["run"]["run_id"], lineage(out)["registered"]["version"]
    assert invoke(config, "compare", "--candidate-run", run_id, "--out", str(out)).exit_code == 0
    result = invoke(config, "promote", "--commit", git(git_repo, "rev-parse", "HEAD"))
    assert result.exit_code == 0, result.output
    assert aliases(mlflow_store)["production"] == version
