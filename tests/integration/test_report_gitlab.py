"""`mlgate report --post` on GitLab: the real python-gitlab client against the local fake GitLab API server."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from mlgate.cli import cli
from tests.support import report_documents as docs
from tests.support.gitlab_server import JOB_TOKEN, REPORTER_TOKEN, WRITE_TOKEN, FakeGitLab

MARKER = "<!-- mlgate-report: churn -->"
MR = 7
HEAD = docs.HEAD_SHA


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, gitlab_server: FakeGitLab) -> Path:
    """A project with a full work directory, inside a merge-request pipeline pointed at the fake API."""
    root = tmp_path / "project"
    root.mkdir()
    docs.config_file(root)
    docs.write_workdir(root / ".mlgate", verdict_doc=docs.verdict("failed"),
                       validation_doc=docs.validation(passed=True), lineage_doc=docs.lineage())
    monkeypatch.chdir(root)
    for name in ("GITHUB_ACTIONS", "GITHUB_EVENT_PATH", "GITHUB_OUTPUT", "GITHUB_STEP_SUMMARY", "GITHUB_TOKEN",
                 "MLGATE_FORGE", "MLGATE_POST"):
        monkeypatch.delenv(name, raising=False)
    gitlab_server.add_mr(MR, sha=HEAD)
    for name, value in gitlab_server.env(mr=MR).items():
        monkeypatch.setenv(name, value)
    return root


def report(*args: str) -> Result:
    return CliRunner().invoke(cli, ["report", "--post", *args], catch_exceptions=False)


def test_posts_one_note_and_a_failed_status(project: Path, gitlab_server: FakeGitLab) -> None:
    result = report()
    assert result.exit_code == 0, result.output
    [note] = gitlab_server.notes(MR)
    assert note["body"].startswith(MARKER + "\n## ❌ mlgate · churn: failed") and "### Metrics" in note["body"]
    assert note["author"]["username"] == "project_4242_bot_mlgate"
    [status] = gitlab_server.statuses(HEAD)
    assert (status["status"], status["name"]) == ("failed", "mlgate/churn")
    assert status["target_url"] == f"{gitlab_server.root}/acme/ml/breast-cancer/-/jobs/501"
    assert status["description"].startswith("roc_auc fell 0.031 below production")
    assert f"/-/merge_requests/{MR}#note_{note['id']}" in result.output
    assert WRITE_TOKEN not in result.output


def test_a_second_push_edits_the_note_in_place(project: Path, gitlab_server: FakeGitLab,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    assert report().exit_code == 0
    first = gitlab_server.notes(MR)[0]
    new_head = "a" * 40
    gitlab_server.mrs[MR].sha = new_head
    monkeypatch.setenv("CI_COMMIT_SHA", new_head)
    docs.write_workdir(project / ".mlgate", verdict_doc=docs.verdict("passed"))
    result = report()
    assert result.exit_code == 0, result.output
    [note] = gitlab_server.notes(MR)
    assert note["id"] == first["id"] and "## ✅ mlgate · churn: passed" in note["body"]
    assert [s["status"] for s in gitlab_server.statuses(new_head)] == ["success"]
    assert "updated the MR note" in result.output
    gitlab_server.requests.clear()
    assert report().exit_code == 0  # unchanged: no edit at all
    assert gitlab_server.count("PUT") == 0 and gitlab_server.count("POST", "/notes") == 0


def test_notes_are_read_on_every_page_and_duplicates_deleted(project: Path, gitlab_server: FakeGitLab) -> None:
    from tests.support.gitlab_server import BOT

    for index in range(130):
        gitlab_server.add_note(MR, f"review {index}")
    oldest = gitlab_server.add_note(MR, MARKER + "\nold", author=BOT)
    for index in range(90):
        gitlab_server.add_note(MR, f"more {index}")
    newer = gitlab_server.add_note(MR, MARKER + "\nnewer", author=BOT)
    pasted = gitlab_server.add_note(MR, MARKER + "\npasted by a person")
    assert report().exit_code == 0
    notes = {n["id"]: n for n in gitlab_server.notes(MR)}
    assert oldest["id"] in notes and "### Metrics" in notes[oldest["id"]]["body"]
    assert newer["id"] not in notes  # the bot's duplicate, deleted
    assert notes[pasted["id"]]["body"] == MARKER + "\npasted by a person"  # a person's: untouched
    assert gitlab_server.count("GET", f"/merge_requests/{MR}/notes") == 3  # 223 notes: 3 pages of 100
    pages = [r.query.get("page", "1") for r in gitlab_server.requests if r.path.endswith("/notes")
             and r.method == "GET"]
    assert pages == ["1", "2", "3"]


@pytest.mark.parametrize("answer", [502, "drop"])
def test_a_create_gitlab_applied_but_did_not_confirm_leaves_one_note(
        project: Path, gitlab_server: FakeGitLab, answer: int | str) -> None:
    gitlab_server.apply_then_fail("POST", rf"/merge_requests/{MR}/notes$", answer)
    result = report()
    assert result.exit_code == 0, result.output
    [note] = gitlab_server.notes(MR)
    assert note["body"].startswith(MARKER)
    assert gitlab_server.count("POST", f"/merge_requests/{MR}/notes") == 1  # found again, never made twice


def test_a_create_that_did_not_happen_is_made_again(project: Path, gitlab_server: FakeGitLab) -> None:
    gitlab_server.fail("POST", rf"/merge_requests/{MR}/notes$", 502)
    assert report().exit_code == 0
    assert len(gitlab_server.notes(MR)) == 1
    assert gitlab_server.count("POST", f"/merge_requests/{MR}/notes") == 2


def test_two_creates_racing_end_with_one_note(project: Path, gitlab_server: FakeGitLab,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """Another job created its note between our listing and our create: the oldest is kept, ours deleted."""
    from mlgate.gitlab import note as note_module
    from tests.support.gitlab_server import BOT

    real = note_module._create

    def racing(*args: object, **kwargs: object) -> object:
        gitlab_server.add_note(MR, MARKER + "\nthe other job's", author=BOT)
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(note_module, "_create", racing)
    assert report().exit_code == 0
    [note] = gitlab_server.notes(MR)
    assert "### Metrics" in note["body"] and gitlab_server.count("DELETE") == 1


def test_rate_limit_is_waited_out(project: Path, gitlab_server: FakeGitLab) -> None:
    gitlab_server.rate_limit("GET", rf"/merge_requests/{MR}/notes$", retry_after=1)
    result = report()
    assert result.exit_code == 0, result.output
    assert len(gitlab_server.notes(MR)) == 1


def test_a_long_retry_after_is_waited_at_most_the_cap(project: Path, gitlab_server: FakeGitLab,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """Retry-After: 3600 (or an HTTP date) is waited MAX_RETRY_AFTER seconds, not an hour (python-gitlab's
    sleep is recorded instead of slept: the only mock here)."""
    import gitlab.client
    import gitlab.utils

    from mlgate.gitlab.client import MAX_RETRY_AFTER

    waits: list[float] = []
    sleeper = gitlab.utils if hasattr(gitlab.utils, "time") else gitlab.client  # python-gitlab 4: client.py
    monkeypatch.setattr(sleeper.time, "sleep", waits.append)
    gitlab_server.rate_limit("GET", rf"/merge_requests/{MR}/notes$", retry_after=3600)
    gitlab_server.fail("POST", r"/statuses/", 429, "Retry later",
                       headers={"Retry-After": "Wed, 21 Oct 2026 07:28:00 GMT"})
    result = report()
    assert result.exit_code == 0, result.output
    assert waits == [MAX_RETRY_AFTER, MAX_RETRY_AFTER]
    assert len(gitlab_server.notes(MR)) == 1


def test_a_rate_limit_that_lasts_is_a_service_failure(project: Path, gitlab_server: FakeGitLab) -> None:
    gitlab_server.rate_limit("POST", r"/statuses/", retry_after=0, times=50)
    result = report()
    assert result.exit_code == 3
    assert "GitLab rate-limited setting the commit status mlgate/churn" in result.output
    assert "re-run the job later" in result.output


def test_only_the_job_token_says_so_with_the_fix(project: Path, gitlab_server: FakeGitLab,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GITLAB_TOKEN")
    result = report()
    assert result.exit_code == 3
    assert "CI_JOB_TOKEN cannot post" in result.output and "GITLAB_TOKEN" in result.output
    assert "api` scope" in result.output
    assert JOB_TOKEN not in result.output and gitlab_server.count() == 0


def test_no_token_at_all_is_bad_input(project: Path, gitlab_server: FakeGitLab,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GITLAB_TOKEN")
    monkeypatch.delenv("CI_JOB_TOKEN")
    result = report()
    assert result.exit_code == 2 and "GITLAB_TOKEN is not set" in result.output


@pytest.mark.parametrize(("token", "expected"), [
    ("glpat-revoked0000000000000000000", "GitLab rejected the token"),
    (REPORTER_TOKEN, "Developer role"),
])
def test_token_problems_say_what_why_and_fix(project: Path, gitlab_server: FakeGitLab,
                                             monkeypatch: pytest.MonkeyPatch, token: str, expected: str) -> None:
    monkeypatch.setenv("GITLAB_TOKEN", token)
    result = report()
    assert result.exit_code == 3
    assert expected in result.output and token not in result.output


def test_an_unknown_project_is_404_with_the_fix(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI_PROJECT_ID", "1")
    result = report()
    assert result.exit_code == 3
    assert "GitLab found nothing" in result.output and "404 Project Not Found" in result.output
    assert "member of the project" in result.output


def test_a_locked_merge_request_says_so(project: Path, gitlab_server: FakeGitLab) -> None:
    gitlab_server.mrs[MR].discussion_locked = True
    result = report()
    assert result.exit_code == 3
    assert "discussion is locked" in result.output and "Unlock discussion" in result.output
    assert len(gitlab_server.statuses(HEAD)) == 1  # the status is set first: the gate still holds


def test_a_pipeline_without_mr_finds_the_open_mr_of_the_commit(project: Path, gitlab_server: FakeGitLab,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI_MERGE_REQUEST_IID")
    assert report().exit_code == 0
    assert len(gitlab_server.notes(MR)) == 1
    assert gitlab_server.count("GET", f"/repository/commits/{HEAD}/merge_requests") == 1


def test_a_commit_without_mr_gets_only_the_status(project: Path, gitlab_server: FakeGitLab,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI_MERGE_REQUEST_IID")
    monkeypatch.setenv("CI_COMMIT_SHA", "b" * 40)
    result = report()
    assert result.exit_code == 0, result.output
    assert "no merge request for this commit" in result.output
    assert len(gitlab_server.statuses("b" * 40)) == 1 and gitlab_server.notes(MR) == []


def test_forge_option_forces_github_even_inside_gitlab_ci(project: Path, gitlab_server: FakeGitLab) -> None:
    result = CliRunner().invoke(cli, ["--forge", "github", "report", "--post"], catch_exceptions=False)
    assert result.exit_code == 2 and "GITHUB_SHA" in result.output  # GitHub's context: empty here
    assert gitlab_server.count() == 0
