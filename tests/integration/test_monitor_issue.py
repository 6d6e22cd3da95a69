"""github/issue.py against the fake GitHub API with the real PyGithub client: one issue per model."""

from __future__ import annotations

import pytest

from mlgate.errors import ServiceError
from mlgate.github import client
from mlgate.github.context import GitHubContext
from mlgate.github.issue import MAX_BODY, Status, Synced, Wanted, room, status_of, sync
from tests.support.github_server import READ_TOKEN, FakeGitHub

MARKER = "<!-- mlgate-monitor: iris -->"


def _ctx(server: FakeGitHub, **kwargs: str) -> GitHubContext:
    return GitHubContext.from_env(server.env(**kwargs))


def _run(server: FakeGitHub, status: Status, body: str = "report", *, token: str | None = None,
         **kwargs: object) -> tuple[Synced, int]:
    ctx = _ctx(server, **({"token": token} if token else {}))
    before = len(server.requests)
    warnings: list[str] = []
    want = Wanted(marker=MARKER, title="Drift: iris", body=body, status=status, labels=("mlgate", "drift"),
                  change_comment=lambda old, new: f"{old} -> {new}", **kwargs)  # type: ignore[arg-type]
    synced = sync(ctx, client.repository(ctx), want, warnings.append)
    return synced, len(server.requests) - before


def test_the_lifecycle_of_one_issue(github_server: FakeGitHub) -> None:
    assert _run(github_server, "ok")[0].action == "none"  # healthy and no issue: nothing at all
    assert _run(github_server, "warn")[0].action == "none"  # a warning opens nothing
    assert github_server.issues() == []

    opened, requests = _run(github_server, "fail", "psi 0.4")
    # list by creator, by label (none by either), create, list again (did a concurrent run open one too?)
    assert opened.action == "opened" and requests == 4
    [issue] = github_server.issues()
    assert issue["body"].startswith(MARKER) and issue["body"].endswith("psi 0.4")
    assert [label["name"] for label in issue["labels"]] == ["mlgate", "drift"]
    assert status_of(issue["body"]) == ("fail", False)

    updated, requests = _run(github_server, "fail", "psi 0.5")
    assert updated.action == "updated" and requests == 2  # list, edit: no comment, same status
    assert github_server.issue(opened.number or 0)["body"].endswith("psi 0.5")
    assert github_server.comments(opened.number or 0) == []
    assert _run(github_server, "fail", "psi 0.5") == (Synced("unchanged", opened.number, opened.url, "fail"), 1)

    warned, requests = _run(github_server, "warn", "psi 0.15")
    assert warned.action == "updated" and requests <= 4
    assert [c["body"] for c in github_server.comments(opened.number or 0)] == ["fail -> warn"]

    closed, requests = _run(github_server, "ok", "all fine")
    assert closed.action == "closed" and requests <= 4
    assert github_server.issue(opened.number or 0)["state"] == "closed"
    assert github_server.comments(opened.number or 0)[-1]["body"] == "warn -> ok"
    assert _run(github_server, "ok")[0].action == "none"  # closed stays closed
    assert _run(github_server, "warn")[0].action == "none"

    reopened, requests = _run(github_server, "fail", "psi 0.9")
    assert reopened.action == "reopened" and requests <= 4
    assert reopened.number == opened.number and len(github_server.issues()) == 1
    assert github_server.issue(opened.number or 0)["state"] == "open"
    assert github_server.comments(opened.number or 0)[-1]["body"] == "ok -> fail"


def test_finds_the_issue_among_many_and_prefers_the_bots(github_server: FakeGitHub) -> None:
    for index in range(150):
        github_server.add_issue(f"Bug {index}", "something", labels=["bug"])
    github_server.add_issue("pasted", f"{MARKER}\nI pasted this", labels=["mlgate"])  # a person's
    ours = github_server.add_issue("Drift", f"{MARKER}\n<!-- mlgate-status: fail -->\nold", labels=["mlgate"],
                                   bot=True)
    github_server.add_issue("other model", "<!-- mlgate-monitor: other -->\nx", labels=["mlgate"], bot=True)
    synced, requests = _run(github_server, "fail", "new")
    assert (synced.action, synced.number, requests) == ("updated", ours["number"], 2)
    assert github_server.issue(ours["number"])["body"].endswith("new")
    assert [label["name"] for label in github_server.issue(ours["number"])["labels"]] == ["mlgate", "drift"]
    assert len(github_server.issues()) == 153  # nothing opened


