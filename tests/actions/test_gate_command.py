"""`mlgate gate` writes what the five stage commands write when run one by one, on the example's PRs.

Real parts: the example as a git + DVC repository, a SQLite MLflow store, training with the local runtime,
the fake GitHub API and a real pull_request payload. Each PR is gated twice from the same starting point (the
store's files are copied back between the two runs, so both register the same version): once as five
`mlgate <stage>` processes with the root action's old conditions between them, once as `mlgate gate`. The
documents, the console lines (stdout and stderr), the step outputs and the exit code must be equal, once run
ids, times and the work directory's name are normalised.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from mlgate.commands.gate import OUTPUTS, STAGES, result_code
from tests.actions.conftest import BIN, Gate

pytestmark = pytest.mark.slow
DOCUMENTS = ("validation.json", "lineage.json", "evaluation.json", "verdict.json", "report.md")
RUN_ID = re.compile(r"\b[0-9a-f]{32}\b")
TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)?")
SECONDS = re.compile(r"\b\d+(\.\d+)? ?s\b")
VOLATILE_KEYS = {"duration_s", "duration_seconds", "started", "finished", "started_at", "finished_at", "seconds", "created_at"}


def normalise(text: str, out: Path) -> str:
    text = text.replace(str(out), "OUT")
    text = RUN_ID.sub("RUN", text)
    text = TIMESTAMP.sub("TIME", text)
    return SECONDS.sub("Ns", text)


def document(path: Path, out: Path) -> Any:
    if path.suffix != ".json":
        return normalise(path.read_text(), out)
    return _drop_volatile(json.loads(normalise(path.read_text(), out)))


def _drop_volatile(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _drop_volatile(v) for k, v in value.items() if k not in VOLATILE_KEYS}
    if isinstance(value, list):
        return [_drop_volatile(v) for v in value]
    return value


def read_outputs(path: Path) -> dict[str, str]:
    """$GITHUB_OUTPUT's `name<<delimiter` blocks (the last value of a name wins, as on the runner)."""
    outputs: dict[str, str] = {}
    lines = path.read_text().splitlines() if path.exists() else []
    index = 0
    while index < len(lines):
        name, delimiter = lines[index].split("<<", 1)
        end = lines.index(delimiter, index + 1)
        outputs[name] = "\n".join(lines[index + 1:end])
        index = end + 1
    return outputs


def mlgate(gate: Gate, env: dict[str, str], *argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(BIN / "mlgate"), *argv], cwd=gate.repo, env=env, capture_output=True,
                          text=True, check=False, timeout=600)


def base_env(gate: Gate, event: Path, out: Path, tmp: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "MLFLOW_", "MLGATE_"))}
    env.update(gate.github.env(), GITHUB_ACTIONS="true", GITHUB_EVENT_NAME="pull_request",
               GITHUB_EVENT_PATH=str(event), GITHUB_STEP_SUMMARY=str(tmp / "summary.md"),
               MLGATE_OUT=str(out), MLGATE_TRACKING_URI=gate.store.uri, MLGATE_RUNTIME="local",
               MLGATE_POST="false")
    return env


def one_by_one(gate: Gate, env: dict[str, str], tmp: Path) -> tuple[int, dict[str, str], str, str]:
    """The five stages as the root action ran them before `mlgate gate` (its `if:` conditions)."""
    codes: dict[str, int | None] = dict.fromkeys(STAGES)
    outputs: dict[str, dict[str, str]] = {name: {} for name in STAGES}
    stdout, stderr = [], []
    for name in STAGES:
        ok = {stage: codes[stage] == 0 for stage in STAGES}
        run_it = {"validate": True, "train": ok["validate"], "evaluate": ok["train"],
                  "compare": ok["train"] and (ok["evaluate"] or codes["evaluate"] == 3),
                  "report": True}[name]
        if not run_it:
            continue
        step_env = dict(env, GITHUB_OUTPUT=str(tmp / f"{name}.out"))
        if name == "compare":
            step_env["MLGATE_CANDIDATE_RUN"] = outputs["train"].get("run-id", "")
        done = mlgate(gate, step_env, name)
        codes[name] = done.returncode
        outputs[name] = read_outputs(tmp / f"{name}.out")
        stdout.append(done.stdout)
        stderr.append(done.stderr)
    code = result_code([codes[name] for name in STAGES])
    root = {target: outputs[stage].get(key, "") for target, (stage, key) in OUTPUTS.items()}
    root["exit-code"] = str(code)
    root["passed"] = str(code == 0 and outputs["compare"].get("passed") == "true").lower()
    return code, root, "".join(stdout), "".join(stderr)


def snapshot(store: Path, keep: Path) -> None:
    """The store's folder: its database and the artifacts mlgate keeps beside it."""
    shutil.copytree(store, keep)


def restore(store: Path, keep: Path) -> None:
    shutil.rmtree(store)
    shutil.copytree(keep, store)


@pytest.mark.parametrize("change", [
    pytest.param({"c": "0.5"}, id="harmless"),
    pytest.param({"c": "0.01", "relabel_every": 2}, id="regressing"),
    pytest.param({"negative_row": 3}, id="invalid-data"),
])
def test_gate_equals_the_stages_one_by_one(gate: Gate, change: dict[str, Any], tmp_path: Path) -> None:
    gate.seed_production()
    head = gate.pull_request("pr", **change)
    event = gate.pr_event(head, "pr")
    keep = tmp_path / "store-before"
    snapshot(gate.store.db.parent, keep)

    stages_out, gate_out = tmp_path / "w", tmp_path / "w2"
    (tmp_path / "stages").mkdir()
    code, outputs, stdout, stderr = one_by_one(gate, base_env(gate, event, stages_out, tmp_path / "stages"),
                                               tmp_path / "stages")
    restore(gate.store.db.parent, keep)
    shutil.rmtree(gate.repo / ".mlgate", ignore_errors=True)
    (tmp_path / "one").mkdir()
    env = dict(base_env(gate, event, gate_out, tmp_path / "one"), GITHUB_OUTPUT=str(tmp_path / "one" / "gate.out"))
    done = mlgate(gate, env, "gate")

    assert done.returncode == code, done.stderr
    gate_outputs = read_outputs(tmp_path / "one" / "gate.out")
    assert {k: normalise(v, gate_out) for k, v in gate_outputs.items()} == \
        {k: normalise(v, stages_out) for k, v in outputs.items()}
    last = done.stdout.rstrip("\n").rsplit("\n", 1)
    assert last[-1] == f"mlgate gate: passed={outputs['passed']} exit-code={code}"
    assert normalise(last[0] + "\n" if len(last) == 2 else "", gate_out) == normalise(stdout, stages_out)
    assert normalise(done.stderr, gate_out) == normalise(stderr, stages_out)
    for name in DOCUMENTS:
        one, two = stages_out / name, gate_out / name
        assert one.exists() == two.exists(), name
        if one.exists():
            assert document(two, gate_out) == document(one, stages_out), name
