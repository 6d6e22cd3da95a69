"""evaluate/paired.py: the vectorised paired bootstrap equals a plain loop over the same resamples (with
scikit-learn's sample weights), DeLong equals its O(m·n) definition, McNemar its hand-computed interval."""

from __future__ import annotations

from collections.abc import Callable
from statistics import NormalDist

import numpy as np
import pytest
from sklearn import metrics as skm

from mlgate.errors import BadInput
from mlgate.evaluate.metrics import MetricSpec, encode, inputs, metric_spec
from mlgate.evaluate.model import EvalSet, Scored
from mlgate.evaluate.paired import (
    CHUNK_WEIGHTS,
    delong,
    mcnemar,
    paired_metric,
    paired_metrics,
    weight_chunks,
)

N, RESAMPLES, SEED, CONFIDENCE = 300, 60, 3, 0.9
CLASSES = ("a", "b", "c")


def two_models(task: str, n: int = N, seed: int = 0, ties: bool = True) -> tuple[EvalSet, Scored, Scored]:
    rng = np.random.default_rng(seed)
    if task == "regression":
        y = rng.normal(10, 3, n)
        return (EvalSet("regression", y, np.arange(n)), Scored("candidate", y + rng.normal(0, 1, n)),
                Scored("production", y + rng.normal(0.2, 1.2, n)))
    k = 2 if task == "binary" else 3
    y = rng.integers(0, k, n)
    models = []
    for role in ("candidate", "production"):
        logits = rng.normal(size=(n, k)) + 1.2 * np.eye(k)[y]
        proba = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
        proba = np.round(proba, 2) if ties else proba  # ties, as real scores have
        proba = proba / proba.sum(axis=1, keepdims=True)
        score = proba[:, 1] if k == 2 else proba
        models.append(Scored(role, proba.argmax(axis=1), score))  # type: ignore[arg-type]
    classes = (0, 1) if k == 2 else (0, 1, 2)
    return EvalSet(task, y, np.arange(n), classes), models[0], models[1]  # type: ignore[arg-type]


def weighted_reference(task: str, name: str, y: np.ndarray, x: np.ndarray) -> Callable[[np.ndarray], float]:
    """scikit-learn's own function of the metric with sample weights (on the encoded inputs)."""
    if task == "regression":
        fn = {"rmse": skm.root_mean_squared_error, "mae": skm.mean_absolute_error, "r2": skm.r2_score,
              "mape": skm.mean_absolute_percentage_error}[name]
        return lambda w: fn(y, x, sample_weight=w)
    if name in ("roc_auc", "pr_auc"):
        curve = skm.roc_auc_score if name == "roc_auc" else skm.average_precision_score
        if task == "binary":
            return lambda w: curve(y, x, sample_weight=w)
        return lambda w: float(np.mean([curve(y == c, x[:, c], sample_weight=w) for c in range(x.shape[1])]))
    if name == "log_loss":
        return lambda w: skm.log_loss(y, x, labels=np.arange(2 if x.ndim == 1 else x.shape[1]), sample_weight=w)
    if name == "brier":
        if task == "binary":
            return lambda w: skm.brier_score_loss(y, x, sample_weight=w)
        return lambda w: skm.brier_score_loss(y, x, labels=np.arange(x.shape[1]), sample_weight=w)
    if name == "balanced_accuracy":
        return lambda w: skm.balanced_accuracy_score(y, x, sample_weight=w)
    fn = {"f1": skm.f1_score, "precision": skm.precision_score, "recall": skm.recall_score}[name]
    if task == "binary":
        return lambda w: fn(y, x, sample_weight=w, zero_division=0.0)
    labels = np.unique(np.concatenate([y, x]))
    return lambda w: fn(y, x, labels=labels, average="macro", sample_weight=w, zero_division=0.0)


CASES = [("binary", n) for n in ("pr_auc", "balanced_accuracy", "f1", "precision", "recall", "log_loss", "brier")]
CASES += [("multiclass", n) for n in ("roc_auc", "pr_auc", "balanced_accuracy", "f1", "precision", "recall",
                                       "log_loss", "brier")]
CASES += [("regression", n) for n in ("rmse", "mae", "r2", "mape")]


@pytest.mark.parametrize(("task", "name", "ties"), [(*case, True) for case in CASES] + [
    ("binary", "pr_auc", False), ("multiclass", "roc_auc", False), ("multiclass", "pr_auc", False)])
