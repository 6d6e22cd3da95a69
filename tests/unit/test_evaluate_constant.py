"""The constant baseline: the best prediction that ignores the features, scored on the evaluation rows."""

from __future__ import annotations

import numpy as np
import pytest

from mlgate.evaluate.constant import constant
from mlgate.evaluate.metrics import metric_spec
from mlgate.evaluate.model import EvalSet, Scored
from mlgate.evaluate.paired import paired_metrics


def test_binary_the_positive_share_and_the_majority_class() -> None:
    y = np.array(["b", "m", "b", "b", "m", "b", "b", "b"])
    evalset = EvalSet("binary", y, np.arange(8).astype(str), classes=("b", "m"))
    found = constant(evalset)
    assert found.score is not None and np.allclose(found.score, 0.25)
    assert list(found.prediction) == ["b"] * 8
    specs = [metric_spec(n, "binary") for n in ("roc_auc", "accuracy", "log_loss")]
    model = Scored("candidate", np.array(["b", "m", "b", "m", "m", "b", "b", "b"]),
                   np.array([0.1, 0.9, 0.2, 0.6, 0.7, 0.3, 0.1, 0.2]))
    auc, accuracy, loss = paired_metrics(specs, evalset, model, found, confidence=0.95,  # type: ignore[arg-type]
                                         resamples=200, seed=1)
    assert (auc.production, accuracy.production) == (0.5, 0.75)
    assert loss.production == pytest.approx(-(0.75 * np.log(0.75) + 0.25 * np.log(0.25)))


def test_regression_the_mean_and_multiclass_the_shares() -> None:
    y = np.array([1.0, 2.0, 6.0])
    assert np.allclose(constant(EvalSet("regression", y, np.arange(3).astype(str))).prediction, 3.0)
    labels = np.array(["x", "y", "y", "z"])
    found = constant(EvalSet("multiclass", labels, np.arange(4).astype(str), classes=("x", "y", "z")))
    assert found.score is not None and np.allclose(found.score[0], [0.25, 0.5, 0.25])
    assert list(found.prediction) == ["y"] * 4
