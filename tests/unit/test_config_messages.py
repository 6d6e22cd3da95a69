"""What a person reads for a wrong mlgate.yaml: the closest field, the allowed ones, the YAML line."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlgate.config import load_config
from mlgate.errors import BadInput

GOOD = """
model: {name: churn}
framing: {primary_metric: roc_auc}
metrics:
  roc_auc: {direction: maximize, max_regression_pct: 1}
baseline: {metrics: baseline.json}
data:
  - path: data/*.csv
    checks: {columns: {age: {type: int}}}
train: {command: python train.py, seed: 1}
"""


def error_for(tmp_path: Path, text: str) -> str:
    path = tmp_path / "mlgate.yaml"
    path.write_text(text)
    with pytest.raises(BadInput) as caught:
        load_config(path)
    assert caught.value.exit_code == 2
    return caught.value.message()


@pytest.mark.parametrize(("old", "new", "field", "guess", "allowed"), [
    ("\nmetrics:", "\nmetric:", "metric", "did you mean 'metrics'?", "model, framing, tracking_uri, metrics"),
    ("max_regression_pct", "max_regresion_pct", "metrics.roc_auc.max_regresion_pct",
     "did you mean 'max_regression_pct'?", "direction, max_regression, max_regression_pct, min, max"),
    ("{type: int}", "{tpye: int}", "data[0].checks.columns.age.tpye", "did you mean 'type'?",
     "type, min, max, allowed, nullable, required"),
    ("seed: 1", "sede: 1", "train.sede", "did you mean 'seed'?", "image, command, runtime"),
    ("{metrics: baseline.json}", "{metric: baseline.json}", "baseline.metric", "did you mean 'metrics'?",
     "metrics, alias, run_id"),
])
def test_unknown_field_names_the_closest_and_the_allowed_fields(tmp_path: Path, old: str, new: str, field: str,
                                                                guess: str, allowed: str) -> None:
    message = error_for(tmp_path, GOOD.replace(old, new))
    assert f"{field}: unknown field ({guess} allowed here: {allowed}" in message


def test_unknown_field_without_a_close_name_still_lists_the_allowed(tmp_path: Path) -> None:
    message = error_for(tmp_path, GOOD + "zzz: 1\n")
    assert "zzz: unknown field (allowed here: model," in message and "did you mean" not in message
    assert "train, evaluate, monitor, report)" in message  # `root`, the internal field, is not a setting


def test_validator_errors_read_plainly(tmp_path: Path) -> None:
    message = error_for(tmp_path, GOOD.replace("primary_metric: roc_auc", "primary_metric: auc"))
    assert "why: framing.primary_metric 'auc' is not one of the gated metrics (roc_auc)" in message
    assert "Value error" not in message and "(top level)" not in message
    message = error_for(tmp_path, GOOD.replace("{metrics: baseline.json}", "{alias: a, run_id: b}"))
    assert "why: baseline: give exactly one of" in message and "Value error" not in message


def test_yaml_error_names_the_line_not_pyyaml_internals(tmp_path: Path) -> None:
    message = error_for(tmp_path, GOOD + "report: {history: [1\n")
    assert "is not valid YAML" in message
    assert "line 12, column 1: expected ',' or ']'" in message and "started at line 11" in message
    assert "<unicode string>" not in message


@pytest.mark.parametrize(("old", "new", "expected"), [
    ("model: {name: churn}", "model: churn",
     "model: should be a mapping with name, production_alias, candidate_alias, previous_alias"),
    ("{direction: maximize, max_regression_pct: 1}", "maximize",
     "metrics.roc_auc: should be a mapping with direction, max_regression,"),
])
def test_a_value_where_a_block_belongs_names_the_block_fields(tmp_path: Path, old: str, new: str,
                                                               expected: str) -> None:
    message = error_for(tmp_path, GOOD.replace(old, new))
    assert expected in message and "instance of" not in message


def test_an_empty_config_says_so(tmp_path: Path) -> None:
    message = error_for(tmp_path, "# nothing yet\n")
    assert "mlgate.yaml is empty" in message and "model: {name: ...}" in message
