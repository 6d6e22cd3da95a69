"""The rendered report: snapshots of the markdown, and its structure read back by a GFM parser.

Snapshots live in tests/snapshots/report/. After an intended change, regenerate them with
`UPDATE_SNAPSHOTS=1 .venv/bin/pytest tests/unit/test_report_render.py` and review the diff.
"""

from __future__ import annotations

import html
import os
import re
from pathlib import Path
from typing import Any

import pytest
from markdown_it import MarkdownIt
from markdown_it.token import Token

from mlgate.documents import Lineage, MetricResult, Verdict
from mlgate.errors import BadInput
from mlgate.report.render import COMMENT_LIMIT, render
from mlgate.report.view import Context, Documents
from tests.support import gfm
from tests.support import report_documents as docs

SNAPSHOTS = Path(__file__).resolve().parent.parent / "snapshots" / "report"
GFM = MarkdownIt("commonmark", {"html": True}).enable("table").enable("strikethrough")
CTX = Context(model="churn", server_url="https://github.com", repository="acme/churn",
              run_url="https://github.com/acme/churn/actions/runs/42", head_sha=docs.HEAD_SHA,
              tracking_uri="http://mlflow.example:5000")


def snapshot(name: str, text: str) -> None:
    path = SNAPSHOTS / f"{name}.md"
    if os.environ.get("UPDATE_SNAPSHOTS") == "1" or not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        if os.environ.get("UPDATE_SNAPSHOTS") != "1":
            pytest.fail(f"snapshot {path} did not exist: written, review it and re-run")
    assert text == path.read_text(encoding="utf-8"), f"report differs from {path} (UPDATE_SNAPSHOTS=1 to accept)"


def full() -> Documents:
    return docs.documents(verdict_doc=docs.verdict("failed"), validation_doc=docs.validation(passed=False),
                          lineage_doc=docs.lineage())


def test_snapshot_failed_with_everything() -> None:
    snapshot("failed-full", render(full(), CTX).text)


def test_snapshot_passed_verdict_only() -> None:
    snapshot("passed-verdict-only", render(docs.documents(verdict_doc=docs.verdict("passed")), CTX).text)


def test_snapshot_no_verdict_data_only() -> None:
    data_only = docs.documents(validation_doc=docs.validation(passed=False))
    snapshot("data-only", render(data_only, Context(model="churn")).text)


def first_model() -> Documents:
    """The verdict the policy gives the first model of a name (no production alias yet), as compare writes it."""
    from mlgate.gate.model import Rule, Side
    from mlgate.gate.policy import evaluate
    from mlgate.gate.serialize import verdict_dict

    rules = [Rule("roc_auc", "maximize", max_regression=0.01, min=0.8), Rule("f1", "maximize", severity="warn")]
    candidate = Side(role="candidate", source="MLflow run 5f1c0ffee0ddba11d00d5f1c0ffee0dd",
                     metrics={"roc_auc": 0.93, "f1": 0.71}, run_id="5f1c0ffee0ddba11d00d5f1c0ffee0dd", version="1",
                     url="http://mlflow.example:5000/#/experiments/3/runs/5f1c0ffee0ddba11d00d5f1c0ffee0dd")
    body = verdict_dict(evaluate("churn", rules, candidate, None, None, primary_metric="roc_auc"))
    body.update(schema_version=1, model={"name": "churn", "production_alias": "production"}, history=[],
                framing={"decision": "", "primary_metric": "roc_auc"})
    return Documents(verdict=Verdict.model_validate(body))


def test_snapshot_first_model() -> None:
    snapshot("first-model", render(first_model(), CTX).text)


def failed_training() -> Documents:
    return docs.documents(verdict_doc=docs.failed_training_verdict(), validation_doc=docs.validation(passed=True),
                          lineage_doc=docs.failed_lineage())


def test_snapshot_failed_training() -> None:
    snapshot("failed-training", render(failed_training(), CTX).text)


