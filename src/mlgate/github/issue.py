"""One monitoring issue per model, found by its hidden marker: opened, edited in place, closed, reopened.

The issue's body starts with the model's marker and a hidden status line (`<!-- mlgate-status: fail -->`):
that is how a later run finds the issue and knows the state it left. What a run does, by the status it
brings (`fail`, `warn` or `ok`) and the issue it finds:

| found  | fail               | warn          | ok                |
|--------|--------------------|---------------|-------------------|
| none   | open it            | nothing       | nothing           |
| open   | edit the body      | edit the body | comment, close it |
| closed | reopen it, comment | nothing       | nothing           |

An open issue whose status changes (fail to warn, warn to fail) gets a short comment, made after the body is
edited (a locked issue refuses comments: a warning names the lock, and the body is still right); an unchanged
one only its body edited (nothing at all when the body is the same). Labels (monitor.labels) are set when the
issue is opened and added again on an edit when someone removed one.

Whose issue: only one the token's own identity opened counts, found by its marker; labels are not needed.
With an installation token (GITHUB_TOKEN, `ghs_…`) the issues are listed by their creator
`github-actions[bot]` (then by the first label, for another app's bot) and a bot's are ours (comment.py's
rule); with a person's token, by the login GET /user names. A person's issue is never ours, even with the
marker and the label. Concurrent runs converge: a run that opened an issue lists again, and when an older one
is open it closes its own with a link to it (and does not dispatch); a run that finds several open keeps the
oldest and closes the others. So an update takes 2 requests (list, edit), a state change 3 (list, edit,
comment) and an opening 4 (list by creator, by label, create, list again).

Retraining (`monitor.retrain_workflow`) is dispatched when the status turns to fail (opened, reopened, or warn
to fail), not on every failing run: one retraining per episode of drift, by the run whose issue is kept. A
dispatch that GitHub refused is recorded in the status line (`fail retrain-pending`) and tried again by the
next failing run.

A create is never repeated blindly (as for the PR comment): after a 5xx, a reset or a timeout, the issues
are listed again and the marker looked for first.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from mlgate.errors import ServiceError
from mlgate.github.client import api, connect
from mlgate.github.comment import BACKOFF, CREATE_ATTEMPTS, _author, _may_have_happened, _reason
from mlgate.github.context import GitHubContext

if TYPE_CHECKING:
    from github.Repository import Repository

Status = Literal["fail", "warn", "ok"]
Action = Literal["opened", "updated", "unchanged", "closed", "reopened", "none"]
TITLE_PREFIX = "mlgate monitor: "  # a title that starts so is mlgate's and follows the status
MAX_BODY = 65536  # GitHub's limit on an issue's body, in characters
ISSUES_HELP = ("give the monitor job `permissions: issues: write` (and `actions: write` when "
               "monitor.retrain_workflow is set), or pass --no-post")
DISPATCH_HELP = ("give the monitor job `permissions: actions: write`; check that monitor.retrain_workflow "
                 "names a workflow file in .github/workflows with a `workflow_dispatch:` trigger")
BOT_LOGIN = "github-actions[bot]"  # who opens issues with GITHUB_TOKEN
_STATUS = re.compile(r"<!-- mlgate-status: (fail|warn|ok)( retrain-pending)? -->")


@dataclass(frozen=True)
class Wanted:
    """What the issue should say: the marker finds it; `body` is shown under the hidden lines (a body that
    starts with the marker, as a rendered report does, gets it once)."""

    marker: str
    title: str
    body: str
    status: Status
    labels: tuple[str, ...] = ()
    retrain_workflow: str | None = None  # a workflow file dispatched when the status turns to fail
    retrain_ref: str | None = None  # default: the repository's default branch
    # the short comment said when the status changes: (previous status or None, new status) -> text
    change_comment: Callable[[Status | None, Status], str] = lambda old, new: f"mlgate monitor: {new}"


@dataclass(frozen=True)
class Synced:
    action: Action
    number: int | None = None
    url: str | None = None
    previous: Status | None = None
    dispatched: str | None = None  # "owner/name retrain.yml@main" when a retraining was dispatched
    dispatch_error: ServiceError | None = None


def _visible(want: Wanted) -> str:
    return want.body.removeprefix(f"{want.marker}\n")


def room(marker: str) -> int:
    """Characters left for the body under the marker and the status line (a body that starts with the
    marker line may be that much longer)."""
    return MAX_BODY - len(_head(marker, "fail", pending=True))


def _head(marker: str, status: Status, *, pending: bool) -> str:
    return f"{marker}\n<!-- mlgate-status: {status}{' retrain-pending' if pending else ''} -->\n"


def status_of(body: str | None) -> tuple[Status | None, bool]:
    """The status a run left in the body, and whether a retraining is still to be dispatched."""
    found = _STATUS.search(body or "")
    if found is None:
        return None, False
    return found.group(1), bool(found.group(2))  # type: ignore[return-value]


def _mine(issue: Any, me: str | None) -> bool:
    """Whether the token's own identity opened the issue: its login when GET /user told it (a person's or
    an app's user token), else a bot (an installation token, as GITHUB_TOKEN: comment.py's rule)."""
    login, kind = _author(issue)
    return login == me if me else kind == "Bot"


def _ours(issues: Any, marker: str, me: str | None) -> list[Any]:
    """The model's issues the token's identity opened (never a person's, whatever it carries), oldest
    first."""
    # pull requests are listed too; `pull_request` is absent from an issue's JSON, and reading it would cost
    # a request per issue (PyGithub completes the object), so the page address tells them apart
    marked = [i for i in issues
              if "/pull/" not in (i.html_url or "") and (i.body or "").lstrip().startswith(marker)
              and _mine(i, me)]
    return sorted(marked, key=lambda i: i.number)


def identity(ctx: GitHubContext, repo: Repository) -> str | None:
    """The login whose issues are ours: None for an installation token (GITHUB_TOKEN, `ghs_`: its issues are
    a bot's), else the token's user (GET /user, one request)."""
    if (ctx.token or "").startswith("ghs_"):
        return None
    with api(ctx, "reading the token's user (GET /user)", read_only_fix=ISSUES_HELP):
        return str(connect(ctx).get_user().login)


def _find_all(ctx: GitHubContext, repo: Repository, want: Wanted, me: str | None) -> list[Any]:
    """The model's issues the token's identity opened, oldest first: listed by their creator (one request;
    labels are not needed: a person may remove them), else by the first label (an app's own bot login is
    not known from its token)."""
    with api(ctx, "listing the repository's issues", read_only_fix=ISSUES_HELP):
        creator: Any = me or BOT_LOGIN
        found = _ours(repo.get_issues(state="all", creator=creator), want.marker, me)
        if found or not want.labels or me:
            return found
        return _ours(repo.get_issues(state="all", labels=[want.labels[0]]), want.marker, me)


def _pick(found: list[Any]) -> Any | None:
    """The issue to keep: the oldest open one, else the newest closed one (to reopen)."""
    open_ = [i for i in found if i.state == "open"]
    return open_[0] if open_ else (found[-1] if found else None)


def _find(ctx: GitHubContext, repo: Repository, want: Wanted, me: str | None = None) -> Any | None:
    return _pick(_find_all(ctx, repo, want, me))


def sync(ctx: GitHubContext, repo: Repository, want: Wanted, warn: Callable[[str], None]) -> Synced:
    """Bring the model's issue to `want` (see the module docstring); dispatch retraining when due."""
    if len(_visible(want)) > room(want.marker):
        raise ServiceError("the monitoring issue's body is too long for GitHub",
                           f"{len(_visible(want))} characters, at most {room(want.marker)}",
                           "this is a bug in mlgate: please report it")
    me = identity(ctx, repo)
    found = _find_all(ctx, repo, want, me)
    issue = _pick(found)
    previous, pending = status_of(issue.body) if issue is not None else (None, False)
    is_open = issue is not None and issue.state == "open"
    if want.status != "fail" and not is_open:
        return Synced("none", issue.number if issue else None, issue.html_url if issue else None, previous)
    turned = want.status == "fail" and (not is_open or previous != "fail")
    due = want.status == "fail" and bool(want.retrain_workflow) and (turned or pending)
    if issue is None:
        issue = _create(ctx, repo, want, _head(want.marker, want.status, pending=False) + _visible(want),
                        warn, me)
        kept = _pick([i for i in _find_all(ctx, repo, want, me) if i.state == "open"]) or issue
        if kept.number != issue.number:  # another run opened one first: this one is closed, it dispatches
            _close_duplicates(ctx, [issue], kept, warn)
            return Synced("updated", kept.number, kept.html_url, None)
        return Synced("opened", issue.number, issue.html_url, None, *_dispatched(ctx, repo, want, issue, due))
    dispatched, error = None, None
    if due and want.retrain_workflow:
        dispatched, error = _dispatch(ctx, repo, want.retrain_workflow, want.retrain_ref)
    body = _head(want.marker, want.status, pending=error is not None) + _visible(want)
    action = _edit(ctx, issue, want, body, is_open, previous, warn)
    _close_duplicates(ctx, [i for i in found if i.state == "open" and i.number != issue.number], issue, warn)
    return Synced(action, issue.number, issue.html_url, previous, dispatched, error)


def _dispatched(ctx: GitHubContext, repo: Repository, want: Wanted, issue: Any,
                due: bool) -> tuple[str | None, ServiceError | None]:
    """Dispatch the retraining for a just-opened issue; a refusal is recorded in its body
    (`retrain-pending`) so that the next failing run tries again."""
    if not due or not want.retrain_workflow:
        return None, None
    dispatched, error = _dispatch(ctx, repo, want.retrain_workflow, want.retrain_ref)
    if error is not None:
        with api(ctx, f"editing issue #{issue.number}", read_only_fix=ISSUES_HELP):
            issue.edit(body=_head(want.marker, want.status, pending=True) + _visible(want))
    return dispatched, error


def _close_duplicates(ctx: GitHubContext, duplicates: list[Any], kept: Any,
                      warn: Callable[[str], None]) -> None:
    """Close the other open issues of the model (concurrent runs each opened one), linking to the kept one."""
    for other in duplicates:
        warn(f"closing the duplicate monitoring issue #{other.number} (a concurrent monitor run opened it); "
             f"#{kept.number} is kept")
        with api(ctx, f"closing the duplicate issue #{other.number}", read_only_fix=ISSUES_HELP):
            other.edit(state="closed", state_reason="not_planned")
        _comment(ctx, other, f"mlgate monitor: a duplicate of #{kept.number} ({kept.html_url}), opened by a "
                 "concurrent run; closed.", warn)


def _comment(ctx: GitHubContext, issue: Any, text: str, warn: Callable[[str], None]) -> None:
    """Comment on the issue; on a locked one, a warning naming the lock instead (its body is edited)."""
    if issue.locked:
        warn(f"issue #{issue.number} is locked: mlgate edited its body but cannot comment on it; unlock it "
             "(the issue's sidebar: Unlock conversation) to get the status changes as comments")
        return
    try:
        with api(ctx, f"commenting on issue #{issue.number}", read_only_fix=ISSUES_HELP):
            issue.create_comment(text)
    except ServiceError as exc:
        if "locked" not in exc.why.lower():
            raise
        warn(f"issue #{issue.number} is locked: mlgate edited its body but cannot comment on it ({exc.why}); "
             "unlock it to get the status changes as comments")


def _edit(ctx: GitHubContext, issue: Any, want: Wanted, body: str, is_open: bool,
          previous: Status | None, warn: Callable[[str], None]) -> Action:
    """Edit the found issue in one request (body, labels, state), then a comment when the status changed:
    the body is right even when the comment cannot be made (a locked issue)."""
    number = issue.number
    have = [label.name for label in issue.labels]
    missing = [name for name in want.labels if name.lower() not in {h.lower() for h in have}]
    changes: dict[str, Any] = {}
    if issue.body != body:
        changes["body"] = body
    if issue.title != want.title and (issue.title or "").startswith(TITLE_PREFIX):  # ours, not a person's
        changes["title"] = want.title
    if missing:
        changes["labels"] = [*have, *missing]
    action: Action = "updated"
    if want.status == "ok":
        changes.update(state="closed", state_reason="completed")
        action = "closed"
    elif not is_open:
        changes.update(state="open")
        action = "reopened"
    elif previous == want.status and not changes:
        return "unchanged"
    if changes:
        with api(ctx, f"editing issue #{number}", read_only_fix=ISSUES_HELP):
            issue.edit(**changes)
    if action != "updated" or previous != want.status:
        _comment(ctx, issue, want.change_comment(previous, want.status), warn)
    return action


def _create(ctx: GitHubContext, repo: Repository, want: Wanted, body: str,
            warn: Callable[[str], None], me: str | None = None) -> Any:
    """Open the issue; after a failure GitHub may have acted on, look for it before opening it again."""
    doing = "opening the monitoring issue"
    for attempt in range(CREATE_ATTEMPTS):
        try:
            return repo.create_issue(title=want.title, body=body, labels=list(want.labels))
        except Exception as exc:
            if not _may_have_happened(exc) or attempt == CREATE_ATTEMPTS - 1:
                with api(ctx, doing, read_only_fix=ISSUES_HELP):
                    raise
            warn(f"GitHub did not confirm the monitoring issue ({_reason(exc)}); "
                 "looking whether it was opened")
        time.sleep(BACKOFF * 2 ** attempt)
        found = _find(ctx, repo, want, me)
        if found is not None:
            return found
    raise ServiceError(f"the GitHub API failed while {doing}")  # not reached: the last attempt raised


def _dispatch(ctx: GitHubContext, repo: Repository, workflow: str,
              ref: str | None) -> tuple[str | None, ServiceError | None]:
    """Dispatch `workflow` (no inputs: the workflow may declare none); a refusal is returned, not raised."""
    try:
        with api(ctx, f"dispatching the workflow {workflow}", read_only_fix=DISPATCH_HELP):
            branch = ref or repo.default_branch
            repo.get_workflow(workflow).create_dispatch(branch, throw=True)
    except ServiceError as exc:
        if exc.why.startswith("GitHub answered 4"):  # refused: permissions or the workflow, not an outage
            exc.fix = DISPATCH_HELP
        return None, exc
    return f"{workflow}@{branch}", None
