"""The commit status branch protection can require: context `mlgate/<model>` on the PR's head commit."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from mlgate.github.client import api
from mlgate.github.context import GitHubContext

if TYPE_CHECKING:
    from github.Repository import Repository

STATES = ("success", "failure", "error", "pending")
MAX_DESCRIPTION = 140  # GitHub answers 422 for a longer description


@dataclass(frozen=True)
class StatusRequest:
    sha: str
    state: str
    description: str
    context: str
    target_url: str | None


def request(sha: str, state: str, description: str, context: str, target_url: str | None) -> StatusRequest:
    """A status to set; the caller gives a description of at most 140 characters and a safe target URL."""
    if state not in STATES:
        raise ValueError(f"unknown commit status state {state!r}")
    if len(description) > MAX_DESCRIPTION:
        raise ValueError(f"a status description has at most {MAX_DESCRIPTION} characters")
    return StatusRequest(sha=sha, state=state, description=description, context=context,
                         target_url=target_url)


def set_status(ctx: GitHubContext, repo: Repository, status: StatusRequest) -> None:
    """Set the status on the commit (one POST; the commit object itself is not fetched)."""
    commit = repo.get_commit(status.sha)
    kwargs = {"target_url": status.target_url} if status.target_url else {}
    with api(ctx, f"setting the commit status {status.context} on {status.sha[:7]}"):
        commit.create_status(state=status.state, description=status.description, context=status.context,
                             **kwargs)
