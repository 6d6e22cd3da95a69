"""The GitHub adapter of the forge port: delegates to context.py, client.py, publish.py (nothing new here)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Literal

from mlgate.forge import IssueSynced, IssueWanted, Merged, Post, Published
from mlgate.github.context import GitHubContext

if TYPE_CHECKING:
    from github.Repository import Repository


@dataclass
class GitHubForge:
    ctx: GitHubContext
    name: Literal["github"] = field(default="github", init=False)
    change: str = field(default="pull request", init=False)

    @property
    def context(self) -> GitHubContext:
        return self.ctx

    @cached_property
    def repo(self) -> Repository:
        from mlgate.github import client

        return client.repository(self.ctx)

    def find_change(self, sha: str) -> int | None:
        from mlgate.github.publish import find_pr

        return find_pr(self.ctx, self.repo, sha)

    def post(self, what: Post, number: int | None, warn: Callable[[str], None]) -> Published:
        from mlgate.github import publish

        return publish.post(self.ctx, self.repo, what, number, warn)

    def merged_change(self, sha: str) -> Merged | None:
        """From the merged pull_request event (promote's other clues read git itself)."""
        number = self.ctx.pr_number()
        if not self.ctx.merged() or number is None:
            return None
        return Merged(number=number, head_sha=self.ctx.pr_head_sha())

    def sync_issue(self, want: IssueWanted, warn: Callable[[str], None]) -> IssueSynced:
        from mlgate.github import issue

        if not isinstance(want, issue.Wanted):
            raise TypeError("GitHubForge.sync_issue takes a mlgate.github.issue.Wanted")
        return issue.sync(self.ctx, self.repo, want, warn)
