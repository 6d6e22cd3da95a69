"""Which paths the data pin of lineage.json covers (`declared_paths`)."""

from __future__ import annotations

from pathlib import Path

from mlgate.config import Config, parse_config
from mlgate.train.data_pin import declared_paths

EVALUATE = {"data": "data/holdout.csv", "label": "y", "command": "python score.py", "task": "binary"}


def config(tmp_path: Path, **extra: object) -> Config:
    raw = {"model": {"name": "m"}, "data": [{"path": "data/train.csv"}],
           "train": {"command": "python train.py", "deps": ["train.py"]}, **extra}
    return parse_config(raw, source="mlgate.yaml", root=tmp_path)


def test_the_evaluation_file_is_pinned_once_with_the_training_data(tmp_path: Path) -> None:
    assert declared_paths(config(tmp_path)) == ["data/train.csv", "train.py"]
    with_evaluation = config(tmp_path, evaluate=EVALUATE)
    assert declared_paths(with_evaluation) == ["data/train.csv", "train.py", "data/holdout.csv"]
    listed_twice = config(tmp_path, evaluate=EVALUATE,
                          train={"command": "python train.py", "deps": ["data/holdout.csv"]})
    assert declared_paths(listed_twice) == ["data/train.csv", "data/holdout.csv"]
