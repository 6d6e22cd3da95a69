"""The commit status `mlgate/<model>` (POST /projects/:id/statuses/:sha); the merge requests of a commit."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mlgate.gitlab.client import api
from mlgate.gitlab.context import GitLabContext

if TYPE_CHECKING:
    from gitlab.v4.objects import Project

# mlgate's states (GitHub's words) in GitLab's: a failed gate and an error both fail the status
STATES = {"success": "success", "failure": "failed", "error": "failed", "pending": "pending"}
MAX_DESCRIPTION = 255
STATUS_FIX = ("give the token the Developer role (setting a commit status needs it) and the `api` scope "
              "(docs/gitlab.md: the token)")


def set_status(ctx: GitLabContext, project: Project, sha: str, state: str, description: str, name: str,
               target_url: str | None) -> None:
    data: dict[str, Any] = {"state": STATES[state], "name": name,
                            "description": description[:MAX_DESCRIPTION]}
    if target_url:
        data["target_url"] = target_url
    with api(ctx, f"setting the commit status {name} on {sha[:7]}", fix_403=STATUS_FIX):
        project.commits.get(sha, lazy=True).statuses.create(data)


def merge_requests(ctx: GitLabContext, project: Project, sha: str) -> list[dict[str, Any]]:
    """The merge requests a commit belongs to (GET /projects/:id/repository/commits/:sha/merge_requests)."""
    with api(ctx, f"finding the merge requests of commit {sha[:7]}"):
        found = project.commits.get(sha, lazy=True).merge_requests(get_all=True)
    return [m for m in found if isinstance(m, dict)] if isinstance(found, list) else []
