"""One monitoring issue per model on GitLab, found by its hidden marker among the token user's issues.

The same rules as on GitHub (mlgate.github.issue): the description starts with the marker and a hidden
status line; a run that brings `fail` opens the issue (or reopens it, with a note), `warn` edits an open one,
`ok` closes an open one with a note; labels (monitor.labels) are set when opening and added back on an edit
when someone removed one. Only issues opened by the token's user count (a person's issue that quotes the
marker is left alone); of several, the oldest is kept.

Retraining (`monitor.retrain_workflow`): when the status turns to fail, a pipeline is created on
`monitor.retrain_ref` (default: the default branch) with the variable MLGATE_RETRAIN set to the
retrain_workflow's value, so the project's `rules:` pick the retraining jobs (`if: $MLGATE_RETRAIN`). A
pipeline GitLab refused is recorded in the status line (`fail retrain-pending`) and tried again next time.

A create is never repeated blindly: after a 5xx or a dropped connection, the issues are listed again first.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from mlgate.errors import ServiceError
from mlgate.forge import IssueStatus, IssueWanted
from mlgate.gitlab.client import api, may_have_happened
from mlgate.gitlab.context import GitLabContext

if TYPE_CHECKING:
    from gitlab.v4.objects import Project

Action = Literal["opened", "updated", "unchanged", "closed", "reopened", "none"]
TITLE_PREFIX = "mlgate monitor: "
CREATE_ATTEMPTS = 3
BACKOFF = 0.5
ISSUES_FIX = "give GITLAB_TOKEN the `api` scope and at least the Reporter role, or pass --no-post"
PIPELINE_FIX = ("give GITLAB_TOKEN the Developer role (creating a pipeline needs it), and check that "
                "monitor.retrain_ref names a branch")
_STATUS = re.compile(r"<!-- mlgate-status: (fail|warn|ok)( retrain-pending)? -->")


@dataclass(frozen=True)
class Synced:
    action: Action
    number: int | None = None
    url: str | None = None
    previous: IssueStatus | None = None
    dispatched: str | None = None  # "group/project pipeline 123 on main"
    dispatch_error: ServiceError | None = None


def _head(marker: str, status: IssueStatus, *, pending: bool) -> str:
    return f"{marker}\n<!-- mlgate-status: {status}{' retrain-pending' if pending else ''} -->\n"


def status_of(body: str | None) -> tuple[IssueStatus | None, bool]:
    found = _STATUS.search(body or "")
    if found is None:
        return None, False
    return found.group(1), bool(found.group(2))  # type: ignore[return-value]


def _find(ctx: GitLabContext, project: Project, want: IssueWanted, me: int) -> Any | None:
    filters: dict[str, Any] = {"state": "all", "author_id": me, "order_by": "created_at", "sort": "asc"}
    if want.labels:
        filters["labels"] = want.labels[0]
    with api(ctx, "listing the project's issues", fix_403=ISSUES_FIX):
        issues = list(project.issues.list(iterator=True, **filters))
    marked = [i for i in issues if (getattr(i, "author", None) or {}).get("id") == me
              and (i.description or "").lstrip().startswith(want.marker)]
    marked.sort(key=lambda i: i.iid)
    return marked[0] if marked else None


def sync(ctx: GitLabContext, project: Project, want: IssueWanted, me: int,
         warn: Callable[[str], None]) -> Synced:
    issue = _find(ctx, project, want, me)
    previous, pending = status_of(issue.description) if issue is not None else (None, False)
    is_open = issue is not None and issue.state == "opened"
    if want.status != "fail" and not is_open:
        return Synced("none", issue.iid if issue else None, issue.web_url if issue else None, previous)
    turned = want.status == "fail" and (not is_open or previous != "fail")
    dispatched, error = None, None
    if want.status == "fail" and want.retrain_workflow and (turned or pending):
        dispatched, error = _pipeline(ctx, project, want.retrain_workflow, want.retrain_ref)
    visible = want.body.removeprefix(f"{want.marker}\n")
    body = _head(want.marker, want.status, pending=error is not None) + visible
    if issue is None:
        issue = _create(ctx, project, want, body, me, warn)
        return Synced("opened", issue.iid, issue.web_url, None, dispatched, error)
    action = _edit(ctx, issue, want, body, is_open, previous)
    return Synced(action, issue.iid, issue.web_url, previous, dispatched, error)


def _edit(ctx: GitLabContext, issue: Any, want: IssueWanted, body: str, is_open: bool,
          previous: IssueStatus | None) -> Action:
    have = list(issue.labels or [])
    missing = [name for name in want.labels if name.lower() not in {h.lower() for h in have}]
    changes: dict[str, Any] = {}
    if issue.description != body:
        changes["description"] = body
    if issue.title != want.title and (issue.title or "").startswith(TITLE_PREFIX):
        changes["title"] = want.title
    if missing:
        changes["add_labels"] = ",".join(missing)
    action: Action = "updated"
    if want.status == "ok":
        changes["state_event"] = "close"
        action = "closed"
    elif not is_open:
        changes["state_event"] = "reopen"
        action = "reopened"
    elif previous == want.status and not changes:
        return "unchanged"
    if action != "updated" or previous != want.status:
        with api(ctx, f"commenting on issue #{issue.iid}", fix_403=ISSUES_FIX):
            issue.notes.create({"body": want.change_comment(previous, want.status)})
    if changes:
        with api(ctx, f"editing issue #{issue.iid}", fix_403=ISSUES_FIX):
            issue.manager.update(issue.iid, changes)
    return action


def _create(ctx: GitLabContext, project: Project, want: IssueWanted, body: str, me: int,
            warn: Callable[[str], None]) -> Any:
    doing = "opening the monitoring issue"
    for attempt in range(CREATE_ATTEMPTS):
        try:
            return project.issues.create({"title": want.title, "description": body,
                                          "labels": ",".join(want.labels)})
        except Exception as exc:
            if not may_have_happened(exc) or attempt == CREATE_ATTEMPTS - 1:
                with api(ctx, doing, fix_403=ISSUES_FIX):
                    raise
            warn(f"GitLab did not confirm the monitoring issue ({type(exc).__name__}); "
                 "looking whether it was opened")
        time.sleep(BACKOFF * 2 ** attempt)
        found = _find(ctx, project, want, me)
        if found is not None:
            return found
    raise ServiceError(f"GitLab's API failed while {doing}")  # not reached: the last attempt raised


def _pipeline(ctx: GitLabContext, project: Project, retrain: str,
              ref: str | None) -> tuple[str | None, ServiceError | None]:
    """Create the retraining pipeline; a refusal is returned, not raised (the issue is still kept)."""
    branch = ref or ctx.default_branch or "main"
    try:
        with api(ctx, f"creating the retraining pipeline on {branch}", fix_403=PIPELINE_FIX):
            created = project.pipelines.create(
                {"ref": branch, "variables": [{"key": "MLGATE_RETRAIN", "value": retrain}]})
    except ServiceError as exc:
        if exc.why.startswith("GitLab answered 4"):
            exc.fix = PIPELINE_FIX
        return None, exc
    return f"pipeline {created.id} on {branch}", None
