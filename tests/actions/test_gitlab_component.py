"""The GitLab CI/CD component (templates/) runs end to end under gitlab-ci-local, shell executor.

Real parts: the example's `.gitlab-ci.yml` (its `component:` includes pointed at this checkout's templates/,
the only change), gitlab-ci-local (npm) running the jobs in a shell, a git + DVC repository, a SQLite MLflow
store, training with the local runtime, and the fake GitLab API (tests/support/gitlab_server.py) that the
real python-gitlab client posts to. The merge-request pipeline's variables (CI_MERGE_REQUEST_IID, ...) are
given with --variable, as GitLab sets them in a merge-request pipeline.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.actions.conftest import BIN, EXAMPLE, MODEL, ROOT, Gate, run
from tests.support.gitlab_server import PROJECT, PROJECT_ID, WRITE_TOKEN, FakeGitLab

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(shutil.which("gitlab-ci-local") is None,
                                 reason="gitlab-ci-local is not installed (npm install -g gitlab-ci-local@4.73)")]
MR = 12
STATUS = f"mlgate/{MODEL}"
COMPONENT = re.compile(r"component: \$CI_SERVER_FQDN/mlgate/mlgate/(\w+)@[\w.]+")


def use_local_templates(repo: Path) -> None:
    """The example's .gitlab-ci.yml with its components read from this checkout's templates/."""
    shutil.copytree(ROOT / "templates", repo / "templates")
    text = (EXAMPLE / ".gitlab-ci.yml").read_text()
    text, count = COMPONENT.subn(r"local: templates/\1.yml", text)
    assert count == 3, text
    text = text.replace("install: mlgate==0.1.0", 'install: ""')  # mlgate is on PATH (this checkout)
    (repo / ".gitlab-ci.yml").write_text(text)


def pipeline(gate: Gate, gitlab: FakeGitLab, *, source: str, sha: str, extra: dict[str, str] | None = None,
             job: str | None = None) -> subprocess.CompletedProcess[str]:
    """Run the pipeline with gitlab-ci-local (shell executor); its variables as GitLab's would be."""
    variables = {
        "CI_PIPELINE_SOURCE": source, "CI_COMMIT_SHA": sha, "CI_SERVER_URL": gitlab.root,
        "CI_API_V4_URL": gitlab.url, "CI_PROJECT_PATH": PROJECT, "CI_PROJECT_ID": str(PROJECT_ID),
        "CI_JOB_URL": f"{gitlab.root}/{PROJECT}/-/jobs/501", "CI_DEFAULT_BRANCH": "main",
        "CI_PIPELINE_URL": f"{gitlab.root}/{PROJECT}/-/pipelines/77", "GITLAB_TOKEN": WRITE_TOKEN,
        "MLFLOW_TRACKING_URI": gate.store.uri, "MLGATE_RUNTIME": "local", "DVC_NO_ANALYTICS": "1",
        **(extra or {}),
    }
    argv = ["gitlab-ci-local", "--force-shell-executor", "--no-color", "--ignore-predefined-vars",
            ",".join(variables), *[a for k, v in variables.items() for a in ("--variable", f"{k}={v}")]]
    if job:
        argv.append(job)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "MLFLOW_", "MLGATE_", "CI_"))}
    env["PATH"] = os.pathsep.join([str(BIN), env.get("PATH", "")])
    # the job's bash gets a socket as stdin (node's stdio), and bash then reads ~/.bashrc when it thinks it is
    # the first shell: a developer's ~/.bashrc that puts pyenv's shims first would run the job's `python`
    # outside this venv (seen locally, not on CI). A runner's job has no such home: give it an empty one.
    home = gate.tmp / "home"
    home.mkdir(exist_ok=True)
    env["HOME"] = str(home)
    return subprocess.run(argv, cwd=gate.repo, env=env, capture_output=True, text=True, timeout=900, check=False)


def mr_pipeline(gate: Gate, gitlab: FakeGitLab, head: str) -> subprocess.CompletedProcess[str]:
    return pipeline(gate, gitlab, source="merge_request_event", sha=head, extra={
        "CI_MERGE_REQUEST_IID": str(MR), "CI_MERGE_REQUEST_DIFF_BASE_SHA": gate.main_sha,
        "CI_MERGE_REQUEST_TARGET_BRANCH_NAME": "main", "CI_MERGE_REQUEST_SOURCE_BRANCH_NAME": "changes"})


@pytest.fixture
def project(gate: Gate, gitlab_server: FakeGitLab) -> Gate:
    """The example with its GitLab pipeline, a DVC remote in tmp (the jobs `dvc pull` from it, as they would
    from the team's), and a production model."""
    use_local_templates(gate.repo)
    run(gate.repo, "git", "remote", "add", "origin", f"{gitlab_server.root}/{PROJECT}.git")
    run(gate.repo, sys.executable, "-m", "dvc", "remote", "add", "-q", "-d", "store", str(gate.tmp / "dvc-store"))
    run(gate.repo, sys.executable, "-m", "dvc", "push", "-q")
    run(gate.repo, "git", "add", "-A")
    run(gate.repo, "git", "commit", "-q", "-m", "GitLab CI")
    gate.seed_production()
    return gate