def test_the_vectorised_bootstrap_equals_a_loop_over_the_same_resamples(task: str, name: str, ties: bool) -> None:
    evalset, cand, prod = two_models(task, ties=ties)
    spec = metric_spec(name, task)  # type: ignore[arg-type]
    assert spec is not None
    result = paired_metric(spec, evalset, cand, prod, confidence=CONFIDENCE, resamples=RESAMPLES, seed=SEED)

    enc = encode(evalset)
    ref_c = weighted_reference(task, name, enc.y, inputs(spec, evalset, enc, cand))
    ref_p = weighted_reference(task, name, enc.y, inputs(spec, evalset, enc, prod))
    weights = np.concatenate([w.astype(np.float64) for w in weight_chunks(N, RESAMPLES, SEED)])
    deltas = [ref_c(w) - ref_p(w) for w in weights]
    low, high = np.quantile(deltas, [0.05, 0.95])

    assert result.interval.method == "bootstrap" and result.n == N
    assert result.candidate == pytest.approx(ref_c(np.ones(N)), abs=1e-9)
    assert result.production == pytest.approx(ref_p(np.ones(N)), abs=1e-9)
    assert result.delta == pytest.approx(result.candidate - result.production)
    assert (result.interval.low, result.interval.high) == pytest.approx((low, high), abs=2e-5)
    assert result.interval.low < result.interval.high


def test_a_user_function_is_looped_over_the_same_resamples() -> None:
    """A user's function gets resampled rows (np.repeat of the counts): the same interval as the built-in."""
    evalset, cand, prod = two_models("binary")
    builtin = metric_spec("f1", "binary")
    assert builtin is not None
    user = MetricSpec("f1", "prediction", lambda y, p: float(skm.f1_score(y, p)))
    kw = {"confidence": CONFIDENCE, "resamples": RESAMPLES, "seed": SEED}
    a, b = paired_metric(builtin, evalset, cand, prod, **kw), paired_metric(user, evalset, cand, prod, **kw)  # type: ignore[arg-type]
    assert (a.interval.low, a.interval.high) == pytest.approx((b.interval.low, b.interval.high), abs=1e-6)


def test_metrics_computed_together_equal_each_alone_and_a_seed_fixes_them() -> None:
    evalset, cand, prod = two_models("binary", n=2000)
    specs = [metric_spec(n, "binary") for n in ("accuracy", "roc_auc", "f1", "log_loss", "brier")]
    kw = {"confidence": 0.95, "resamples": 300, "seed": 11}
    together = paired_metrics(specs, evalset, cand, prod, **kw)  # type: ignore[arg-type]
    alone = [paired_metric(s, evalset, cand, prod, **kw) for s in specs]  # type: ignore[arg-type]
    assert together == alone
    assert [r.interval.method for r in together] == ["mcnemar", "delong", "bootstrap", "bootstrap", "bootstrap"]
    assert paired_metrics(specs, evalset, cand, prod, **kw) == together  # type: ignore[arg-type]
    other = paired_metrics(specs, evalset, cand, prod, **{**kw, "seed": 12})  # type: ignore[arg-type]
    assert other[2].interval != together[2].interval


def test_weights_are_poisson_like_counts_in_bounded_chunks() -> None:
    chunks = [w.copy() for w in weight_chunks(1000, 2500, 5)]
    weights = np.concatenate(chunks)
    assert weights.shape == (2500, 1000) and weights.dtype == np.float32
    assert set(np.unique(weights)) <= {0, 1, 2, 3, 4, 5}
    assert weights.mean() == pytest.approx(1.0, abs=0.005) and weights.var() == pytest.approx(1.0, abs=0.01)
    assert (weights == 0).mean() == pytest.approx(94 / 256, abs=0.003)
    assert all(w.size <= CHUNK_WEIGHTS for w in chunks)
    again = np.concatenate([w.copy() for w in weight_chunks(1000, 2500, 5)])
    assert np.array_equal(weights, again)
    big = next(iter(weight_chunks(3 * CHUNK_WEIGHTS, 10, 0)))
    assert big.shape == (1, 3 * CHUNK_WEIGHTS)  # one resample a chunk when a row count exceeds the chunk


def delong_by_definition(y: np.ndarray, s_c: np.ndarray, s_p: np.ndarray, confidence: float) -> tuple[float, ...]:
    """DeLong et al. 1988 written out: psi over all m·n pairs, the structural components, their covariance."""
    pos, neg = y == 1, y == 0
    m, n = pos.sum(), neg.sum()
    v10, v01, auc = [], [], []
    for s in (s_c, s_p):
        psi = (s[pos][:, None] > s[neg][None, :]) + 0.5 * (s[pos][:, None] == s[neg][None, :])
        auc.append(psi.mean())
        v10.append(psi.mean(axis=1))
        v01.append(psi.mean(axis=0))
    var = (np.var(v10[0] - v10[1], ddof=1) / m) + (np.var(v01[0] - v01[1], ddof=1) / n)
    z = NormalDist().inv_cdf(0.5 + confidence / 2)
    delta = auc[0] - auc[1]
    return delta, delta - z * np.sqrt(var), delta + z * np.sqrt(var)


