"""The report's content, built from the work-directory documents (any of them may be missing).

The documents are the models of `mlgate.documents`, validated when read; a lineage may be partial (a
training still running or failed has no model, a run may be missing). Every piece is escaped here (`Safe`),
so templates only lay pieces out: a string field may still hold anything. Nothing in this module does I/O.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from mlgate import __version__
from mlgate.documents import (
    DatasetResult,
    DataVersion,
    Failure,
    Flips,
    Lineage,
    MetricResult,
    Side,
    SliceResult,
    Validation,
    Verdict,
    mlflow_run_url,
)
from mlgate.gate.values import as_number
from mlgate.report import chart, fmt, measure
from mlgate.report.escape import Safe, clean, code, fenced, html, link, md, prose, safe_url
from mlgate.report.outcome import FAILING_DATA, Outcome, decide
from mlgate.report.rules import notice as rules_notice
from mlgate.report.tables import table

MAX_SAMPLES = 5
MAX_SAMPLE_COLUMNS = 4  # the failing column first, then a few others: the table stays readable in a comment
LOG_LINES = 30  # of a failed training's log, shown in the report
LOG_WIDTH = 200  # characters of each log line
_SHA = re.compile(r"[0-9a-fA-F]{7,64}")


@dataclass(frozen=True)
class Documents:
    """What the earlier stages wrote: verdict.json, validation.json, lineage.json (each may be None)."""

    verdict: Verdict | None = None
    validation: Validation | None = None
    lineage: Lineage | None = None

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
class TrainingView:
    """A training that failed: what failed and why, and the last lines of its log."""

    error: Safe
    log_summary: Safe  # HTML-escaped, for <summary>
    log_tail: Safe  # a fenced code block, or "" when the log printed nothing


@dataclass(frozen=True)
class SlicesView:
    """The metrics per slice: collapsed when every judged slice passes."""

    summary: Safe  # HTML-escaped: for <summary> or a paragraph
    table: Safe
    collapsed: bool


@dataclass(frozen=True)
class FlipsView:
    """Classification: how the rows' correctness changed, and the first harmful rows (always collapsed)."""

    summary: Safe  # HTML-escaped, for <summary>
    counts: Safe  # a table
    reason: Safe
    harmful: Safe  # a table of the first harmful rows, or ""


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
    training: TrainingView | None = None  # set when the training failed
    comparison: Safe | None = None  # what was compared: the same rows, or the logged metrics
    same_data: bool = False  # the table is on the same rows (the chart stays on logged values)
    slices: SlicesView | None = None
    flips: FlipsView | None = None
    rules: Safe | None = None  # a PR that changes the gate's rules, or is not judged by the base's
    bars: Safe | None = None  # per metric on a paired interval: its change against the tolerance


def marker(model: str) -> Safe:
    """The hidden marker that finds this model's comment again."""
    return Safe(f"<!-- mlgate-report: {slug(model)} -->")


def status_context(model: str) -> str:
    """The commit status context: `mlgate/<model>` (the name to make a required check)."""
    return f"mlgate/{slug(model)}"


def slug(model: str) -> str:
    """A model name reduced to `[A-Za-z0-9_.-/ ]` (markers, status contexts), at most 100 characters."""
    return re.sub(r"[^A-Za-z0-9_./ -]+", "-", model).strip()[:100] or "model"


