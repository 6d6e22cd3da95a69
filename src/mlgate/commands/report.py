"""`mlgate report`: render report.md from the work directory; post it, or write a bundle for forks.

Exit 0 when rendering (and posting) worked, whatever the verdict: the verdict's failure is signalled by
`mlgate compare`'s exit code and by the commit status. 2 for bad input, 3 when GitHub failed.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from pydantic import ValidationError

from mlgate.config import Config
from mlgate.documents import BundleMeta, Lineage, Validation, Verdict, read_document
from mlgate.errors import EXIT_PASSED, BadInput
from mlgate.forge import CiContext, Forge, Post, Published
from mlgate.output import Output
from mlgate.report.escape import md, safe_url
from mlgate.report.outcome import MAX_DESCRIPTION, shorten
from mlgate.report.render import Rendered, render
from mlgate.report.view import Context, Documents, status_context
from mlgate.workdir import LINEAGE, REPORT, VALIDATION, VERDICT, write_text


def load_documents(out: Path) -> Documents:
    """Whichever of verdict.json, validation.json and lineage.json exist; none at all is BadInput.

    Each is validated with its model: a malformed one (or a newer schema_version) is BadInput naming it.
    """
    docs = Documents(
        verdict=read_document(out / VERDICT, Verdict) if (out / VERDICT).is_file() else None,
        validation=read_document(out / VALIDATION, Validation) if (out / VALIDATION).is_file() else None,
        lineage=read_document(out / LINEAGE, Lineage) if (out / LINEAGE).is_file() else None,
    )
    if not docs.any():
        raise BadInput(f"nothing to report: {out} has no verdict.json, validation.json or lineage.json",
                       "mlgate validate, train and compare write them into the work directory",
                       "run those stages first with the same --out")
    return docs


def link_base(config: Config, override: str | None) -> str | None:
    """The tracking server's web address for run links (http(s) only; no credentials, query or fragment)."""
    uri = override or config.tracking_uri
    url = safe_url(uri)
    if url is None:
        return None
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path.rstrip("/"), "", ""))


def view_context(config: Config, gh: CiContext, tracking_uri: str | None) -> Context:
    return Context(
        model=config.model.name,
        decision=config.framing.decision,
        primary_metric=config.primary_metric(),
        server_url=gh.server_url if gh.repository else None,
        repository=gh.repository,
        run_url=gh.run_url(),
        head_sha=gh.head_sha(),
        tracking_uri=link_base(config, tracking_uri),
    )


def run_report(config: Config, output: Output, github: CiContext, *, post: bool | None,
               bundle_dir: Path | None, out: Path, tracking_uri: str | None,
               forge: Forge | None = None) -> int:
    if bundle_dir is not None and post:
        raise BadInput("--bundle and --post exclude each other",
                       "a bundle is posted later by `mlgate publish`, from a job that may write",
                       "pass one of them")
    docs = load_documents(out)
    ctx = view_context(config, github, tracking_uri)
    template = config.resolve(config.report.template) if config.report.template else None
    rendered = render(docs, ctx, template)
    path = output.wrote("report", write_text(out / REPORT, rendered.text))
    outcome = rendered.view.outcome
    output.line(f"mlgate report: {outcome.word}: wrote {path}")
    # summary and outputs first: when posting fails (a fork's read-only token), the job still shows it
    output.summary(rendered.text, rendered.fit_summary(where=md(str(path))))
    output.set_outputs({"passed": str(outcome.passed).lower(), "comment-url": None})
    if bundle_dir is not None:
        _bundle(config, output, github, ctx, docs, rendered, bundle_dir)
    elif post if post is not None else output.actions:
        output.set_outputs({"comment-url": _post(config, output, forge or _forge(), rendered)})
    return EXIT_PASSED


def _forge() -> Forge:
    from mlgate.commands.forge import forge_from_env

    return forge_from_env()


def _head(gh: CiContext) -> str:
    sha = gh.head_sha()
    if sha is None:
        raise BadInput("no commit to report on",
                       "neither the CI event nor GITHUB_SHA (CI_COMMIT_SHA on GitLab) names a commit",
                       "run inside GitHub Actions or GitLab CI, or set GITHUB_SHA (GitLab: "
                       "CI_COMMIT_SHA) to the full commit SHA")
    return sha


def _post(config: Config, output: Output, forge: Forge, rendered: Rendered) -> str | None:
    sha = _head(forge.context)
    number = forge.find_change(sha)
    published = post_report(output, forge, rendered, config.model.name, sha=sha, pr_number=number)
    announce(output, published, rendered.view.outcome.state, forge)
    return published.comment_url


def post_report(output: Output, forge: Forge, rendered: Rendered, model: str, *,
                sha: str, pr_number: int | None, target_url: str | None = None,
                hold: str | None = None) -> Published:
    """The commit status and the sticky comment for a rendered report (report --post, and publish).

    `hold`: why the status may not be `success` (publish, a PR that changes the gate): `pending` instead."""
    outcome = rendered.view.outcome
    gh = forge.context
    state: str = outcome.state
    description = outcome.description()
    if hold is not None and state == "success":
        state, description = "pending", hold
    what = Post(sha=sha, state=state, description=shorten(description, MAX_DESCRIPTION),
                context=status_context(model), target_url=safe_url(target_url or gh.run_url()),
                body=rendered.comment(where=_where(forge)), marker=str(rendered.view.marker))
    return forge.post(what, pr_number, output.warn)


def _where(forge: Forge) -> str | None:
    """Where the full report is, said at the foot of a cut comment."""
    where = safe_url(forge.context.summary_url())
    if where is None:
        return None
    if forge.name == "gitlab":
        return f"the `report.md` artifact of [the job]({where})"
    return f"the job summary of [the workflow run]({where}) and its `report.md`"


def announce(output: Output, published: Published, state: str, forge: Forge | None = None) -> None:
    output.line(f"mlgate: set {published.status_context} = {state} on {published.sha[:7]}")
    gitlab = forge is not None and forge.name == "gitlab"
    if published.comment_url:
        output.line(f"mlgate: {published.comment_action} the {'MR note' if gitlab else 'PR comment'} "
                    f"{published.comment_url}")
    elif gitlab:
        output.line("mlgate: no merge request for this commit: no note posted")
    else:
        output.line("mlgate: no pull request for this commit: no comment posted")


def _bundle(config: Config, output: Output, gh: CiContext, ctx: Context, docs: Documents,
            rendered: Rendered, directory: Path) -> None:
    from mlgate.report.bundle import write_bundle

    if not gh.repository:
        raise BadInput("GITHUB_REPOSITORY is not set", "a bundle names the repository to post on",
                       "run inside GitHub Actions, or set GITHUB_REPOSITORY=owner/name")
    try:
        meta = BundleMeta(repository=gh.repository, pr_number=gh.pr_number(), head_sha=_head(gh),
                          model=config.model.name, decision=config.framing.decision[:2000],
                          primary_metric=config.primary_metric(), tracking_url=ctx.tracking_uri)
    except ValidationError as exc:
        raise BadInput("cannot write the report bundle", str(exc).splitlines()[0],
                       "check model.name and framing in mlgate.yaml") from exc
    path = write_bundle(directory, meta, docs, rendered.text)
    output.wrote("bundle", path.parent)
    output.line(f"mlgate report: wrote the bundle {path.parent} for `mlgate publish`")
