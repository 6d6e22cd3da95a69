"""`mlgate report` end to end: the real PyGithub client against the local fake GitHub API server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from mlgate.cli import cli
from tests.support import report_documents as docs
from tests.support.github_server import MAX_COMMENT, READ_TOKEN, WRITE_TOKEN, FakeGitHub

MARKER = "<!-- mlgate-report: churn -->"
REPORT_URL_PART = "/Codertocat/Hello-World/pull/2#issuecomment-"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, github_server: FakeGitHub, events: Path) -> Path:
    """A project with a full work directory, inside a pull_request workflow pointed at the fake API."""
    root = tmp_path / "project"
    root.mkdir()
    docs.config_file(root)
    docs.write_workdir(root / ".mlgate", verdict_doc=docs.verdict("failed"),
                       validation_doc=docs.validation(passed=True), lineage_doc=docs.lineage())
    monkeypatch.chdir(root)
    for name, value in github_server.env().items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_EVENT_NAME", "pull_request")
    monkeypatch.setenv("GITHUB_EVENT_PATH", str(events / "pull_request.synchronize.payload.json"))
    monkeypatch.setenv("GITHUB_SHA", "1111111111111111111111111111111111111111")  # the merge commit
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(tmp_path / "summary.md"))
    monkeypatch.setenv("GITHUB_OUTPUT", str(tmp_path / "output.txt"))
    github_server.add_pull(2, head_sha=docs.HEAD_SHA)
    return root


def report(*args: str) -> Result:
    return CliRunner().invoke(cli, ["report", *args], catch_exceptions=False)


def outputs(project: Path) -> dict[str, str]:
    text = (project.parent / "output.txt").read_text(encoding="utf-8")
    found: dict[str, str] = {}
    lines = iter(text.splitlines())
    for line in lines:
        name, delimiter = line.split("<<", 1)
        value = []
        for item in lines:
            if item == delimiter:
                break
            value.append(item)
        found[name] = "\n".join(value)
    return found


def test_posts_one_comment_and_the_status_on_the_pr_head(project: Path, github_server: FakeGitHub) -> None:
    result = report()
    assert result.exit_code == 0, result.output
    comments = github_server.comments(2)
    assert len(comments) == 1 and comments[0]["body"].startswith(MARKER + "\n## ❌ mlgate · churn: failed")
    assert "### Metrics" in comments[0]["body"]
    assert github_server.statuses("1111111111111111111111111111111111111111") == []  # not the merge commit
    [status] = github_server.statuses(docs.HEAD_SHA)
    assert status["state"] == "failure" and status["context"] == "mlgate/churn"
    assert status["description"].startswith("roc_auc fell 0.031 below production")
    assert status["target_url"] == f"{github_server.html}/Codertocat/Hello-World/actions/runs/4242"
    assert (project / ".mlgate" / "report.md").read_text().startswith(MARKER)
    out = outputs(project)
    assert out["passed"] == "false" and REPORT_URL_PART in out["comment-url"]
    assert out["report-path"] == str((project / ".mlgate" / "report.md").resolve())  # absolute
    summary = (project.parent / "summary.md").read_text(encoding="utf-8")
    assert "### Metrics" in summary


def test_a_second_run_edits_the_comment_in_place(project: Path, github_server: FakeGitHub) -> None:
    assert report().exit_code == 0
    first = github_server.comments(2)[0]
    docs.write_workdir(project / ".mlgate", verdict_doc=docs.verdict("passed"))
    result = report()
    assert result.exit_code == 0, result.output
    [comment] = github_server.comments(2)
    assert comment["id"] == first["id"] and "## ✅ mlgate · churn: passed" in comment["body"]
    assert [s["state"] for s in github_server.statuses(docs.HEAD_SHA)] == ["failure", "success"]
    assert "updated the PR comment" in result.output


def test_unchanged_report_is_not_edited(project: Path, github_server: FakeGitHub) -> None:
    assert report().exit_code == 0
    github_server.requests.clear()
    assert report().exit_code == 0
    assert github_server.count("PATCH") == 0 and github_server.count("POST", "/statuses/") == 1


def test_duplicates_are_removed_and_the_oldest_kept(project: Path, github_server: FakeGitHub) -> None:
    """The oldest is kept (no run ever deletes it, so racing runs agree on it); the newer are deleted."""
    github_server.seed_comments(2, 120)
    oldest = github_server.add_comment(2, MARKER + "\nold", bot=True)
    github_server.seed_comments(2, 90)
    newer = github_server.add_comment(2, MARKER + "\nnewer", bot=True)
    other_model = github_server.add_comment(2, "<!-- mlgate-report: other -->\nx", bot=True)
    assert report().exit_code == 0
    comments = github_server.comments(2)
    ours = [c for c in comments if c["body"].startswith(MARKER)]
    assert [c["id"] for c in ours] == [oldest["id"]] and "### Metrics" in ours[0]["body"]
    assert newer["id"] not in {c["id"] for c in comments} and other_model["id"] in {c["id"] for c in comments}
    assert len(comments) == 212
    assert github_server.count("GET", "/issues/2/comments") == 3  # 213 comments: 3 pages of 100


def test_request_count_for_a_busy_pr(project: Path, github_server: FakeGitHub) -> None:
    """The figure of the issue: 250 comments → 3 pages + 1 edit + 1 status, nothing else."""
    github_server.seed_comments(2, 200)
    github_server.add_comment(2, MARKER + "\nprevious", bot=True)
    github_server.seed_comments(2, 49)
    assert report().exit_code == 0
    calls = [(r.method, r.path) for r in github_server.requests]
    assert len(calls) == 5, calls
    assert github_server.count("GET", "/comments") == 3
    assert github_server.count("PATCH") == 1 and github_server.count("POST", "/statuses/") == 1
    assert all(r.query.get("per_page") == "100" for r in github_server.requests if r.method == "GET"
               and "page" not in r.query)


def test_a_huge_report_is_cut_to_fit_a_comment(project: Path, github_server: FakeGitHub) -> None:
    validation = docs.validation(passed=False)
    failure = validation["datasets"][1]["failures"][0]
    validation["datasets"] = [dict(validation["datasets"][1], path=f"data/part-{i}.parquet",
                                   failures=[dict(failure, check=f"c{j}", message="m" * 250) for j in range(190)])
                              for i in range(3)]
    docs.write_workdir(project / ".mlgate", validation_doc=validation)
    result = report()
    assert result.exit_code == 0, result.output
    [comment] = github_server.comments(2)
    assert len(comment["body"]) <= MAX_COMMENT
    assert "This report was cut to fit" in comment["body"]
    assert "/actions/runs/4242#summary" in comment["body"]
    full = (project / ".mlgate" / "report.md").read_text(encoding="utf-8")
    assert len(full) > MAX_COMMENT and full.count("<details>") > comment["body"].count("<details>")
    assert comment["body"].count("<details>") == comment["body"].count("</details>")


def test_read_only_token_explains_the_fork_set_up(project: Path, github_server: FakeGitHub,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", READ_TOKEN)
    result = report()
    assert result.exit_code == 3
    assert "Resource not accessible by integration" in result.output
    assert "mlgate publish --bundle" in result.output and "workflow_run" in result.output
    assert "::error title=mlgate%3A service failed::GitHub refused" in result.output
    assert READ_TOKEN not in result.output
    assert github_server.statuses(docs.HEAD_SHA) == [] and github_server.comments(2) == []


def test_rate_limits_with_retry_after_are_retried(project: Path, github_server: FakeGitHub) -> None:
    github_server.rate_limit("GET", r"/issues/2/comments$", status=429, retry_after=1)
    github_server.rate_limit("POST", r"/statuses/", status=403, retry_after=1)
    github_server.fail("POST", r"/issues/2/comments$", 502, "Server Error")
    result = report()
    assert result.exit_code == 0, result.output
    # the rate-limited list is retried; the failed create is looked for, made again and checked once more
    assert github_server.count("GET", "/issues/2/comments") == 4
    assert github_server.count("POST", "/statuses/") == 2
    assert github_server.count("POST", "/issues/2/comments") == 2
    assert len(github_server.comments(2)) == 1 and len(github_server.statuses(docs.HEAD_SHA)) == 1


def test_persistent_server_errors_are_a_service_failure(project: Path, github_server: FakeGitHub) -> None:
    github_server.fail("POST", r"/statuses/", 503, "Service Unavailable", times=20)
    result = report()
    assert result.exit_code == 3
    assert "GitHub answered 503" in result.output and "setting the commit status mlgate/churn" in result.output


def test_push_event_finds_the_pr_of_the_commit(project: Path, github_server: FakeGitHub, events: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITHUB_EVENT_NAME", "push")
    monkeypatch.setenv("GITHUB_EVENT_PATH", str(events / "push.payload.json"))
    monkeypatch.setenv("GITHUB_SHA", docs.HEAD_SHA)
    assert report().exit_code == 0
    assert github_server.count("GET", f"/commits/{docs.HEAD_SHA}/pulls") == 1
    assert len(github_server.comments(2)) == 1 and len(github_server.statuses(docs.HEAD_SHA)) == 1


def test_a_commit_without_pr_gets_only_the_status(project: Path, github_server: FakeGitHub, events: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    sha = "2222222222222222222222222222222222222222"
    monkeypatch.setenv("GITHUB_EVENT_NAME", "push")
    monkeypatch.setenv("GITHUB_EVENT_PATH", str(events / "push.payload.json"))
    monkeypatch.setenv("GITHUB_SHA", sha)
    result = report()
    assert result.exit_code == 0 and "no pull request for this commit" in result.output
    assert len(github_server.statuses(sha)) == 1 and github_server.comments(2) == []


def test_no_post_makes_no_request(project: Path, github_server: FakeGitHub) -> None:
    result = report("--no-post")
    assert result.exit_code == 0 and github_server.requests == []
    assert outputs(project)["comment-url"] == ""


def test_missing_token_is_bad_input(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GITHUB_TOKEN")
    result = report()
    assert result.exit_code == 2 and "GITHUB_TOKEN is not set" in result.output


def test_an_api_url_that_is_no_url_is_bad_input(project: Path, github_server: FakeGitHub,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITHUB_API_URL", "not a url")
    result = report()
    assert result.exit_code == 2, result.output
    assert "GITHUB_API_URL='not a url' is not an http(s) URL with a host" in result.output
    assert github_server.requests == []


def test_nothing_to_report_is_bad_input(project: Path, github_server: FakeGitHub) -> None:
    result = report("--out", "elsewhere")
    assert result.exit_code == 2 and "nothing to report" in result.output and github_server.requests == []


def test_malformed_verdict_is_bad_input(project: Path) -> None:
    (project / ".mlgate" / "verdict.json").write_text("{broken")
    result = report()
    assert result.exit_code == 2 and "verdict.json is not valid JSON" in result.output


def test_the_token_never_appears_in_any_output(project: Path, github_server: FakeGitHub) -> None:
    verdict = docs.verdict("failed")
    verdict["summary"] = "leak? " + WRITE_TOKEN[:4]  # a prefix is fine; the whole token must never show
    docs.write_workdir(project / ".mlgate", verdict_doc=verdict)
    result = report()
    assert result.exit_code == 0
    written = [result.output, (project / ".mlgate" / "report.md").read_text(),
               (project.parent / "summary.md").read_text(), (project.parent / "output.txt").read_text(),
               json.dumps([r.body for r in github_server.requests])]
    assert all(WRITE_TOKEN not in text for text in written)
    assert all(r.auth == "write" for r in github_server.requests)


def test_outside_actions_it_only_renders(project: Path, github_server: FakeGitHub,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("GITHUB_ACTIONS", "GITHUB_STEP_SUMMARY", "GITHUB_OUTPUT"):
        monkeypatch.delenv(name)
    result = report()
    assert result.exit_code == 0 and github_server.requests == []
    assert "mlgate report: failed: wrote" in result.output


def test_user_template_from_the_config(project: Path, github_server: FakeGitHub) -> None:
    (project / "report.md.j2").write_text('{% extends "report.md.j2" %}{% block notes %}\nOur team note.\n'
                                          "{% endblock %}", encoding="utf-8")
    docs.config_file(project, template="report.md.j2")
    assert report().exit_code == 0
    assert "Our team note." in github_server.comments(2)[0]["body"]


def test_a_copied_marker_we_may_not_edit_gets_a_new_comment(project: Path, github_server: FakeGitHub) -> None:
    """Someone pasted our marker into their own comment: it is left alone, ours is created."""
    theirs = github_server.add_comment(2, MARKER + "\nlooks like a report", user="mallory")
    result = report()
    assert result.exit_code == 0, result.output
    assert "could not edit comment" in result.output
    comments = github_server.comments(2)
    assert comments[0] == theirs
    assert len(comments) == 2 and comments[1]["user"]["type"] == "Bot" and "### Metrics" in comments[1]["body"]


def test_a_person_quoting_the_marker_is_never_edited_or_deleted(project: Path, github_server: FakeGitHub) -> None:
    """A human comment that starts with our marker, newer than ours: ours is edited, theirs survives runs."""
    ours = github_server.add_comment(2, MARKER + "\nold report", bot=True)
    theirs = github_server.add_comment(2, MARKER + "\nI copied this from the report", user="mallory")
    for _ in range(2):
        result = report()
        assert result.exit_code == 0, result.output
    comments = github_server.comments(2)
    assert [c["id"] for c in comments] == [ours["id"], theirs["id"]]
    assert "### Metrics" in comments[0]["body"] and comments[1]["body"] == theirs["body"]
    assert github_server.count("DELETE") == 0


def test_duplicates_of_another_author_are_not_deleted(project: Path, github_server: FakeGitHub) -> None:
    """Only the kept comment's author's older duplicates are deleted, never another account's."""
    mine = github_server.add_comment(2, MARKER + "\nolder, by a person's token", user="alice")
    newest = github_server.add_comment(2, MARKER + "\nnewest", bot=True)
    assert report().exit_code == 0
    assert [c["id"] for c in github_server.comments(2)] == [mine["id"], newest["id"]]