def build(docs: Documents, ctx: Context) -> ReportView:
    verdict, validation, lineage = docs.verdict, docs.validation, docs.lineage
    model = (verdict.model.name if verdict else "") or ctx.model
    named = (verdict.primary_metric or verdict.framing.primary_metric) if verdict else None
    primary = named or ctx.primary_metric or ""
    outcome = decide(verdict, validation, lineage)
    candidate = verdict.candidate.metrics.get(primary) if verdict and verdict.candidate else None
    series = chart.points([h.model_dump() for h in verdict.history] if verdict else [], candidate)
    failed = [_dataset_view(d) for d in _datasets(validation) if d.status in FAILING_DATA]
    params_diff = verdict.params_diff if verdict else []
    # on the same rows, the logged history (other data) is not charted: the change bars are
    same_data = bool(verdict and verdict.comparison == "same-data")
    return ReportView(
        marker=marker(model),
        model=md(model, 100),
        outcome=outcome,
        headline=md(_headline(verdict, outcome, primary), 500),
        framing=_framing(verdict, ctx, primary),
        compared=_compared(verdict, ctx),
        metrics=_metrics(verdict.metrics if verdict else [], primary, validation),
        params=table(["Param", "This PR", "Production"],
                     [[md(p.name, 80), fmt.value(p.candidate), fmt.value(p.production)]
                      for p in params_diff]),
        params_count=len(params_diff),
        data_table=_data_table(validation),
        data_failed=failed,
        data_summary=_data_summary(validation, len(failed)),
        pins=_pins(lineage, ctx),
        pins_summary=_pins_summary(lineage),
        chart=chart.mermaid(primary, series) if primary and not same_data else None,
        bars=_bars(verdict.metrics if verdict else []),
        chart_metric=md(primary, 80),
        notes=[prose(n, 500) for n in (verdict.notes if verdict else [])[:50]],
        footer=_footer(ctx, lineage),
        has_verdict=verdict is not None,
        has_validation=validation is not None,
        has_lineage=lineage is not None,
        training=_training(lineage),
        comparison=_comparison(verdict),
        same_data=same_data,
        slices=_slices(verdict.slices if verdict else []),
        flips=_flips(verdict.flips if verdict else None),
        rules=rules_notice(verdict),
    )


# --- verdict ------------------------------------------------------------------------------------------


def _framing(verdict: Verdict | None, ctx: Context, primary: str) -> Safe:
    decision = (verdict.framing.decision if verdict else "") or ctx.decision
    parts = []
    if decision:
        parts.append(f"**Decision:** {md(decision, 500)}")
    if primary:
        parts.append(f"**Primary metric:** {md(primary, 80)}")
    return Safe(" · ".join(parts))


def _headline(verdict: Verdict | None, outcome: Outcome, primary: str) -> str:
    """One line: the verdict and the metric that decided it (the outcome's summary when something else
    did: a failed training, invalid data, no verdict)."""
    if verdict is None or outcome.summary != clean(verdict.summary, 500):
        return outcome.summary
    return measure.headline(verdict, primary) or outcome.summary


def _metrics(metrics: Sequence[MetricResult], primary: str, validation: Validation | None = None) -> Safe:
    rows = []
    for m in metrics:
        name = md(m.name, 80)
        arrow = {"maximize": " ↑", "minimize": " ↓"}.get(m.direction or "", "")  # none for the row `data`
        logged = " (logged)" if m.comparison == "logged-metrics" else ""  # not computed on the same rows
        label = Safe(f"**{name}**{arrow}{logged}" if name and m.name == primary else f"{name}{arrow}{logged}")
        if m.direction is None and m.name == "data" and validation is not None:
            rows.append([label, Safe(_data_word(validation)), fmt.MISSING, fmt.MISSING, fmt.MISSING,
                         fmt.MISSING, fmt.status(m.status), _data_summary(validation, _failed(validation))])
            continue
        reasons = "; ".join([*measure.why(m), *_logged(m)])
        sensitivity = (Safe("±" + measure.number(m.sensitivity, measure.decimals(m.sensitivity)))
                       if m.sensitivity is not None else fmt.MISSING)
        rows.append([label, _value(m), _number(m, m.production), _number(m, m.baseline),
                     _change(m), sensitivity, _status(m),
                     md(reasons, 300) if reasons else fmt.MISSING])
    head = ["Metric", "This PR", "Production", "Baseline", "Change", "Resolves", "Status", "Why"]
    if not any(m.sensitivity is not None for m in metrics):  # no interval: nothing to resolve
        head.remove("Resolves")
        rows = [row[:5] + row[6:] for row in rows]
    return table(head, rows)


