"""The report's content, built from the work-directory documents (any of them may be missing or partial).

Every piece is escaped here (`Safe`), so templates only lay pieces out. Nothing in this module does I/O.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from mlgate import __version__
from mlgate.documents import mlflow_run_url
from mlgate.report import chart, fmt
from mlgate.report.escape import Safe, code, html, link, md, safe_url
from mlgate.report.outcome import FAILING_DATA, Outcome, decide
from mlgate.report.tables import table

Doc = Mapping[str, Any]
MAX_SAMPLES = 5
MAX_SAMPLE_COLUMNS = 8
_SHA = re.compile(r"[0-9a-fA-F]{7,64}")


@dataclass(frozen=True)
class Documents:
    """What the earlier stages wrote: verdict.json, validation.json, lineage.json (each may be None)."""

    verdict: Doc | None = None
    validation: Doc | None = None
    lineage: Doc | None = None

    def any(self) -> bool:
        return any(d is not None for d in (self.verdict, self.validation, self.lineage))


@dataclass(frozen=True)
class Context:
    """Where links point and what the config says when the documents do not."""

    model: str = "model"
    decision: str = ""
    primary_metric: str | None = None
    server_url: str | None = None  # GITHUB_SERVER_URL
    repository: str | None = None  # GITHUB_REPOSITORY
    run_url: str | None = None  # the workflow run
    head_sha: str | None = None
    tracking_uri: str | None = None
    full_report: str | None = None  # where the whole report is, when the comment is cut


@dataclass(frozen=True)
class DatasetView:
    summary: Safe  # HTML-escaped, for <summary>
    failures: Safe  # a table
    samples: list[Safe] = field(default_factory=list)  # one table per failure with samples


@dataclass(frozen=True)
class ReportView:
    marker: Safe
    model: Safe
    outcome: Outcome
    headline: Safe
    framing: Safe
    compared: Safe
    metrics: Safe
    params: Safe
    params_count: int
    data_table: Safe
    data_failed: list[DatasetView]
    data_summary: Safe
    pins: Safe
    pins_summary: Safe
    chart: Safe | None
    chart_metric: Safe
    notes: list[Safe]
    footer: Safe
    has_verdict: bool
    has_validation: bool
    has_lineage: bool


def marker(model: str) -> Safe:
    """The hidden marker that finds this model's comment again."""
    return Safe(f"<!-- mlgate-report: {slug(model)} -->")


def status_context(model: str) -> str:
    """The commit status context: `mlgate/<model>` (the name to make a required check)."""
    return f"mlgate/{slug(model)}"


def slug(model: str) -> str:
    """A model name reduced to `[A-Za-z0-9_.-/ ]` (markers, status contexts), at most 100 characters."""
    return re.sub(r"[^A-Za-z0-9_./ -]+", "-", model).strip()[:100] or "model"


def _map(value: Any) -> Doc:
    return value if isinstance(value, Mapping) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def build(docs: Documents, ctx: Context) -> ReportView:
    verdict, validation, lineage = docs.verdict, docs.validation, docs.lineage
    v = _map(verdict)
    model = str(_map(v.get("model")).get("name") or ctx.model)
    primary = str(v.get("primary_metric") or _map(v.get("framing")).get("primary_metric")
                  or ctx.primary_metric or "")
    outcome = decide(verdict, validation)
    series = chart.points(_list(v.get("history")), _map(_map(v.get("candidate")).get("metrics")).get(primary))
    failed = [_dataset_view(d) for d in _datasets(validation) if _map(d).get("status") in FAILING_DATA]
    params_diff = [p for p in _list(v.get("params_diff")) if isinstance(p, Mapping)]
    return ReportView(
        marker=marker(model),
        model=md(model, 100),
        outcome=outcome,
        headline=md(outcome.summary, 500),
        framing=_framing(v, ctx, primary),
        compared=_compared(v, ctx),
        metrics=_metrics(_list(v.get("metrics")), primary),
        params=table(["Param", "This PR", "Production"],
                     [[md(p.get("name"), 80), fmt.value(p.get("candidate")), fmt.value(p.get("production"))]
                      for p in params_diff]),
        params_count=len(params_diff),
        data_table=_data_table(validation),
        data_failed=failed,
        data_summary=_data_summary(validation, len(failed)),
        pins=_pins(_map(lineage), ctx),
        pins_summary=_pins_summary(_map(lineage)),
        chart=chart.mermaid(primary, series) if primary else None,
        chart_metric=md(primary, 80),
        notes=[md(n, 500) for n in _list(v.get("notes"))[:50]],
        footer=_footer(ctx, lineage),
        has_verdict=verdict is not None,
        has_validation=validation is not None,
        has_lineage=lineage is not None,
    )


