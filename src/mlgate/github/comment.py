"""One sticky comment per model on the pull request, found by its hidden marker and edited in place.

All comment pages are read (100 a page). If several comments carry the marker (e.g. two jobs raced), the
newest is kept and edited, and the older ones *by the same author* deleted. Comments by bots (the
GITHUB_TOKEN's github-actions[bot], a GitHub App) are preferred over people's: a person who pastes the
marker into their own comment neither gets it overwritten nor deleted (with a personal token, whose
comments are a person's, the newest marked comment is taken). A marked comment we may not edit is left
alone and a new one is created.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mlgate.github.client import api
from mlgate.github.context import GitHubContext

if TYPE_CHECKING:
    from github.Repository import Repository


@dataclass(frozen=True)
class Posted:
    url: str
    action: str  # "created", "updated", "unchanged"
    deleted: int = 0


def _ours(comments: Any, marker: str) -> list[Any]:
    """The marked comments we may treat as ours, oldest first: the bots' if any carry the marker."""
    marked = sorted((c for c in comments if (c.body or "").lstrip().startswith(marker)),
                    key=lambda c: (c.created_at, c.id))
    bots = [c for c in marked if _author(c)[1] == "Bot"]
    return bots or marked


def _author(comment: Any) -> tuple[str | None, str | None]:
    user = comment.user
    return (user.login, user.type) if user is not None else (None, None)


def upsert(ctx: GitHubContext, repo: Repository, number: int, body: str, marker: str,
           warn: Callable[[str], None]) -> Posted:
    """Create or update this model's comment on PR `number`; delete duplicates."""
    from github.GithubException import GithubException

    issue = repo.get_issue(number)
    with api(ctx, f"listing the comments of pull request #{number}"):
        ours = _ours(issue.get_comments(), marker)
    deleted = 0
    if ours:
        newest = ours[-1]
        older = [c for c in ours[:-1] if _author(c)[0] == _author(newest)[0]]
        for comment in older:
            try:
                with api(ctx, f"deleting duplicate comment {comment.id}"):
                    comment.delete()
                deleted += 1
            except Exception as exc:  # a leftover duplicate is untidy, not a failure
                warn(f"could not delete duplicate mlgate comment {comment.id}: {exc}")
        if newest.body == body:
            return Posted(url=newest.html_url, action="unchanged", deleted=deleted)
        with api(ctx, f"editing comment {newest.id}"):
            try:
                newest.edit(body)
                return Posted(url=newest.html_url, action="updated", deleted=deleted)
            except GithubException as exc:
                if exc.status not in (403, 404):
                    raise
                warn(f"could not edit comment {newest.id} (GitHub answered {exc.status}); posting a new one")
    with api(ctx, f"commenting on pull request #{number}"):
        created = issue.create_comment(body)
    return Posted(url=created.html_url, action="created", deleted=deleted)
