"""The commit status branch protection can require: context `mlgate/<model>` on the PR's head commit."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from mlgate.github.client import api
from mlgate.github.context import GitHubContext
from mlgate.report.escape import safe_url
from mlgate.report.outcome import MAX_DESCRIPTION, shorten
from mlgate.report.view import slug

if TYPE_CHECKING:
    from github.Repository import Repository

STATES = ("success", "failure", "error", "pending")


@dataclass(frozen=True)
class StatusRequest:
    sha: str
    state: str
    description: str
    context: str
    target_url: str | None


def context_name(model: str) -> str:
    """The status context: `mlgate/<model>` (the name to make a required check)."""
    return f"mlgate/{slug(model)}"


def request(sha: str, state: str, description: str, model: str, target_url: str | None) -> StatusRequest:
    if state not in STATES:
        raise ValueError(f"unknown commit status state {state!r}")
    return StatusRequest(sha=sha, state=state, description=shorten(description, MAX_DESCRIPTION),
                         context=context_name(model), target_url=safe_url(target_url))


def set_status(ctx: GitHubContext, repo: Repository, status: StatusRequest) -> None:
    """Set the status on the commit (one POST; the commit object itself is not fetched)."""
    commit = repo.get_commit(status.sha)
    kwargs = {"target_url": status.target_url} if status.target_url else {}
    with api(ctx, f"setting the commit status {status.context} on {status.sha[:7]}"):
        commit.create_status(state=status.state, description=status.description, context=status.context,
                             **kwargs)
