"""The constant baseline: the best prediction that ignores the features, on the evaluation rows. Pure.

Binary: the positive share as the score (the best constant for log loss and Brier; ROC AUC 0.5) and the
majority class as the prediction. Multiclass: the class shares as the scores and the most frequent class.
Regression: the mean of the labels (the best constant for RMSE).
"""

from __future__ import annotations

import numpy as np

from mlgate.evaluate.metrics import encode
from mlgate.evaluate.model import EvalSet, Scored


def constant(evalset: EvalSet) -> Scored:
    """The constant baseline's predictions on `evalset`, as a scored model (role `baseline`)."""
    enc = encode(evalset)
    n = evalset.n
    if enc.task == "regression":
        return Scored("baseline", np.full(n, float(np.mean(enc.y)) if n else 0.0))
    labelled = enc.y[enc.y >= 0]
    shares = np.bincount(labelled, minlength=enc.k) / max(len(labelled), 1)
    label = enc.labels[int(np.argmax(shares))] if enc.k else ""  # a class key: what predictions encode to
    if enc.task == "binary":
        label = enc.labels[1] if shares[1] > shares[0] else enc.labels[0]
        return Scored("baseline", np.full(n, label, dtype=object), np.full(n, float(shares[1])))
    return Scored("baseline", np.full(n, label, dtype=object), np.tile(shares, (n, 1)))