def test_delong_equals_its_definition_with_ties() -> None:
    evalset, cand, prod = two_models("binary", n=500)
    got = delong(evalset.y_true, cand.score, prod.score, 0.95)  # type: ignore[arg-type]
    assert got == pytest.approx(delong_by_definition(evalset.y_true, cand.score, prod.score, 0.95), abs=1e-12)  # type: ignore[arg-type]
    spec = metric_spec("roc_auc", "binary")
    assert spec is not None
    result = paired_metric(spec, evalset, cand, prod, confidence=0.95, resamples=100, seed=0)
    assert result.interval.method == "delong"
    assert (result.delta, result.interval.low, result.interval.high) == pytest.approx(got)
    assert result.candidate == pytest.approx(skm.roc_auc_score(evalset.y_true, cand.score))


def test_delong_of_one_model_against_itself_is_exactly_zero() -> None:
    evalset, cand, _ = two_models("binary")
    assert delong(evalset.y_true, cand.score, cand.score, 0.95) == (0.0, 0.0, 0.0)  # type: ignore[arg-type]


def test_mcnemar_by_hand() -> None:
    """200 rows: 30 only the candidate gets right, 10 only production, 120 both, 40 neither."""
    y = np.zeros(200, dtype=np.int64)
    cand = np.r_[np.zeros(30), np.ones(10), np.zeros(120), np.ones(40)].astype(np.int64)
    prod = np.r_[np.ones(30), np.zeros(10), np.zeros(120), np.ones(40)].astype(np.int64)
    delta, low, high = mcnemar(y, cand, prod, 0.95)
    assert delta == pytest.approx((30 - 10) / 200)
    b, c, n = 30.5, 10.5, 202.0  # Agresti-Min: a half in each cell
    half = 1.959963984540054 * np.sqrt(b + c - (b - c) ** 2 / n) / n
    assert (low, high) == pytest.approx(((b - c) / n - half, (b - c) / n + half))


def test_accuracy_is_judged_by_mcnemar() -> None:
    evalset, cand, prod = two_models("multiclass")
    spec = metric_spec("accuracy", "multiclass")
    assert spec is not None
    result = paired_metric(spec, evalset, cand, prod, confidence=0.95, resamples=100, seed=0)
    assert result.interval.method == "mcnemar"
    assert result.delta == pytest.approx(np.mean(cand.prediction == evalset.y_true)
                                         - np.mean(prod.prediction == evalset.y_true))


def test_a_metric_without_a_value_on_the_evaluation_data_is_bad_input() -> None:
    evalset = EvalSet("binary", np.ones(50, dtype=np.int64), np.arange(50), (0, 1))
    model = Scored("candidate", np.ones(50), np.linspace(0, 1, 50))
    spec = metric_spec("roc_auc", "binary")
    assert spec is not None
    with pytest.raises(BadInput, match="roc_auc cannot be computed on the evaluation data"):
        paired_metric(spec, evalset, model, model, confidence=0.95, resamples=100, seed=0)


def test_r2_keeps_its_precision_far_from_zero() -> None:
    """Targets around 10,000 (float32 sums would lose the total sum of squares without centring)."""
    rng = np.random.default_rng(2)
    y = 10_000 + rng.normal(0, 3, N)
    evalset = EvalSet("regression", y, np.arange(N))
    cand, prod = Scored("candidate", y + rng.normal(0, 1, N)), Scored("production", y + rng.normal(0, 1.3, N))
    spec = metric_spec("r2", "regression")
    assert spec is not None
    result = paired_metric(spec, evalset, cand, prod, confidence=CONFIDENCE, resamples=RESAMPLES, seed=SEED)
    weights = np.concatenate([w.astype(np.float64) for w in weight_chunks(N, RESAMPLES, SEED)])
    deltas = [skm.r2_score(y, cand.prediction, sample_weight=w) - skm.r2_score(y, prod.prediction, sample_weight=w)
              for w in weights]
    assert (result.interval.low, result.interval.high) == pytest.approx(np.quantile(deltas, [0.05, 0.95]), abs=1e-4)


@pytest.mark.parametrize("name", ["f1", "balanced_accuracy"])
def test_many_classes_sum_per_group_the_same(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    """Past _Design.PRODUCT_GROUPS group sums (many classes) the sums are per sorted group (reduceat), not one-hot
    columns of the matrix product: the same interval."""
    from mlgate.evaluate import paired

    evalset, cand, prod = two_models("multiclass")
    spec = metric_spec(name, "multiclass")
    assert spec is not None
    kw = {"confidence": CONFIDENCE, "resamples": RESAMPLES, "seed": SEED}
    by_product = paired_metric(spec, evalset, cand, prod, **kw)  # type: ignore[arg-type]
    monkeypatch.setattr(paired._Design, "PRODUCT_GROUPS", 0)
    by_group = paired_metric(spec, evalset, cand, prod, **kw)  # type: ignore[arg-type]
    assert (by_group.interval.low, by_group.interval.high) == pytest.approx(
        (by_product.interval.low, by_product.interval.high), abs=1e-12)
