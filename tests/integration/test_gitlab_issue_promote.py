"""GitLab: the monitoring issue (gitlab/issue.py), the retraining pipeline, and promote's merged MR lookup,
with the real python-gitlab client against the fake GitLab API."""

from __future__ import annotations

from mlgate.commands.forge import forge_from_env
from mlgate.errors import ServiceError
from mlgate.forge import IssueStatus
from mlgate.github.issue import Wanted
from mlgate.gitlab.forge import GitLabForge
from mlgate.gitlab.issue import Synced, status_of
from tests.support.gitlab_server import PERSON, FakeGitLab

MARKER = "<!-- mlgate-monitor: iris -->"
HEAD = "ec26c3e57ca3a959ca5aad62de7213c562f8c821"
MERGE = "c" * 40


def _forge(server: FakeGitLab, **env: str) -> GitLabForge:
    forge = forge_from_env(None, {**server.env(sha=MERGE), **env})
    assert isinstance(forge, GitLabForge)
    return forge


def _run(server: FakeGitLab, status: IssueStatus, body: str = "report", **kwargs: object) -> Synced:
    want = Wanted(marker=MARKER, title="mlgate monitor: iris drifted", body=body, status=status,
                  labels=("mlgate", "drift"), change_comment=lambda old, new: f"{old} -> {new}",
                  **kwargs)  # type: ignore[arg-type]
    synced = _forge(server).sync_issue(want, lambda _: None)
    assert isinstance(synced, Synced)
    return synced


def test_the_lifecycle_of_one_issue(gitlab_server: FakeGitLab) -> None:
    assert _run(gitlab_server, "ok").action == "none" and _run(gitlab_server, "warn").action == "none"
    assert gitlab_server.issues() == []
    opened = _run(gitlab_server, "fail", "psi 0.4")
    assert opened.action == "opened" and opened.url and opened.url.endswith(f"/-/issues/{opened.number}")
    [issue] = gitlab_server.issues()
    assert issue["description"].startswith(MARKER) and issue["description"].endswith("psi 0.4")
    assert issue["labels"] == ["mlgate", "drift"] and status_of(issue["description"]) == ("fail", False)
    assert _run(gitlab_server, "fail", "psi 0.5").action == "updated"
    assert _run(gitlab_server, "fail", "psi 0.5").action == "unchanged"
    gitlab_server.issue_list[opened.number or 0]["labels"] = ["mlgate"]  # someone removed a label
    assert _run(gitlab_server, "warn", "psi 0.15").action == "updated"
    assert gitlab_server.issue_list[opened.number or 0]["labels"] == ["mlgate", "drift"]
    closed = _run(gitlab_server, "ok", "all fine")
    assert closed.action == "closed" and gitlab_server.issue_list[opened.number or 0]["state"] == "closed"
    reopened = _run(gitlab_server, "fail", "psi 0.9")
    assert reopened.action == "reopened" and reopened.number == opened.number
    notes = [n["body"] for n in gitlab_server.issue_list[opened.number or 0]["notes"]]
    assert notes == ["fail -> warn", "warn -> ok", "ok -> fail"]
    assert len(gitlab_server.issues()) == 1


def test_a_persons_issue_quoting_the_marker_is_left_alone(gitlab_server: FakeGitLab) -> None:
    theirs = gitlab_server.add_issue("copied", MARKER + "\nmine", author=PERSON, labels=["mlgate"])
    opened = _run(gitlab_server, "fail")
    assert opened.action == "opened" and opened.number != theirs["iid"]
    assert gitlab_server.issue_list[theirs["iid"]]["description"] == MARKER + "\nmine"


def test_an_issue_create_applied_then_502_is_not_repeated(gitlab_server: FakeGitLab) -> None:
    gitlab_server.apply_then_fail("POST", r"/issues$", 502)
    assert _run(gitlab_server, "fail").action == "opened"
    assert len(gitlab_server.issues()) == 1 and gitlab_server.count("POST", "/issues") == 1


def test_retraining_pipeline_once_per_episode(gitlab_server: FakeGitLab) -> None:
    first = _run(gitlab_server, "fail", retrain_workflow="retrain")
    assert first.dispatched and first.dispatched.endswith("on main") and first.dispatch_error is None
    [pipeline] = gitlab_server.pipelines
    assert pipeline["ref"] == "main" and pipeline["variables"] == [{"key": "MLGATE_RETRAIN", "value": "retrain"}]
    assert _run(gitlab_server, "fail", retrain_workflow="retrain").dispatched is None  # still the same episode
    assert len(gitlab_server.pipelines) == 1


def test_a_refused_pipeline_is_pending_and_tried_again(gitlab_server: FakeGitLab) -> None:
    gitlab_server.fail("POST", r"/pipeline$", 403)
    refused = _run(gitlab_server, "fail", retrain_workflow="retrain")
    assert isinstance(refused.dispatch_error, ServiceError) and "Developer role" in refused.dispatch_error.fix
    [issue] = gitlab_server.issues()
    assert status_of(issue["description"]) == ("fail", True)
    again = _run(gitlab_server, "fail", retrain_workflow="retrain")
    assert again.dispatched and len(gitlab_server.pipelines) == 1
    assert status_of(gitlab_server.issues()[0]["description"]) == ("fail", False)


def test_promote_finds_the_merged_mr_of_the_default_branch_commit(gitlab_server: FakeGitLab) -> None:
    gitlab_server.add_mr(5, sha=HEAD, state="merged", merge_commit_sha=MERGE)
    gitlab_server.add_mr(6, sha="d" * 40, state="opened")
    merged = _forge(gitlab_server).merged_change(MERGE)
    assert merged is not None and (merged.number, merged.head_sha) == (5, HEAD)
    assert _forge(gitlab_server).merged_change("e" * 40) is None
    assert _forge(gitlab_server, GITLAB_TOKEN="").merged_change(MERGE) is None  # no token: git's clues only
