"""`mlgate publish`: post a bundle from the privileged workflow_run job (the fork-safe second stage).

It validates the bundle, checks that the PR belongs to the head commit, and renders the report itself
from the bundle's data with the packaged template (never a template or code from the bundle).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from mlgate.commands.report import announce, post_report
from mlgate.commands.review import HOLD, gate_changes, notice, repo_path
from mlgate.documents import Verdict
from mlgate.errors import EXIT_PASSED, BadInput
from mlgate.github import client
from mlgate.github.context import GitHubContext
from mlgate.github.forge import GitHubForge
from mlgate.github.publish import check_pr, find_pr
from mlgate.output import Output
from mlgate.report.bundle import read_bundle
from mlgate.report.escape import safe_url
from mlgate.report.render import Rendered, render
from mlgate.report.view import Context


def _check_event(ctx: GitHubContext, head_sha: str) -> None:
    run = ctx.workflow_run()
    if (ctx.event_name == "workflow_run" or run) and run.get("head_sha") != head_sha:
        raise BadInput("the bundle is for another commit than the workflow run that made it",
                       f"bundle head_sha {head_sha[:12]}, "
                       f"workflow_run.head_sha {str(run.get('head_sha'))[:12]}",
                       "download the artifact of the triggering run: "
                       "`run-id: ${{ github.event.workflow_run.id }}`")


def _check_model(model: str, verdict: Verdict | None) -> None:
    name = verdict.model.name if verdict else None
    if name is not None and name != model:
        raise BadInput(f"the bundle's verdict is for model {name[:100]!r}, "
                       f"its metadata for {model[:100]!r}",
                       "a bundle reports on one model", "publish only what `mlgate report --bundle` wrote")


def run_publish(output: Output, github: GitHubContext, *, bundle_dir: Path,
                config_path: Path = Path("mlgate.yaml")) -> int:
    """Post a bundle written by `mlgate report --bundle` (the privileged workflow_run job).

    `config_path`: mlgate.yaml's path in the repository (whether the PR changes its rules)."""
    meta, docs = read_bundle(bundle_dir)
    if github.repository != meta.repository:
        raise BadInput(f"the bundle is for {meta.repository}, this workflow runs in {github.repository}",
                       "a bundle is only published on the repository it was made for",
                       "publish it from a workflow of that repository")
    _check_event(github, meta.head_sha)
    _check_model(meta.model, docs.verdict)
    repo = client.repository(github)
    number = meta.pr_number
    if number is not None:
        check_pr(github, repo, number, meta.head_sha)
    else:
        number = find_pr(github, repo, meta.head_sha)
    run = github.workflow_run()
    target = run.get("html_url") if safe_url(run.get("html_url")) else github.run_url()
    view_ctx = Context(model=meta.model, decision=meta.decision, primary_metric=meta.primary_metric,
                       server_url=github.server_url, repository=github.repository, run_url=target,
                       head_sha=meta.head_sha, tracking_uri=meta.tracking_url)
    rendered = render(docs, view_ctx)
    # a PR that changes the gate's own files never gets `success` from here: a maintainer reviews them
    in_repo = repo_path(config_path)
    reasons = gate_changes(github, repo, number, meta.head_sha, in_repo) if number is not None else []
    if reasons:
        rendered = with_notice(rendered, notice(reasons))
        output.warn(f"mlgate publish: this pull request changes the gate ({'; '.join(reasons)}): {HOLD}",
                    title="mlgate: the gate's own files")
    published = post_report(output, GitHubForge(github), rendered, meta.model, sha=meta.head_sha,
                            pr_number=number, target_url=target, hold=HOLD if reasons else None)
    output.summary(rendered.text, rendered.fit_summary())
    output.set_outputs({"passed": str(rendered.view.outcome.passed and not reasons).lower(),
                        "comment-url": published.comment_url, "report-path": ""})
    announce(output, published, "pending" if reasons and rendered.view.outcome.passed
             else rendered.view.outcome.state)
    return EXIT_PASSED


def with_notice(rendered: Rendered, text: str) -> Rendered:
    """The report with `text` right after its marker line (the comment is still found by the marker)."""
    marker, _, rest = rendered.text.partition("\n")
    return dataclasses.replace(rendered, text=f"{marker}\n{text}\n{rest}")
