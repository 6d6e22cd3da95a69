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


def test_bad_input_still_sets_exit_code_and_passed_outputs(gate: Gate) -> None:
    """The CLI itself writes `exit-code` and `passed=false` when it stops early (no step logic does)."""
    runner = gate.runner(event_name="push")
    result = runner.run(action("compare"), {"candidate-metrics": "no-such-file.json",
                                            "tracking-uri": gate.store.uri})
    assert result.exit_code == 2, explain(result)
    assert result.outputs["exit-code"] == "2" and result.outputs["passed"] == "false", result.outputs
    assert "verdict-path" not in result.outputs or not result.outputs["verdict-path"]


STAGES = ("validate-data", "train", "evaluate", "compare", "report", "publish", "promote")


def test_each_stage_step_is_one_mlgate_line() -> None:
    """Each stage action runs exactly `mlgate <stage>`, and the root action exactly `mlgate gate`: the options
    come from `MLGATE_*` variables in `env:`, so no action repeats another's bash logic."""
    import yaml

    root = Path(__file__).resolve().parents[2]
    commands = {"validate-data": "validate"}
    for stage in STAGES:
        steps = yaml.safe_load((root / "actions" / stage / "action.yml").read_text())["runs"]["steps"]
        runs = [step["run"].strip() for step in steps if "run" in step]
        assert runs == [f"mlgate {commands.get(stage, stage)}"], (stage, runs)
    steps = yaml.safe_load((root / "action.yml").read_text())["runs"]["steps"]
    by_id = {step.get("id"): step.get("run", "").strip() for step in steps}
    assert by_id["gate"] == "mlgate gate", by_id["gate"]