def _status(m: MetricResult) -> Safe:
    return fmt.status(m.status, m.decision, measure.lean(m) if m.decision == "inconclusive" else "")


def _number(m: MetricResult, raw: object) -> Safe:
    if m.sensitivity is None or as_number(raw) is None:
        return fmt.value(raw)
    return Safe(measure.number(raw, measure.decimals(m.sensitivity)))


def _data_word(validation: Validation) -> str:
    """What happened to the data, in a word: validated, unchanged (not validated), failed."""
    datasets = validation.datasets
    if any(d.status in FAILING_DATA for d in datasets) or not validation.passed:
        return "failed"
    if any(d.status == "valid" for d in datasets):
        return "validated"
    return "unchanged" if datasets else "no changed data"


def _failed(validation: Validation) -> int:
    return sum(d.status in FAILING_DATA for d in validation.datasets)


def _bars(metrics: Sequence[MetricResult]) -> Safe | None:
    """The change bars: per metric decided on a paired interval, worse ← → better against the tolerance."""
    found = measure.bars(metrics)
    if not found:
        return None
    words = {"pass": "✅ pass", "fail": "❌ fail", "inconclusive": f"{fmt.INCONCLUSIVE} inconclusive"}
    return table(["Metric", "worse ← change (interval) → better", "Decision"],
                 [[name, code(drawn, 100), Safe(words.get(decision, ""))] for name, drawn, decision in found])


def _value(m: MetricResult) -> Safe:
    """The candidate's value at its row's rounding; judged alone, with the interval of the value."""
    if m.sensitivity is None or as_number(m.candidate) is None:
        return fmt.value(m.candidate)
    return Safe(measure.value(m, m.candidate))


def _logged(m: MetricResult) -> list[str]:
    """What the training logged, as information, when the row rests on the evaluation rows."""
    if m.comparison != "same-data" or m.logged is None:
        return []
    return [f"logged by training on its own split: {fmt.value(m.logged)}"]


def _change(m: MetricResult) -> Safe:
    """The change from production: with its paired interval on the same rows, else with its percentage."""
    if m.interval is not None:
        return Safe(measure.change(m))
    return fmt.change(m.delta, m.delta_pct)


def _comparison(verdict: Verdict | None) -> Safe | None:
    """One line saying what the metrics compare: the same evaluation rows, or the logged metrics."""
    if verdict is None:
        return None
    if verdict.production is None:
        if verdict.comparison != "same-data":
            return None
        own = next((m.value_interval for m in verdict.metrics if m.value_interval is not None), None)
        rows = f"the {own.n:,} rows" if own else "the rows"
        of = f" of {md(verdict.evaluation_data, 200)}" if verdict.evaluation_data else ""
        confidence = f"{own.confidence * 100:.3g}% " if own else ""
        return Safe(f"🔬 **Evaluation rows:** no production model yet: this PR's model was scored on "
                    f"{rows}{of}; each value with its {confidence}interval, held against the limits.")
    if verdict.comparison == "same-data":
        interval = next((m.interval for m in verdict.metrics if m.interval is not None), None)
        rows = f"the same {interval.n:,} rows" if interval else "the same rows"
        of = f" of {md(verdict.evaluation_data, 200)}" if verdict.evaluation_data else ""
        confidence = f"{interval.confidence * 100:.3g}% " if interval else ""
        logged = (" Metrics marked (logged) are compared on the values each model logged, possibly on "
                  "different data." if any(m.comparison == "logged-metrics" for m in verdict.metrics) else "")
        return Safe(f"🔬 **Same data:** this PR's model and production were scored on {rows}{of}; each "
                    f"change is candidate - production with its {confidence}paired interval.{logged}")
    return Safe("📋 **Logged metrics:** each model's metrics as logged when it was trained, possibly on "
                "different data. Add `evaluate:` to mlgate.yaml to score both on the same rows, with "
                "intervals.")


