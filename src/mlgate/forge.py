"""The forge port: what mlgate needs from the host of the repository (GitHub, GitLab), as a Protocol.

A forge gives the CI context (repository, change request, base and head commits, run URL, whether a token
is there), posts a note found by its hidden marker (created or edited in place, converging to exactly one),
sets a commit status, and finds the change request of a commit. The adapters are `mlgate.github.forge` and
`mlgate.gitlab.forge`; `mlgate.commands.forge.forge_from_env` is the one factory that reads the environment
and picks one. Nothing here does I/O: plain values shared by the commands and the adapters.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal, Protocol

ForgeName = Literal["github", "gitlab"]
FORGES: tuple[ForgeName, ...] = ("github", "gitlab")


class CiContext(Protocol):
    """Where we run: read once from the environment by the forge's adapter; the token never printed."""

    @property
    def repository(self) -> str | None:
        """owner/name on GitHub, group/project on GitLab."""

    @property
    def sha(self) -> str | None:
        """The commit the CI run checked out (GITHUB_SHA, CI_COMMIT_SHA)."""

    @property
    def server_url(self) -> str:
        """The forge's web address (https://github.com, CI_SERVER_URL)."""

    @property
    def token(self) -> str | None:
        """The token mlgate posts with (kept out of repr and messages)."""

    def pr_number(self) -> int | None:
        """The pull request's number / the merge request's IID when the run is about one."""

    def pr_head_sha(self) -> str | None:
        """The change request's head commit when the run is about one, else None."""

    def head_sha(self) -> str | None:
        """The commit the change request's page shows (the status goes there)."""

    def base_ref(self) -> str | None:
        """What the change request is diffed against (`validate --base`'s default)."""

    def run_url(self) -> str | None:
        """The CI run's page (GitHub: the workflow run; GitLab: the job)."""

    def summary_url(self) -> str | None:
        """Where the full report can be read."""

    def merged(self) -> bool:
        """True when the event says a change request was merged (GitHub's closed+merged event)."""

    def who(self) -> str:
        """Who acts (GITHUB_ACTOR, GITLAB_USER_LOGIN), else the local user."""


@dataclass(frozen=True)
class Post:
    """What to post: the commit status and the note (body None: no note). `state` is mlgate's word:
    success, failure, error or pending; each forge maps it to its own."""

    sha: str
    state: str
    description: str
    context: str
    target_url: str | None
    body: str | None
    marker: str


@dataclass(frozen=True)
class Published:
    comment_url: str | None
    comment_action: str | None  # "created", "updated", "unchanged"; None without a note
    status_context: str
    sha: str


@dataclass(frozen=True)
class Merged:
    """The change request a default-branch commit merged: its number and head commit."""

    number: int
    head_sha: str | None


IssueStatus = Literal["fail", "warn", "ok"]


class IssueWanted(Protocol):
    """What the model's monitoring issue should say (github.issue.Wanted is one)."""

    @property
    def marker(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def body(self) -> str: ...
    @property
    def status(self) -> IssueStatus: ...
    @property
    def labels(self) -> tuple[str, ...]: ...
    @property
    def retrain_workflow(self) -> str | None: ...
    @property
    def retrain_ref(self) -> str | None: ...
    @property
    def change_comment(self) -> Any: ...  # (previous status or None, new status) -> the comment's text


class IssueSynced(Protocol):
    """What a sync of the monitoring issue did (github.issue.Synced is one)."""

    @property
    def action(self) -> str: ...
    @property
    def number(self) -> int | None: ...
    @property
    def url(self) -> str | None: ...
    @property
    def dispatched(self) -> str | None: ...
    @property
    def dispatch_error(self) -> Any: ...  # a ServiceError to raise after announcing, or None


class Forge(Protocol):
    """One host of the repository, built by the factory with its context."""

    @property
    def name(self) -> ForgeName: ...

    @property
    def change(self) -> str:
        """ "pull request" or "merge request": what a person calls it on this host."""

    @property
    def context(self) -> CiContext: ...

    def find_change(self, sha: str) -> int | None:
        """The change request of the run, else an open one whose head is `sha`."""

    def post(self, what: Post, number: int | None, warn: Callable[[str], None]) -> Published:
        """Set the commit status on `what.sha`, then keep one note (by marker) on change request `number`."""

    def merged_change(self, sha: str) -> Merged | None:
        """The change request that merged commit `sha` into the default branch, if the host knows it."""

    def sync_issue(self, want: IssueWanted, warn: Callable[[str], None]) -> IssueSynced:
        """Open, edit, close or reopen the model's issue (found by its marker among the bot's own); dispatch
        retraining (a workflow, a pipeline) when the status turns to fail."""
