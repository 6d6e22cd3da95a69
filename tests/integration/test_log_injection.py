"""Untrusted text in what mlgate prints forges no workflow command, by either of the runner's rules.

The Actions runner reads `::name ...::` at the start of a line (after leading spaces) and the legacy
`##[name ...]` anywhere in a line. `runner_commands` applies both rules to a command's whole output; the only
commands allowed are the annotations mlgate emits on purpose (error, warning, notice, with their escaped text).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from mlgate.cli import cli
from tests.conftest import MlflowStore

HOSTILE = "0.1\n::set-output name=passed::true\n  ::add-mask::x ##[set-output name=passed;]true ##[add-mask]y"
OURS = re.compile(r"^::(error|warning|notice)( [^:]*)?::")


def runner_commands(text: str) -> list[str]:
    """Every line the runner would take as a workflow command (both forms)."""
    found = []
    for line in text.splitlines():
        if line.lstrip().startswith("::") or "##[" in line:
            found.append(line)
    return found


def forged(text: str) -> list[str]:
    return [line for line in runner_commands(text) if not OURS.match(line) or "##[" in line]


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "project"
    root.mkdir()
    (root / "mlgate.yaml").write_text("model: {name: churn}\nmetrics:\n  roc_auc: {direction: maximize, min: 0.8}\n"
                                      "  '##[add-mask]m': {direction: maximize, severity: warn}\n")
    monkeypatch.chdir(root)
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    return root


def test_the_parser_sees_both_forms() -> None:
    assert runner_commands("a\n  ::add-mask::x\nb ##[error]c") == ["  ::add-mask::x", "b ##[error]c"]


def test_compare_prints_hostile_names_and_values_harmlessly(project: Path, mlflow_store: MlflowStore) -> None:
    metrics = {"roc_auc": HOSTILE, HOSTILE: 0.5, "##[add-mask]m": HOSTILE}
    (project / "metrics.json").write_text(json.dumps(metrics))
    result = CliRunner().invoke(cli, ["compare", "--candidate-metrics", "metrics.json"], catch_exceptions=False)
    assert result.exit_code == 1
    assert runner_commands(result.output), "expected mlgate's own annotations"
    assert forged(result.output) == []


def test_validate_prints_hostile_column_names_harmlessly(project: Path) -> None:
    column = "##[set-output name=passed;]true"
    (project / "mlgate.yaml").write_text("model: {name: churn}\nmetrics: {auc: {direction: maximize}}\n"
                                         "data:\n  - path: data.csv\n    checks:\n      columns:\n"
                                         f"        '{column}': {{min: 0}}\n")
    (project / "data.csv").write_text(f'age,"{column}"\n1,-2\n')
    result = CliRunner().invoke(cli, ["validate", "--all"], catch_exceptions=False)
    assert result.exit_code == 1, result.output
    assert "set-output" in result.output  # the column is named in the output
    assert forged(result.output) == []


def test_bad_input_with_a_hostile_path_forges_nothing(project: Path) -> None:
    result = CliRunner().invoke(cli, ["compare", "--candidate-metrics", HOSTILE], catch_exceptions=False)
    assert result.exit_code == 2
    assert forged(result.output) == []