def test_a_failed_training_is_the_headline_with_its_log_tail_collapsed() -> None:
    text = render(failed_training(), CTX).text
    headline = next(line for line in text.splitlines() if line.startswith("**"))
    assert headline == "**Training failed: the training command failed with exit code 1**"
    rendered = gfm.render(text)
    (block,) = re.findall(r"<details>\s*<summary>([^<]*)</summary>\s*<pre lang=\"text\"><code>(.*?)</code></pre>"
                          r"\s*</details>", rendered, re.DOTALL)
    summary, log = block[0], html.unescape(block[1])
    assert summary == "Training log: the last 30 lines"
    lines = log.splitlines()
    assert len(lines) == 30
    assert lines[-1] == "RuntimeError: loss exploded at step 3"  # the terminal's colour codes dropped
    assert "</code></pre></details><img src=x onerror=alert(1)>" in lines  # shown as text, inside the block
    assert "````` a fence of five backticks" in lines  # could not close the fence
    assert "x" * 200 not in log and "x" * 150 in log  # a long line is cut
    assert "epoch 0: loss" not in log  # only the tail
    assert "why: RuntimeError: loss exploded at step 3" in gfm.text(rendered)


def test_a_failed_training_without_a_verdict_is_a_failure_not_an_error() -> None:
    view = render(docs.documents(lineage_doc=docs.failed_lineage()), CTX).view
    assert (view.outcome.state, view.outcome.word) == ("failure", "failed")
    assert view.outcome.summary == "Training failed: the training command failed with exit code 1"


def hostile_documents() -> Documents:
    """Hostile text in every string field the documents' models accept (a fork's bundle may hold it)."""
    verdict = docs.verdict("failed")
    verdict["summary"] = docs.HOSTILE
    verdict["framing"]["decision"] = docs.HOSTILE
    verdict["metrics"].append(docs.metric(docs.HOSTILE, docs.HOSTILE, "nan", reasons=[docs.HOSTILE]))
    verdict["params_diff"].append({"name": docs.HOSTILE, "candidate": docs.HOSTILE, "production": "|"})
    verdict["notes"].append(docs.HOSTILE)
    verdict["candidate"]["url"] = "javascript:alert(1)"
    verdict["history"].append({"version": docs.HOSTILE, "run_id": None, "value": 0.5, "created_at": 0,
                               "aliases": []})
    verdict["primary_metric"] = 'roc_auc"]\n```\n<script>'
    validation = docs.validation(passed=False)
    failure = validation["datasets"][1]["failures"][0]
    failure.update(message=docs.HOSTILE, column=docs.HOSTILE, check=docs.HOSTILE)
    failure["samples"] = [{"row": 1, docs.HOSTILE: docs.HOSTILE, "age": docs.HOSTILE}]
    validation["datasets"][1]["path"] = "data/</summary></details><b>x</b>.csv"
    lineage = docs.lineage()
    lineage["code"]["commit"] = docs.HOSTILE
    lineage["environment"]["image"] = docs.HOSTILE
    lineage["run"]["url"] = docs.HOSTILE
    # what GitHub links or cross-references by itself, in markdown, table cells and <summary>
    verdict["notes"].append(docs.LINKS)
    verdict["notes"].append("*www.evil.example* and _https://evil.example/x_")  # an autolink swallowed the escaping backslash
    verdict["baseline"]["source"] = docs.LINKS
    verdict["params_diff"].append({"name": "links", "candidate": docs.LINKS, "production": "www.example.org"})
    validation["datasets"][1]["error"] = docs.LINKS
    lineage["reproducible"] = False
    lineage["not_reproducible_because"] = [docs.LINKS]
    lineage["environment"]["runtime"] = docs.LINKS
    hostile = docs.documents(verdict_doc=verdict, validation_doc=validation, lineage_doc=lineage)
    assert hostile.verdict is not None
    # a metric status outside the model's values: the model refuses it when reading; the view escapes it anyway
    bad = hostile.verdict.metrics[-1]
    hostile.verdict.metrics[-1] = MetricResult.model_construct(**{**dict(bad), "status": docs.HOSTILE})
    return hostile


def test_snapshot_hostile_strings() -> None:
    snapshot("hostile", render(hostile_documents(), CTX).text)


# --- structure, read back with a GFM parser ---------------------------------------------------------


def plain(content: str) -> str:
    """What a reader sees of inline markdown: rendered, tags dropped, entities decoded."""
    return html.unescape(re.sub(r"<[^>]+>", "", GFM.renderInline(content)))


def tables(tokens: list[Token]) -> list[list[list[str]]]:
    """Every table as rows of cell texts as a reader sees them (header row first)."""
    found: list[list[list[str]]] = []
    rows: list[list[str]] = []
    row: list[str] = []
    for token in tokens:
        if token.type == "table_open":
            rows = []
        elif token.type == "tr_open":
            row = []
        elif token.type == "inline" and token.level >= 4:  # a cell: table > thead/tbody > tr > td
            row.append(plain(token.content))
        elif token.type == "tr_close":
            rows.append(row)
        elif token.type == "table_close":
            found.append(rows)
    return found


