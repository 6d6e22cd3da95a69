"""The fake GitLab API answers the real python-gitlab client as GitLab does (so the other tests can trust it)."""

from __future__ import annotations

import gitlab
import pytest
from gitlab.exceptions import GitlabAuthenticationError, GitlabCreateError, GitlabError, GitlabGetError

from tests.support.gitlab_server import (
    JOB_TOKEN,
    PROJECT,
    PROJECT_ID,
    REPORTER_TOKEN,
    WRITE_TOKEN,
    FakeGitLab,
)

SHA = "ec26c3e57ca3a959ca5aad62de7213c562f8c821"


def client(server: FakeGitLab, token: str = WRITE_TOKEN, **kwargs: object) -> gitlab.Gitlab:
    return gitlab.Gitlab(server.root, private_token=token, per_page=20, **kwargs)  # type: ignore[arg-type]


def test_pagination_headers_and_links(gitlab_server: FakeGitLab) -> None:
    gitlab_server.add_mr(3, SHA)
    for index in range(45):
        gitlab_server.add_note(3, f"note {index}")
    mr = client(gitlab_server).projects.get(PROJECT, lazy=True).mergerequests.get(3, lazy=True)
    listing = mr.notes.list(iterator=True, sort="asc")  # the first page is read now, with its headers
    assert (listing.current_page, listing.next_page, listing.total_pages, listing.total) == (1, 2, 3, 45)
    notes = list(listing)
    assert [n.body for n in notes][:2] == ["note 0", "note 1"] and len(notes) == 45
    assert notes[0].author["username"] == "alice" and notes[0].noteable_type == "MergeRequest"
    pages = [r.query.get("page", "1") for r in gitlab_server.requests if r.path.endswith("/notes")]
    assert pages == ["1", "2", "3"]


def test_note_lifecycle_by_path_and_by_id(gitlab_server: FakeGitLab) -> None:
    gitlab_server.add_mr(3, SHA)
    gl = client(gitlab_server)
    created = gl.projects.get(PROJECT, lazy=True).mergerequests.get(3, lazy=True).notes.create({"body": "hi"})
    mr = gl.projects.get(PROJECT_ID, lazy=True).mergerequests.get(3, lazy=True)
    mr.notes.update(created.id, {"body": "edited"})
    assert [n["body"] for n in gitlab_server.notes(3)] == ["edited"]
    mr.notes.delete(created.id)
    assert gitlab_server.notes(3) == []
    assert any("%2F" in r.path for r in gitlab_server.requests)  # the path, URL-encoded as GitLab wants it


def test_statuses_and_the_merge_requests_of_a_commit(gitlab_server: FakeGitLab) -> None:
    gitlab_server.add_mr(3, SHA, state="merged", merge_commit_sha="c" * 40)
    commit = client(gitlab_server).projects.get(PROJECT_ID, lazy=True).commits.get(SHA, lazy=True)
    commit.statuses.create({"state": "pending", "name": "mlgate/m"})
    with pytest.raises(GitlabCreateError) as again:
        commit.statuses.create({"state": "pending", "name": "mlgate/m"})
    assert again.value.response_code == 400 and "Cannot transition" in str(again.value.error_message)
    commit.statuses.create({"state": "failed", "name": "mlgate/m", "target_url": "https://x/-/jobs/1"})
    assert [s.status for s in commit.statuses.list(get_all=True)] == ["pending", "failed"]
    [merged] = commit.merge_requests(get_all=True)
    assert isinstance(merged, dict) and merged["merge_commit_sha"] == "c" * 40 and merged["state"] == "merged"


def test_tokens_and_errors(gitlab_server: FakeGitLab) -> None:
    gitlab_server.add_mr(3, SHA)
    with pytest.raises(GitlabAuthenticationError) as unknown:
        client(gitlab_server, "glpat-nope").auth()
    assert unknown.value.response_code == 401
    reporter = client(gitlab_server, REPORTER_TOKEN).projects.get(PROJECT_ID, lazy=True)
    with pytest.raises(GitlabCreateError) as forbidden:
        reporter.commits.get(SHA, lazy=True).statuses.create({"state": "success", "name": "x"})
    assert forbidden.value.response_code == 403
    job = gitlab.Gitlab(gitlab_server.root, job_token=JOB_TOKEN).projects.get(PROJECT_ID, lazy=True)
    with pytest.raises(GitlabCreateError) as job_note:
        job.mergerequests.get(3, lazy=True).notes.create({"body": "hi"})
    assert job_note.value.response_code == 403
    with pytest.raises(GitlabGetError) as missing:
        client(gitlab_server).projects.get(PROJECT_ID, lazy=True).mergerequests.get(99)
    assert missing.value.response_code == 404
    assert {r.auth for r in gitlab_server.requests} == {"unknown", "reporter", "job", "write"}


@pytest.mark.parametrize("status", [409, 422])
def test_injected_failures_answer_once(gitlab_server: FakeGitLab, status: int) -> None:
    gitlab_server.add_mr(3, SHA)
    gitlab_server.fail("GET", r"/merge_requests/3$", status)
    mrs = client(gitlab_server).projects.get(PROJECT_ID, lazy=True).mergerequests
    with pytest.raises(GitlabError) as failed:
        mrs.get(3)
    assert failed.value.response_code == status
    assert mrs.get(3).sha == SHA


def test_rate_limit_says_retry_after(gitlab_server: FakeGitLab) -> None:
    gitlab_server.add_mr(3, SHA)
    gitlab_server.rate_limit("GET", r"/merge_requests/3$", retry_after=0, times=2)
    mrs = client(gitlab_server).projects.get(PROJECT_ID, lazy=True).mergerequests
    assert mrs.get(3).iid == 3  # python-gitlab waits as Retry-After says, then asks again
    assert gitlab_server.count("GET", "/merge_requests/3") == 3
