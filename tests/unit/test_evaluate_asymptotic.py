"""The asymptotic intervals of mean-type metrics past evaluate/asymptotic.ASYMPTOTIC_ROWS: the method is
recorded, the switch happens at the documented size, and at the switch the two methods agree (the same data,
bootstrap one row below the size, asymptotic at it)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from mlgate.evaluate import asymptotic
from mlgate.evaluate.metrics import metric_spec
from mlgate.evaluate.model import EvalSet, Scored
from mlgate.evaluate.paired import paired_metrics

SWITCH = 20_000  # the documented size is 1,000,000: moved here so the bootstrap beside it stays quick


def binary(n: int, seed: int = 3) -> tuple[EvalSet, Scored, Scored]:
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    z = rng.normal(0, 0.8, n)
    signals = [1.4 * y - 0.7 + z + rng.normal(0, 0.6, n), 1.2 * y - 0.6 + z + rng.normal(0, 0.6, n)]
    models = [Scored(role, (s > 0).astype(np.int64), 1 / (1 + np.exp(-s)))
              for role, s in zip(("candidate", "production"), signals, strict=True)]
    return EvalSet("binary", y, np.arange(n), (0, 1)), models[0], models[1]


def regression(n: int, seed: int = 4) -> tuple[EvalSet, Scored, Scored]:
    rng = np.random.default_rng(seed)
    y = rng.normal(0, 1, n)
    z = rng.normal(0, 0.5, n)
    return (EvalSet("regression", y, np.arange(n)), Scored("candidate", y + z + rng.normal(0, 0.3, n)),
            Scored("production", y + z + rng.normal(0, 0.35, n)))


@pytest.mark.parametrize(("task", "names"), [("binary", ("log_loss", "brier", "roc_auc", "f1")),
                                             ("regression", ("mae", "rmse", "mape", "r2"))])
def test_the_two_methods_agree_at_the_switch(monkeypatch: pytest.MonkeyPatch, task: str,
                                             names: tuple[str, ...]) -> None:
    monkeypatch.setattr(asymptotic, "ASYMPTOTIC_ROWS", SWITCH)
    data = binary(SWITCH) if task == "binary" else regression(SWITCH)
    specs = [metric_spec(name, task) for name in names]  # type: ignore[arg-type]
    asymptotic_results = paired_metrics(specs, *data, confidence=0.95, resamples=1000, seed=1)
    monkeypatch.setattr(asymptotic, "ASYMPTOTIC_ROWS", SWITCH + 1)
    bootstrap_results = paired_metrics(specs, *data, confidence=0.95, resamples=1000, seed=1)
    for name, at, below in zip(names, asymptotic_results, bootstrap_results, strict=True):
        if name in asymptotic.MEAN_METRICS:
            assert (at.interval.method, below.interval.method) == ("asymptotic", "bootstrap"), name
            width = below.interval.high - below.interval.low
            # 1,000 resamples place a percentile within a few % of the width; the normal interval agrees
            assert at.interval.low == pytest.approx(below.interval.low, abs=0.1 * width), name
            assert at.interval.high == pytest.approx(below.interval.high, abs=0.1 * width), name
            assert at.delta == below.delta
            assert at.interval.low < at.delta < at.interval.high
        else:  # DeLong, and the bootstrap for the rest, whatever n (the same resamples; the float32 sums
            # of a smaller design may differ in the last digits)
            assert (at.interval.low, at.interval.high) == pytest.approx(
                (below.interval.low, below.interval.high), rel=1e-6), name
            assert at.interval.method == ("delong" if name == "roc_auc" else "bootstrap")


def test_below_the_documented_size_the_bootstrap_is_kept() -> None:
    assert asymptotic.ASYMPTOTIC_ROWS == 1_000_000
    [result] = paired_metrics([metric_spec("mae", "regression")], *regression(5000), confidence=0.95,
                              resamples=200, seed=1)
    assert result.interval.method == "bootstrap"


def test_the_rmse_interval_is_the_delta_method_on_the_square_errors() -> None:
    rng = np.random.default_rng(8)
    c, p = rng.normal(0, 1.0, 200_000) ** 2, rng.normal(0, 1.1, 200_000) ** 2
    delta, low, high = asymptotic.paired_mean(c, p, 0.95, root=True)
    assert delta == pytest.approx(math.sqrt(c.mean()) - math.sqrt(p.mean()))
    # independent losses: var(sqrt(mean)) ~ var(x) / (4 n mean): the half width from that formula
    half = 1.959964 * math.sqrt(c.var() / (4 * c.mean()) + p.var() / (4 * p.mean())) / math.sqrt(len(c))
    assert (high - low) / 2 == pytest.approx(half, rel=0.02)