def _slices(slices: Sequence[SliceResult]) -> SlicesView | None:
    """The slices table: per slice and metric the values, the change with its interval, the status; the
    slices too small to judge listed. Collapsed when every judged slice passes."""
    if not slices:
        return None
    rows: list[list[Safe]] = []
    for s in slices:
        where = md(f"{s.column} = {s.value}", 120)
        if not s.judged:
            rows.append([where, fmt.value(s.n), fmt.MISSING, fmt.MISSING, fmt.MISSING, fmt.MISSING,
                         Safe("not judged: too few rows")])
        for m in s.metrics:
            rows.append([where, fmt.value(s.n), md(m.name, 80), _value(m), _number(m, m.production),
                         _change(m), _status(m)])
    judged = [s for s in slices if s.judged]
    failing = sum(s.status == "fail" for s in judged)
    warning = sum(s.status == "warn" for s in judged)
    passing = len(judged) - failing - warning
    small = len(slices) - len(judged)
    parts = ([f"❌ {failing} failing"] if failing else []) + ([f"⚠️ {warning} warning"] if warning else [])
    parts += [f"✅ {passing} passing"] if passing else []
    parts += [f"{small} not judged (too few rows)"] if small else []
    each = [m for s in judged for m in s.metrics]
    kinds = [("fail", sum(m.status == "fail" for m in each)), ("warn", sum(m.status == "warn" for m in each)),
             ("inconclusive, not counted", sum(m.decision == "inconclusive" and m.status == "pass"
                                               for m in each)),
             ("pass", sum(m.decision == "pass" and m.status == "pass" for m in each))]
    detail = ", ".join(f"{n} {word}" for word, n in kinds if n)
    if not failing and not warning:
        parts[0:1] = [f"{passing} passing"] if passing else []
    icon = "" if failing or warning else "✅ "
    summary = (f"{icon}Slices: {', '.join(parts)} of {len(slices)}"
               + (f" ({len(each)} slice metrics: {detail})" if each else ""))
    head = ["Slice", "Rows", "Metric", "This PR", "Production", "Change", "Status"]
    return SlicesView(summary=html(summary), table=table(head, rows), collapsed=not failing and not warning)


def _flips(flips: Flips | None) -> FlipsView | None:
    if flips is None:
        return None
    icon = {"fail": "❌ ", "warn": "⚠️ "}.get(flips.status, "")
    summary = (f"{icon}Flips: {flips.harmful:,} of {flips.n:,} rows from right to wrong "
               f"({flips.harmful_pct:.2f}%), {flips.helpful:,} from wrong to right")
    counts = table(["Both right", "Both wrong", "Harmful (production right, this PR wrong)",
                    "Helpful (production wrong, this PR right)"],
                   [[fmt.value(flips.both_right), fmt.value(flips.both_wrong), fmt.value(flips.harmful),
                     fmt.value(flips.helpful)]])
    harmful = table(["Row", "Label", "Production", "This PR"],
                    [[md(r.id, 60), md(r.label, 60), md(r.production, 60), md(r.candidate, 60)]
                     for r in flips.harmful_rows[:10]])
    title = f"The first {min(len(flips.harmful_rows), 10)} harmful rows:\n\n" if harmful else ""
    return FlipsView(summary=html(summary), counts=counts, reason=md(flips.reason, 500),
                     harmful=Safe(f"{title}{harmful}"))


def _side_label(side: Side, ctx: Context) -> Safe:
    parts: list[str] = []
    if side.version not in (None, ""):
        parts.append(f"version {code(side.version, 40)}")
    if side.run_id:
        parts.append("run " + (link(side.run_id[:12], side.url) if safe_url(side.url)
                               else code(side.run_id[:32])))
    source = _source(side)
    if source:
        parts.append(f"from {md(source, 200)}")
    return Safe(", ".join(parts)) if parts else fmt.MISSING


