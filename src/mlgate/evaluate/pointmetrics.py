"""The known metrics' point values in numpy, equal to scikit-learn's (tests/unit/test_evaluate_pointmetrics.py
holds them equal on random inputs): importing scikit-learn costs a `mlgate compare` more than its own work.

Inputs are the encoded arrays of evaluate/metrics.py: binary labels 0/1 and P(positive); class indices and
an (n, k) score matrix; regression values. Pure: arrays in, floats out.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

Arr = npt.NDArray[Any]


def roc_auc(y: Arr, s: Arr) -> float:
    """The area under the ROC curve of a binary problem: the Mann-Whitney U with mid-ranks for ties."""
    y = np.asarray(y) == 1
    s = np.asarray(s, dtype=np.float64)
    positives = int(y.sum())
    negatives = len(y) - positives
    order = np.argsort(s, kind="mergesort")
    ranks = np.empty(len(s), dtype=np.float64)
    sorted_s = s[order]
    # mid-ranks: each run of equal scores gets the mean of its 1-based ranks
    starts = np.flatnonzero(np.r_[True, sorted_s[1:] != sorted_s[:-1]])
    ends = np.r_[starts[1:], len(s)]
    mid = (starts + ends + 1) / 2.0
    ranks[order] = np.repeat(mid, ends - starts)
    u = ranks[y].sum() - positives * (positives + 1) / 2.0
    return float(u / (positives * negatives))


def average_precision(y: Arr, s: Arr) -> float:
    """Σ (R_k - R_k-1) · P_k over the distinct scores, descending (scikit-learn's average_precision_score)."""
    y = np.asarray(y) == 1
    s = np.asarray(s, dtype=np.float64)
    order = np.argsort(-s, kind="mergesort")
    y, s = y[order], s[order]
    last = np.r_[np.flatnonzero(s[1:] != s[:-1]), len(s) - 1]  # the last row of each distinct score
    tp = np.cumsum(y)[last].astype(np.float64)
    predicted = (last + 1).astype(np.float64)
    precision = tp / predicted
    recall = tp / tp[-1]
    return float(np.sum(np.diff(np.r_[0.0, recall]) * precision))


def _prf(tp: Arr, predicted: Arr, actual: Arr, name: str) -> Arr:
    """Precision, recall or F1 per class, 0 where undefined (zero_division=0)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        if name == "precision":
            value = np.where(predicted > 0, tp / np.maximum(predicted, 1), 0.0)
        elif name == "recall":
            value = np.where(actual > 0, tp / np.maximum(actual, 1), 0.0)
        else:
            total = predicted + actual
            value = np.where(total > 0, 2.0 * tp / np.maximum(total, 1), 0.0)
    return np.asarray(value, dtype=np.float64)


def binary_prf(y: Arr, p: Arr, name: str) -> float:
    """Precision, recall or F1 of the positive class (1)."""
    y, p = np.asarray(y) == 1, np.asarray(p) == 1
    tp = np.array([np.sum(y & p)], dtype=np.float64)
    return float(_prf(tp, np.array([p.sum()], dtype=np.float64), np.array([y.sum()], dtype=np.float64),
                      name)[0])


def macro_prf(y: Arr, p: Arr, labels: Arr, name: str) -> float:
    """The unweighted mean over `labels` of precision, recall or F1 per class."""
    y, p = np.asarray(y), np.asarray(p)
    tp = np.array([np.sum((y == c) & (p == c)) for c in labels], dtype=np.float64)
    predicted = np.array([np.sum(p == c) for c in labels], dtype=np.float64)
    actual = np.array([np.sum(y == c) for c in labels], dtype=np.float64)
    return float(np.mean(_prf(tp, predicted, actual, name)))


def _as_matrix(s: Arr) -> Arr:
    s = np.asarray(s, dtype=np.float64)
    return np.column_stack([1.0 - s, s]) if s.ndim == 1 else s


def log_loss(y: Arr, s: Arr) -> float:
    """Mean negative log-likelihood, probabilities clipped to [eps, 1 - eps] and rows renormalised (as
    scikit-learn does); `s` is P(positive) (binary) or the (n, k) matrix, `y` class indices."""
    matrix = _as_matrix(s)
    eps = np.finfo(matrix.dtype).eps
    matrix = np.clip(matrix, eps, 1 - eps)
    matrix = matrix / matrix.sum(axis=1, keepdims=True)
    y = np.asarray(y, dtype=np.int64)
    return float(-np.mean(np.log(matrix[np.arange(len(y)), y])))


def brier(y: Arr, s: Arr) -> float:
    """Binary: mean (y - p)²; multiclass: mean over rows of Σ_k (onehot - p_k)² (scikit-learn's)."""
    y = np.asarray(y, dtype=np.int64)
    s = np.asarray(s, dtype=np.float64)
    if s.ndim == 1:
        return float(np.mean((y - s) ** 2))
    onehot = np.zeros_like(s)
    onehot[np.arange(len(y)), y] = 1.0
    return float(np.mean(np.sum((onehot - s) ** 2, axis=1)))


def rmse(y: Arr, p: Arr) -> float:
    return float(np.sqrt(np.mean((np.asarray(y, np.float64) - np.asarray(p, np.float64)) ** 2)))


def mae(y: Arr, p: Arr) -> float:
    return float(np.mean(np.abs(np.asarray(y, np.float64) - np.asarray(p, np.float64))))


def mape(y: Arr, p: Arr) -> float:
    """Mean |y - p| / max(|y|, eps): a zero label does not divide by zero (scikit-learn's)."""
    y, p = np.asarray(y, np.float64), np.asarray(p, np.float64)
    return float(np.mean(np.abs(y - p) / np.maximum(np.abs(y), np.finfo(np.float64).eps)))


def r2(y: Arr, p: Arr) -> float:
    """1 - SS_res / SS_tot; a constant label: 1.0 when predicted exactly, else 0.0 (scikit-learn's)."""
    y, p = np.asarray(y, np.float64), np.asarray(p, np.float64)
    residual = float(np.sum((y - p) ** 2))
    total = float(np.sum((y - y.mean()) ** 2))
    if total == 0.0:
        return 1.0 if residual == 0.0 else 0.0
    return 1.0 - residual / total
