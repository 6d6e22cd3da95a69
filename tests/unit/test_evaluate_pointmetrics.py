"""The numpy point values of the known metrics (evaluate/pointmetrics.py) equal scikit-learn's.

mlgate computes them without scikit-learn (importing it costs a `mlgate compare` more than its own work); here
scikit-learn is the reference, on random inputs with ties, constant scores, one class missing from the
predictions, extreme probabilities and zero labels.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn import metrics as skm

from mlgate.evaluate import pointmetrics as pm

TOL = 1e-10


def _binary(seed: int, n: int, ties: bool) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    y[0], y[1] = 0, 1  # both classes
    s = rng.random(n)
    if ties:
        s = np.round(s, 1)
    return y, s


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(2, 300), ties=st.booleans())
def test_binary_score_metrics_equal_sklearn(seed: int, n: int, ties: bool) -> None:
    y, s = _binary(seed, n, ties)
    assert pm.roc_auc(y, s) == pytest.approx(skm.roc_auc_score(y, s), abs=TOL)
    assert pm.average_precision(y, s) == pytest.approx(skm.average_precision_score(y, s), abs=TOL)
    assert pm.log_loss(y, s) == pytest.approx(skm.log_loss(y, s, labels=[0, 1]), abs=TOL)
    assert pm.brier(y, s) == pytest.approx(skm.brier_score_loss(y, s, pos_label=1), abs=TOL)


def test_extreme_probabilities_are_clipped_as_sklearn_clips_them() -> None:
    y = np.array([0, 1, 1, 0])
    s = np.array([1.0, 0.0, 1.0, 0.0])  # two confident mistakes: log(0) without the clip
    assert pm.log_loss(y, s) == pytest.approx(skm.log_loss(y, s, labels=[0, 1]), rel=1e-12)


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(1, 200), k=st.integers(2, 5))
def test_prediction_metrics_equal_sklearn(seed: int, n: int, k: int) -> None:
    rng = np.random.default_rng(seed)
    y, p = rng.integers(0, k, n), rng.integers(0, k, n)
    yb, pb = (y == 1).astype(int), (p == 1).astype(int)
    labels = np.unique(np.concatenate([y, p]))
    for name, fn in (("f1", skm.f1_score), ("precision", skm.precision_score), ("recall", skm.recall_score)):
        assert pm.binary_prf(yb, pb, name) == pytest.approx(
            fn(yb, pb, pos_label=1, average="binary", zero_division=0.0), abs=TOL), name
        assert pm.macro_prf(y, p, labels, name) == pytest.approx(
            fn(y, p, labels=labels, average="macro", zero_division=0.0), abs=TOL), name


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(2, 200), k=st.integers(3, 5))
def test_multiclass_probability_metrics_equal_sklearn(seed: int, n: int, k: int) -> None:
    rng = np.random.default_rng(seed)
    y = rng.integers(0, k, n)
    s = rng.random((n, k))
    s = s / s.sum(axis=1, keepdims=True)
    assert pm.log_loss(y, s) == pytest.approx(skm.log_loss(y, s, labels=np.arange(k)), abs=TOL)
    assert pm.brier(y, s) == pytest.approx(skm.brier_score_loss(y, s, labels=np.arange(k)), abs=TOL)


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(2, 200), constant=st.booleans(), zero=st.booleans())
def test_regression_metrics_equal_sklearn(seed: int, n: int, constant: bool, zero: bool) -> None:
    rng = np.random.default_rng(seed)
    y = np.full(n, 3.0) if constant else rng.normal(size=n)
    if zero:
        y[0] = 0.0
    p = y + rng.normal(scale=0.5, size=n)
    assert pm.rmse(y, p) == pytest.approx(skm.root_mean_squared_error(y, p), abs=TOL)
    assert pm.mae(y, p) == pytest.approx(skm.mean_absolute_error(y, p), abs=TOL)
    assert pm.mape(y, p) == pytest.approx(skm.mean_absolute_percentage_error(y, p), rel=1e-12)
    assert pm.r2(y, p) == pytest.approx(skm.r2_score(y, p), abs=TOL)
    assert pm.r2(y, y) == pytest.approx(skm.r2_score(y, y), abs=TOL)


def test_compare_imports_no_scikit_learn() -> None:
    """The metrics module, which compare's evidence imports, does not bring scikit-learn or scipy."""
    import subprocess
    import sys

    code = ("import sys, mlgate.evaluate.metrics, mlgate.evaluate.paired, mlgate.commands.evidence; "
            "print(sorted(m for m in ('sklearn', 'scipy') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
