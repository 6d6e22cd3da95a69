"""monitor.md (report/monitor.py + monitor.md.j2): escaped, sectioned, cut to an issue's size, as GitHub renders it."""

from __future__ import annotations

from typing import Any

from mlgate.documents import Monitor
from mlgate.github.issue import room
from mlgate.report.monitor import comment, monitor_marker, render_monitor
from tests.support import gfm

HOSTILE = "<img src=x onerror=alert(1)> @octocat #1 [x](https://evil.example) | `code` www.evil.example"


def _feature(name: str, status: str, **kwargs: Any) -> dict[str, Any]:
    return {"name": name, "kind": "numeric", "status": status, "psi": 0.3, "js": 0.2, "unseen_share": 0.05,
            "null_share_reference": 0.0, "null_share_current": 0.01, "reasons": [f"psi 0.3 ({status})"],
            "new_values": [], **kwargs}


def _doc(**kwargs: Any) -> Monitor:
    data: dict[str, Any] = {
        "passed": False, "status": "drifted", "summary": "1 feature(s) drifted beyond a fail threshold: x",
        "model": {"name": "churn", "alias": "production", "version": "3", "run_id": "abc",
                  "reference": "runs:/abc/mlgate/profile.json"},
        "files": ["incoming/b.csv"], "rows": 5000, "min_rows": 500,
        "features": [_feature("x", "fail"), _feature("y", "ok"), _feature("z", "warn")],
        "schema_changes": {"missing": ["label"], "new": [], "changed_kind": []},
        "feed": None, "notes": [], **kwargs,
    }
    return Monitor.model_validate(data)


def test_the_report_says_what_drifted() -> None:
    rendered = render_monitor(_doc(), "https://github.com/o/r/actions/runs/1")
    assert rendered.text.startswith(str(monitor_marker("churn")))
    html = gfm.render(rendered.text)
    text = gfm.text(html)
    assert "mlgate monitor · churn: drifted" in text
    assert text.index("❌ fail") < text.index("⚠️ warn")  # worst first
    assert "1 other feature(s)" in text  # the ok ones, collapsed
    assert "column(s) of the reference missing from the batch: label" in text
    assert gfm.links(html) == ["https://github.com/o/r/actions/runs/1"]
    assert rendered.title == "mlgate monitor: churn drifted"


def test_every_value_from_the_data_is_escaped() -> None:
    doc = _doc(features=[_feature(HOSTILE, "fail", new_values=[{"value": HOSTILE, "count": 3}])],
               schema_changes={"missing": [HOSTILE], "new": [HOSTILE], "changed_kind": [HOSTILE]},
               files=[HOSTILE], summary=HOSTILE, notes=[HOSTILE])
    html = gfm.render(render_monitor(doc).text)
    assert "<img" not in html
    assert gfm.links(html) == [] and gfm.references(html) == []
    assert "<table>" in html and html.count("<tr>") == 2  # the pipe did not split the row


def test_a_long_report_is_cut_between_sections_to_fit_an_issue() -> None:
    features = [_feature(f"feature_{i:04d}_" + "x" * 60, "fail", reasons=["r" * 190]) for i in range(2000)]
    rendered = render_monitor(_doc(features=features))
    assert len(rendered.text) > 65536
    body = rendered.body(room(rendered.marker), "the job summary")
    assert len(body) <= room(rendered.marker)
    assert body.startswith(rendered.marker) and "This report was cut to fit" in body


def test_the_state_change_comments() -> None:
    assert comment("fail", "ok", None).startswith("✅ No drift any more: closing")
    assert comment("ok", "fail", None).startswith("❌ Drifted again: reopening")
    assert "[run](https://x.example/r)" in comment(None, "fail", "https://x.example/r")
