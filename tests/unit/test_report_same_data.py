"""The report of a same-data comparison: intervals, the inconclusive status, slices, flips, the comparison
line; snapshots, and what GitHub's renderer (cmark-gfm) makes of them, hostile data included."""

from __future__ import annotations

import re
from typing import Any

from mlgate.report.render import render
from tests.support import gfm
from tests.support import report_documents as docs
from tests.unit.test_report_render import CTX, GFM, OWN_LINKS, headings, html_blocks, snapshot, tables


def same_data(**kw: Any) -> str:
    return render(docs.documents(verdict_doc=docs.same_data_verdict(**kw)), CTX).text


def test_snapshot_same_data_with_a_failing_slice() -> None:
    snapshot("same-data", same_data())


def test_snapshot_same_data_all_slices_pass() -> None:
    snapshot("same-data-slices-pass", same_data(slice_fails=False))


def test_the_metrics_table_shows_the_interval_the_inconclusive_status_and_the_logged_row() -> None:
    found = tables(GFM.parse(same_data()))
    metrics = next(t for t in found if t[0][0] == "Metric")
    assert [r[0] for r in metrics[1:]] == ["roc_auc ↑", "accuracy ↑", "latency_ms ↓ (logged)"]
    # one rounding per row: the decimals its sensitivity (the interval's half-width) resolves
    assert [r[4] for r in metrics[1:]] == ["-0.0010 [-0.0090, +0.0060]", "-0.004 [-0.018, +0.011]",
                                           "+1.5 (+13.6%)"]
    assert [r[5] for r in metrics[1:]] == ["±0.0075", "±0.015", "—"]
    assert [r[6] for r in metrics[1:]] == [
        "✅ pass", "❔ inconclusive, leans pass (45% beyond); counts as warn", "✅ pass"]
    assert "about 2,310 rows would decide it" in metrics[2][7]
    # every interval printed once: the Why column does not repeat it
    assert "[-0.018" not in metrics[2][7] and "0.011]" not in metrics[2][7]


def test_the_comparison_line_says_same_data_or_logged_metrics() -> None:
    seen = gfm.text(gfm.render(same_data()))
    assert ("🔬 Same data: this PR's model and production were scored on the same 569 rows of data/holdout.csv "
            "(dvc-md5 3f2a9c1d); each change is candidate - production with its 95% paired interval. Metrics "
            "marked (logged) are compared on the values each model logged, possibly on different data.") in seen
    logged = render(docs.documents(verdict_doc=docs.verdict("passed")), CTX).text
    assert ("📋 Logged metrics: each model's metrics as logged when it was trained, possibly on different "
            "data.") in gfm.text(gfm.render(logged))
    assert "Same data" not in gfm.text(gfm.render(logged))


def test_a_failing_slice_shows_the_slices_open_and_passing_slices_are_collapsed() -> None:
    failing = same_data()
    assert headings(GFM.parse(failing)) == ["❌ mlgate · churn: failed", "Metrics", "Slices",
                                            "Change against the tolerance", "Notes"]
    slices = next(t for t in tables(GFM.parse(failing)) if t[0][0] == "Slice")
    assert slices == [
        ["Slice", "Rows", "Metric", "This PR", "Production", "Change", "Status"],
        ["sex = F", "212", "roc_auc", "0.861", "0.902", "-0.041 [-0.070, -0.015]", "❌ fail"],
        ["sex = M", "345", "roc_auc", "0.9300", "0.9290", "+0.0010 [-0.0040, +0.0070]", "✅ pass"],
        ["sex = (missing)", "12", "—", "—", "—", "—", "not judged: too few rows"],
    ]
    # the counts add up: slices (1 + 1 + 1 of 3) and slice metrics (1 + 1 of 2)
    assert ("Slices: ❌ 1 failing, ✅ 1 passing, 1 not judged (too few rows) of 3 (2 slice metrics: 1 fail, "
            "1 pass)") in gfm.text(gfm.render(failing))
    passing = gfm.render(same_data(slice_fails=False))
    (summary,) = re.findall(r"<summary>(✅ Slices[^<]*)</summary>", passing)
    assert summary == "✅ Slices: 2 passing, 1 not judged (too few rows) of 3 (2 slice metrics: 2 pass)"
    assert "<h3>Slices</h3>" not in passing


def test_the_flips_are_collapsed_with_their_counts_and_harmful_rows() -> None:
    rendered = gfm.render(same_data())
    (block,) = re.findall(r"<details>\s*<summary>(Flips[^<]*)</summary>(.*?)</details>", rendered, re.DOTALL)
    assert block[0] == "Flips: 13 of 569 rows from right to wrong (2.28%), 9 from wrong to right"
    assert "within the tolerated 5%" in block[1] and "The first 3 harmful rows:" in block[1]
    found = tables(GFM.parse(same_data()))
    counts = next(t for t in found if t[0][0] == "Both right")
    assert counts[1] == ["510", "37", "13", "9"]
    rows = next(t for t in found if t[0][0] == "Row" and t[0][1] == "Label")
    assert rows[1:] == [["p-0003", "1", "1", "0"], ["p-0017", "1", "1", "0"], ["p-0042", "1", "1", "0"]]


def test_a_failing_flip_share_has_its_icon() -> None:
    verdict = docs.same_data_verdict()
    verdict["flips"].update(status="fail", max_harmful_flip_pct=1.0)
    text = render(docs.documents(verdict_doc=verdict), CTX).text
    assert "<summary>❌ Flips: 13 of 569 rows" in text


def hostile() -> str:
    """Slice values, row ids and labels come from the evaluation data: anything at all."""
    verdict = docs.same_data_verdict()
    verdict["evaluation_data"] = docs.HOSTILE
    for s in verdict["slices"]:
        s["column"], s["value"] = docs.HOSTILE, docs.LINKS
    verdict["flips"]["harmful_rows"] = [{"id": docs.HOSTILE, "label": docs.LINKS, "production": "</details>",
                                         "candidate": "| x |"}]
    verdict["flips"]["reason"] = docs.HOSTILE
    return render(docs.documents(verdict_doc=verdict), CTX).text


def test_hostile_slice_values_ids_and_labels_stay_text() -> None:
    text = hostile()
    rendered = gfm.render(text)
    assert gfm.links(rendered) == OWN_LINKS
    assert gfm.anchors(rendered) == len(gfm.links(rendered))
    assert gfm.references(rendered) == []
    assert "<img" not in rendered and "<script" not in rendered and "<b>" not in rendered
    blocks = html_blocks(GFM.parse(text))
    assert blocks.count("<details>") == blocks.count("</details>")
    assert rendered.count("<details>") == text.count("<details>") == 2  # params and flips, none injected
    for rows in tables(GFM.parse(text)):  # no row gained or lost a column
        assert len({len(r) for r in rows}) == 1, rows
    seen = gfm.text(rendered).replace("\u200d", "")
    assert "<img src=x onerror=alert(1)> | @octocat </details>" in seen  # shown as the text it is
