"""monitor.md's Live performance section: production's metrics on the labelled batch, as GitHub renders it,
with a hostile metric name escaped; a production that could not be scored says so."""

from __future__ import annotations

from typing import Any

from mlgate.report.monitor import render_monitor
from tests.support import gfm
from tests.unit.test_report_monitor import HOSTILE, _doc, _feature


def _metric(name: str, **kwargs: Any) -> dict[str, Any]:
    return {"name": name, "direction": "maximize", "severity": "fail", "recorded": 0.97, "current": 0.91,
            "low": 0.89, "high": 0.93, "confidence": 0.95, "method": "bootstrap", "n": 4960, "decision": "fell",
            "status": "fail", "reason": f"{name} fell from 0.97 to 0.91 [0.89, 0.93]: beyond the tolerated 0.02",
            **kwargs}


def _live(**kwargs: Any) -> dict[str, Any]:
    return {"label": "diagnosis", "rows": 4960, "unlabelled": 40, "sampled_from": None, "scored": True,
            "error": None, "metrics": [_metric("roc_auc"), _metric(HOSTILE, decision="ok", status="pass")],
            **kwargs}


def test_the_live_section_shows_recorded_now_and_the_interval() -> None:
    rendered = render_monitor(_doc(status="degraded", live=_live()))
    html = gfm.render(rendered.text)
    text = gfm.text(html)
    assert "mlgate monitor · churn: performance fell" in text
    assert "Live performance" in text and "4,960 labelled rows" in text and "40 rows without a label" in text
    assert "roc_auc fell from 0.97 to 0.91 [0.89, 0.93]" in text
    assert "0.91 [0.89, 0.93]" in text
    assert text.index("Live performance") < text.index("other feature")  # before the drift tables
    assert "<img" not in html and 'href="https://evil.example"' not in html
    assert rendered.title == "mlgate monitor: churn performance fell"


def test_a_production_that_could_not_be_scored_says_why_and_no_live_section_without_labels() -> None:
    text = gfm.text(gfm.render(render_monitor(_doc(live=_live(scored=False, error="its run has no model",
                                                                metrics=[]))).text))
    assert "Production could not be scored on the batch's labelled rows: its run has no model" in text
    assert "Live performance" not in render_monitor(_doc()).text


def test_a_warning_from_live_performance_alone_is_not_called_drift() -> None:
    """The headline says "drift" only for drift: an inconclusive live metric and no drifted feature."""
    unsure = _metric("roc_auc", decision="inconclusive", status="warn", reference="evaluation-rows",
                     recorded_low=0.96, recorded_high=0.98)
    calm = _doc(status="warned", summary="roc_auc is 0.91 ...", live=_live(metrics=[unsure]),
                features=[_feature("x", "ok")], schema_changes={"missing": [], "new": [], "changed_kind": []})
    rendered = render_monitor(calm)
    assert rendered.title == "mlgate monitor: churn performance may have fallen (inconclusive)"
    assert "drift" not in rendered.text.splitlines()[1]
    assert "on the evaluation rows" in gfm.text(gfm.render(rendered.text))
    drifting = _doc(status="warned", live=_live(metrics=[unsure]), features=[_feature("x", "warn")])
    assert render_monitor(drifting).title == "mlgate monitor: churn drift below the fail thresholds"
