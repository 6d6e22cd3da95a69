"""The comment a reviewer reads in five seconds: one-line headline, one rounding, the data row's words, the
lean of an inconclusive row, the sensitivity and its warning, the change bars (pure: documents in)."""

from __future__ import annotations

import copy
import re
from typing import Any

from mlgate.documents import MetricResult, Verdict
from mlgate.gate.model import Evidence as GateEvidence
from mlgate.gate.model import Interval, Paired, Rule, Side
from mlgate.gate.policy import evaluate
from mlgate.report import measure
from mlgate.report.render import render
from tests.support import gfm
from tests.support import report_documents as docs
from tests.unit.test_report_render import CTX


def row(**kw: Any) -> MetricResult:
    base = {"name": "roc_auc", "direction": "maximize", "severity": "fail", "candidate": 0.9162,
            "production": 0.9963, "baseline": None, "delta": -0.08017, "delta_pct": None, "baseline_delta": None,
            "status": "fail", "reasons": ["x"], "decision": "fail", "tolerance": 0.01, "sensitivity": 0.0492,
            "interval": {"low": -0.1294, "high": -0.03098, "confidence": 0.95, "method": "delong", "n": 171},
            "comparison": "same-data"}
    return MetricResult.model_validate({**base, **kw})


def test_one_rounding_per_row_and_never_an_exponent() -> None:
    assert measure.change(row()) == "-0.080 [-0.129, -0.031]"
    tiny = row(delta=6.136e-05, interval={"low": 1.2e-05, "high": 0.00011, "confidence": 0.95,
                                          "method": "bootstrap", "n": 500}, sensitivity=4.9e-05)
    assert measure.change(tiny) == "+0.000061 [+0.000012, +0.000110]"
    assert "e-" not in measure.change(tiny)


def test_an_inconclusive_row_says_which_way_it_leans() -> None:
    # the improvement's interval [-0.03, +0.01] against the tolerated 0.01: 2/4 = 50% beyond → leans pass
    mostly = row(decision="inconclusive", status="warn", delta=-0.02,
                 interval={"low": -0.04, "high": 0.0, "confidence": 0.95, "method": "delong", "n": 171})
    assert measure.lean(mostly) == "leans fail (75% beyond)"
    for direction in ("minimize",):  # a loss: a higher value is worse
        loss = row(direction=direction, decision="inconclusive", status="warn", delta=0.02,
                   interval={"low": 0.0, "high": 0.04, "confidence": 0.95, "method": "bootstrap", "n": 171})
        assert measure.lean(loss).startswith("leans fail (75%")


def test_the_change_bar_draws_the_interval_against_the_tolerance() -> None:
    drawn = measure.bar(row())
    assert len(drawn) == measure.BAR_WIDTH and drawn.count("●") == 1
    # the whole interval lies in the band beyond the tolerance (left of it), zero right of it
    assert drawn.index("●") < drawn.index("┊") and drawn.startswith("░")
    assert drawn.rindex("━") < drawn.index("┊")
    within = measure.bar(row(delta=0.001, decision="pass", status="pass",
                             interval={"low": -0.004, "high": 0.006, "confidence": 0.95, "method": "delong",
                                       "n": 171}))
    assert "╋" in within and within.index("●") > within.index("╋") - 1


def failing_same_data() -> dict[str, Any]:
    doc = docs.same_data_verdict()
    doc = copy.deepcopy(doc)
    doc["metrics"][0].update(status="fail", decision="fail", candidate=0.9162, production=0.9963, delta=-0.08017,
                             interval={"low": -0.1294, "high": -0.03098, "confidence": 0.95, "method": "delong",
                                       "n": 569}, tolerance=0.01, sensitivity=0.0492)
    doc.update(status="failed", passed=False, summary="failed: roc_auc ...")
    return doc


def test_the_headline_is_one_line_naming_the_deciding_metric_and_how_many_more() -> None:
    text = render(docs.documents(verdict_doc=failing_same_data()), CTX).text
    bold = [line for line in text.splitlines() if line.startswith("**failed")]
    assert bold == ["**failed: roc\\_auc -0.080 \\[-0.129, -0.031\\] vs production on 569 rows, beyond the "
                    "tolerated 0.01, and 1 more**"]  # the failing slice sex=F


def test_every_interval_is_printed_once() -> None:
    seen = gfm.text(gfm.render(render(docs.documents(verdict_doc=failing_same_data()), CTX).text))
    assert seen.count("-0.129") == 2  # the headline and the Change column, at one rounding
    assert "-0.1294" not in seen


def test_the_data_row_says_what_happened_to_the_data() -> None:
    verdict = docs.same_data_verdict(slice_fails=False)
    verdict["metrics"].insert(0, {**docs.metric("data", "passed", None, status="pass", direction=None,
                                                reasons=["the data passed validation (validation.json)"])})
    validation = docs.validation(passed=True)
    for dataset in validation["datasets"]:
        dataset["status"] = "skipped"
    text = render(docs.documents(verdict_doc=verdict, validation_doc=validation), CTX).text
    (data,) = [line for line in text.splitlines() if re.match(r"\| data +\|", line)]
    assert "| unchanged " in data and "passed validation" not in data
    assert "1 dataset unchanged since `origin/main`, not validated" in data
    validated = render(docs.documents(verdict_doc=verdict, validation_doc=docs.validation(passed=True)), CTX).text
    (data,) = [line for line in validated.splitlines() if re.match(r"\| data +\|", line)]
    assert "| validated " in data and "✅ 1 dataset valid (changed since `origin/main`)" in data


def test_a_tolerance_below_the_sensitivity_is_a_warning_in_compare() -> None:
    paired = Paired(candidate=0.9, production=0.9, delta=0.0, interval=Interval(-0.013, 0.013, 0.95, "delong", 171))
    verdict = evaluate("wine", [Rule("roc_auc", "maximize", max_regression=0.01)],
                       Side("candidate", "run", {}, version="2"), Side("production", "run", {}, version="1"), None,
                       evidence=GateEvidence(metrics={"roc_auc": paired}))
    assert ("171 rows resolve roc_auc to ±0.013; max_regression 0.01 can at best be inconclusive: add rows or "
            "raise the tolerance") in verdict.notes
    wide = evaluate("wine", [Rule("roc_auc", "maximize", max_regression=0.02)],
                    Side("candidate", "run", {}, version="2"), Side("production", "run", {}, version="1"), None,
                    evidence=GateEvidence(metrics={"roc_auc": paired}))
    assert not [n for n in wide.notes if "resolve" in n]
    assert re.search(r"±0\.013", " ".join(verdict.notes))


def test_the_verdict_document_reads_back_with_the_new_fields() -> None:
    doc = Verdict.model_validate(failing_same_data())
    assert doc.metrics[0].sensitivity == 0.0492 and doc.metrics[0].tolerance == 0.01


def test_a_history_chart_draws_noise_small() -> None:
    # the wine-quality case: 0.7747 → 0.7755 once drew an axis of 0.77457 to 0.77564, a steep climb
    from mlgate.report import chart

    drawn = chart.mermaid("rmse", [chart.Point("v1", 0.7747), chart.Point("this PR", 0.7755)])
    assert drawn is not None
    axis = re.search(r"y-axis \"rmse\" ([0-9.]+) --> ([0-9.]+)", drawn)
    assert axis is not None
    span = float(axis[2]) - float(axis[1])
    assert span >= 0.05 * 0.7755 * 0.99  # the change (0.0008) is a small part of the axis
    assert (0.7755 - 0.7747) / span < 0.03
