"""The fake GitHub API answers the real PyGithub client as GitHub does (so the other tests can trust it)."""

from __future__ import annotations

import pytest
from github import Auth, Github, GithubException

from tests.support.github_server import DEFAULT_REPO, READ_TOKEN, WRITE_TOKEN, FakeGitHub

SHA = "ec26c3e57ca3a959ca5aad62de7213c562f8c821"


def client(server: FakeGitHub, token: str = WRITE_TOKEN, per_page: int = 30) -> Github:
    return Github(auth=Auth.Token(token), base_url=server.url, per_page=per_page, retry=None,
                  seconds_between_requests=None, seconds_between_writes=None)


def test_pagination_follows_link_headers(github_server: FakeGitHub) -> None:
    github_server.seed_comments(2, 65)
    comments = list(client(github_server).get_repo(DEFAULT_REPO).get_issue(2).get_comments())
    assert [c.body for c in comments][:2] == ["Comment 0: looks good to me", "Comment 1: looks good to me"]
    assert len(comments) == 65
    pages = [r.query.get("page", "1") for r in github_server.requests if r.path.endswith("/comments")]
    assert pages == ["1", "2", "3"]  # 30 a page by default


def test_comment_lifecycle_and_shapes(github_server: FakeGitHub) -> None:
    issue = client(github_server).get_repo(DEFAULT_REPO).get_issue(2)
    created = issue.create_comment("hello")
    assert created.user.login == "github-actions[bot]" and created.html_url.endswith(f"#issuecomment-{created.id}")
    created.edit("edited")
    assert [c["body"] for c in github_server.comments(2)] == ["edited"]
    created.delete()
    assert github_server.comments(2) == []


def test_limits_are_422(github_server: FakeGitHub) -> None:
    repo = client(github_server).get_repo(DEFAULT_REPO)
    with pytest.raises(GithubException) as too_long:
        repo.get_issue(2).create_comment("x" * 65537)
    assert too_long.value.status == 422 and "maximum is 65536" in str(too_long.value.data)
    repo.get_issue(2).create_comment("x" * 65536)  # exactly the limit is fine
    commit = repo.get_commit(SHA)
    with pytest.raises(GithubException) as description:
        commit.create_status("success", description="d" * 141, context="mlgate/m")
    assert description.value.status == 422 and "maximum is 140" in str(description.value.data)
    with pytest.raises(GithubException) as state:
        commit.create_status("passed", context="mlgate/m")
    assert state.value.status == 422


def test_tokens(github_server: FakeGitHub) -> None:
    with pytest.raises(GithubException) as read_only:
        client(github_server, READ_TOKEN).get_repo(DEFAULT_REPO).get_issue(2).create_comment("hi")
    assert read_only.value.status == 403
    assert read_only.value.data["message"] == "Resource not accessible by integration"
    with pytest.raises(GithubException) as unknown:
        client(github_server, "ghs_nope").get_repo(DEFAULT_REPO).full_name  # noqa: B018
    assert unknown.value.status == 401
    assert {r.auth for r in github_server.requests} == {"read", "unknown"}


def test_pulls_and_the_pulls_of_a_commit(github_server: FakeGitHub) -> None:
    github_server.add_pull(2, head_sha=SHA, head_repo="forker/Hello-World")
    repo = client(github_server).get_repo(DEFAULT_REPO)
    pull = repo.get_pull(2)
    assert (pull.head.sha, pull.head.repo.full_name, pull.head.repo.fork) == (SHA, "forker/Hello-World", True)
    assert [p.number for p in repo.get_commit(SHA).get_pulls()] == [2]
    with pytest.raises(GithubException) as missing:
        repo.get_pull(3).title  # noqa: B018
    assert missing.value.status == 404


def test_injected_failures_answer_once(github_server: FakeGitHub) -> None:
    github_server.rate_limit("GET", r"/issues/2$", status=429, retry_after=7)
    repo = client(github_server).get_repo(DEFAULT_REPO)
    with pytest.raises(GithubException) as limited:
        repo.get_issue(2).title  # noqa: B018
    assert limited.value.status == 429 and limited.value.headers.get("retry-after") == "7"
    assert repo.get_issue(2).number == 2