def _source(side: Side) -> str:
    """Where the side came from, unless it only repeats the run or the version the label already shows
    ("MLflow run <id>"; "churn@production (version 6)" → "churn@production")."""
    source = side.source
    run = source.removeprefix("MLflow run ")
    if side.run_id and run and run != source and side.run_id.startswith(run):
        return ""
    if side.version not in (None, ""):
        source = source.removesuffix(f" (version {side.version})")
    return source


def _compared(verdict: Verdict | None, ctx: Context) -> Safe:
    if verdict is None:
        return table(["Model", "What"], [])
    rows = []
    for title, side in (("This PR", verdict.candidate), ("Production", verdict.production),
                        ("Baseline", verdict.baseline)):
        if side is not None:
            label = _side_label(side, ctx)
            if (title == "Baseline" and verdict.comparison == "same-data"
                    and side.source.startswith("metrics file")):  # a number from other data
                label = Safe(f"{label} · ⚠️ other data: its values were not computed on the evaluation rows")
            rows.append([Safe(title), label])
        elif title == "Production":
            rows.append([Safe(title), Safe("none yet: the first model for this name")])
    return table(["Model", "What"], rows)


# --- data ---------------------------------------------------------------------------------------------


def _datasets(validation: Validation | None) -> list[DatasetResult]:
    return validation.datasets if validation else []


def _version(version: DataVersion | None) -> Safe:
    if version is None or not version.value:
        return fmt.MISSING
    kind = f"{md(version.kind, 20)} " if version.kind else ""
    return Safe(kind + code(version.value[:16]))


def _data_icon(status: str) -> Safe:
    icons = {"valid": "✅", "passed": "✅", "invalid": "❌", "error": "❌", "skipped": "⏭️", "deleted": "🗑️"}
    icon = icons.get(str(status), "")
    return Safe(f"{icon} {md(status, 20)}".strip())


def _data_status(dataset: DatasetResult) -> Safe:
    """The status, and the dataset's note when it has one (e.g. the workspace differs from DVC's record)."""
    icon = _data_icon(dataset.status)
    return Safe(f"{icon} ⚠️ {md(dataset.note, 300)}") if dataset.note else icon


def _data_table(validation: Validation | None) -> Safe:
    rows = [[md(d.path, 120), md(d.format, 20), _version(d.version), fmt.value(d.rows), _data_status(d),
             Safe(str(len(d.failures))) if d.failures else fmt.MISSING]
            for d in _datasets(validation)]
    return table(["Dataset", "Format", "Version", "Rows", "Status", "Failed checks"], rows)


def _data_summary(validation: Validation | None, failed: int) -> Safe:
    """One line over the data table: how many files failed, were valid, deleted, or unchanged (skipped: not
    validated, so never counted as valid)."""
    datasets = _datasets(validation)
    if validation is None:
        return Safe("")
    if not datasets:
        return Safe("No changed datasets to validate.")
    base = validation.base
    against = f" (changed since {code(base, 60)})" if base else ""
    if failed:
        return Safe(f"❌ {failed} of {len(datasets)} datasets failed validation{against}.")
    counts = {status: sum(d.status == status for d in datasets) for status in ("valid", "deleted", "skipped")}
    changed = [(n, word) for word, n in counts.items() if n and word != "skipped"]
    skipped = counts["skipped"]
    if not changed:
        since = f" since {code(base, 60)}" if base else ""
        return Safe(f"⏭️ {_files(skipped)} unchanged{since}, not validated.")
    icon = "✅" if counts["valid"] else "🗑️"
    parts = [f"{_files(n) if i == 0 else n} {word}" for i, (n, word) in enumerate(changed)]
    rest = f"; {skipped} unchanged, not validated" if skipped else ""
    return Safe(f"{icon} {', '.join(parts)}{against}{rest}.")


def _files(count: int) -> str:
    return f"{count} dataset{'s' if count != 1 else ''}"


