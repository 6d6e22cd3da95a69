"""The paired bootstrap at the edges: empty resamples and undefined ratios are left out (and counted), r2 in
float64 with an exact zero test; checked against scipy's paired bootstrap (an independent reference)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from mlgate.evaluate.metrics import metric_spec
from mlgate.evaluate.model import EvalSet, Scored
from mlgate.evaluate.paired import estimates, paired_metric

Y = np.array([1.0, 2.0, 3.0])
CANDIDATE = np.array([1.3, 2.35, 3.33])  # worse than production on every row: the mae difference is > 0
PRODUCTION = np.array([1.07, 2.0, 3.05])
RESAMPLES = 20_000


def regression(name: str) -> tuple[float, float, int]:
    evalset = EvalSet("regression", Y, np.array(["a", "b", "c"]))
    spec = metric_spec(name, "regression")
    assert spec is not None
    found = paired_metric(spec, evalset, Scored("candidate", CANDIDATE), Scored("production", PRODUCTION),
                          confidence=0.95, resamples=RESAMPLES, seed=1)
    return found.interval.low, found.interval.high, found.interval.left_out


def test_mae_at_three_rows_agrees_with_scipys_paired_bootstrap() -> None:
    # an empty resample once counted as a difference of exactly 0: the lower bound was 0.000
    def mae(y: np.ndarray, a: np.ndarray, b: np.ndarray) -> float:
        return float(np.mean(np.abs(y - a)) - np.mean(np.abs(y - b)))

    reference = stats.bootstrap((Y, CANDIDATE, PRODUCTION), mae, paired=True, vectorized=False,
                                n_resamples=RESAMPLES, method="percentile", random_state=1).confidence_interval
    low, high, left_out = regression("mae")
    assert low == pytest.approx(reference.low, abs=0.01) and low > 0.2
    assert high == pytest.approx(reference.high, abs=0.01)
    # (94/256)^3 of the Poisson resamples draw no row: about 5 %, left out and counted
    assert left_out == pytest.approx(RESAMPLES * (94 / 256) ** 3, rel=0.1)


def test_r2_with_one_distinct_row_drawn_is_left_out_not_divided_by_rounding() -> None:
    # a resample drawing one distinct row has a total sum of squares of exactly 0: once a float32 ~1e-7,
    # which made a lower bound of about -8e6
    low, high, left_out = regression("r2")
    assert -5 < low < high < 1
    assert left_out > RESAMPLES * 0.2  # empty and one-distinct-row resamples: 3 of the 7 non-empty kinds


def test_recall_on_a_resample_without_a_positive_row_is_left_out() -> None:
    y = np.array([1, 0, 0, 0, 0, 0])
    evalset = EvalSet("binary", y, np.arange(6).astype(str), classes=(0, 1))
    spec = metric_spec("recall", "binary")
    assert spec is not None
    hits = Scored("candidate", np.array([1, 0, 0, 1, 0, 0]))
    (found,) = estimates([spec], evalset, hits, confidence=0.95, resamples=4000, seed=3)
    # the one positive row is drawn in 162/256 of the resamples: recall is 1 on each of those, undefined else
    assert (found.low, found.high) == (1.0, 1.0)
    assert found.left_out == pytest.approx(4000 * 94 / 256, rel=0.1)


def test_precision_undefined_on_the_whole_rows_stays_scikit_learns_zero() -> None:
    # the model never predicts the positive class: precision is 0/0 everywhere, zero_division=0 (no error)
    y = np.array([1, 0, 1, 0, 1, 0, 0, 1])
    evalset = EvalSet("binary", y, np.arange(8).astype(str), classes=(0, 1))
    spec = metric_spec("precision", "binary")
    assert spec is not None
    (found,) = estimates([spec], evalset, Scored("candidate", np.zeros(8, dtype=int)), confidence=0.95,
                         resamples=500, seed=3)
    assert (found.value, found.low, found.high) == (0.0, 0.0, 0.0)
    assert found.left_out == pytest.approx(500 * (94 / 256) ** 8, abs=3)  # only the empty resamples
