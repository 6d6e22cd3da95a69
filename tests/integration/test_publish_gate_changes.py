"""`mlgate publish` never sets `success` on a fork PR that changes the gate itself.

A fork's pull_request workflow is the PR's own: it can hand publish a passing bundle whatever it did. Real
parts: a git repository in tmp whose PR branch edits the workflow, mlgate.yaml's rules or the baseline file;
the fake GitHub API serves the PR's files (GET .../pulls/2/files, paginated) and both commits' contents,
both taken from that repository; the real webhook payloads; the real CLI and PyGithub.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from mlgate.cli import cli
from tests.integration.test_publish import privileged
from tests.support import report_documents as docs
from tests.support.github_server import READ_TOKEN, FakeGitHub

CONFIG = """model: {name: churn}
framing: {primary_metric: roc_auc}
metrics:
  roc_auc: {direction: maximize, max_regression: 0.01}
  f1: {direction: maximize}
baseline: {metrics: baseline.json}
"""
WORKFLOW = "on: pull_request\njobs: {gate: {runs-on: ubuntu-latest, steps: [{uses: mlgate/mlgate@v1}]}}\n"
HOLD = "a maintainer must review the gate's changes"


def invoke(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def git(root: Path, *args: str) -> str:
    done = subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", *args], cwd=root,
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "upstream"
    (root / ".github" / "workflows").mkdir(parents=True)
    (root / "mlgate.yaml").write_text(CONFIG)
    (root / "baseline.json").write_text(json.dumps({"roc_auc": 0.5}))
    (root / ".github" / "workflows" / "pr-gate.yml").write_text(WORKFLOW)
    (root / "train.py").write_text("print('train')\n")
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "main")
    git(root, "checkout", "-q", "-b", "pr")
    return root


def serve_pr(github: FakeGitHub, root: Path, *, pad: int = 0) -> None:
    """PR #2 as the API knows it: its files (`git diff` main..pr, renames found) and both commits' files.
    The PR's head is the payloads' head sha; the base is main's commit. `pad`: unrelated files first, so
    the gate's files are on a later page."""
    base = git(root, "rev-parse", "main")
    files: list[tuple[str, ...]] = [(f"data/part-{i}.csv", "added") for i in range(pad)]
    status_names = {"A": "added", "M": "modified", "D": "removed", "R": "renamed"}
    for line in git(root, "diff", "--name-status", "-M", "main", "pr").splitlines():
        status, *paths = line.split("\t")
        kind = status_names[status[0]]
        files.append((paths[-1], kind, paths[0]) if kind == "renamed" else (paths[0], kind))
    github.add_pull(2, head_sha=docs.HEAD_SHA, head_repo="forker/Hello-World", base_sha=base, files=files)
    for sha, ref in ((base, "main"), (docs.HEAD_SHA, "pr")):
        for path in git(root, "ls-tree", "-r", "--name-only", ref).splitlines():
            github.add_content(sha, path, git(root, "show", f"{ref}:{path}") + "\n")


@pytest.fixture
def passing_bundle(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, github_server: FakeGitHub,
                   events: Path) -> Path:
    """The fork's unprivileged job wrote a PASSING bundle (it controls that job entirely)."""
    job = tmp_path / "fork-job"
    job.mkdir()
    docs.config_file(job)
    docs.write_workdir(job / ".mlgate", verdict_doc=docs.verdict("passed"),
                       validation_doc=docs.validation(passed=True), lineage_doc=docs.lineage())
    monkeypatch.chdir(job)
    for name, value in github_server.env(token=READ_TOKEN).items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_EVENT_NAME", "pull_request")
    monkeypatch.setenv("GITHUB_EVENT_PATH", str(events / "pull_request.synchronize.payload.json"))
    made = invoke("report", "--bundle", "bundle")
    assert made.exit_code == 0, made.output
    privileged(monkeypatch, github_server, events, tmp_path)
    return job / "bundle"


def publish(bundle: Path) -> Result:
    result = invoke("publish", "--bundle", str(bundle))
    assert result.exit_code == 0, result.output
    return result


EDITS = {
    "workflow": lambda root: (root / ".github/workflows/pr-gate.yml").write_text(WORKFLOW.replace("@v1", "@v0")),
    "new-workflow": lambda root: (root / ".github/workflows/other.yml").write_text(WORKFLOW),
    "rules": lambda root: (root / "mlgate.yaml").write_text(CONFIG.replace("max_regression: 0.01",
                                                                           "max_regression: 0.5")),
    "severity": lambda root: (root / "mlgate.yaml").write_text(CONFIG.replace("f1: {direction: maximize}",
                                                                              "f1: {direction: maximize, "
                                                                              "severity: warn}")),
    "baseline-file": lambda root: (root / "baseline.json").write_text(json.dumps({"roc_auc": 0.1})),
    "local-action": lambda root: (root / "ci").mkdir() or (root / "ci/action.yml").write_text("runs: {}\n"),
}


@pytest.mark.parametrize("edit", sorted(EDITS))
def test_a_pr_that_changes_the_gate_gets_pending_even_with_a_passing_bundle(
        edit: str, repo: Path, passing_bundle: Path, github_server: FakeGitHub) -> None:
    EDITS[edit](repo)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", edit)
    serve_pr(github_server, repo, pad=120 if edit == "workflow" else 0)  # 120 files: the list has 2 pages

    result = publish(passing_bundle)

    [status] = github_server.statuses(docs.HEAD_SHA)
    assert (status["state"], status["description"]) == ("pending", HOLD)
    [comment] = github_server.comments(2)
    assert comment["body"].startswith("<!-- mlgate-report: churn -->\n> [!WARNING]")
    assert "This pull request changes the gate itself" in comment["body"]
    assert HOLD in result.output


def test_the_rules_change_is_named_in_the_comment(repo: Path, passing_bundle: Path,
                                                  github_server: FakeGitHub) -> None:
    EDITS["rules"](repo)
    git(repo, "commit", "-qam", "looser")
    serve_pr(github_server, repo)
    publish(passing_bundle)
    [comment] = github_server.comments(2)
    assert "mlgate.yaml's rules: roc\\_auc max\\_regression 0.01 → 0.5" in comment["body"]


def test_a_pr_that_changes_only_the_model_passes(repo: Path, passing_bundle: Path,
                                                 github_server: FakeGitHub) -> None:
    (repo / "train.py").write_text("print('better')\n")
    (repo / "mlgate.yaml").write_text(CONFIG + "# tuned\n")  # the file changes, its rules do not
    git(repo, "commit", "-qam", "model")
    serve_pr(github_server, repo)
    publish(passing_bundle)
    [status] = github_server.statuses(docs.HEAD_SHA)
    assert status["state"] == "success"
    assert "changes the gate" not in github_server.comments(2)[0]["body"]
    assert github_server.count("GET", "/pulls/2/files") == 1


def test_a_failing_bundle_stays_failure(repo: Path, passing_bundle: Path, github_server: FakeGitHub,
                                        tmp_path: Path) -> None:
    bundle = tmp_path / "failing"
    bundle.mkdir()
    docs.write_workdir(tmp_path / "failing-work", verdict_doc=docs.verdict("failed"))
    EDITS["workflow"](repo)
    git(repo, "commit", "-qam", "workflow")
    serve_pr(github_server, repo)
    made = invoke("report", "--out", str(tmp_path / "failing-work"), "--bundle", str(bundle))
    assert made.exit_code == 0, made.output
    publish(bundle)
    assert [s["state"] for s in github_server.statuses(docs.HEAD_SHA)] == ["failure"]
