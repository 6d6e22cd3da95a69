"""Score a trained model on the fixed evaluation file: mlgate runs this for the candidate and for production.

mlgate sets $MLGATE_MODEL (the model folder train.py wrote: model.pkl), $MLGATE_EVAL_DATA (data/holdout.csv)
and $MLGATE_PREDICTIONS (where to write). The predictions file has one row per evaluation row: `sample_id`,
`prediction` (0 or 1) and `score` (the probability of class 1, benign); `sample_id` only when the data has it
(a batch of serving data may not). Columns the model was not trained on (sample_id, target, texture_band) are
left out of its input.
"""

from __future__ import annotations

import os
import pickle
import sys
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent


def main() -> int:
    model_dir = Path(os.environ.get("MLGATE_MODEL") or HERE / "model")
    data = Path(os.environ.get("MLGATE_EVAL_DATA") or HERE / "data" / "holdout.csv")
    out = Path(os.environ.get("MLGATE_PREDICTIONS") or HERE / "predictions.csv")
    model = pickle.loads((model_dir / "model.pkl").read_bytes())
    frame = pd.read_csv(data)
    features = frame[list(model.feature_names_in_)]
    predictions = pd.DataFrame({
        "prediction": model.predict(features),
        "score": model.predict_proba(features)[:, 1].round(8),
    })
    if "sample_id" in frame:
        predictions.insert(0, "sample_id", frame["sample_id"])
    out.parent.mkdir(parents=True, exist_ok=True)
    predictions.to_csv(out, index=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