def push_data(gate: Gate) -> None:
    run(gate.repo, sys.executable, "-m", "dvc", "push", "-q")


def explain(done: subprocess.CompletedProcess[str]) -> str:
    return f"exit {done.returncode}\n{done.stdout[-6000:]}\n{done.stderr[-3000:]}"


def test_a_regressing_merge_request_fails_its_job_and_status(project: Gate, gitlab_server: FakeGitLab) -> None:
    head = project.pull_request("relabel", c="0.01", relabel_every=2)
    push_data(project)
    gitlab_server.add_mr(MR, sha=head)
    done = mr_pipeline(project, gitlab_server, head)
    assert done.returncode != 0, explain(done)  # the job fails: "Pipelines must succeed" blocks the merge
    assert "mlgate gate: passed=false exit-code=1" in done.stdout, explain(done)
    [note] = gitlab_server.notes(MR)
    assert f"mlgate-report: {MODEL}" in note["body"] and "failed" in note["body"]
    [status] = gitlab_server.statuses(head)
    assert (status["name"], status["status"]) == (STATUS, "failed")
    assert status["target_url"].endswith("/-/jobs/501")
    assert (project.repo / ".mlgate" / "report.md").is_file() or "report.md" in done.stdout
    assert WRITE_TOKEN not in done.stdout + done.stderr


def test_a_harmless_merge_request_passes_and_a_second_push_edits_the_note(project: Gate,
                                                                          gitlab_server: FakeGitLab) -> None:
    head = project.pull_request("tune-c", c="0.5")
    gitlab_server.add_mr(MR, sha=head)
    done = mr_pipeline(project, gitlab_server, head)
    assert done.returncode == 0, explain(done)
    [note] = gitlab_server.notes(MR)
    assert [s["status"] for s in gitlab_server.statuses(head)] == ["success"]

    # a second push to the merge request: the same note, edited in place
    (project.repo / "params.yaml").write_text((project.repo / "params.yaml").read_text().replace("C: 0.5", "C: 0.6"))
    run(project.repo, "git", "commit", "-q", "-am", "C=0.6")
    second = project.head()
    gitlab_server.mrs[MR].sha = second
    again = mr_pipeline(project, gitlab_server, second)
    assert again.returncode == 0, explain(again)
    [edited] = gitlab_server.notes(MR)
    assert edited["id"] == note["id"] and edited["body"] != note["body"]
    assert [s["status"] for s in gitlab_server.statuses(second)] == ["success"]

    # merged (a merge commit on main): the promote job finds the merged MR and promotes what its gate passed
    run(project.repo, "git", "checkout", "-q", "main")
    run(project.repo, "git", "merge", "-q", "--no-ff", "-m", f"Merge branch 'tune-c' into 'main' (!{MR})", "tune-c")
    merge = project.head()
    gitlab_server.mrs[MR].state, gitlab_server.mrs[MR].merge_commit_sha = "merged", merge
    promoted = pipeline(project, gitlab_server, source="push", sha=merge,
                        extra={"CI_COMMIT_BRANCH": "main", "CI_COMMIT_REF_NAME": "main"})
    assert promoted.returncode == 0, explain(promoted)
    assert "mlgate-promote" in promoted.stdout and "mlgate-gate" not in promoted.stdout
    production = project.store.client().get_model_version_by_alias(MODEL, "production")
    assert str(production.version) == "3"  # the second push's version, not the first's (2)
    assert gitlab_server.count("GET", f"/repository/commits/{merge}/merge_requests") == 1


def test_a_scheduled_monitor_opens_then_closes_the_models_issue(project: Gate, gitlab_server: FakeGitLab) -> None:
    """The example's monitor job (schedules only): a drifted batch opens the issue, a healthy one closes it."""
    import pandas as pd

    data = pd.read_csv(project.repo / "data" / "breast_cancer.csv")
    incoming = project.repo / "data" / "incoming"
    incoming.mkdir()
    data.assign(mean_radius=data["mean_radius"] * 1.6).to_csv(incoming / "batch.csv", index=False)
    run(project.repo, "git", "add", "data/incoming")
    run(project.repo, "git", "commit", "-q", "-m", "a drifted batch")
    drifted = pipeline(project, gitlab_server, source="schedule", sha=project.head())
    assert drifted.returncode != 0, explain(drifted)  # drift fails the job
    assert "mlgate-monitor" in drifted.stdout and "mlgate-gate" not in drifted.stdout
    [issue] = gitlab_server.issues()
    assert issue["state"] == "opened" and "mean\\_radius" in issue["description"]

    data.to_csv(incoming / "batch.csv", index=False)
    run(project.repo, "git", "commit", "-q", "-am", "a healthy batch")
    healthy = pipeline(project, gitlab_server, source="schedule", sha=project.head())
    assert healthy.returncode == 0, explain(healthy)
    [closed] = gitlab_server.issues()
    assert closed["iid"] == issue["iid"] and closed["state"] == "closed"
