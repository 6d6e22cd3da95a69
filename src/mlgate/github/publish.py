"""Posting a rendered report on GitHub (comment, status), and `mlgate publish` for fork pull requests.

`post` is shared by `mlgate report --post` and `mlgate publish`. `run_publish` is the privileged second
stage of the fork-safe set-up: it validates a bundle, checks that the PR belongs to the head commit, and
renders the report itself from the bundle's data with the packaged template.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from mlgate.errors import EXIT_PASSED, BadInput
from mlgate.github import client, comment, status
from mlgate.github.bundle import read_bundle
from mlgate.github.context import GitHubContext
from mlgate.github.summary import append_summary, set_outputs
from mlgate.report.escape import safe_url
from mlgate.report.render import Rendered, render
from mlgate.report.view import Context, Documents
from mlgate.workdir import LINEAGE, VALIDATION, VERDICT

if TYPE_CHECKING:
    from github.Repository import Repository


@dataclass(frozen=True)
class Published:
    comment_url: str | None
    comment_action: str | None
    status_context: str
    sha: str


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


def post(ctx: GitHubContext, rendered: Rendered, model: str, *, sha: str, pr_number: int | None,
         repo: Repository | None = None, target_url: str | None = None) -> Published:
    """Set the commit status on `sha`, then create or update the PR comment (when there is a PR)."""
    repo = repo if repo is not None else client.repository(ctx)
    outcome = rendered.view.outcome
    request = status.request(sha, outcome.state, outcome.description(), model, target_url or ctx.run_url())
    status.set_status(ctx, repo, request)
    posted = None
    if pr_number is not None:
        body = rendered.comment(where=_where(ctx))
        posted = comment.upsert(ctx, repo, pr_number, body, str(rendered.view.marker))
    return Published(comment_url=posted.url if posted else None,
                     comment_action=posted.action if posted else None,
                     status_context=request.context, sha=sha)


def _where(ctx: GitHubContext) -> str | None:
    url = safe_url(ctx.summary_url())
    return f"the job summary of [the workflow run]({url}) and its `report.md`" if url else None


def announce(published: Published, state: str) -> None:
    click.echo(f"mlgate: set {published.status_context} = {state} on {published.sha[:7]}")
    if published.comment_url:
        click.echo(f"mlgate: {published.comment_action} the PR comment {published.comment_url}")
    else:
        click.echo("mlgate: no pull request for this commit: no comment posted")


# --- mlgate publish -----------------------------------------------------------------------------------


def _check_event(ctx: GitHubContext, head_sha: str) -> None:
    run = ctx.workflow_run()
    if (ctx.event_name == "workflow_run" or run) and run.get("head_sha") != head_sha:
        raise BadInput("the bundle is for another commit than the workflow run that made it",
                       f"bundle head_sha {head_sha[:12]}, "
                       f"workflow_run.head_sha {str(run.get('head_sha'))[:12]}",
                       "download the artifact of the triggering run: "
                       "`run-id: ${{ github.event.workflow_run.id }}`")


def _check_model(model: str, verdict: dict[str, Any] | None) -> None:
    named = (verdict or {}).get("model")
    name = named.get("name") if isinstance(named, dict) else None
    if name is not None and name != model:
        raise BadInput(f"the bundle's verdict is for model {str(name)[:100]!r}, "
                       f"its metadata for {model[:100]!r}",
                       "a bundle reports on one model", "publish only what `mlgate report --bundle` wrote")


def _check_pr(ctx: GitHubContext, repo: Repository, number: int, head_sha: str) -> None:
    with client.api(ctx, f"reading pull request #{number}"):
        pull = repo.get_pull(number)
        pr_head = pull.head.sha
    if pr_head != head_sha:
        raise BadInput(f"pull request #{number} does not belong to commit {head_sha[:12]}",
                       f"the PR's head is {str(pr_head)[:12]}: the bundle names another PR, "
                       "or the PR moved on",
                       "nothing to do if the PR got new commits (their own run reports); "
                       "else check the bundle")


def run_publish(bundle_dir: Path) -> int:
    """Post a bundle written by `mlgate report --bundle` (the privileged workflow_run job)."""
    meta, documents = read_bundle(bundle_dir)
    ctx = GitHubContext.from_env()
    if ctx.repository != meta.repository:
        raise BadInput(f"the bundle is for {meta.repository}, this workflow runs in {ctx.repository}",
                       "a bundle is only published on the repository it was made for",
                       "publish it from a workflow of that repository")
    _check_event(ctx, meta.head_sha)
    _check_model(meta.model, documents.get(VERDICT))
    repo = client.repository(ctx)
    number = meta.pr_number
    if number is not None:
        _check_pr(ctx, repo, number, meta.head_sha)
    else:
        number = find_pr(ctx, repo, meta.head_sha)
    run = ctx.workflow_run()
    target = run.get("html_url") if safe_url(run.get("html_url")) else ctx.run_url()
    docs = Documents(verdict=documents.get(VERDICT), validation=documents.get(VALIDATION),
                     lineage=documents.get(LINEAGE))
    view_ctx = Context(model=meta.model, decision=meta.decision, primary_metric=meta.primary_metric,
                       server_url=ctx.server_url, repository=ctx.repository, run_url=target,
                       head_sha=meta.head_sha, tracking_uri=meta.tracking_url)
    rendered = render(docs, view_ctx)
    published = post(ctx, rendered, meta.model, sha=meta.head_sha, pr_number=number, repo=repo,
                     target_url=target)
    append_summary(rendered.text)
    set_outputs({"passed": str(rendered.view.outcome.passed).lower(), "comment-url": published.comment_url,
                 "report-path": ""})
    announce(published, rendered.view.outcome.state)
    return EXIT_PASSED