@pytest.mark.parametrize("answer", [502, "drop"])
def test_a_fault_after_the_fact_applies_the_request(github_server: FakeGitHub, answer: int | str) -> None:
    """apply_then_fail: the comment exists although the client heard a 502 or nothing at all."""
    from requests import ConnectionError as RequestsConnectionError

    github_server.apply_then_fail("POST", r"/issues/2/comments$", answer)
    issue = client(github_server).get_repo(DEFAULT_REPO).get_issue(2)
    with pytest.raises((GithubException, RequestsConnectionError)) as failed:
        issue.create_comment("hello")
    if answer == 502:
        assert isinstance(failed.value, GithubException) and failed.value.status == 502
    assert [c["body"] for c in github_server.comments(2)] == ["hello"]
    issue.create_comment("again")  # answered once: the next request is served normally
    assert len(github_server.comments(2)) == 2


def test_hold_makes_requests_wait_for_each_other(github_server: FakeGitHub) -> None:
    import threading
    import time

    github_server.hold("GET", r"/issues/2/comments$", parties=2)
    issue = client(github_server).get_repo(DEFAULT_REPO).get_issue(2)
    done: list[float] = []
    first = threading.Thread(target=lambda: (list(issue.get_comments()), done.append(time.monotonic())))
    first.start()
    time.sleep(0.5)
    assert done == []  # the first listing waits for a second one
    started = time.monotonic()
    list(issue.get_comments())
    first.join(timeout=5)
    assert len(done) == 1 and done[0] >= started


def test_issues_list_create_edit_and_labels(github_server: FakeGitHub) -> None:
    github_server.add_pull(1, head_sha=SHA)
    repo = client(github_server).get_repo(DEFAULT_REPO)
    created = repo.create_issue(title="Drift", body="b", labels=["mlgate", "drift"])
    assert created.number == 2  # issues and pull requests share the numbers
    assert [label.name for label in created.labels] == ["mlgate", "drift"]  # created as GitHub does
    assert {label.name for label in repo.get_labels()} == {"mlgate", "drift"}
    github_server.add_issue("Other", "x", labels=["bug"])
    assert [i.number for i in repo.get_issues(state="all")] == [3, 2, 1]  # newest first, the PR too
    assert [i.number for i in repo.get_issues(state="all", labels=["mlgate"])] == [2]
    created.edit(body="c", state="closed", state_reason="completed", labels=["mlgate"])
    assert (github_server.issue(2)["state"], github_server.issue(2)["body"]) == ("closed", "c")
    assert [i.number for i in repo.get_issues(labels=["mlgate"])] == []  # state=open by default
    created.edit(state="open")
    assert github_server.issue(2)["state_reason"] == "reopened"
    created.create_comment("drifted again")
    assert [c["body"] for c in github_server.comments(2)] == ["drifted again"]
    assert github_server.comments(2)[0]["html_url"].endswith(f"/issues/2#issuecomment-{github_server.comments(2)[0]['id']}")
    with pytest.raises(GithubException) as too_long:
        created.edit(body="x" * 65537)
    assert too_long.value.status == 422 and "maximum is 65536" in str(too_long.value.data)
    with pytest.raises(GithubException) as blank:
        repo.create_issue(title=" ")
    assert blank.value.status == 422
    with pytest.raises(GithubException) as read_only:
        client(github_server, READ_TOKEN).get_repo(DEFAULT_REPO).create_issue(title="t")
    assert read_only.value.status == 403


def test_workflow_dispatch(github_server: FakeGitHub) -> None:
    github_server.add_workflow("retrain.yml")
    github_server.add_workflow("ci.yml", dispatchable=False)
    repo = client(github_server).get_repo(DEFAULT_REPO)
    assert repo.get_workflow("retrain.yml").create_dispatch("main", throw=True) is True
    assert github_server.dispatches() == [{"workflow": "retrain.yml", "ref": "main", "inputs": {}}]
    for name, ref, inputs, status in [("ci.yml", "main", {}, 422), ("nope.yml", "main", {}, 404),
                                      ("retrain.yml", "nobranch", {}, 422),
                                      ("retrain.yml", "main", {"x": "1"}, 422)]:
        with pytest.raises(GithubException) as refused:
            repo.get_workflow(name).create_dispatch(ref, inputs, throw=True)
        assert refused.value.status == status, name
    assert len(github_server.dispatches()) == 1