def headings(tokens: list[Token]) -> list[str]:
    return [plain(tokens[i + 1].content) for i, t in enumerate(tokens) if t.type == "heading_open"]


def html_blocks(tokens: list[Token]) -> str:
    return "".join(t.content for t in tokens if t.type == "html_block")


def test_gfm_structure_of_the_full_report() -> None:
    tokens = GFM.parse(render(full(), CTX).text)
    assert headings(tokens) == ["❌ mlgate · churn: failed", "Metrics", "roc_auc over the last production versions",
                                "Data validation", "Notes"]
    found = tables(tokens)
    metrics = next(t for t in found if t[0][0] == "Metric")
    assert metrics[0] == ["Metric", "This PR", "Production", "Baseline", "Change", "Status", "Why"]
    assert [r[0] for r in metrics[1:]] == ["roc_auc ↑", "f1 ↑", "latency_ms ↓"]
    assert all(len(r) == 7 for r in metrics)
    assert metrics[1][5] == "❌ fail" and metrics[3][5] == "⚠️ warn"
    params = next(t for t in found if t[0][0] == "Param")
    assert params[1:] == [["max_depth", "8", "6"], ["n_estimators", "300", "—"]]
    data = next(t for t in found if t[0][0] == "Dataset")
    assert [r[4] for r in data[1:]] == ["✅ valid", "❌ invalid"]
    samples = [t for t in found if t[0][0] == "Row"]
    assert samples[0][1:] == [["17", "-3", "FR"], ["912", "430", "DE"]]
    pins = next(t for t in found if t[0][0] == "Pin")
    assert [r[0] for r in pins[1:]] == ["Code", "Data", "Environment", "Configuration", "MLflow run", "Registered"]
    assert pins[1][1] == "commit ec26c3e"
    links = re.findall(r'href="([^"]+)"', GFM.render(render(full(), CTX).text))
    assert f"https://github.com/acme/churn/commit/{docs.HEAD_SHA}" in links
    assert "http://mlflow.example:5000/#/experiments/3/runs/5f1c0ffee0ddba11d00d5f1c0ffee0dd" in links
    fences = [t for t in tokens if t.type == "fence"]
    assert [f.info for f in fences] == ["mermaid"]
    assert fences[0].content.startswith("%%{init: ") and fences[0].content.splitlines()[1] == "xychart-beta"
    blocks = html_blocks(tokens)
    assert blocks.count("<details>") == blocks.count("</details>") == 3


def test_gfm_hostile_strings_stay_text() -> None:
    text = render(hostile_documents(), CTX).text
    tokens = GFM.parse(text)
    html_out = GFM.render(text)
    assert re.findall(r'href="([^"]+)"', html_out) == [
        "http://mlflow.example:5000/#/experiments/3/runs/5f1c0ffee0ddba11d00d5f1c0ffee0dd",  # from the tracking URI
        "https://github.com/acme/churn/actions/runs/42", f"https://github.com/acme/churn/commit/{docs.HEAD_SHA}"]
    assert "<img" not in html_out and "<script" not in html_out and "<b>" not in html_out
    assert 'href="javascript' not in html_out
    assert not re.search(r"(?<![\w@])@octocat", html_out)
    blocks = html_blocks(tokens)
    assert blocks.count("<details>") == blocks.count("</details>") == 3
    assert blocks.count("<summary>") == blocks.count("</summary>") == 3
    for rows in tables(tokens):  # no row gained or lost a column
        assert len({len(r) for r in rows}) == 1, rows
    fences = [t for t in tokens if t.type == "fence"]
    assert [f.info for f in fences] == ["mermaid"]
    assert "<script" not in fences[0].content and "```" not in fences[0].content


OWN_LINKS = ["http://mlflow.example:5000/#/experiments/3/runs/5f1c0ffee0ddba11d00d5f1c0ffee0dd",
             "https://github.com/acme/churn/actions/runs/42", f"https://github.com/acme/churn/commit/{docs.HEAD_SHA}"]