def test_body_limit(github_server: FakeGitHub) -> None:
    assert room(MARKER) < MAX_BODY
    synced, _ = _run(github_server, "fail", "x" * room(MARKER))
    assert MAX_BODY - 20 < len(github_server.issue(synced.number or 0)["body"]) <= MAX_BODY
    with pytest.raises(ServiceError, match="too long"):
        _run(github_server, "fail", "x" * (room(MARKER) + 1))


def test_retrain_is_dispatched_once_per_episode(github_server: FakeGitHub) -> None:
    github_server.add_workflow("retrain.yml")
    opened, requests = _run(github_server, "fail", retrain_workflow="retrain.yml")
    # 2 lists, create, list again, repo (default branch), dispatch: only the run whose issue is kept dispatches
    assert opened.dispatched == "retrain.yml@main" and requests == 6
    assert github_server.dispatches() == [{"workflow": "retrain.yml", "ref": "main", "inputs": {}}]
    _run(github_server, "fail", "still", retrain_workflow="retrain.yml", retrain_ref="main")
    assert len(github_server.dispatches()) == 1  # still the same episode
    _run(github_server, "ok", retrain_workflow="retrain.yml")
    reopened, _ = _run(github_server, "fail", retrain_workflow="retrain.yml", retrain_ref="main")
    assert reopened.dispatched == "retrain.yml@main" and len(github_server.dispatches()) == 2


def test_a_refused_dispatch_is_reported_and_tried_again(github_server: FakeGitHub) -> None:
    github_server.add_workflow("retrain.yml", dispatchable=False)
    opened, _ = _run(github_server, "fail", retrain_workflow="retrain.yml", retrain_ref="main")
    assert opened.action == "opened" and opened.dispatch_error is not None
    assert "workflow_dispatch" in opened.dispatch_error.message()
    assert status_of(github_server.issue(opened.number or 0)["body"]) == ("fail", True)
    github_server.add_workflow("retrain.yml")  # fixed
    again, _ = _run(github_server, "fail", retrain_workflow="retrain.yml", retrain_ref="main")
    assert again.dispatched == "retrain.yml@main" and again.dispatch_error is None
    assert status_of(github_server.issue(opened.number or 0)["body"]) == ("fail", False)


def test_read_only_token_says_issues_write(github_server: FakeGitHub) -> None:
    with pytest.raises(ServiceError) as refused:
        _run(github_server, "fail", token=READ_TOKEN)
    assert "issues: write" in refused.value.fix
    assert github_server.issues() == []


def test_rate_limit_is_waited_out(github_server: FakeGitHub) -> None:
    github_server.rate_limit("GET", r"/issues$", retry_after=1)
    assert _run(github_server, "fail")[0].action == "opened"


