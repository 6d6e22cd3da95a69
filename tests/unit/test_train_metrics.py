"""Reading the metrics file the training command wrote."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlgate.errors import BadInput
from mlgate.train.metrics import read_metrics


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_nested_json_is_flattened_and_non_numbers_skipped(tmp_path: Path) -> None:
    path = write(tmp_path, "metrics.json", '{"acc": 0.9, "test": {"auc": "0.8", "n": 3}, "note": "x", "bad": NaN}')
    metrics, skipped = read_metrics(path, "train")
    assert metrics == {"acc": 0.9, "test.auc": 0.8, "test.n": 3.0}
    assert sorted(skipped) == ["bad", "note"]


def test_yaml_metrics(tmp_path: Path) -> None:
    metrics, _ = read_metrics(write(tmp_path, "metrics.yaml", "acc: 0.5\nloss: 1\n"), "train")
    assert metrics == {"acc": 0.5, "loss": 1.0}


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("metrics.json", '{"acc": ', "is malformed"),
        ("metrics.json", "[1, 2]", "must hold an object"),
        ("metrics.json", '{"note": "x"}', "holds no numeric metric"),
        ("metrics.yaml", "acc: [unclosed", "is malformed"),
    ],
)
def test_malformed_metrics_are_bad_input(tmp_path: Path, name: str, text: str, message: str) -> None:
    with pytest.raises(BadInput) as caught:
        read_metrics(write(tmp_path, name, text), "python train.py")
    assert message in caught.value.what
    assert "train.metrics" in caught.value.fix


def test_missing_metrics_names_the_command(tmp_path: Path) -> None:
    with pytest.raises(BadInput) as caught:
        read_metrics(tmp_path / "metrics.json", "python train.py")
    assert "did not write its metrics file" in caught.value.what
    assert "python train.py" in caught.value.why