def test_github_links_nothing_in_a_hostile_report_but_ours() -> None:
    """cmark-gfm (GitHub's renderer) autolinks bare URLs, `www.` and emails; GitHub adds #n/GH-n/@ references."""
    rendered = gfm.render(render(hostile_documents(), CTX).text)
    assert gfm.links(rendered) == OWN_LINKS
    assert gfm.anchors(rendered) == len(OWN_LINKS)
    assert gfm.references(rendered) == []
    seen = gfm.text(rendered).replace("\u200d", "")
    assert "www.evil.example a@evil.example GH-1 acme/churn#2 @acme/team" in seen  # still readable


# --- what a reviewer sees: every report rendered by cmark-gfm, GitHub's own renderer -----------------------


def charted(primary: str, history: list[float], candidate: float) -> Documents:
    """A passed verdict whose primary metric has these values (the chart's numbers)."""
    verdict = docs.verdict("passed")
    verdict["primary_metric"] = verdict["framing"]["primary_metric"] = primary
    verdict["history"] = [{"version": str(i + 1), "run_id": None, "value": v, "created_at": 0, "aliases": []}
                          for i, v in enumerate(history)]
    verdict["candidate"]["metrics"][primary] = candidate
    return docs.documents(verdict_doc=verdict)


def huge() -> Documents:
    validation = docs.validation(passed=False)
    failure: dict[str, Any] = validation["datasets"][1]["failures"][0]
    validation["datasets"][1]["failures"] = [dict(failure, check=f"check_{i}", message="m" * 250)
                                             for i in range(190)]
    validation["datasets"] = [dict(validation["datasets"][1], path=f"data/part-{i}.parquet") for i in range(3)]
    return docs.documents(verdict_doc=docs.verdict("failed"), validation_doc=validation, lineage_doc=docs.lineage())


REPORTS: dict[str, Any] = {
    "failed-full": lambda: render(full(), CTX).text,
    "passed-verdict-only": lambda: render(docs.documents(verdict_doc=docs.verdict("passed")), CTX).text,
    "data-only": lambda: render(docs.documents(validation_doc=docs.validation(passed=False)),
                                Context(model="churn")).text,
    "hostile": lambda: render(hostile_documents(), CTX).text,
    "first-model": lambda: render(first_model(), CTX).text,
    "failed-training": lambda: render(failed_training(), CTX).text,
    "same-data": lambda: render(docs.documents(verdict_doc=docs.same_data_verdict()), CTX).text,
    "same-data-slices-pass": lambda: render(docs.documents(verdict_doc=docs.same_data_verdict(slice_fails=False)),
                                            CTX).text,
    "cut-comment": lambda: render(huge(), CTX).comment(where="the job summary"),
    "tiny-loss": lambda: render(charted("log_loss", [4.9e-05, 5.2e-05], 5.05e-05), CTX).text,
    "bound-cancels": lambda: render(charted("loss", [0.01, 0.11], 0.11), CTX).text,
    "large-values": lambda: render(charted("rows_per_s", [1123456.7, 1123460.1], 1123461.0), CTX).text,
    "auc-near-1": lambda: render(charted("roc_auc", [0.99, 1.0], 1.0), CTX).text,
}
_TABLE_ROW = re.compile(r"^\|.*\|$")
_MERMAID = re.compile(r'<pre lang="mermaid"><code>(.*?)</code></pre>', re.DOTALL)
_NUMBER = r"-?\d+(?:\.\d+)?"  # mermaid's xychart number: digits, `.`, `-`; no exponent


def source_tables(markdown: str) -> list[list[str]]:
    """The tables of the markdown source: runs of `| … |` lines outside fenced code."""
    found: list[list[str]] = []
    current: list[str] = []
    fence = ""  # the open fence: only a line of at least as many backticks (and nothing else) closes it
    for line in [*markdown.splitlines(), ""]:
        run = re.match(r"`{3,}", line)
        if not fence and run:
            fence = run[0]
            continue
        if fence and run and line.strip() == run[0] and len(run[0]) >= len(fence):
            fence = ""
            continue
        if not fence and _TABLE_ROW.match(line):
            current.append(line)
        elif current:
            found.append(current)
            current = []
    return found


