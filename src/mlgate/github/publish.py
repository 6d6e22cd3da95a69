"""Posting a rendered report on GitHub: the commit status, then the sticky PR comment.

The body, marker and status texts come ready from the caller (commands/report.py, commands/publish.py);
nothing here renders or reads a work directory.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from mlgate.errors import BadInput
from mlgate.forge import Post, Published
from mlgate.github import client, comment, status
from mlgate.github.context import GitHubContext

if TYPE_CHECKING:
    from github.Repository import Repository


def find_pr(ctx: GitHubContext, repo: Repository, sha: str) -> int | None:
    """The PR from the event, else an open PR whose head is `sha` (GET .../commits/{sha}/pulls)."""
    number = ctx.pr_number()
    if number is not None:
        return number
    with client.api(ctx, f"finding the pull request of commit {sha[:7]}"):
        for pull in repo.get_commit(sha).get_pulls():
            if pull.state == "open" and pull.head.sha == sha:
                return int(pull.number)
    return None


def post(ctx: GitHubContext, repo: Repository, what: Post, pr_number: int | None,
         warn: Callable[[str], None]) -> Published:
    """Set the commit status on the sha, then create or update the PR comment (when there is a PR)."""
    request = status.request(what.sha, what.state, what.description, what.context, what.target_url)
    status.set_status(ctx, repo, request)
    posted = None
    if pr_number is not None and what.body is not None:
        posted = comment.upsert(ctx, repo, pr_number, what.body, what.marker, warn)
    return Published(comment_url=posted.url if posted else None,
                     comment_action=posted.action if posted else None,
                     status_context=request.context, sha=what.sha)


def check_pr(ctx: GitHubContext, repo: Repository, number: int, head_sha: str) -> None:
    """The PR must still have `head_sha` as its head (a bundle names the PR it was made for)."""
    with client.api(ctx, f"reading pull request #{number}"):
        pull = repo.get_pull(number)
        pr_head = pull.head.sha
    if pr_head != head_sha:
        raise BadInput(f"pull request #{number} does not belong to commit {head_sha[:12]}",
                       f"the PR's head is {str(pr_head)[:12]}: the bundle names another PR, "
                       "or the PR moved on",
                       "nothing to do if the PR got new commits (their own run reports); "
                       "else check the bundle")


CONTENTS_FIX = ("give the publish job `contents: read` (with `pull-requests: write`, `statuses: write`, "
                "`actions: read`): publish reads mlgate.yaml at the PR's base and head to see whether the PR "
                "changes the gate's rules")


@dataclass(frozen=True)
class ChangedFile:
    """A file a pull request changes, as the API lists it (GET .../pulls/{n}/files)."""

    path: str
    status: str  # added, removed, modified, renamed, copied, changed, unchanged
    previous: str | None = None  # the old path of a renamed file


@dataclass(frozen=True)
class PullFiles:
    base_sha: str
    files: tuple[ChangedFile, ...]
    complete: bool  # False when the API listed fewer files than the PR changes (it stops at 3000)


def pull_files(ctx: GitHubContext, repo: Repository, number: int) -> PullFiles:
    """The PR's base commit and the files it changes, every page, from the API (not from the bundle)."""
    with client.api(ctx, f"listing the files of pull request #{number}"):
        pull = repo.get_pull(number)
        files = tuple(ChangedFile(str(f.filename), str(f.status), f.previous_filename or None)
                      for f in pull.get_files())
        total = pull.changed_files
    complete = not isinstance(total, int) or len(files) >= total
    return PullFiles(base_sha=str(pull.base.sha), files=files, complete=complete)


def file_text(ctx: GitHubContext, repo: Repository, path: str, ref: str) -> str | None:
    """A file's text at a commit, from the API (GET .../contents/{path}?ref=); None when there is none."""
    from github import UnknownObjectException

    with client.api(ctx, f"reading {path} at {ref[:12]}", read_only_fix=CONTENTS_FIX):
        try:
            found = repo.get_contents(path, ref=ref)
        except UnknownObjectException:  # no such file at that commit
            return None
    if isinstance(found, list) or found.type != "file":
        return None
    return bytes(found.decoded_content).decode("utf-8", errors="replace")