def _dataset_view(dataset: DatasetResult) -> DatasetView:
    failures = dataset.failures
    count = len(failures)
    what = f"{count} failed check{'s' if count != 1 else ''}" if count else "could not be validated"
    summary = html(f"❌ {_short(dataset.path)}: {what}", 200)
    rows = [[md(f.check, 60), md(f.column, 60), md(f.message, 300), fmt.value(f.failing_rows)]
            for f in failures]
    if dataset.error:
        rows.insert(0, [Safe("error"), fmt.MISSING, md(dataset.error, 500), fmt.MISSING])
    samples = [_samples(f) for f in failures if f.samples]
    return DatasetView(summary=summary, failures=table(["Check", "Column", "Message", "Failing rows"], rows),
                       samples=[s for s in samples if s])


def _short(value: Any) -> str:
    return str(value or "?")


def _samples(failure: Failure) -> Safe:
    """The failing rows: the row number, the failing column first, then a few other columns."""
    samples: Sequence[Mapping[str, Any]] = failure.samples[:MAX_SAMPLES]
    column = failure.column
    every = [str(key) for key in dict.fromkeys(k for s in samples for k in s) if key != "row"]
    columns = sorted(every, key=lambda key: key != column)[:MAX_SAMPLE_COLUMNS]  # the failing one first
    rows = [[_sample_value(s.get(c)) for c in columns] for s in samples]
    head = [md(c, 40) for c in columns]
    if any("row" in s for s in samples):  # a dataset read by Spark has no row order: its samples name a file
        rows = [[fmt.value(s.get("row")), *row] for s, row in zip(samples, rows, strict=True)]
        head = [Safe("Row"), *head]
    shown = f" ({len(columns)} of {len(every)} columns)" if len(columns) < len(every) else ""
    title = Safe(f"Failing rows of {md(failure.check, 60)}"
                 + (f" on {md(column, 60)}" if column else "") + f"{shown}:")
    body = table(head, rows)
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


def _pins(lineage: Lineage | None, ctx: Context) -> Safe:
    if lineage is None:
        return Safe("")
    rows = [[Safe("Code"), _code_pin(lineage, ctx)],
            [Safe("Data"), _data_pin(lineage)],
            [Safe("Environment"), _env_pin(lineage)],
            [Safe("Configuration"), _config_pin(lineage)],
            [Safe("MLflow run"), _run_pin(lineage, ctx)]]
    credentials = _credentials_pin(lineage)
    if credentials:
        rows.append([Safe("Registry credentials"), credentials])
    registered = lineage.registered
    if registered:
        rows.append([Safe("Registered"), Safe(f"{md(registered.name, 100)} version "
                                              f"{code(registered.version, 20)}"
                                              + (f" (alias {md(registered.alias, 40)})"
                                                 if registered.alias else ""))])
    return table(["Pin", "Value"], rows)


def _credentials_pin(lineage: Lineage) -> Safe | None:
    """Whether the training command held the registry's credentials (train.tracking_credentials)."""
    passed = lineage.configuration.tracking_credentials
    if passed == "pass":
        return Safe("⚠️ passed to the training command (`train.tracking_credentials: pass`): the code under "
                    "review could write to the registry")
    return Safe("none: the training logged to a throwaway store") if passed == "none" else None


def _code_pin(lineage: Lineage, ctx: Context) -> Safe:
    pin = lineage.code
    if not pin.commit:
        return Safe("⚠️ no commit (not a git repository)")
    dirty = " ⚠️ with uncommitted changes" if pin.dirty else ""
    return Safe(f"commit {commit_link(ctx, pin.commit)}{dirty}")