@pytest.mark.parametrize("name", REPORTS)
def test_github_renders_every_table_with_its_columns(name: str) -> None:
    """GFM pads a short row and drops a long row's extra cells: a cell that leaked a `|` is silently lost.
    cmark-gfm only makes a table when the header row has the delimiter row's number of cells, so each row is
    checked as the header of a table of its own."""
    text = REPORTS[name]()
    tables = source_tables(text)
    assert tables and gfm.render(text).count("<table>") == len(tables)
    for rows in tables:
        header, delimiter = rows[0], rows[1]
        assert re.fullmatch(r"\|(?:-+\|)+", delimiter.replace(":", "-").replace(" ", "")), delimiter
        for row in rows[2:]:
            assert "<table>" in gfm.render(f"{row}\n{delimiter}\n"), f"{name}: {row!r} lost or gained a column"
        assert "<table>" in gfm.render(f"{header}\n{delimiter}\n")


@pytest.mark.parametrize("name", REPORTS)
def test_github_renders_balanced_details(name: str) -> None:
    text = REPORTS[name]()
    rendered = gfm.render(text)
    for tag in ("details", "summary"):
        depth = 0
        for closing in re.findall(rf"<(/?){tag}>", rendered):
            depth += -1 if closing else 1
            assert depth in (0, 1), f"{name}: <{tag}> nested or closed twice"
        assert depth == 0, f"{name}: <{tag}> left open"
        assert rendered.count(f"<{tag}>") == text.count(f"<{tag}>")  # every one of ours is real HTML


@pytest.mark.parametrize("name", REPORTS)
def test_github_shows_no_escape_characters_or_backticks(name: str) -> None:
    """A reader sees no markdown escape (`\\|`, `\\_`) nor a code span's backticks: the escaping worked."""
    seen = gfm.text(gfm.render(REPORTS[name]()), keep_code=False)
    assert not re.search(r"\\[!-/:-@\[-`{-~]", seen), f"{name}: a visible escape in {seen!r}"
    if name == "hostile":  # its strings carry backticks of their own: ``` and nothing else
        seen = seen.replace("```", "")
    assert "`" not in seen, f"{name}: a visible backtick in {seen!r}"


@pytest.mark.parametrize("name", REPORTS)
def test_github_links_only_ours(name: str) -> None:
    rendered = gfm.render(REPORTS[name]())
    assert set(gfm.links(rendered)) <= set(OWN_LINKS)
    assert gfm.anchors(rendered) == len(gfm.links(rendered))
    assert gfm.references(rendered) == []


@pytest.mark.parametrize("name", REPORTS)
def test_mermaid_chart_numbers_follow_mermaids_grammar(name: str) -> None:
    charts = [html.unescape(c) for c in _MERMAID.findall(gfm.render(REPORTS[name]()))]
    # on the same rows the logged history (other data) is not charted: the change bars are
    if name in ("data-only", "first-model", "same-data", "same-data-slices-pass"):
        assert charts == []
        return
    assert len(charts) == 1, name
    lines = charts[0].splitlines()
    assert lines[0].startswith("%%{init: ") and lines[1] == "xychart-beta"
    assert re.fullmatch(r'    x-axis \["[A-Za-z0-9 ._:/-]+"(?:, "[A-Za-z0-9 ._:/-]+")*\]', lines[3]), lines[3]
    axis = re.fullmatch(rf'    y-axis "[A-Za-z0-9 ._:/-]+" ({_NUMBER}) --> ({_NUMBER})', lines[4])
    values = re.fullmatch(rf"    line \[({_NUMBER}(?:, {_NUMBER})*)\]", lines[5])
    assert axis and values, lines
    low, high = float(axis[1]), float(axis[2])
    assert low < high and all(low <= float(v) <= high for v in values[1].split(", "))
    if name == "auc-near-1":
        assert high == 1


def test_report_has_the_marker_first_and_fits_a_comment() -> None:
    rendered = render(full(), CTX)
    assert rendered.text.startswith("<!-- mlgate-report: churn -->\n")
    assert rendered.comment() == rendered.text


def test_a_huge_report_is_cut_between_sections_for_the_comment() -> None:
    validation = docs.validation(passed=False)
    failure: dict[str, Any] = validation["datasets"][1]["failures"][0]
    validation["datasets"][1]["failures"] = [dict(failure, check=f"check_{i}", message="m" * 250)
                                             for i in range(190)]
    validation["datasets"] = [dict(validation["datasets"][1], path=f"data/part-{i}.parquet") for i in range(3)]
    rendered = render(docs.documents(verdict_doc=docs.verdict("failed"), validation_doc=validation,
                                     lineage_doc=docs.lineage()), CTX)
    assert len(rendered.text) > COMMENT_LIMIT
    body = rendered.comment(where="the job summary")
    assert len(body) <= COMMENT_LIMIT
    assert body.startswith("<!-- mlgate-report: churn -->")
    assert "### Metrics" in body and "### Data validation" not in body
    assert "This report was cut to fit" in body and "The full report is in the job summary." in body
    assert body.rstrip().endswith("</sub>")


