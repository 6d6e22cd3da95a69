"""evaluate/paired.estimates: one model's metric with the bootstrap interval of its value equals a plain loop
over the same resamples with scikit-learn's sample weights (accuracy and a binary ROC AUC included, which the
paired comparison decides with McNemar and DeLong)."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn import metrics as skm

from mlgate.evaluate.metrics import MetricSpec, MetricUndefined, encode, inputs, metric_spec
from mlgate.evaluate.model import EvalSet, MetricEstimate, Scored
from mlgate.evaluate.paired import estimates, weight_chunks
from tests.unit.test_evaluate_paired import CASES, two_models, weighted_reference

N, RESAMPLES, SEED, CONFIDENCE = 300, 60, 3, 0.9


@pytest.mark.parametrize(("task", "name"), [*CASES, ("binary", "accuracy"), ("binary", "roc_auc"),
                                             ("multiclass", "accuracy")])
def test_the_interval_of_one_models_value_equals_a_loop_over_the_same_resamples(task: str, name: str) -> None:
    evalset, model, _ = two_models(task)
    spec = metric_spec(name, task)  # type: ignore[arg-type]
    assert spec is not None
    [result] = estimates([spec], evalset, model, confidence=CONFIDENCE, resamples=RESAMPLES, seed=SEED)
    assert isinstance(result, MetricEstimate)

    enc = encode(evalset)
    x = inputs(spec, evalset, enc, model)
    reference = (lambda w: skm.accuracy_score(enc.y, x, sample_weight=w)) if name == "accuracy" else \
        weighted_reference(task, name, enc.y, x)
    weights = np.concatenate([w.astype(np.float64) for w in weight_chunks(N, RESAMPLES, SEED)])
    low, high = np.quantile([reference(w) for w in weights], [0.05, 0.95])
    assert result.value == pytest.approx(reference(np.ones(N)), abs=1e-9)
    assert (result.low, result.high) == pytest.approx((low, high), abs=2e-5)
    assert result.low <= result.value <= result.high and result.n == N


def test_a_user_function_is_looped_and_an_undefined_metric_is_returned_not_raised() -> None:
    evalset, model, _ = two_models("binary")
    builtin, user = metric_spec("f1", "binary"), MetricSpec("f1", "prediction", lambda y, p: float(skm.f1_score(y, p)))
    assert builtin is not None
    a, b = estimates([builtin, user], evalset, model, confidence=CONFIDENCE, resamples=RESAMPLES, seed=SEED)
    assert isinstance(a, MetricEstimate) and isinstance(b, MetricEstimate)
    assert (a.low, a.high) == pytest.approx((b.low, b.high), abs=1e-6)
    one_class = EvalSet("binary", np.ones(N, dtype=np.int64), np.arange(N), (0, 1))
    auc = metric_spec("roc_auc", "binary")
    assert auc is not None
    [undefined] = estimates([auc], one_class, Scored("production", np.ones(N), np.full(N, 0.7)),
                            confidence=CONFIDENCE, resamples=RESAMPLES, seed=SEED)
    assert isinstance(undefined, MetricUndefined)
