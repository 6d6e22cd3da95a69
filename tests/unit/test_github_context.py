"""The GitHub context from real webhook payloads (tests/fixtures/github-events)."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlgate.errors import BadInput
from mlgate.github.context import GitHubContext
from mlgate.github.status import request

PR_HEAD = "ec26c3e57ca3a959ca5aad62de7213c562f8c821"
MERGE_SHA = "0000000000000000000000000000000000000abc"
RUN_HEAD = "3484a3fb816e0859fd6e1cea078d76385ff50625"


def ctx(events: Path, name: str, event: str, **extra: str) -> GitHubContext:
    env = {"GITHUB_EVENT_PATH": str(events / f"{name}.payload.json"), "GITHUB_EVENT_NAME": event,
           "GITHUB_REPOSITORY": "Codertocat/Hello-World", "GITHUB_SHA": MERGE_SHA, **extra}
    return GitHubContext.from_env(env)


def test_pull_request_event_names_the_pr_and_its_head_not_the_merge_commit(events: Path) -> None:
    context = ctx(events, "pull_request.synchronize", "pull_request")
    assert context.pr_number() == 2
    assert context.head_sha() == PR_HEAD
    assert context.head_branch() == "changes"


def test_workflow_run_with_pull_requests(events: Path) -> None:
    context = ctx(events, "workflow_run.completed.with-pull-requests", "workflow_run")
    assert context.head_sha() == RUN_HEAD
    # the listed PR's head is another commit than the run's: it is not this run's PR
    assert context.pr_number() is None


def test_workflow_run_of_a_fork_lists_no_pull_requests(events: Path) -> None:
    context = ctx(events, "workflow_run.completed", "workflow_run")
    assert context.pr_number() is None
    assert context.head_sha() == RUN_HEAD
    assert context.workflow_run()["html_url"].endswith("/actions/runs/289782451")


def test_push_event_falls_back_to_github_sha(events: Path) -> None:
    context = ctx(events, "push", "push")
    assert context.pr_number() is None and context.head_sha() == MERGE_SHA


def test_outside_actions() -> None:
    context = GitHubContext.from_env({})
    assert (context.repository, context.pr_number(), context.head_sha(), context.run_url()) == (None,) * 4
    assert context.api_url == "https://api.github.com" and context.server_url == "https://github.com"


def test_enterprise_urls_and_run_url() -> None:
    context = GitHubContext.from_env({"GITHUB_API_URL": "https://ghe.example/api/v3/",
                                      "GITHUB_SERVER_URL": "https://ghe.example/", "GITHUB_REPOSITORY": "a/b",
                                      "GITHUB_RUN_ID": "77", "GITHUB_RUN_ATTEMPT": "2"})
    assert context.api_url == "https://ghe.example/api/v3"
    assert context.run_url() == "https://ghe.example/a/b/actions/runs/77/attempts/2"


def test_token_is_not_in_repr() -> None:
    context = GitHubContext.from_env({"GITHUB_TOKEN": "ghs_secretvalue123"})
    assert context.token == "ghs_secretvalue123"
    assert "ghs_secretvalue123" not in repr(context)


@pytest.mark.parametrize("env", [{"GITHUB_REPOSITORY": "not a repo"}, {"GITHUB_EVENT_PATH": "/nonexistent.json"}])
def test_bad_environment_is_bad_input(env: dict[str, str]) -> None:
    with pytest.raises(BadInput):
        GitHubContext.from_env(env)


def test_malformed_event_is_bad_input(tmp_path: Path) -> None:
    path = tmp_path / "event.json"
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(BadInput, match=r"the GitHub event at GITHUB_EVENT_PATH=.* is not valid JSON"):
        GitHubContext.from_env({"GITHUB_EVENT_PATH": str(path)})


def test_status_request_limits() -> None:
    from mlgate.report.outcome import MAX_DESCRIPTION, shorten
    from mlgate.report.view import status_context

    status = request(PR_HEAD, "failure", shorten("é" * 300, MAX_DESCRIPTION), status_context("churn <model>@x"),
                     None)
    assert len(status.description) == 140
    assert status.context == "mlgate/churn -model-x"
    with pytest.raises(ValueError):
        request(PR_HEAD, "failed", "", "m", None)
    with pytest.raises(ValueError):
        request(PR_HEAD, "failure", "x" * 141, "m", None)


@pytest.mark.parametrize(("raw", "seconds"), [(None, 1.0), ("", 1.0), ("0", 0.0), ("0.25", 0.25), ("-3", 0.0)])
def test_write_interval_is_read_with_the_context(raw: str | None, seconds: float) -> None:
    env = {} if raw is None else {"MLGATE_GITHUB_WRITE_INTERVAL": raw}
    assert GitHubContext.from_env(env).write_interval == seconds


@pytest.mark.parametrize("raw", ["soon", "nan", "inf"])
def test_a_write_interval_that_is_no_number_is_bad_input(raw: str) -> None:
    with pytest.raises(BadInput, match="MLGATE_GITHUB_WRITE_INTERVAL"):
        GitHubContext.from_env({"MLGATE_GITHUB_WRITE_INTERVAL": raw})


@pytest.mark.parametrize("url", ["not a url", "api.github.com", "ftp://ghe.example/api/v3", "https://", "https:///api/v3"])
def test_an_api_url_that_is_not_an_http_url_is_bad_input(url: str) -> None:
    with pytest.raises(BadInput) as caught:
        GitHubContext.from_env({"GITHUB_API_URL": url})
    assert caught.value.what == f"GITHUB_API_URL={url!r} is not an http(s) URL with a host"
    assert "https://api.github.com" in caught.value.fix


def test_an_event_path_that_is_a_directory_says_so(tmp_path: Path) -> None:
    with pytest.raises(BadInput) as caught:
        GitHubContext.from_env({"GITHUB_EVENT_PATH": str(tmp_path)})
    assert caught.value.what == f"GITHUB_EVENT_PATH={tmp_path} is a directory, not the event's JSON file"
    assert "does not exist" not in caught.value.message()


def test_an_event_path_that_does_not_exist_says_so(tmp_path: Path) -> None:
    with pytest.raises(BadInput, match="does not exist"):
        GitHubContext.from_env({"GITHUB_EVENT_PATH": str(tmp_path / "event.json")})


def test_a_deep_event_is_bad_input(tmp_path: Path) -> None:
    path = tmp_path / "event.json"
    path.write_text('{"pull_request": ' + "[" * 100_000 + "]" * 100_000 + "}", encoding="utf-8")
    with pytest.raises(BadInput, match="nests deeper than 100 levels") as caught:
        GitHubContext.from_env({"GITHUB_EVENT_PATH": str(path)})
    assert "GITHUB_EVENT_PATH" in caught.value.what and caught.value.fix