def test_user_template_overrides_blocks(tmp_path: Path) -> None:
    template = tmp_path / "report.md.j2"
    template.write_text('{% extends "report.md.j2" %}\n{% block pins %}{% endblock %}\n'
                        "{% block notes %}\n### Our notes\n\n{{ view.headline }} and {{ view.model|upper }}\n"
                        "{% endblock %}\n", encoding="utf-8")
    text = render(full(), CTX, template).text
    assert "### Our notes" in text and "four pins" not in text and "### Metrics" in text
    assert "CHURN" in text


def test_a_template_that_does_not_extend_ours_still_carries_the_marker(tmp_path: Path) -> None:
    """Without the marker, every run would post a new comment instead of editing the sticky one."""
    template = tmp_path / "mine.md.j2"
    template.write_text("## {{ view.model }}: {{ view.outcome.word }}\n", encoding="utf-8")
    text = render(full(), CTX, template).text
    assert text == "<!-- mlgate-report: churn -->\n## churn: failed\n"


def test_user_template_output_is_escaped_unless_safe(tmp_path: Path) -> None:
    template = tmp_path / "t.md.j2"
    template.write_text('{% extends "report.md.j2" %}{% block notes %}{{ "<b>@octocat</b>" }}{% endblock %}',
                        encoding="utf-8")
    text = render(full(), CTX, template).text
    assert "&lt;b&gt;@\u200doctocat&lt;/b&gt;" in text


@pytest.mark.parametrize(("source", "message"), [
    ("{% block x %}", "syntax error on line 1"),
    ("{{ view.nope }}", "failed to render"),
    ("{{ ''.__class__.__mro__ }}", "failed to render"),  # the sandbox refuses
    ("{{ view.params_count + 'x' }}", "failed to render"),  # a TypeError in the user's expression
    ("{{ view.params_count / 0 }}", "failed to render"),
])
def test_broken_user_templates_are_bad_input(tmp_path: Path, source: str, message: str) -> None:
    template = tmp_path / "t.md.j2"
    template.write_text(source, encoding="utf-8")
    with pytest.raises(BadInput, match=message):
        render(full(), CTX, template)


def test_missing_user_template_is_bad_input(tmp_path: Path) -> None:
    with pytest.raises(BadInput, match="not found"):
        render(full(), CTX, tmp_path / "nope.md.j2")


def test_partial_documents_render() -> None:
    """A verdict with no sides, metrics or history; a lineage of a training that is still running."""
    verdict = {**docs.verdict("failed"), "candidate": None, "production": None, "baseline": None, "metrics": [],
               "history": [], "params_diff": [], "notes": [], "primary_metric": None, "summary": "",
               "model": {"name": "", "production_alias": "production"},
               "framing": {"decision": "", "primary_metric": None}}
    lineage = {**docs.lineage(), "status": "running", "model": None, "run": None, "registered": None,
               "metrics": {}, "data": [], "code": {"commit": None, "dirty": None, "diff_sha256": None}}
    text = render(Documents(verdict=Verdict.model_validate(verdict), lineage=Lineage.model_validate(lineage)),
                  Context()).text
    assert "## ❌ mlgate · model: failed" in text and "No gated metrics." in text
    assert "none yet: the first model for this name" in text and "no commit (not a git repository)" in text
    assert tables(GFM.parse(text))


def test_the_first_models_headline_says_what_passed() -> None:
    text = render(first_model(), CTX).text
    assert ("**passed: first model of churn, no production model to compare with; roc\\_auc 0.93 meets its minimum "
            "0.8**") in text


