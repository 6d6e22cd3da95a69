"""monitor.md: the drift report of `mlgate monitor` (also the body of the model's monitoring issue).

Every value from the data (feature names, category values, file paths, error messages) is escaped here
before the template prints it; the template (`monitor.md.j2`) is rendered in the report's sandboxed
environment, which escapes anything else it prints.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from mlgate.documents import LivePerformance, Monitor, MonitoredFeature
from mlgate.report.escape import Safe, code, html, link, md, prose
from mlgate.report.fmt import number
from mlgate.report.tables import table
from mlgate.report.truncate import fit, utf8_bytes
from mlgate.report.view import run_word, slug

TEMPLATE = "monitor.md.j2"
HEADLINE = {
    "healthy": ("✅", "no drift"),
    "warned": ("⚠️", "drift below the fail thresholds"),
    "drifted": ("❌", "drifted"),
    "degraded": ("❌", "performance fell"),
    "invalid-data": ("❌", "the data feed is broken"),
    "not-judged": ("⏸️", "not judged"),
}
FEATURE_ICON = {"ok": "✅ ok", "warn": "⚠️ warn", "fail": "❌ fail", "ignored": "ignored",
                "not-judged": "⏸️ not judged"}
ORDER = {"fail": 0, "warn": 1, "not-judged": 2, "ok": 3, "ignored": 4}


@dataclass(frozen=True)
class MonitorView:
    marker: Safe
    icon: str
    word: str
    model: Safe
    summary: Safe
    production: Safe
    drifted: Safe  # a table of the features that warn or fail ("" when none)
    others: Safe  # a table of the rest
    others_count: int
    schema: list[Safe]
    feed: Safe  # a table of the feed's failures ("" when it passed or was not checked)
    feed_line: Safe
    notes: list[Safe]
    footer: Safe
    live: Safe  # a table of production's gated metrics on the labelled batch ("" when not measured)
    live_line: Safe  # what was scored, or why not ("" when the batch had no labels)


@dataclass(frozen=True)
class RenderedMonitor:
    text: str
    title: str  # the monitoring issue's title
    marker: str

    def body(self, limit: int, where: str | None = None) -> str:
        """The text cut between sections to `limit` characters (the issue's body)."""
        return fit(self.text, limit, where=where)

    def fit_summary(self, where: str | None = None) -> Callable[[str, int], str]:
        """How to cut the report to what is left of the job summary (a budget in UTF-8 bytes)."""
        return lambda text, budget: fit(text, budget, where=where, measure=utf8_bytes)


def monitor_marker(model: str) -> Safe:
    """The hidden marker that finds this model's monitoring issue again."""
    return Safe(f"<!-- mlgate-monitor: {slug(model)} -->")


def _share(value: float | None) -> Safe:
    return Safe("—") if value is None else Safe(f"{value * 100:.1f}%")


def _num(value: float | None) -> Safe:
    return Safe("—") if value is None else Safe(number(round(value, 4)))


def _rows(features: list[MonitoredFeature]) -> list[list[object]]:
    return [[md(f.name, 80), Safe(FEATURE_ICON.get(f.status, f.status)), _num(f.psi), _num(f.js),
             _share(f.unseen_share),
             Safe(f"{_share(f.null_share_reference)} → {_share(f.null_share_current)}"),
             _why(f)] for f in features]


def _why(feature: MonitoredFeature) -> Safe:
    why = md("; ".join(feature.reasons), 200)
    if feature.new_values:
        shown = ", ".join(f"{md(v.value, 40)} ({v.count:,})" for v in feature.new_values[:5])
        why = Safe(f"{why}; new values: {shown}" if why else f"new values: {shown}")
    return why


LIVE_ICON = {"pass": "✅ ok", "warn": "⚠️ warn", "fail": "❌ fail", "not-judged": "⏸️ not judged"}
LIVE_HEADERS = ["metric", "status", "recorded", "now [interval]", "why"]


def _live(live: LivePerformance | None) -> tuple[Safe, Safe]:
    if live is None:
        return Safe(""), Safe("")
    if not live.scored:
        return Safe(""), Safe(f"Production could not be scored on the batch's labelled rows: "
                              f"{prose(live.error or 'no reason given', 300)}")
    sample = f", a random sample of the batch's {live.sampled_from:,} rows" if live.sampled_from else ""
    unlabelled = f"; {live.unlabelled:,} rows without a label left out" if live.unlabelled else ""
    confidence = next((m.confidence for m in live.metrics), 0.95)
    on_rows = any(m.reference == "evaluation-rows" for m in live.metrics)
    against = ("judged against production's own metrics on the evaluation rows (the difference of the two "
               "estimates, with its interval)" if on_rows else "judged against the metrics its run logged")
    line = Safe(f"Production scored on {live.rows:,} labelled rows (label {code(live.label, 60)}{sample})"
                f"{unlabelled}; {confidence * 100:.3g}% bootstrap intervals, {against}.")
    rows = [[md(m.name, 60), Safe(LIVE_ICON.get(m.status, m.status)), _num(m.recorded),
             Safe(f"{_num(m.current)} [{_num(m.low)}, {_num(m.high)}]") if m.current is not None
             else Safe("—"), prose(m.reason, 300)] for m in live.metrics]
    return table(LIVE_HEADERS, rows), line


HEADERS = ["feature", "status", "PSI", "JS distance", "unseen", "nulls (reference → now)", "why"]


def headline(doc: Monitor) -> tuple[str, str]:
    """The icon and words of the status: "drift" only for drift, "performance" only for performance (a
    warning from live performance alone is not drift)."""
    icon, word = HEADLINE[doc.status]
    drift = any(f.status in ("warn", "fail") for f in doc.features) or bool(
        doc.schema_changes.missing or doc.schema_changes.changed_kind)
    live_warns = doc.live is not None and any(m.status == "warn" for m in doc.live.metrics)
    if doc.status == "warned" and not drift and live_warns:
        return icon, "performance may have fallen (inconclusive)"
    return icon, word


def build(doc: Monitor, run_url: str | None) -> MonitorView:
    icon, word = headline(doc)
    features = sorted(doc.features, key=lambda f: (ORDER.get(f.status, 9), f.name))
    drifted = [f for f in features if f.status in ("warn", "fail")]
    others = [f for f in features if f.status not in ("warn", "fail")]
    model = doc.model
    production = (f"version {md(model.version, 40)} ({code(model.alias, 60)})" if model.version
                  else str(code(model.alias, 60)))
    schema = [Safe(f"{len(doc.schema_changes.missing)} column(s) of the reference missing from the batch: "
                   + ", ".join(md(c, 80) for c in doc.schema_changes.missing[:50]))] \
        if doc.schema_changes.missing else []
    if doc.schema_changes.changed_kind:
        changed = doc.schema_changes.changed_kind
        schema.append(Safe(f"{len(changed)} column(s) changed kind (numbers and categories): "
                           + ", ".join(md(c, 80) for c in changed[:50])))
    if doc.schema_changes.new:
        schema.append(Safe(f"{len(doc.schema_changes.new)} new column(s) the reference never had: "
                           + ", ".join(md(c, 80) for c in doc.schema_changes.new[:50])))
    feed_rows = [[md(r.path, 120), md(r.status, 20), md(fl.message, 300)]
                 for r in (doc.feed.files if doc.feed else []) for fl in r.failures] + \
                [[md(r.path, 120), md(r.status, 20), md(r.error, 300)]
                 for r in (doc.feed.files if doc.feed else []) if r.error]
    if doc.feed is None:
        feed_line = Safe("No `data:` entry matches the batch: its schema and checks were not applied "
                         "(name one with `--dataset`).")
    else:
        feed_line = Safe(f"Checked with the `data:` entry {md(doc.feed.dataset, 120)}: "
                         + ("passed." if doc.feed.passed else "**failed** (not judged as drift)."))
    live, live_line = _live(doc.live)
    run = link(f"the {run_word(run_url)}", run_url) if run_url else Safe("")
    footer = Safe(f"{doc.rows:,} rows in {len(doc.files)} file(s) compared with the reference profile "
                  f"of {production}" + (f" · {run}" if run else "") + ".")
    return MonitorView(
        marker=monitor_marker(model.name), icon=icon, word=word, model=md(model.name, 100),
        summary=prose(doc.summary, 500), production=Safe(production),
        drifted=table(HEADERS, _rows(drifted)), others=table(HEADERS, _rows(others)),
        others_count=len(others),
        schema=schema, feed=table(["file", "status", "failure"], feed_rows) if feed_rows else Safe(""),
        feed_line=feed_line, notes=[prose(n, 500) for n in doc.notes], footer=footer,
        live=live, live_line=live_line,
    )


def render_monitor(doc: Monitor, run_url: str | None = None) -> RenderedMonitor:
    """monitor.md from monitor.json's document."""
    import jinja2

    from mlgate.report.render import _environment, _tidy

    view = build(doc, run_url)
    env = _environment(None)
    assert isinstance(env, jinja2.Environment)
    text = _tidy(env.get_template(TEMPLATE).render(view=view))
    title = f"mlgate monitor: {slug(doc.model.name)} {headline(doc)[1]}"
    return RenderedMonitor(text=text, title=title, marker=str(view.marker))


def comment(previous: str | None, status: str, run_url: str | None) -> str:
    """The short comment on the monitoring issue when its status changes."""
    run = f" ({link('run', run_url)})" if run_url else ""
    words = {"fail": "❌ Drifted or performance fell, beyond a fail threshold",
             "warn": "⚠️ Drift now below the fail thresholds",
             "ok": "✅ No drift any more: closing"}
    text = words.get(status, html(status))
    if status == "fail" and previous == "ok":
        text = "❌ Drifted again: reopening"
    return f"{text}{run}. The issue's description has the details."
