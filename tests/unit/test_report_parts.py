"""Formatting, the outcome, the mermaid chart, tables and truncation: the report's plain parts."""

from __future__ import annotations

import json
import math
import re

import pytest
from markdown_it import MarkdownIt

from mlgate.documents import Lineage, Validation, Verdict
from mlgate.report import chart, fmt
from mlgate.report.outcome import decide
from mlgate.report.tables import table
from mlgate.report.truncate import fit, utf8_bytes
from tests.support import report_documents as docs

GFM = MarkdownIt("commonmark", {"html": True}).enable("table")


@pytest.mark.parametrize(("raw", "shown"), [
    (0.912345, "0.9123"), (1, "1"), (1.0, "1"), (12345.678, "12,345.7"), (25000, "25,000"), (0, "0"),
    (-0.5, "-0.5"), (1e-07, "0.0000001"), (6.136e-05, "0.00006136"), ("0.5", "0.5"), (1234, "1,234"), (None, "—"), ("", "—"), (math.nan, "NaN"), ("nan", "NaN"),
    (math.inf, "∞"), ("-inf", "-∞"), (True, "True"), ("n/a | x", "n/a \\| x"), ("<b>", "&lt;b&gt;"),
])
def test_value(raw: object, shown: str) -> None:
    assert fmt.value(raw) == shown


def test_change_and_status() -> None:
    assert fmt.change(-0.031, -3.4) == "-0.031 (-3.4%)"
    assert fmt.change(0.01, None) == "+0.01"
    assert fmt.change(0.0001, 0.011) == "+0.0001 (+0.011%)"
    assert fmt.change(None, 5) == "—"
    assert fmt.change("nan", "nan") == "—"
    assert fmt.status("fail") == "❌ fail"
    assert fmt.status("<x>") == "&lt;x&gt;"


def verdict(status: str) -> Verdict:
    return Verdict.model_validate(docs.verdict(status))


def validation(passed: bool) -> Validation:
    return Validation.model_validate(docs.validation(passed=passed))


def test_outcome_follows_the_verdict_and_the_data() -> None:
    assert decide(verdict("passed"), None).state == "success"
    assert decide(verdict("warned"), None).word == "passed with warnings"
    failed = decide(verdict("failed"), validation(passed=True))
    assert (failed.state, failed.passed) == ("failure", False)
    bad_data = decide(verdict("passed"), validation(passed=False))
    assert bad_data.state == "failure" and bad_data.summary.startswith("Data validation failed for 1 dataset")
    assert decide(None, None).state == "error"
    assert decide(None, validation(passed=True)).state == "error"
    assert decide(None, validation(passed=False)).state == "failure"


def test_a_failed_training_is_named_first() -> None:
    failed = Lineage.model_validate(docs.failed_lineage())
    training = decide(Verdict.model_validate(docs.failed_training_verdict()), validation(passed=True), failed)
    assert (training.state, training.passed, training.word) == ("failure", False, "failed")
    assert training.summary == "Training failed: the training command failed with exit code 1"
    assert training.description() == training.summary  # the commit status says it too
    with_data = decide(None, validation(passed=False), failed)
    assert with_data.summary == ("Training failed: the training command failed with exit code 1; "
                                 "data validation failed for 1 dataset")
    succeeded = Lineage.model_validate(docs.lineage())
    assert decide(verdict("passed"), None, succeeded).state == "success"


def test_a_failing_data_row_is_said_once_in_the_headline() -> None:
    """The verdict's row `data` already says the data failed: the headline does not say it twice."""
    doc = docs.verdict("passed")
    doc["passed"], doc["status"] = False, "failed"
    doc["summary"] = "failed: data failed validation: data/eval.parquet (validation.json)"
    doc["metrics"].insert(0, docs.metric("data", "failed", None, direction=None, status="fail",  # type: ignore[arg-type]
                                         reasons=["failed validation: data/eval.parquet (validation.json)"]))
    outcome = decide(Verdict.model_validate(doc), validation(passed=False))
    assert outcome.state == "failure"
    assert outcome.summary == "failed: data failed validation: data/eval.parquet (validation.json)"


def test_status_description_fits_github() -> None:
    long = verdict("failed")
    long.summary = "x" * 1000
    description = decide(long, None).description()
    assert len(description) == 140 and description.endswith("…")


def test_chart_points_and_block() -> None:
    history = [{"version": "10", "value": 0.9}, {"version": "9", "value": "0.8"}, {"version": "8", "value": None},
               {"version": "11", "value": "nan"}]
    series = chart.points(history, 0.95)
    assert [(p.label, p.value) for p in series] == [("v9", 0.8), ("v10", 0.9), ("this PR", 0.95)]
    block = chart.mermaid('auc"] ; click x', series)
    assert block is not None
    lines = block.splitlines()
    assert lines[0] == "```mermaid" and lines[2] == "xychart-beta" and lines[-1] == "```"
    assert 'x-axis ["v9", "v10", "this PR"]' in block
    assert "line [0.8, 0.9, 0.95]" in block
    assert '"auc_ _ click x: production versions and this PR"' in block  # quotes and brackets removed