def test_notes_show_mlgates_code_spans_as_code_and_hostile_ones_stay_inert() -> None:
    verdict = docs.verdict("passed")
    verdict["notes"] = [
        "no production model yet (no `production` alias on churn): compared with the baseline only",
        "`<img src=x onerror=alert(1)> @octocat #1 www.evil.example **b** [x](javascript:alert(1))` and **b** @octocat",
        "a model `a_b*c` and a lone ` backtick",
    ]
    rendered = gfm.render(render(docs.documents(verdict_doc=verdict), CTX).text)
    notes = rendered[rendered.index("<h3>Notes</h3>"):]
    assert "<code>production</code>" in notes and "<code>a_b*c</code>" in notes
    assert "<code>&lt;img src=x onerror=alert(1)&gt; @octocat #1 www.evil.example **b** [x](javascript:alert(1))</code>" in notes
    assert "<img" not in rendered and "<strong>" not in notes and "<em>" not in notes
    assert gfm.links(rendered) == OWN_LINKS
    assert gfm.references(rendered) == []
    seen = gfm.text(notes, keep_code=False)
    assert seen.count("`") == 1 and "lone ` backtick" in seen  # a lone backtick is text; no escape is visible
    assert "\\" not in seen


def test_the_model_table_names_each_run_and_version_once() -> None:
    found = tables(GFM.parse(render(full(), CTX).text))
    models = {row[0]: row[1].replace("\u200d", "") for row in next(t for t in found if t[0][0] == "Model")[1:]}
    assert models == {"This PR": "version 7, run 5f1c0ffee0dd",
                      "Production": "version 6, run 0123456789abcdef0123456789abcdef, from churn@production",
                      "Baseline": "from metrics file baseline.json"}


def test_failing_rows_show_the_failing_column_first_and_a_few_others() -> None:
    validation = docs.validation(passed=False)
    failure = validation["datasets"][1]["failures"][0]
    failure["samples"] = [{"row": 17, **{f"c{i}": i for i in range(10)}, "age": -3, "country": "FR"}]
    found = tables(GFM.parse(render(docs.documents(validation_doc=validation), Context(model="churn")).text))
    samples = next(t for t in found if t[0][0] == "Row")
    assert samples == [["Row", "age", "c0", "c1", "c2"], ["17", "-3", "0", "1", "2"]]
    text = render(docs.documents(validation_doc=validation), Context(model="churn")).text
    assert "Failing rows of in\\_range on age (4 of 12 columns):" in text


def test_a_spark_dataset_shows_its_listing_version_and_samples_by_file() -> None:
    """A dataset validated by Spark: one entry for the directory, a `file-listing` version, samples that name
    the file (Spark has no row order), so the samples table has no Row column."""
    validation = docs.validation(passed=False)
    validation["datasets"][1].update({
        "dataset": "s3a://lake/events/", "path": "s3a://lake/events/",
        "version": {"kind": "file-listing", "value": "b" * 64}})
    validation["datasets"][1]["failures"][0]["samples"] = [
        {"age": -3, "country": "FR", "file": "s3a://lake/events/day=2024-01-09/part-0.parquet"}]
    tokens = GFM.parse(render(docs.documents(verdict_doc=docs.verdict("failed"), validation_doc=validation,
                                             lineage_doc=docs.lineage()), CTX).text)
    found = [[[cell.replace("\u200d", "") for cell in row] for row in table] for table in tables(tokens)]
    data = next(t for t in found if t[0][0] == "Dataset")  # (a joiner keeps a URI from becoming a link)
    assert data[2][:3] == ["s3a://lake/events/", "parquet", "file-listing bbbbbbbbbbbbbbbb"]
    samples = next(t for t in found if "file" in t[0])
    assert samples == [["age", "country", "file"], ["-3", "FR", "s3a://lake/events/day=2024-01-09/part-0.parquet"]]


@pytest.mark.parametrize(("passed", "shown"), [
    ("pass", "⚠️ passed to the training command (train.tracking_credentials: pass)"),
    ("none", "none: the training logged to a throwaway store"),
])
def test_the_pins_say_whether_the_training_held_the_registry_credentials(passed: str, shown: str) -> None:
    lineage = docs.lineage()
    lineage["configuration"]["tracking_credentials"] = passed
    text = render(docs.documents(verdict_doc=docs.verdict("failed"), lineage_doc=lineage), CTX).text
    pins = next(t for t in tables(GFM.parse(text)) if t[0][0] == "Pin")
    row = next(r for r in pins if r[0] == "Registry credentials")
    assert row[1].startswith(shown)


def test_a_run_from_before_the_setting_shows_no_credentials_row() -> None:
    text = render(full(), CTX).text
    assert "Registry credentials" not in text