# --- verdict ------------------------------------------------------------------------------------------


def _framing(v: Doc, ctx: Context, primary: str) -> Safe:
    framing = _map(v.get("framing"))
    decision = framing.get("decision") or ctx.decision
    parts = []
    if decision:
        parts.append(f"**Decision:** {md(decision, 500)}")
    if primary:
        parts.append(f"**Primary metric:** {md(primary, 80)}")
    return Safe(" · ".join(parts))


def _metrics(metrics: Sequence[Any], primary: str) -> Safe:
    rows = []
    for m in metrics:
        if not isinstance(m, Mapping):
            continue
        name = md(m.get("name"), 80)
        arrow = {"maximize": " ↑", "minimize": " ↓"}.get(str(m.get("direction")), "")
        label = Safe(f"**{name}**{arrow}" if name and m.get("name") == primary else f"{name}{arrow}")
        reasons = "; ".join(str(r) for r in _list(m.get("reasons")))
        rows.append([label, fmt.value(m.get("candidate")), fmt.value(m.get("production")),
                     fmt.value(m.get("baseline")), fmt.change(m.get("delta"), m.get("delta_pct")),
                     fmt.status(m.get("status")), md(reasons, 300) if reasons else fmt.MISSING])
    return table(["Metric", "This PR", "Production", "Baseline", "Change", "Status", "Why"], rows)


def _side_label(side: Doc, ctx: Context) -> Safe:
    parts: list[str] = []
    if side.get("version") not in (None, ""):
        parts.append(f"version {code(side.get('version'), 40)}")
    run_id = side.get("run_id")
    if run_id:
        parts.append("run " + (link(str(run_id)[:12], side.get("url")) if safe_url(side.get("url"))
                               else code(str(run_id)[:32])))
    if side.get("source"):
        parts.append(f"from {md(side.get('source'), 200)}")
    return Safe(", ".join(parts)) if parts else fmt.MISSING


def _compared(v: Doc, ctx: Context) -> Safe:
    rows = []
    for role, title in (("candidate", "This PR"), ("production", "Production"), ("baseline", "Baseline")):
        side = v.get(role)
        if isinstance(side, Mapping):
            rows.append([Safe(title), _side_label(side, ctx)])
        elif role == "production" and "production" in v:
            rows.append([Safe(title), Safe("none yet: the first model for this name")])
    return table(["Model", "What"], rows)


# --- data ---------------------------------------------------------------------------------------------


def _datasets(validation: Doc | None) -> list[Doc]:
    return [d for d in _list(_map(validation).get("datasets")) if isinstance(d, Mapping)]


def _version(value: Any) -> Safe:
    version = _map(value)
    if not version.get("value"):
        return fmt.MISSING
    kind = f"{md(version.get('kind'), 20)} " if version.get("kind") else ""
    return Safe(kind + code(str(version.get("value"))[:16]))


def _data_icon(status: Any) -> Safe:
    icons = {"valid": "✅", "passed": "✅", "invalid": "❌", "error": "❌", "skipped": "⏭️", "deleted": "🗑️"}
    icon = icons.get(str(status), "")
    return Safe(f"{icon} {md(status, 20)}".strip())


