"""The `*-path` outputs are absolute, as the actions document, also with the default relative `out`."""

from __future__ import annotations

from pathlib import Path

from tests.actions.conftest import Gate, action, explain


def test_compare_action_verdict_path_is_absolute_with_a_relative_out(gate: Gate) -> None:
    runner = gate.runner(event_name="push")
    # the majority-class baseline as the candidate: below roc_auc's floor, so the gate fails (exit 1)
    result = runner.run(action("compare"), {"candidate-metrics": "baseline.json",
                                            "tracking-uri": gate.store.uri})
    assert result.exit_code == 1, explain(result)
    path = Path(result.outputs["verdict-path"])
    assert path.is_absolute() and path.is_file(), result.outputs
    assert path == gate.repo / ".mlgate" / "verdict.json"
