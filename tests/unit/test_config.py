"""mlgate.yaml parsing: frozen models, and errors that name the file, the field and what is allowed."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from mlgate.config import load_config, tracking_uri
from mlgate.errors import BadInput

GOOD = """
model: {name: churn-classifier}
framing: {decision: "Ship the new churn model?", primary_metric: roc_auc}
metrics:
  roc_auc:   {direction: maximize, max_regression: 0.005, min: 0.80, beat_baseline_by: 0.0}
  latency_ms: {direction: minimize, max_regression_pct: 10, severity: warn}
baseline: {metrics: baseline.json}
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "mlgate.yaml"
    path.write_text(text)
    return path


def test_good_config_is_frozen_with_defaults(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, GOOD))
    assert config.model.production_alias == "production"
    assert config.metrics["latency_ms"].severity == "warn"
    assert config.resolve("baseline.json") == tmp_path.resolve() / "baseline.json"
    with pytest.raises(ValidationError):
        config.model.name = "other"  # type: ignore[misc]


@pytest.mark.parametrize("text, field, allowed", [
    (GOOD.replace("maximize, max_regression", "up, max_regression"), "metrics.roc_auc.direction",
     "'maximize' or 'minimize'"),
    (GOOD.replace("severity: warn", "severity: loud"), "metrics.latency_ms.severity", "'fail' or 'warn'"),
    (GOOD.replace("model: {name: churn-classifier}", "modle: {name: x}"), "modle", "unknown field"),
    (GOOD.replace("model: {name: churn-classifier}", ""), "model", "required field is missing"),
    (GOOD.replace("{metrics: baseline.json}", "{alias: a, run_id: b}"), "baseline", "exactly one"),
    (GOOD.replace("primary_metric: roc_auc", "primary_metric: auc"), "auc", "not one of the gated metrics"),
])
def test_bad_config_names_file_field_and_allowed(tmp_path: Path, text: str, field: str, allowed: str) -> None:
    with pytest.raises(BadInput) as caught:
        load_config(write(tmp_path, text))
    message = caught.value.message()
    assert str(tmp_path / "mlgate.yaml") in message
    assert field in message and allowed in message
    assert caught.value.exit_code == 2


@pytest.mark.parametrize("dataset, message", [
    ("{path: d.csv, header: false}", "data[0]: header: false needs the column names"),
    ("{path: d.csv, names: [a, b]}", "data[0]: names: is for files without a header row"),
    ("{path: d.csv, header: false, names: [a, b, a]}", "data[0].names: 'a' is named twice"),
    ("{path: d.csv, header: false, names: [a, '']}", "data[0].names: a column name cannot be empty"),
    ("{path: d.parquet, format: parquet, header: false, names: [a]}", "header: false is for CSV files"),
])
def test_header_settings_are_checked(tmp_path: Path, dataset: str, message: str) -> None:
    with pytest.raises(BadInput) as caught:
        load_config(write(tmp_path, f"model: {{name: m}}\ndata:\n  - {dataset}\n"))
    assert message in caught.value.message()


def test_header_false_takes_names_or_a_schema(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, (
        "model: {name: m}\ndata:\n"
        "  - {path: a.csv, header: false, names: [x, y]}\n"
        "  - {path: b.csv, header: false, schema: s.yaml}\n"
        "  - {path: c.csv, header: false, checks: {columns: {x: {type: int}}}}\n"
        "  - {path: d.csv}\n")))
    assert [d.header for d in config.data] == [False, False, False, True]
    assert config.data[0].names == ["x", "y"]


def test_missing_and_unparseable_config(tmp_path: Path) -> None:
    with pytest.raises(BadInput, match="not found"):
        load_config(tmp_path / "nope.yaml")
    with pytest.raises(BadInput, match="not valid YAML"):
        load_config(write(tmp_path, "model: [unclosed"))
    with pytest.raises(BadInput, match="must be a mapping"):
        load_config(write(tmp_path, "- a\n- b\n"))