def _data_table(validation: Doc | None) -> Safe:
    rows = [[md(d.get("path"), 120), md(d.get("format"), 20), _version(d.get("version")),
             fmt.value(d.get("rows")), _data_icon(d.get("status")),
             Safe(str(len(_list(d.get("failures"))))) if _list(d.get("failures")) else fmt.MISSING]
            for d in _datasets(validation)]
    return table(["Dataset", "Format", "Version", "Rows", "Status", "Failed checks"], rows)


def _data_summary(validation: Doc | None, failed: int) -> Safe:
    datasets = _datasets(validation)
    if validation is None:
        return Safe("")
    if not datasets:
        return Safe("No changed datasets to validate.")
    base = _map(validation).get("base")
    against = f" (changed since {code(base, 60)})" if base else ""
    if failed:
        return Safe(f"❌ {failed} of {len(datasets)} datasets failed validation{against}.")
    return Safe(f"✅ {len(datasets)} dataset{'s' if len(datasets) != 1 else ''} valid{against}.")


def _dataset_view(dataset: Doc) -> DatasetView:
    failures = [f for f in _list(dataset.get("failures")) if isinstance(f, Mapping)]
    count = len(failures)
    what = f"{count} failed check{'s' if count != 1 else ''}" if count else "could not be validated"
    summary = html(f"❌ {_short(dataset.get('path'))}: {what}", 200)
    rows = [[md(f.get("check"), 60), md(f.get("column"), 60), md(f.get("message"), 300),
             fmt.value(f.get("failing_rows"))] for f in failures]
    if dataset.get("error"):
        rows.insert(0, [Safe("error"), fmt.MISSING, md(dataset.get("error"), 500), fmt.MISSING])
    samples = [_samples(f) for f in failures if _list(f.get("samples"))]
    return DatasetView(summary=summary, failures=table(["Check", "Column", "Message", "Failing rows"], rows),
                       samples=[s for s in samples if s])


def _short(value: Any) -> str:
    return str(value or "?")


def _samples(failure: Doc) -> Safe:
    samples = [s for s in _list(failure.get("samples")) if isinstance(s, Mapping)][:MAX_SAMPLES]
    columns: list[str] = []
    column = failure.get("column")
    if isinstance(column, str) and any(column in s for s in samples):
        columns.append(column)
    for sample in samples:
        for key in sample:
            if key != "row" and key not in columns and len(columns) < MAX_SAMPLE_COLUMNS:
                columns.append(str(key))
    rows = [[fmt.value(s.get("row"))] + [_sample_value(s.get(c)) for c in columns] for s in samples]
    title = Safe(f"Failing rows of {md(failure.get('check'), 60)}"
                 + (f" on {md(column, 60)}" if column else "") + ":")
    body = table(["Row", *[md(c, 40) for c in columns]], rows)
    return Safe(f"{title}\n\n{body}") if body else Safe("")


def _sample_value(value: Any) -> Safe:
    if value is None:
        return Safe("*null*")
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return fmt.value(value)
    return md(value, 60)


# --- pins ---------------------------------------------------------------------------------------------


def commit_link(ctx: Context, sha: Any) -> Safe:
    if not isinstance(sha, str) or not _SHA.fullmatch(sha):
        return md(sha, 64) if sha else fmt.MISSING
    if ctx.server_url and ctx.repository:
        return link(sha[:7], f"{ctx.server_url.rstrip('/')}/{ctx.repository}/commit/{sha}")
    return code(sha[:12])


def _pins(lineage: Doc, ctx: Context) -> Safe:
    if not lineage:
        return Safe("")
    rows = [[Safe("Code"), _code_pin(lineage, ctx)],
            [Safe("Data"), _data_pin(lineage)],
            [Safe("Environment"), _env_pin(lineage)],
            [Safe("Configuration"), _config_pin(lineage)],
            [Safe("MLflow run"), _run_pin(lineage, ctx)]]
    registered = _map(lineage.get("registered"))
    if registered:
        rows.append([Safe("Registered"), Safe(f"{md(registered.get('name'), 100)} version "
                                              f"{code(registered.get('version'), 20)}"
                                              + (f" (alias {md(registered.get('alias'), 40)})"
                                                 if registered.get("alias") else ""))])
    return table(["Pin", "Value"], rows)


