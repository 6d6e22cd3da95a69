"""One sticky comment per model on the pull request, found by its hidden marker and edited in place.

All comment pages are read (100 a page). If several comments carry the marker (e.g. two jobs raced), the
oldest is kept and edited, and the newer ones *by the same author* deleted. Comments by bots (the
GITHUB_TOKEN's github-actions[bot], a GitHub App) are preferred over people's: a person who pastes the
marker into their own comment neither gets it overwritten nor deleted (with a personal token, whose
comments are a person's, the oldest marked comment is taken). A marked comment we may not edit is left
alone and a new one is created.

A create is never repeated blindly: when GitHub answers it with a 5xx, resets the connection or does not
answer in time, it may have created the comment all the same, so the comments are listed again and the
marker looked for; only when it is not there is the comment created again. After creating, the comments are
listed again and only the oldest of ours kept, so two jobs that both found no comment and both created one
end with exactly one: every run keeps the oldest and nobody deletes it, whatever the interleaving.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mlgate.errors import ServiceError
from mlgate.github.client import api
from mlgate.github.context import GitHubContext

if TYPE_CHECKING:
    from github.Issue import Issue
    from github.Repository import Repository

CREATE_ATTEMPTS = 3  # creates of a comment that was not there after a failed one
BACKOFF = 0.5  # seconds before looking again for a comment whose create failed, doubled each time


@dataclass(frozen=True)
class Posted:
    url: str
    action: str  # "created", "updated", "unchanged"
    deleted: int = 0


def _marked(comments: Iterable[Any], marker: str) -> list[Any]:
    """The comments that start with the marker, oldest first."""
    return sorted((c for c in comments if (c.body or "").lstrip().startswith(marker)),
                  key=lambda c: (c.created_at, c.id))


def _ours(comments: Any, marker: str) -> list[Any]:
    """The marked comments we may treat as ours, oldest first: the bots' if any carry the marker."""
    marked = _marked(comments, marker)
    bots = [c for c in marked if _author(c)[1] == "Bot"]
    return bots or marked


def _author(comment: Any) -> tuple[str | None, str | None]:
    user = comment.user
    return (user.login, user.type) if user is not None else (None, None)


def upsert(ctx: GitHubContext, repo: Repository, number: int, body: str, marker: str,
           warn: Callable[[str], None]) -> Posted:
    """Create or update this model's comment on PR `number`; delete duplicates."""
    issue = repo.get_issue(number)
    with api(ctx, f"listing the comments of pull request #{number}"):
        ours = _ours(issue.get_comments(), marker)
    tried: set[str | None] = set()
    for keep in ours:  # the oldest comment of each author, oldest first, until one may be edited
        author = _author(keep)[0]
        if author in tried:
            continue
        tried.add(author)
        action = _update(ctx, keep, body, warn)
        if action is not None:
            duplicates = [c for c in ours if _author(c)[0] == author and c.id != keep.id]
            return Posted(url=keep.html_url, action=action, deleted=_delete(ctx, duplicates, warn))
    created = _create(ctx, issue, number, body, marker, {c.id for c in ours}, warn)
    return _converge(ctx, issue, number, body, marker, created, warn)


def _update(ctx: GitHubContext, comment: Any, body: str, warn: Callable[[str], None]) -> str | None:
    """Bring the comment to `body`: "updated" or "unchanged"; None when GitHub will not let us edit it."""
    from github.GithubException import GithubException

    if comment.body == body:
        return "unchanged"
    with api(ctx, f"editing comment {comment.id}"):
        try:
            comment.edit(body)
            return "updated"
        except GithubException as exc:
            if exc.status not in (403, 404):
                raise
            warn(f"could not edit comment {comment.id} (GitHub answered {exc.status}); posting a new one")
            return None


def _delete(ctx: GitHubContext, comments: list[Any], warn: Callable[[str], None]) -> int:
    """Delete duplicates; a leftover duplicate is untidy, not a failure. Gone already (404) is fine."""
    from github.GithubException import GithubException

    deleted = 0
    for comment in comments:
        try:
            with api(ctx, f"deleting duplicate comment {comment.id}"):
                try:
                    comment.delete()
                except GithubException as exc:
                    if exc.status != 404:  # another run deleted it first
                        raise
                    continue
            deleted += 1
        except ServiceError as exc:
            warn(f"could not delete duplicate mlgate comment {comment.id}: {exc.why or exc.what}")
    return deleted


def _may_have_happened(exc: Exception) -> bool:
    """A failure after which GitHub may have done the request: a 5xx, a reset, a timeout."""
    from github.GithubException import GithubException
    from requests import RequestException

    if isinstance(exc, GithubException):
        return exc.status >= 500
    return isinstance(exc, (RequestException, OSError))


def _create(ctx: GitHubContext, issue: Issue, number: int, body: str, marker: str, seen: set[int],
            warn: Callable[[str], None]) -> Any:
    """Create the comment; after a failure GitHub may have acted on, look for it before creating it again."""
    doing = f"commenting on pull request #{number}"
    for attempt in range(CREATE_ATTEMPTS):
        try:
            return issue.create_comment(body)
        except Exception as exc:
            if not _may_have_happened(exc) or attempt == CREATE_ATTEMPTS - 1:
                with api(ctx, doing):
                    raise
            warn(f"GitHub did not confirm the comment on pull request #{number} ({_reason(exc)}); "
                 "looking whether it was created")
        time.sleep(BACKOFF * 2 ** attempt)
        with api(ctx, f"listing the comments of pull request #{number} again"):
            new = [c for c in _ours(issue.get_comments(), marker) if c.id not in seen]
        if new:
            return new[0]
    raise ServiceError(f"the GitHub API failed while {doing}")  # not reached: the last attempt raised


def _reason(exc: Exception) -> str:
    from github.GithubException import GithubException

    if isinstance(exc, GithubException):
        return f"GitHub answered {exc.status}"
    return type(exc).__name__


def _converge(ctx: GitHubContext, issue: Issue, number: int, body: str, marker: str, created: Any,
              warn: Callable[[str], None]) -> Posted:
    """After creating: keep the oldest of our author's marked comments, delete the rest (a racing run's)."""
    author = _author(created)[0]
    with api(ctx, f"listing the comments of pull request #{number}"):
        mine = [c for c in _marked(issue.get_comments(), marker) if _author(c)[0] == author]
    if not any(c.id == created.id for c in mine):
        mine = _marked([*mine, created], marker)
    keep = mine[0]
    deleted = _delete(ctx, mine[1:], warn)
    if keep.id == created.id:
        return Posted(url=created.html_url, action="created", deleted=deleted)
    # another run created its comment first: ours is gone, theirs takes our report
    action = _update(ctx, keep, body, warn)
    return Posted(url=keep.html_url, action=action or "created", deleted=deleted)