# mermaid's xychart lexer: a number is digits with an optional fraction (no exponent, no `inf`)
MERMAID_NUMBER = r"-?\d+(?:\.\d+)?"


def chart_numbers(block: str) -> tuple[tuple[float, float], list[float]]:
    """The y-axis bounds and the line's values of a chart, checked against mermaid's number grammar."""
    axis = re.search(rf'^    y-axis "[^"]*" ({MERMAID_NUMBER}) --> ({MERMAID_NUMBER})$', block, re.MULTILINE)
    line = re.search(rf"^    line \[((?:{MERMAID_NUMBER})(?:, {MERMAID_NUMBER})*)\]$", block, re.MULTILINE)
    assert axis and line, block
    return (float(axis[1]), float(axis[2])), [float(v) for v in line[1].split(", ")]


@pytest.mark.parametrize("values", [
    [0.01, 0.11],  # the lower bound is 0.01 - 0.1 * (0.11 - 0.01) = -1.73472e-18
    [4.9e-05, 5.2e-05, 5.05e-05],  # a tiny loss
    [1123456.7, 1123460.1],  # a large count
    [-3e20, 5e20], [0.5, 0.5], [1e-15, 1e-15], [0.0, 0.0],
])
def test_chart_never_prints_an_exponent(values: list[float]) -> None:
    """mermaid shows "Syntax error" for `-1.73472e-18`, `4.9e-05` or `1.12346e+06`."""
    block = chart.mermaid("loss", [chart.Point(f"v{i}", v) for i, v in enumerate(values)])
    assert block is not None
    (low, high), shown = chart_numbers(block)
    assert low < high or low == high == 0
    scale = max(abs(v) for v in values) or 1.0
    for value, printed in zip(values, shown, strict=True):
        assert printed == pytest.approx(value, rel=1e-4, abs=scale * 1e-4)
        assert low <= printed <= high
    assert "-0 " not in block and "[-0," not in block and " -0]" not in block


def test_chart_values_too_small_to_print_become_0() -> None:
    block = chart.mermaid("loss", [chart.Point("v1", 1e-300), chart.Point("this PR", -2e-300)])
    (low, high), shown = chart_numbers(block or "")
    assert shown == [0, 0] and low < 0 < high


def test_chart_line_is_visible_on_githubs_light_and_dark_themes() -> None:
    """mermaid's default plot colour, #ECECFF, is invisible on GitHub's white background."""
    block = chart.mermaid("auc", [chart.Point("v1", 0.8), chart.Point("this PR", 0.9)])
    assert block is not None
    init = block.splitlines()[1]
    assert init.startswith("%%{init: ") and init.endswith("}%%")
    config = json.loads(init[len("%%{init: "):-len("}%%")])
    assert config == {"themeVariables": {"xyChart": {"plotColorPalette": "#0969da"}}}


@pytest.mark.parametrize("metric", ["roc_auc", "accuracy", "val_f1", "f1_macro", "precision@10", "recall",
                                    "average_precision", "balanced_accuracy", "pr_auc"])
def test_bounded_metrics_keep_their_axis_in_0_1(metric: str) -> None:
    block = chart.mermaid(metric, [chart.Point("v1", 0.96), chart.Point("v2", 1.0), chart.Point("this PR", 0.99)])
    assert block is not None
    (low, high), _ = chart_numbers(block)
    assert high == 1 and 0.9 < low < 0.96
    block = chart.mermaid(metric, [chart.Point("v1", 0.0), chart.Point("this PR", 0.02)])
    assert block is not None
    (low, high), _ = chart_numbers(block)
    assert low == 0 and high == 0.05  # at least 5% of the range tall, shifted inside it: noise stays small


def test_unbounded_metrics_and_out_of_range_values_keep_their_padding() -> None:
    series = [chart.Point("v1", 0.96), chart.Point("this PR", 1.0)]
    assert chart_numbers(chart.mermaid("latency_ms", series) or "")[0][1] > 1
    percent = [chart.Point("v1", 95.0), chart.Point("this PR", 97.5)]  # an accuracy given in percent
    assert chart_numbers(chart.mermaid("accuracy", percent) or "")[0] == (94.75, 97.75)
    assert chart_numbers(chart.mermaid("rmse", [chart.Point("v1", 0.0), chart.Point("v2", 0.5)]) or "")[0][0] < 0