def _code_pin(lineage: Doc, ctx: Context) -> Safe:
    pin = _map(lineage.get("code"))
    if not pin.get("commit"):
        return Safe("⚠️ no commit (not a git repository)")
    dirty = " ⚠️ with uncommitted changes" if pin.get("dirty") else ""
    return Safe(f"commit {commit_link(ctx, pin.get('commit'))}{dirty}")


def _data_pin(lineage: Doc) -> Safe:
    entries = [e for e in _list(lineage.get("data")) if isinstance(e, Mapping)]
    if not entries:
        return fmt.MISSING
    parts = [f"{md(e.get('path'), 80)} @ {_version(e.get('version'))}" for e in entries[:10]]
    more = f" and {len(entries) - 10} more" if len(entries) > 10 else ""
    return Safe("; ".join(parts) + more)


def _env_pin(lineage: Doc) -> Safe:
    env = _map(lineage.get("environment"))
    if not env:
        return fmt.MISSING
    parts = []
    if env.get("image"):
        parts.append(f"image {code(env.get('image'), 120)}")
    if env.get("image_digest"):
        parts.append(f"digest {code(str(env.get('image_digest'))[:19])}")
    if env.get("runtime"):
        parts.append(f"runtime {md(env.get('runtime'), 20)}")
    if env.get("python_version"):
        parts.append(f"Python {code(env.get('python_version'), 20)}")
    if env.get("lockfile_sha256"):
        parts.append(f"lockfile {code(str(env.get('lockfile_sha256'))[:12])}")
    if env.get("pinned") is False:
        parts.append("⚠️ not pinned by digest")
    return Safe(", ".join(parts)) if parts else fmt.MISSING


def _config_pin(lineage: Doc) -> Safe:
    conf = _map(lineage.get("configuration"))
    parts = []
    if conf.get("params_file"):
        parts.append(f"params {md(conf.get('params_file'), 80)}")
    if conf.get("params_sha256"):
        parts.append(f"sha256 {code(str(conf.get('params_sha256'))[:12])}")
    if conf.get("seed") is not None:
        parts.append(f"seed {md(conf.get('seed'), 20)}")
    return Safe(", ".join(parts)) if parts else fmt.MISSING


def _run_pin(lineage: Doc, ctx: Context) -> Safe:
    run = _map(lineage.get("run"))
    run_id = run.get("run_id")
    if not run_id:
        return fmt.MISSING
    url = run.get("url")
    if not safe_url(url) and ctx.tracking_uri and run.get("experiment_id"):
        url = mlflow_run_url(ctx.tracking_uri, str(run.get("experiment_id")), str(run_id))
    return link(str(run_id)[:12], url) if safe_url(url) else code(str(run_id)[:32])


def _pins_summary(lineage: Doc) -> Safe:
    if not lineage:
        return Safe("")
    if lineage.get("reproducible") is True:
        return html("🔒 Reproducible: the four pins")
    reasons = "; ".join(str(r) for r in _list(lineage.get("not_reproducible_because")))
    return html("⚠️ Not reproducible" + (f": {reasons}" if reasons else "") + " (the four pins)", 300)


# --- footer -------------------------------------------------------------------------------------------


def _footer(ctx: Context, lineage: Doc | None) -> Safe:
    parts = [f"mlgate {__version__}"]
    if safe_url(ctx.run_url):
        parts.append(link("workflow run", ctx.run_url))
    sha = ctx.head_sha or _map(_map(lineage).get("code")).get("commit")
    if sha:
        parts.append(f"commit {commit_link(ctx, sha)}")
    return Safe("<sub>" + " · ".join(parts) + "</sub>")