def test_tracking_uri_precedence(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = load_config(write(tmp_path, GOOD + "tracking_uri: http://from-config:5000\n"))
    assert tracking_uri(config, tmp_path, "http://flag") == "http://flag"
    assert tracking_uri(config, tmp_path) == "http://from-config:5000"
    bare = load_config(write(tmp_path, GOOD))
    expected = f"sqlite:///{(tmp_path / '.mlgate' / 'mlflow.db').resolve()}"
    assert tracking_uri(bare, tmp_path / "elsewhere") == expected  # beside the config, whatever --out is
    assert tracking_uri(None, tmp_path / "out") == f"sqlite:///{(tmp_path / 'out' / 'mlflow.db').resolve()}"


def test_tracking_option_reads_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """--tracking-uri, else MLGATE_TRACKING_URI, else MLFLOW_TRACKING_URI: the user's environment wins."""
    import click
    from click.testing import CliRunner

    from mlgate.cli import tracking_option

    @click.command()
    @tracking_option
    def show(tracking_uri: str | None) -> None:
        click.echo(str(tracking_uri))

    def run(*args: str) -> str:
        return CliRunner().invoke(show, list(args), catch_exceptions=False).output.strip()

    assert run() == "None"
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "http://from-env")
    assert run() == "http://from-env"
    monkeypatch.setenv("MLGATE_TRACKING_URI", "http://from-action")
    assert run() == "http://from-action"
    assert run("--tracking-uri", "http://flag") == "http://flag"
    monkeypatch.setenv("MLGATE_TRACKING_URI", "")  # an empty action input falls through
    assert run() == "http://from-env"


@pytest.mark.parametrize(("field", "value"), [
    ("min", ".nan"), ("min", "-.inf"), ("max", ".inf"), ("beat_baseline_by", ".nan"), ("min", "1e400"),
    ("max_regression", ".nan"), ("max", "-1.0e+400"),
])
def test_a_threshold_that_is_no_finite_number_names_the_field(tmp_path: Path, field: str, value: str) -> None:
    """`min: .nan` would silently disable the check, `beat_baseline_by: .nan` always fail it."""
    text = GOOD.replace("latency_ms: {", f"latency_ms: {{{field}: {value}, ")
    with pytest.raises(BadInput) as caught:
        load_config(write(tmp_path, text))
    assert caught.value.exit_code == 2
    assert f"metrics.latency_ms.{field}: should be a finite number, not " in caught.value.why


@pytest.mark.parametrize("text", [
    "data:\n  - path: a.csv\n    checks: {columns: {x: {min: .nan}}}\n",
    "data:\n  - path: a.csv\n    checks: {class_balance: {column: y, min_fraction: .nan}}\n",
])
def test_data_check_bounds_are_finite_too(tmp_path: Path, text: str) -> None:
    with pytest.raises(BadInput) as caught:
        load_config(write(tmp_path, GOOD + text))
    assert "should be a finite number, not nan" in caught.value.why


def test_a_key_given_twice_is_refused_naming_the_key_and_line(tmp_path: Path) -> None:
    """YAML lets the last one win silently: a reviewer reads the first and the gate uses the second."""
    text = GOOD.replace("baseline:", "metrics:\n  roc_auc: {direction: maximize, min: 0}\nbaseline:")
    with pytest.raises(BadInput) as caught:
        load_config(write(tmp_path, text))
    assert caught.value.what == f"{tmp_path / 'mlgate.yaml'} has the key 'metrics' twice in one mapping"
    assert "line 4" in caught.value.why and "line 7" in caught.value.why
    with pytest.raises(BadInput, match="has the key 'min' twice") as caught:
        load_config(write(tmp_path, GOOD.replace("min: 0.80", "min: 0.80, min: 0.1")))
    assert "line 5" in caught.value.why


def test_deep_yaml_is_bad_input(tmp_path: Path) -> None:
    with pytest.raises(BadInput, match="nests deeper than 100 levels") as caught:
        load_config(write(tmp_path, GOOD + "framing2: " + "[" * 20_000 + "]" * 20_000 + "\n"))
    assert "line 8" in caught.value.why


def test_anchors_and_merge_keys_still_work(tmp_path: Path) -> None:
    text = GOOD.replace("latency_ms: {", "latency_ms: &lat {").replace(
        "baseline:", "  p99_ms: *lat\n  p50_ms: {<<: *lat, severity: fail}\nbaseline:")
    config = load_config(write(tmp_path, text))
    assert config.metrics["p99_ms"] == config.metrics["latency_ms"]
    assert config.metrics["p50_ms"].severity == "fail"
