"""The GitLab adapter of the forge port: merge request note, commit status, merged MR of a commit."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Literal

from mlgate.forge import IssueSynced, IssueWanted, Merged, Post, Published
from mlgate.gitlab import client, note, status
from mlgate.gitlab.context import SHA, GitLabContext

if TYPE_CHECKING:
    from gitlab import Gitlab
    from gitlab.v4.objects import Project


@dataclass
class GitLabForge:
    ctx: GitLabContext
    name: Literal["gitlab"] = field(default="gitlab", init=False)
    change: str = field(default="merge request", init=False)

    @property
    def context(self) -> GitLabContext:
        return self.ctx

    @cached_property
    def client(self) -> Gitlab:
        return client.connect(self.ctx)

    @cached_property
    def project(self) -> Project:
        return client.project(self.ctx, self.client)

    def find_change(self, sha: str) -> int | None:
        """CI_MERGE_REQUEST_IID, else an open MR whose head is `sha`."""
        if self.ctx.mr_iid is not None:
            return self.ctx.mr_iid
        for mr in status.merge_requests(self.ctx, self.project, sha):
            if mr.get("state") == "opened" and mr.get("sha") == sha and isinstance(mr.get("iid"), int):
                return int(mr["iid"])
        return None

    def post(self, what: Post, number: int | None, warn: Callable[[str], None]) -> Published:
        status.set_status(self.ctx, self.project, what.sha, what.state, what.description, what.context,
                          what.target_url)
        if number is None or what.body is None:
            return Published(comment_url=None, comment_action=None, status_context=what.context, sha=what.sha)
        mr = self.project.mergerequests.get(number, lazy=True)
        me = client.me(self.ctx, self.client)
        action, kept = note.upsert(self.ctx, mr, what.body, what.marker, me, warn)
        url = f"{self.ctx.server_url}/{self.ctx.repository}/-/merge_requests/{number}#note_{kept.id}" \
            if self.ctx.repository else None
        return Published(comment_url=url, comment_action=action, status_context=what.context, sha=what.sha)

    def merged_change(self, sha: str) -> Merged | None:
        """The merged MR whose merge (or squash) commit is `sha`, else the one merged MR listing it.

        Without GITLAB_TOKEN: None (promote still reads git: the merge's parents, a squash's subject)."""
        if not self.ctx.token:
            return None
        merged = [m for m in status.merge_requests(self.ctx, self.project, sha) if m.get("state") == "merged"]
        exact = [m for m in merged if sha in (m.get("merge_commit_sha"), m.get("squash_commit_sha"))]
        chosen = exact or (merged if len(merged) == 1 else [])
        if not chosen or not isinstance(chosen[0].get("iid"), int):
            return None
        head = chosen[0].get("sha")
        return Merged(number=int(chosen[0]["iid"]),
                      head_sha=head if isinstance(head, str) and SHA.fullmatch(head) else None)

    def sync_issue(self, want: IssueWanted, warn: Callable[[str], None]) -> IssueSynced:
        from mlgate.gitlab import issue

        return issue.sync(self.ctx, self.project, want, client.me(self.ctx, self.client), warn)
