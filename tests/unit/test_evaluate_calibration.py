"""Calibration of the paired intervals, by simulation with a known truth (fixed seeds, so deterministic):

- two models of identical quality (the same generating process, independent noise): the 95 % interval of
  the difference covers 0 in >= 93 % of 200 seeds, for each method (DeLong, McNemar, the bootstrap);
- a true regression of twice the tolerance at n = 5,000: gate/noninferiority.decide says fail in >= 95 % of
  200 seeds.

Scores share a latent part (z) as two models of the same data do, plus their own noise (e); with a binormal
score the true ROC AUC is Phi(mu / sqrt(2 v)) and the true MAE of a normal error sqrt(2 v / pi), so the
regression is exact, not estimated.
"""

from __future__ import annotations

import math
from statistics import NormalDist

import numpy as np
import pytest

from mlgate.evaluate.metrics import metric_spec
from mlgate.evaluate.model import EvalSet, Scored
from mlgate.evaluate.paired import paired_metrics
from mlgate.gate.noninferiority import decide

pytestmark = pytest.mark.slow  # about 15 s on a busy 2-core machine

SEEDS = range(200)
OWN = 0.6  # sd of each model's own noise; the latent part both share has variance 1 - OWN**2
# a retrained model agrees with production on more: less noise of its own (the total variance stays 1)
CLOSE = 0.25
CLOSE_SHARED = math.sqrt(1 - CLOSE**2)
PHI = NormalDist()


def scored(role: str, signal: np.ndarray) -> Scored:
    return Scored(role, (signal > 0).astype(np.int64), 1 / (1 + np.exp(-signal)))


def binary(seed: int, n: int, mu: tuple[float, float], own: float = OWN) -> tuple[EvalSet, Scored, Scored]:
    """Binormal scores: signal mu * y, the shared part (total variance 1 with `own`), own noise."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    z = rng.normal(0, math.sqrt(1 - own**2), n)
    sig = [m * y - m / 2 + z + rng.normal(0, own, n) for m in mu]
    return EvalSet("binary", y, np.arange(n), (0, 1)), scored("candidate", sig[0]), scored("production", sig[1])


def test_identical_models_intervals_cover_zero() -> None:
    specs = [metric_spec(n, "binary") for n in ("roc_auc", "accuracy", "log_loss", "f1")]
    covered = np.zeros(len(specs), dtype=int)
    for seed in SEEDS:
        results = paired_metrics(specs, *binary(seed, 1000, (1.5, 1.5)), confidence=0.95, resamples=300,  # type: ignore[arg-type]
                                 seed=seed)
        covered += [r.interval.low <= 0 <= r.interval.high for r in results]
    share = covered / len(SEEDS)
    assert all(share >= 0.93), dict(zip(("roc_auc/delong", "accuracy/mcnemar", "log_loss", "f1"), share, strict=True))


def test_a_roc_auc_regression_of_twice_the_tolerance_fails() -> None:
    tolerance, variance = 0.01, 1.0
    mu_p = 1.5
    auc_p = PHI.cdf(mu_p / math.sqrt(2 * variance))
    mu_c = math.sqrt(2 * variance) * PHI.inv_cdf(auc_p - 2 * tolerance)  # true AUC: production's - 0.02
    spec = metric_spec("roc_auc", "binary")
    decisions = [decide("maximize", r.interval.low, r.interval.high, tolerance)
                 for seed in SEEDS
                 for r in paired_metrics([spec], *binary(seed, 5000, (mu_c, mu_p), CLOSE), confidence=0.95,  # type: ignore[list-item]
                                         resamples=100, seed=seed)]
    assert decisions.count("fail") / len(SEEDS) >= 0.95, decisions.count("fail")


def test_an_accuracy_regression_of_twice_the_tolerance_fails() -> None:
    """Production right on 85 % of rows; the candidate loses 2.7 % of those and wins 2 % of the others:
    0.15 * 0.02 - 0.85 * (0.02 + 0.003) / 0.85 = -0.02 exactly."""
    tolerance, n = 0.01, 5000
    spec = metric_spec("accuracy", "binary")
    fails = 0
    for seed in SEEDS:
        rng = np.random.default_rng(seed)
        y = rng.integers(0, 2, n)
        right_p = rng.random(n) < 0.85
        flip = np.where(right_p, rng.random(n) < (0.02 + 0.15 * 0.02) / 0.85, rng.random(n) < 0.02)
        right_c = right_p ^ flip
        pred_p, pred_c = np.where(right_p, y, 1 - y), np.where(right_c, y, 1 - y)
        evalset = EvalSet("binary", y, np.arange(n), (0, 1))
        [r] = paired_metrics([spec], evalset, Scored("candidate", pred_c), Scored("production", pred_p),  # type: ignore[list-item]
                             confidence=0.95, resamples=100, seed=seed)
        fails += decide("maximize", r.interval.low, r.interval.high, tolerance) == "fail"
    assert fails / len(SEEDS) >= 0.95, fails


def test_a_bootstrapped_mae_regression_of_twice_the_tolerance_fails() -> None:
    """Errors z + e, z shared: production's MAE sqrt(2/pi) = 0.80, tolerated 0.03 (4 %), the candidate's
    0.86."""
    tolerance, n = 0.03, 5000
    mae_p = math.sqrt(2 / math.pi)
    sd_c = (mae_p + 2 * tolerance) / math.sqrt(2 / math.pi)  # true MAE: production's + 0.06
    own_c = math.sqrt(sd_c**2 - CLOSE_SHARED**2)
    spec = metric_spec("mae", "regression")
    fails = 0
    for seed in SEEDS:
        rng = np.random.default_rng(seed)
        y = rng.normal(0, 3, n)
        z = rng.normal(0, CLOSE_SHARED, n)
        evalset = EvalSet("regression", y, np.arange(n))
        cand = Scored("candidate", y + z + rng.normal(0, own_c, n))
        prod = Scored("production", y + z + rng.normal(0, CLOSE, n))
        [r] = paired_metrics([spec], evalset, cand, prod, confidence=0.95, resamples=300, seed=seed)  # type: ignore[list-item]
        assert r.interval.method == "bootstrap"
        fails += decide("minimize", r.interval.low, r.interval.high, tolerance) == "fail"
    assert fails / len(SEEDS) >= 0.95, fails


@pytest.mark.parametrize("name", ["roc_auc", "accuracy"])
def test_no_regression_passes_rather_than_fails(name: str) -> None:
    """The other side: equal models at n = 5,000 with tolerance 0.01 are never failed."""
    spec = metric_spec(name, "binary")
    decisions = [decide("maximize", r.interval.low, r.interval.high, 0.01)
                 for seed in range(20)
                 for r in paired_metrics([spec], *binary(seed, 5000, (1.5, 1.5), CLOSE),  # type: ignore[list-item]
                                         confidence=0.95, resamples=100, seed=seed)]
    assert "fail" not in decisions