def _data_pin(lineage: Lineage) -> Safe:
    entries = lineage.data
    if not entries:
        return fmt.MISSING
    parts = [f"{md(e.path, 80)} @ {_version(e.version)}" for e in entries[:10]]
    more = f" and {len(entries) - 10} more" if len(entries) > 10 else ""
    warning = {"forced": " ⚠️ trained with --force on data that failed validation",
               "not-validated": " ⚠️ the data was not validated before training"}
    return Safe("; ".join(parts) + more + warning.get(lineage.data_validation or "", ""))


def _env_pin(lineage: Lineage) -> Safe:
    env = lineage.environment
    parts = []
    if env.image:
        parts.append(f"image {code(env.image, 120)}")
    if env.image_digest:
        parts.append(f"digest {code(env.image_digest[:19])}")
    if env.runtime:
        parts.append(f"runtime {md(env.runtime, 20)}")
    if env.python_version:
        parts.append(f"Python {code(env.python_version, 20)}")
    if env.lockfile_sha256:
        parts.append(f"lockfile {code(env.lockfile_sha256[:12])}")
    if env.pinned is False:
        parts.append("⚠️ not pinned by digest")
    return Safe(", ".join(parts)) if parts else fmt.MISSING


def _config_pin(lineage: Lineage) -> Safe:
    conf = lineage.configuration
    parts = []
    if conf.params_file:
        parts.append(f"params {md(conf.params_file, 80)}")
    if conf.params_sha256:
        parts.append(f"sha256 {code(conf.params_sha256[:12])}")
    if conf.seed is not None:
        parts.append(f"seed {md(conf.seed, 20)}")
    return Safe(", ".join(parts)) if parts else fmt.MISSING


def _run_pin(lineage: Lineage, ctx: Context) -> Safe:
    run = lineage.run
    if run is None or not run.run_id:
        return fmt.MISSING
    url = run.url
    if not safe_url(url) and ctx.tracking_uri and run.experiment_id:
        url = mlflow_run_url(ctx.tracking_uri, run.experiment_id, run.run_id)
    return link(run.run_id[:12], url) if safe_url(url) else code(run.run_id[:32])


def _pins_summary(lineage: Lineage | None) -> Safe:
    if lineage is None:
        return Safe("")
    if lineage.reproducible:
        return html("🔒 Reproducible: the four pins")
    reasons = "; ".join(lineage.not_reproducible_because)
    return html("⚠️ Not reproducible" + (f": {reasons}" if reasons else "") + " (the four pins)", 300)


# --- a failed training -------------------------------------------------------------------------------


def _training(lineage: Lineage | None) -> TrainingView | None:
    """A failed training's error and the tail of its log (untrusted text), or None."""
    if lineage is None or lineage.status != "failed":
        return None
    lines = [line.strip() for line in (lineage.error or "").strip().splitlines()]
    what = md(lines[0], 300) if lines else Safe("the training failed")
    why = next((line.removeprefix("why:").strip() for line in lines[1:] if line.startswith("why:")), "")
    tail = (lineage.log_tail or [])[-LOG_LINES:]
    return TrainingView(
        error=Safe(f"{what} · why: {md(why, 300)}" if why else what),
        log_summary=html(f"Training log: the last {len(tail)} line{'s' if len(tail) != 1 else ''}"),
        log_tail=fenced(tail, LOG_WIDTH) if tail else Safe(""),
    )


# --- footer -------------------------------------------------------------------------------------------


def run_word(url: str | None) -> str:
    """What the CI run is called: a GitLab job or pipeline, else a GitHub Actions workflow run."""
    if url and "/-/jobs/" in url:
        return "CI job"
    return "pipeline" if url and "/-/pipelines/" in url else "workflow run"


def _footer(ctx: Context, lineage: Lineage | None) -> Safe:
    parts = [f"mlgate {__version__}"]
    if safe_url(ctx.run_url):
        parts.append(link(run_word(ctx.run_url), ctx.run_url))
    sha = ctx.head_sha or (lineage.code.commit if lineage else None)
    if sha:
        parts.append(f"commit {commit_link(ctx, sha)}")
    return Safe("<sub>" + " · ".join(parts) + "</sub>")
