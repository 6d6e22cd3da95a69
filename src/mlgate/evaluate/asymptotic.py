"""Paired intervals from the normal approximation, for large evaluation sets: O(n), no resampling.

Past ASYMPTOTIC_ROWS rows (1,000,000) the bootstrap's thousands of resamples cost minutes and gigabytes
while the central limit theorem is exact to a tiny fraction of the interval's width, so the metrics that
are means of a per-row loss take their interval from its asymptotic variance:

- `log_loss`, `brier`, `mae`, `mape`: the paired difference is the mean of d_i = loss_c,i - loss_p,i over
  the same rows; its standard error is sd(d) / sqrt(n) (the pairing is in d: the covariance of the two
  models' losses is taken into account); the interval is mean(d) ± z·se;
- `rmse` = sqrt(mean(se_i)): the delta method, d_i = se_c,i / (2 rmse_c) - se_p,i / (2 rmse_p), centred on
  rmse_c - rmse_p.

Accuracy (McNemar's discordant pairs) and a binary ROC AUC (DeLong, O(n log n)) are asymptotic at every n
already; every other metric (precision, recall, F1, R², PR AUC, a multiclass ROC AUC, a user's function)
keeps the bootstrap. The interval's `method` says which gave it (`asymptotic`). Pure: arrays in, plain
values out.
"""

from __future__ import annotations

import math
from statistics import NormalDist
from typing import Any

import numpy as np
import numpy.typing as npt

from mlgate.evaluate.metrics import MetricUndefined

ASYMPTOTIC_ROWS = 1_000_000  # from this many evaluation rows on: the normal approximation
MEAN_METRICS = frozenset({"log_loss", "brier", "mae", "mape", "rmse"})

Arr = npt.NDArray[Any]


def applies(name: str, n: int) -> bool:
    """Whether the metric's interval comes from here at n rows (a built-in mean-type metric, n large)."""
    return name in MEAN_METRICS and n >= ASYMPTOTIC_ROWS


def paired_mean(loss_c: Arr, loss_p: Arr, confidence: float, *,
                root: bool = False) -> tuple[float, float, float]:
    """(delta, low, high) of mean(loss_c) - mean(loss_p), or of their square roots (`root`: rmse)."""
    n = len(loss_c)
    if n < 2:
        raise MetricUndefined("an asymptotic interval needs two rows")
    c, p = np.asarray(loss_c, dtype=np.float64), np.asarray(loss_p, dtype=np.float64)
    mean_c, mean_p = float(c.mean()), float(p.mean())
    if root:
        root_c, root_p = math.sqrt(mean_c), math.sqrt(mean_p)
        delta = root_c - root_p
        grad_c = 1 / (2 * root_c) if root_c > 0 else 0.0
        grad_p = 1 / (2 * root_p) if root_p > 0 else 0.0
        d = grad_c * c - grad_p * p
    else:
        delta = mean_c - mean_p
        d = c - p
    se = float(d.std(ddof=1)) / math.sqrt(n)
    half = NormalDist().inv_cdf(0.5 + confidence / 2) * se
    return delta, delta - half, delta + half
