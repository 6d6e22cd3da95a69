"""Train the breast-cancer classifier. Deterministic: the same data, params and seed give the same bytes.

Reads params.yaml and the CSV it names, leaving out the rows of the fixed evaluation file (params `holdout`,
data/holdout.csv: its `sample_id` fna-NNN is the row number in the CSV) so the model never sees them; writes
metrics.json (held-out roc_auc, accuracy, f1, log_loss)
and model/model.pkl. `python train.py --baseline` writes baseline.json instead: the metrics of a
majority-class baseline (it predicts the most frequent class, with the class prior as its probability)
on the same held-out split.

The seed comes from params.yaml; $MLGATE_SEED, when set, wins (mlgate passes train.seed that way).
Where files go: $MLGATE_METRICS and $MLGATE_MODEL when mlgate runs it (train.metrics, train.model), else
metrics.json and model/ next to this file.
"""

from __future__ import annotations

import json
import os
import pickle
import sys
from pathlib import Path
from typing import Any

import pandas as pd
import yaml
from sklearn.dummy import DummyClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score, log_loss, roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

HERE = Path(__file__).resolve().parent


def load_params() -> dict[str, Any]:
    params_path = Path(os.environ.get("MLGATE_PARAMS") or HERE / "params.yaml")
    params: dict[str, Any] = yaml.safe_load(params_path.read_text(encoding="utf-8"))
    if os.environ.get("MLGATE_SEED"):
        params["seed"] = int(os.environ["MLGATE_SEED"])
    return params


def training_rows(params: dict[str, Any]) -> pd.DataFrame:
    """The data without the held-out evaluation rows (mlgate scores both models on those: score.py)."""
    frame = pd.read_csv(HERE / params["data"])
    if not params.get("holdout"):
        return frame
    held = set(pd.read_csv(HERE / params["holdout"], usecols=["sample_id"])["sample_id"])
    ids = [f"fna-{i:03d}" for i in range(len(frame))]
    return frame[[sample_id not in held for sample_id in ids]]


def split(params: dict[str, Any]) -> Any:
    frame = training_rows(params)
    features = frame.drop(columns=[params["target"]])
    labels = frame[params["target"]]
    return train_test_split(
        features, labels, test_size=params["test_size"], random_state=params["seed"], stratify=labels
    )


def evaluate(model: Any, x_test: Any, y_test: Any) -> dict[str, float]:
    proba = model.predict_proba(x_test)[:, 1]
    predicted = model.predict(x_test)
    return {
        "roc_auc": round(float(roc_auc_score(y_test, proba)), 6),
        "accuracy": round(float(accuracy_score(y_test, predicted)), 6),
        "f1": round(float(f1_score(y_test, predicted)), 6),
        "log_loss": round(float(log_loss(y_test, proba)), 6),
    }


def write_json(path: Path, payload: dict[str, float]) -> None:
    path.write_text(json.dumps(payload, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def main(argv: list[str]) -> int:
    params = load_params()
    x_train, x_test, y_train, y_test = split(params)
    if "--baseline" in argv:
        baseline = DummyClassifier(strategy="prior").fit(x_train, y_train)
        write_json(HERE / "baseline.json", evaluate(baseline, x_test, y_test))
        return 0
    model = make_pipeline(
        StandardScaler(),
        LogisticRegression(C=params["C"], max_iter=params["max_iter"], random_state=params["seed"]),
    )
    model.fit(x_train, y_train)
    out = Path(os.environ.get("MLGATE_MODEL") or HERE / "model")
    out.mkdir(parents=True, exist_ok=True)
    (out / "model.pkl").write_bytes(pickle.dumps(model, protocol=5))
    metrics = Path(os.environ.get("MLGATE_METRICS") or HERE / "metrics.json")
    write_json(metrics, evaluate(model, x_test, y_test))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