def test_chart_needs_two_numbers() -> None:
    assert chart.mermaid("auc", chart.points([], 0.9)) is None
    assert chart.mermaid("auc", chart.points([{"version": "1", "value": "oops"}], "nan")) is None


def test_table_is_gfm_with_escaped_cells() -> None:
    text = table(["Name", "Value"], [["a|b", "<i>x</i>"], ["@me", 3]])
    rendered = GFM.render(text)
    assert rendered.count("<tr>") == 3 and rendered.count("<td>") == 4
    assert "<i>" not in rendered
    assert table(["A"], []) == ""


def test_table_caps_rows() -> None:
    text = table(["A"], [[str(i)] for i in range(10)], max_rows=3)
    assert "7 more rows not shown" in text and GFM.render(text).count("<tr>") == 5


REPORT = "\n".join([
    "<!-- marker -->", "## title", "", "**verdict**", "",
    "<!-- section: metrics -->", "", "metrics " + "m" * 100, "",
    "<!-- section: data -->", "", "data " + "d" * 300, "",
    "<!-- section: pins -->", "", "pins " + "p" * 50, "",
    "<!-- section: footer -->", "", "<sub>footer</sub>", "",
])


def test_fit_keeps_what_fits_between_head_and_footer() -> None:
    assert fit(REPORT, len(REPORT)) == REPORT
    cut = fit(REPORT, 420, where="the job summary")
    assert len(cut) <= 420
    assert cut.startswith("<!-- marker -->\n## title") and cut.rstrip().endswith("<sub>footer</sub>")
    assert "metrics m" in cut and "data d" not in cut and "pins p" not in cut  # stops at the first misfit
    assert "This report was cut to fit** (1 of 3 sections shown). The full report is in the job summary." in cut


def test_fit_measures_bytes_for_the_step_summary() -> None:
    text = REPORT.replace("m" * 100, "é" * 100)
    cut = fit(text, 450, measure=utf8_bytes)
    assert utf8_bytes(cut) <= 450 and "metrics" not in cut


def test_fit_hard_cuts_a_head_that_is_too_long() -> None:
    text = "<!-- marker -->\n<details><summary>s</summary>\n\n" + "line\n" * 1000
    cut = fit(text, 300)
    assert len(cut) <= 300 and cut.count("<details>") == cut.count("</details>")
    assert "This report was cut to fit" in cut


def _summary_of(statuses: list[str]) -> str:
    from mlgate.report.view import Context, build

    doc = docs.validation(passed=True)
    template = doc["datasets"][0]
    doc["datasets"] = [{**template, "path": f"data/{i}.csv", "status": status,
                        **({"version": None, "rows": None, "bytes": None, "format": None}
                           if status in ("skipped", "deleted") else {})}
                       for i, status in enumerate(statuses)]
    return str(build(docs.documents(validation_doc=doc), Context()).data_summary)


@pytest.mark.parametrize(("statuses", "shown"), [
    (["skipped", "skipped"], "⏭️ 2 datasets unchanged since `origin/main`, not validated."),
    (["valid", "valid"], "✅ 2 datasets valid (changed since `origin/main`)."),
    (["valid", "skipped"], "✅ 1 dataset valid (changed since `origin/main`); 1 unchanged, not validated."),
    (["deleted"], "🗑️ 1 dataset deleted (changed since `origin/main`)."),
    (["valid", "deleted", "skipped"],
     "✅ 1 dataset valid, 1 deleted (changed since `origin/main`); 1 unchanged, not validated."),
])
def test_data_summary_counts_skipped_as_skipped(statuses: list[str], shown: str) -> None:
    assert _summary_of(statuses) == shown


def test_a_datasets_note_is_shown_in_the_data_table() -> None:
    from mlgate.report.view import Context, build

    doc = docs.validation(passed=True)
    doc["datasets"][0]["note"] = "the workspace differs from data/train.csv.dvc (edited, not `dvc add`ed)"
    shown = str(build(docs.documents(validation_doc=doc), Context()).data_table)
    assert "✅ valid ⚠️ the workspace differs from data/train.csv.dvc" in shown


@pytest.mark.parametrize(("status", "shown"), [
    ("forced", "⚠️ trained with --force on data that failed validation"),
    ("not-validated", "⚠️ the data was not validated before training"),
    ("passed", None), (None, None),
])
def test_the_data_pin_says_when_the_data_was_not_validated(status: str | None, shown: str | None) -> None:
    from mlgate.report.view import Context, build

    doc = docs.lineage()
    if status:
        doc["data_validation"] = status
    pins = str(build(docs.documents(lineage_doc=doc), Context()).pins)
    [row] = [line for line in pins.splitlines() if line.startswith("| Data ")]
    if shown:
        assert shown in row
    else:
        assert "⚠️" not in row
