"""evaluate/metrics.py: which metrics mlgate computes, their values against scikit-learn on the raw labels,
and a user's own `module:function`."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from sklearn import metrics as skm

from mlgate.errors import EXIT_BAD_INPUT, BadInput
from mlgate.evaluate.metrics import (
    KNOWN,
    MISSING,
    MetricUndefined,
    encode,
    inputs,
    label_key,
    load_function,
    metric_spec,
)
from mlgate.evaluate.model import EvalSet, Scored

RNG = np.random.default_rng(7)
N = 400


def binary_case() -> tuple[EvalSet, Scored, np.ndarray]:
    """String labels, "yes" the positive class: the metrics must take it as the positive one."""
    y = RNG.choice(np.array(["no", "yes"], dtype=object), N, p=[0.6, 0.4])
    score = np.clip(0.4 * (y == "yes") + RNG.normal(0.3, 0.2, N), 0, 1)
    pred = np.where(score > 0.5, "yes", "no").astype(object)
    return EvalSet("binary", y, np.arange(N), ("no", "yes")), Scored("candidate", pred, score), score


def multiclass_case() -> tuple[EvalSet, Scored, np.ndarray]:
    classes = ("cat", "dog", "eel")
    y = RNG.choice(np.array(classes, dtype=object), N)
    logits = RNG.normal(size=(N, 3)) + 1.5 * (y[:, None] == np.array(classes)[None, :])
    proba = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    pred = np.array(classes, dtype=object)[proba.argmax(axis=1)]
    return EvalSet("multiclass", y, np.arange(N), classes), Scored("candidate", pred, proba), proba


def value(name: str, evalset: EvalSet, scored: Scored) -> float:
    spec = metric_spec(name, evalset.task)
    assert spec is not None
    enc = encode(evalset)
    return spec.fn(enc.y, inputs(spec, evalset, enc, scored))


def test_known_names_per_task() -> None:
    assert {n for n in KNOWN if metric_spec(n, "binary")} == KNOWN - {"rmse", "mae", "r2", "mape"}
    assert {n for n in KNOWN if metric_spec(n, "multiclass")} == KNOWN - {"rmse", "mae", "r2", "mape"}
    assert {n for n in KNOWN if metric_spec(n, "regression")} == {"rmse", "mae", "r2", "mape"}
    assert metric_spec("latency_ms", "binary") is None  # not computable from predictions: logged
    assert metric_spec("roc_auc", "regression") is None
    needs = {n: metric_spec(n, "binary").needs for n in KNOWN - {"rmse", "mae", "r2", "mape"}}  # type: ignore[union-attr]
    assert {n for n, need in needs.items() if need == "score"} == {"roc_auc", "pr_auc", "log_loss", "brier"}


def test_binary_values_equal_sklearn_with_the_positive_class() -> None:
    evalset, scored, score = binary_case()
    y, pred = evalset.y_true, scored.prediction
    expected = {
        "roc_auc": skm.roc_auc_score(y == "yes", score),
        "pr_auc": skm.average_precision_score(y, score, pos_label="yes"),
        "accuracy": skm.accuracy_score(y, pred),
        "balanced_accuracy": skm.balanced_accuracy_score(y, pred),
        "f1": skm.f1_score(y, pred, pos_label="yes"),
        "precision": skm.precision_score(y, pred, pos_label="yes"),
        "recall": skm.recall_score(y, pred, pos_label="yes"),
        "log_loss": skm.log_loss(y == "yes", score),
        "brier": skm.brier_score_loss(y, score, pos_label="yes"),
    }
    for name, want in expected.items():
        assert value(name, evalset, scored) == pytest.approx(want, abs=1e-12), name


def test_binary_positive_class_is_the_second_class_not_the_larger_label() -> None:
    y = np.array([1, 1, 0, 0, 1])
    pred = np.array([1, 0, 0, 0, 1])
    as_given = EvalSet("binary", y, np.arange(5), (1, 0))  # 0 is the positive class here
    assert value("recall", as_given, Scored("candidate", pred)) == pytest.approx(1.0)  # both 0s found
    assert value("recall", EvalSet("binary", y, np.arange(5)), Scored("candidate", pred)) == pytest.approx(2 / 3)


def test_multiclass_values_equal_sklearn() -> None:
    evalset, scored, proba = multiclass_case()
    y, pred = evalset.y_true, scored.prediction
    classes = list(evalset.classes)
    expected = {
        "roc_auc": skm.roc_auc_score(y, proba, multi_class="ovr", average="macro", labels=classes),
        "pr_auc": np.mean([skm.average_precision_score(y == c, proba[:, i]) for i, c in enumerate(classes)]),
        "accuracy": skm.accuracy_score(y, pred),
        "balanced_accuracy": skm.balanced_accuracy_score(y, pred),
        "f1": skm.f1_score(y, pred, average="macro"),
        "precision": skm.precision_score(y, pred, average="macro"),
        "recall": skm.recall_score(y, pred, average="macro"),
        "log_loss": skm.log_loss(y, proba, labels=classes),
        "brier": skm.brier_score_loss(y, proba, labels=classes),
    }
    for name, want in expected.items():
        assert value(name, evalset, scored) == pytest.approx(want, abs=1e-12), name


def test_regression_values_equal_sklearn() -> None:
    y = RNG.normal(5, 2, N)
    pred = y + RNG.normal(0, 1, N)
    evalset, scored = EvalSet("regression", y, np.arange(N)), Scored("candidate", pred)
    assert value("rmse", evalset, scored) == pytest.approx(skm.root_mean_squared_error(y, pred))
    assert value("mae", evalset, scored) == pytest.approx(skm.mean_absolute_error(y, pred))
    assert value("r2", evalset, scored) == pytest.approx(skm.r2_score(y, pred))
    assert value("mape", evalset, scored) == pytest.approx(skm.mean_absolute_percentage_error(y, pred))


def test_labels_match_as_text_whatever_their_type() -> None:
    assert label_key(1) == label_key(1.0) == label_key("1") == label_key(np.int64(1)) == "1"
    assert label_key(float("nan")) == label_key(None) == MISSING
    assert label_key(0.5) == "0.5"
    y = np.array([0, 1, 1, 0])
    pred = np.array(["0", "1", "0", "0"], dtype=object)  # predictions written as text
    assert value("accuracy", EvalSet("binary", y, np.arange(4), (0, 1)), Scored("candidate", pred)) == 0.75


def test_a_prediction_that_is_no_class_is_wrong() -> None:
    evalset = EvalSet("multiclass", np.array(["a", "b", "c"]), np.arange(3), ("a", "b", "c"))
    assert value("accuracy", evalset, Scored("candidate", np.array(["a", "zebra", "c"]))) == pytest.approx(2 / 3)


def test_roc_auc_of_one_class_is_undefined() -> None:
    evalset = EvalSet("binary", np.ones(5), np.arange(5), (0, 1))
    with pytest.raises(MetricUndefined):
        value("roc_auc", evalset, Scored("candidate", np.ones(5), np.linspace(0, 1, 5)))


def test_a_score_metric_without_scores_is_bad_input() -> None:
    evalset, scored, _ = binary_case()
    spec = metric_spec("log_loss", "binary")
    assert spec is not None
    with pytest.raises(BadInput) as info:
        inputs(spec, evalset, encode(evalset), Scored("production", scored.prediction))
    assert "production predictions have no scores" in info.value.what and "log_loss" in info.value.what
    assert "score" in info.value.fix


# --- a user's own function -----------------------------------------------------------------------------


@pytest.fixture
def user_module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    name = f"user_metrics_{tmp_path.name.replace('-', '_')}"
    (tmp_path / f"{name}.py").write_text(
        "import numpy as np\n"
        "def hits(y_true, y_pred):\n    return float(np.sum(np.asarray(y_true) == np.asarray(y_pred)))\n"
        "def mean_score(y_true, y_score):\n    return float(np.mean(y_score))\n"
        "def fails(y_true, y_pred):\n    raise ZeroDivisionError('no rows of class b')\n"
        "def text(y_true, y_pred):\n    return 'high'\n"
        "NOT_A_FUNCTION = 3\n", encoding="utf-8")
    (tmp_path / f"{name}_broken.py").write_text("def f(:\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    yield name
    for module in (name, f"{name}_broken"):
        sys.modules.pop(module, None)


def test_a_user_function_gets_the_raw_labels(user_module: str) -> None:
    evalset, scored, score = binary_case()
    spec = metric_spec("hits", "binary", f"{user_module}:hits")
    assert spec is not None and spec.needs == "prediction" and not spec.builtin
    assert spec.fn(evalset.y_true, inputs(spec, evalset, encode(evalset), scored)) == float(
        np.sum(evalset.y_true == scored.prediction))
    by_score = metric_spec("mean_score", "binary", f"{user_module}:mean_score")
    assert by_score is not None and by_score.needs == "score"  # the second parameter is named y_score
    assert by_score.fn(evalset.y_true, inputs(by_score, evalset, encode(evalset), scored)) == pytest.approx(
        float(np.mean(score)))


def test_a_user_function_that_raises_or_returns_text_is_undefined(user_module: str) -> None:
    for attr in ("fails", "text"):
        spec = metric_spec(attr, "binary", f"{user_module}:{attr}")
        assert spec is not None
        with pytest.raises(MetricUndefined, match=attr):
            spec.fn(np.array([0, 1]), np.array([0, 1]))


@pytest.mark.parametrize(("ref", "why"), [
    ("no_such_module_xyz:f", "ModuleNotFoundError: No module named 'no_such_module_xyz'"),
    ("{m}:missing", "has no 'missing'"),
    ("{m}_broken:f", "SyntaxError"),
    ("{m}:NOT_A_FUNCTION", "is a int"),
])
def test_a_function_that_does_not_import_is_bad_input_naming_it(user_module: str, ref: str, why: str) -> None:
    ref = ref.format(m=user_module)
    with pytest.raises(BadInput) as info:
        metric_spec("custom", "binary", ref)
    assert info.value.exit_code == EXIT_BAD_INPUT
    assert repr(ref) in info.value.what
    assert why in info.value.why
    assert "module:function" in info.value.fix or "function:" in info.value.fix


def test_load_function_refuses_a_reference_without_colon() -> None:
    with pytest.raises(BadInput, match="not `module:function`"):
        load_function("numpy.mean")
