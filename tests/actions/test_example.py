"""The example project is what it says: real data, a real baseline, deterministic training, valid schema."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from mlgate.config import load_config
from tests.actions.conftest import EXAMPLE


@pytest.fixture
def project(tmp_path: Path) -> Path:
    target = tmp_path / "breast-cancer"
    shutil.copytree(EXAMPLE, target, ignore=shutil.ignore_patterns("model", "metrics.json", "__pycache__"))
    return target


def train(project: Path, *args: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MLGATE_")}
    subprocess.run([sys.executable, "train.py", *args], cwd=project, check=True, timeout=300, env=env)


def test_the_csv_is_scikit_learns_breast_cancer_data() -> None:
    import pandas as pd
    from sklearn.datasets import load_breast_cancer

    frame = pd.read_csv(EXAMPLE / "data" / "breast_cancer.csv")
    original = load_breast_cancer(as_frame=True).frame
    assert frame.shape == original.shape == (569, 31)
    assert list(frame.columns) == [c.replace(" ", "_") for c in original.columns]
    assert (frame.to_numpy() == original.to_numpy()).all()


def test_the_dvc_file_pins_the_csv() -> None:
    meta = yaml.safe_load((EXAMPLE / "data" / "breast_cancer.csv.dvc").read_text())["outs"][0]
    data = (EXAMPLE / "data" / "breast_cancer.csv").read_bytes()
    assert meta["md5"] == hashlib.md5(data).hexdigest() and meta["size"] == len(data)


def test_the_pandera_schema_accepts_the_data_and_catches_a_bad_row() -> None:
    import pandas as pd
    import pandera.pandas as pa
    from pandera.errors import SchemaError

    schema = pa.DataFrameSchema.from_yaml(EXAMPLE / "schemas" / "breast_cancer.yaml")
    frame = pd.read_csv(EXAMPLE / "data" / "breast_cancer.csv")
    schema.validate(frame)
    frame.loc[3, "mean_radius"] = -1.0
    with pytest.raises(SchemaError):
        schema.validate(frame)


def test_training_is_byte_for_byte_deterministic(project: Path) -> None:
    train(project)
    first = {p.name: p.read_bytes() for p in [project / "metrics.json", project / "model" / "model.pkl"]}
    train(project)
    second = {p.name: p.read_bytes() for p in [project / "metrics.json", project / "model" / "model.pkl"]}
    assert first == second
    metrics = json.loads(first["metrics.json"])
    assert set(metrics) == {"roc_auc", "accuracy", "f1", "log_loss"} and metrics["roc_auc"] > 0.99


def test_the_baseline_is_the_majority_class_baselines_real_metrics(project: Path) -> None:
    committed = (project / "baseline.json").read_text()
    (project / "baseline.json").unlink()
    train(project, "--baseline")
    assert (project / "baseline.json").read_text() == committed
    assert json.loads(committed)["roc_auc"] == 0.5


def test_the_config_is_valid_and_pins_the_image_by_digest() -> None:
    config = load_config(EXAMPLE / "mlgate.yaml")
    assert config.train is not None and "@sha256:" in (config.train.image or "")
    assert config.metrics["log_loss"].severity == "warn" and config.metrics["log_loss"].direction == "minimize"
    roc = config.metrics["roc_auc"]
    assert roc.max_regression is not None and roc.min is not None and roc.beat_baseline_by is not None
    dockerfile = (EXAMPLE / "Dockerfile").read_text()
    assert "FROM python:3.11-slim@sha256:" in dockerfile and "--require-hashes" in dockerfile
    lock = (EXAMPLE / "requirements.lock").read_text()
    pins = [line for line in lock.splitlines() if "==" in line]
    assert len(pins) == lock.count("--hash=sha256:") and any(p.startswith("scikit-learn==") for p in pins)