@pytest.mark.parametrize("answer", [502, "drop"])
def test_a_create_gitHub_may_have_done_is_not_repeated(github_server: FakeGitHub, answer: int | str,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("mlgate.github.issue.BACKOFF", 0.01)
    github_server.apply_then_fail("POST", r"/issues$", answer)
    synced, _ = _run(github_server, "fail")
    assert synced.action == "opened"
    assert len(github_server.issues()) == 1  # found again, not opened twice




def test_the_title_follows_the_status_unless_a_person_changed_it(github_server: FakeGitHub) -> None:
    ctx = _ctx(github_server)

    def run(status: Status, title: str) -> Synced:
        want = Wanted(marker=MARKER, title=title, body=status, status=status, labels=("mlgate",))
        return sync(ctx, client.repository(ctx), want, print)

    opened = run("fail", "mlgate monitor: iris drifted")
    run("warn", "mlgate monitor: iris drift below the fail thresholds")
    assert github_server.issue(opened.number or 0)["title"] == "mlgate monitor: iris drift below the fail thresholds"
    client.repository(ctx).get_issue(opened.number or 0).edit(title="Iris drifts: see the new sensor")
    run("fail", "mlgate monitor: iris drifted")
    assert github_server.issue(opened.number or 0)["title"] == "Iris drifts: see the new sensor"


# --- whose issue, and races (issue 20, item 7) ------------------------------------------------------------


def test_a_persons_issue_with_the_marker_and_label_is_never_taken(github_server: FakeGitHub) -> None:
    """A person's issue that carries the marker and the label, before the bot's exists, is left alone."""
    planted = github_server.add_issue("Drift: iris", f"{MARKER}\nmine", labels=["mlgate", "drift"])
    opened, _ = _run(github_server, "fail", "psi 0.4")
    assert opened.action == "opened" and opened.number != planted["number"]
    assert github_server.issue(planted["number"])["body"] == f"{MARKER}\nmine"
    assert github_server.issue(planted["number"])["state"] == "open"
    assert github_server.issue(opened.number or 0)["user"]["type"] == "Bot"


def test_the_issue_is_found_after_a_person_removed_its_labels(github_server: FakeGitHub) -> None:
    ours = github_server.add_issue("mlgate monitor: iris", f"{MARKER}\nold", bot=True)  # no labels left
    synced, _ = _run(github_server, "fail", "new")
    assert (synced.action, synced.number) == ("updated", ours["number"])
    assert len(github_server.issues()) == 1
    assert [label["name"] for label in github_server.issue(ours["number"])["labels"]] == ["mlgate", "drift"]


def test_two_runs_at_once_converge_to_the_oldest_issue_and_one_dispatch(github_server: FakeGitHub) -> None:
    """Both runs find no issue and open one at the same instant (the fake server holds both creates until
    both have arrived): the newer issue is closed with a link to the older, and only one retraining runs."""
    import threading

    github_server.add_workflow("retrain.yml")
    github_server.hold("POST", r"/issues$", parties=2)
    found: list[Synced] = []
    runs = [threading.Thread(target=lambda: found.append(
        _run(github_server, "fail", "psi 0.4", retrain_workflow="retrain.yml", retrain_ref="main")[0]))
        for _ in range(2)]
    for run in runs:
        run.start()
    for run in runs:
        run.join(60)
    issues = github_server.issues()
    assert len(issues) == 2  # both were opened: the race happened
    oldest, newer = issues
    assert oldest["state"] == "open" and newer["state"] == "closed"
    assert f"#{oldest['number']}" in github_server.comments(newer["number"])[-1]["body"]
    assert len(github_server.dispatches()) == 1
    assert sorted(s.number or 0 for s in found) == [oldest["number"]] * 2
    assert sorted(s.action for s in found) == ["opened", "updated"]


def test_a_locked_issue_is_named_and_its_body_still_updated(github_server: FakeGitHub) -> None:
    ours = github_server.add_issue("mlgate monitor: iris", f"{MARKER}\n<!-- mlgate-status: fail -->\nold",
                                   labels=["mlgate", "drift"], bot=True, locked=True)
    ctx = _ctx(github_server)
    warnings: list[str] = []
    want = Wanted(marker=MARKER, title="Drift: iris", body="psi 0.15", status="warn", labels=("mlgate", "drift"),
                  change_comment=lambda old, new: f"{old} -> {new}")
    synced = sync(ctx, client.repository(ctx), want, warnings.append)
    assert synced.action == "updated"
    assert github_server.issue(ours["number"])["body"].endswith("psi 0.15")  # edited although no comment
    assert status_of(github_server.issue(ours["number"])["body"]) == ("warn", False)
    assert github_server.comments(ours["number"]) == []
    assert any(f"issue #{ours['number']} is locked" in w for w in warnings), warnings
    assert not any("rate limit" in w for w in warnings)
