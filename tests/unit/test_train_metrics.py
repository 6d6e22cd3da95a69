"""Reading metrics files: the training's, and compare's candidate and baseline files (one reader)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mlgate.commands.compare import load_metrics_file
from mlgate.errors import BadInput
from mlgate.train.metrics import read_metrics, read_metrics_file


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
        ("metrics.json", '{"acc": ', "is not valid JSON"),
        ("METRICS.JSON", "acc: 0.5", "is not valid JSON"),
        ("metrics.json", "[1, 2]", "must hold a mapping"),
        ("metrics.yaml", "", "must hold a mapping"),
        ("metrics.json", '{"note": "x"}', "holds no numeric metric"),
        ("metrics.yaml", "acc: [unclosed", "is not valid YAML"),
    ],
)
def test_malformed_metrics_are_bad_input(tmp_path: Path, name: str, text: str, message: str) -> None:
    with pytest.raises(BadInput) as caught:
        read_metrics(write(tmp_path, name, text), "python train.py")
    assert message in caught.value.what
    assert "train.metrics" in caught.value.fix
    assert caught.value.file == str(tmp_path / name)


def test_missing_metrics_names_the_command(tmp_path: Path) -> None:
    with pytest.raises(BadInput) as caught:
        read_metrics(tmp_path / "metrics.json", "python train.py")
    assert "did not write its metrics file" in caught.value.what
    assert "python train.py" in caught.value.why


def test_the_suffix_rule_ignores_case(tmp_path: Path) -> None:
    path = write(tmp_path, "Metrics.JSON", '{"acc": 0.9}')
    assert read_metrics(path, "train")[0] == {"acc": 0.9}
    assert load_metrics_file(path) == {"acc": 0.9}


def test_yaml_scalars_that_are_not_json_become_text(tmp_path: Path) -> None:
    path = write(tmp_path, "m.yaml", "acc: 0.9\nwhen: 2024-01-02\nblob: !!binary aGk=\n")
    flat = read_metrics_file(path, missing=("", "", ""), fix="")
    assert flat == {"acc": 0.9, "when": "2024-01-02", "blob": "b'hi'"}


def test_compare_reads_metrics_files_with_the_same_reader(tmp_path: Path) -> None:
    """compare's candidate and baseline files: the same errors as training's, its own missing-file words."""
    shown = {"": {"data": {"metrics.json": {"data": {"roc_auc": 0.93, "eval": {"acc": "0.9"}}}}}}
    assert load_metrics_file(write(tmp_path, "m.json", json.dumps(shown))) == {"roc_auc": 0.93, "eval.acc": "0.9"}
    with pytest.raises(BadInput) as caught:
        load_metrics_file(write(tmp_path, "bad.json", "[1]"))
    assert "must hold a mapping" in caught.value.what and "roc_auc" in caught.value.fix
    assert caught.value.file == str(tmp_path / "bad.json")
    with pytest.raises(BadInput) as caught:
        load_metrics_file(tmp_path / "absent.yaml", ("who named it", "how to fix"))
    assert caught.value.what == f"metrics file {tmp_path / 'absent.yaml'} not found"
    assert (caught.value.why, caught.value.fix) == ("who named it", "how to fix")


@pytest.mark.parametrize(("name", "text", "what"), [
    ("metrics.json", "[" * 100_000 + "]" * 100_000, "nests deeper than 100 levels"),
    ("metrics.yaml", "acc: " + "[" * 20_000 + "]" * 20_000, "nests deeper than 100 levels"),
    ("metrics.yaml", "acc: 0.9\nacc: 0.1\n", "has the key 'acc' twice"),
    ("metrics.json", '{"acc": 0.9, "acc": 0.1}', "has the key 'acc' twice"),
])
def test_deep_or_ambiguous_metrics_are_bad_input(tmp_path: Path, name: str, text: str, what: str) -> None:
    for read in (lambda path: read_metrics(path, "python train.py"), load_metrics_file):
        with pytest.raises(BadInput) as caught:
            read(write(tmp_path, name, text))
        assert what in caught.value.what and caught.value.what.startswith(f"metrics file {tmp_path / name}")
        assert caught.value.file == str(tmp_path / name)