def test_when_posting_fails_the_summary_and_outputs_still_have_the_report(project: Path,
                                                                          github_server: FakeGitHub,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", READ_TOKEN)
    assert report().exit_code == 3
    assert "### Metrics" in (project.parent / "summary.md").read_text(encoding="utf-8")
    out = outputs(project)
    assert out["passed"] == "false" and out["report-path"] == str((project / ".mlgate" / "report.md").resolve())


@pytest.mark.parametrize("answer", [502, "drop", "timeout"])
def test_a_create_github_applied_but_did_not_confirm_leaves_one_comment(
        project: Path, github_server: FakeGitHub, monkeypatch: pytest.MonkeyPatch, answer: str | int) -> None:
    """GitHub created the comment, then the client heard a 502, a reset or nothing: no second comment.

    For the timeout, mlgate's client timeout is shortened to 1 second (instead of waiting 30).
    """
    if answer == "timeout":
        from mlgate.github import client

        monkeypatch.setattr(client, "TIMEOUT", 1)
        github_server.apply_then_fail("POST", r"/issues/2/comments$", "drop", delay=2.5)
    else:
        github_server.apply_then_fail("POST", r"/issues/2/comments$", answer)
    result = report()
    assert result.exit_code == 0, result.output
    [comment] = github_server.comments(2)
    assert comment["body"].startswith(MARKER) and "### Metrics" in comment["body"]
    assert github_server.count("POST", "/issues/2/comments") == 1  # found again, never created twice
    assert f"#issuecomment-{comment['id']}" in outputs(project)["comment-url"]


def test_idempotent_writes_are_still_retried(project: Path, github_server: FakeGitHub) -> None:
    """A commit status and an edit are the same when repeated: urllib3 retries them after a 502."""
    github_server.add_comment(2, MARKER + "\nprevious", bot=True)
    github_server.apply_then_fail("POST", r"/statuses/", 502)
    github_server.apply_then_fail("PATCH", r"/issues/comments/", 502)
    result = report()
    assert result.exit_code == 0, result.output
    assert github_server.count("POST", "/statuses/") == 2 and github_server.count("PATCH") == 2
    [comment] = github_server.comments(2)
    assert "### Metrics" in comment["body"]


def test_a_create_that_did_not_happen_is_made_again(project: Path, github_server: FakeGitHub) -> None:
    """A 502 before GitHub did anything: the marker is not there, so the comment is created once more."""
    github_server.fail("POST", r"/issues/2/comments$", 502, "Server Error")
    result = report()
    assert result.exit_code == 0, result.output
    assert len(github_server.comments(2)) == 1
    assert github_server.count("POST", "/issues/2/comments") == 2


def test_a_create_that_keeps_failing_is_a_service_failure(project: Path, github_server: FakeGitHub) -> None:
    github_server.fail("POST", r"/issues/2/comments$", 502, "Server Error", times=50)
    result = report()
    assert result.exit_code == 3
    assert "GitHub answered 502" in result.output and "commenting on pull request #2" in result.output
    assert github_server.comments(2) == []
    assert github_server.count("POST", "/issues/2/comments") == 3  # each time after looking for it


def _report_process(project: Path) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "mlgate", "report", "--post"], cwd=project, env=dict(os.environ),
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


@pytest.mark.parametrize("trial", range(2))
@pytest.mark.parametrize("interleaving", ["both list first", "both create first", "as it comes"])
def test_two_concurrent_reports_leave_one_comment(project: Path, github_server: FakeGitHub, interleaving: str,
                                                  trial: int) -> None:
    """Two `mlgate report --post` processes at once on a PR without our comment end with exactly one."""
    if interleaving != "as it comes":  # both see no comment, so both create one
        github_server.hold("GET", r"/issues/2/comments$", parties=2)
    if interleaving == "both create first":  # and both comments exist before either looks again
        github_server.hold("POST", r"/issues/2/comments$", parties=2)
    processes = [_report_process(project) for _ in range(2)]
    results = [(process.wait(timeout=120), process.stdout.read() if process.stdout else "")
               for process in processes]
    assert [code for code, _ in results] == [0, 0], results
    [comment] = github_server.comments(2)
    assert comment["body"].startswith(MARKER) and "### Metrics" in comment["body"]
    if interleaving != "as it comes":
        assert github_server.count("POST", "/issues/2/comments") == 2  # the race did happen
    assert all(f"#issuecomment-{comment['id']}" in output for _, output in results), results
