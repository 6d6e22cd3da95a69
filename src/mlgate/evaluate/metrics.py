"""The metrics mlgate computes from predictions: which it knows, what each needs, and a user's own function.

A known metric (`KNOWN`) is computed as scikit-learn computes it (in numpy: pointmetrics.py) on *encoded*
inputs (`Encoded`): class labels become
class indices in `EvalSet.classes` order (binary: 1 = the positive class, `classes[1]`, default the label 1;
a predicted label that is not a class becomes -1, never right), a binary score is P(positive) of shape (n,),
a multiclass score the (n, k) matrix. Per task:

| metric | binary | multiclass | regression |
|---|---|---|---|
| roc_auc | score | score: one-vs-rest, macro over the classes present | - |
| pr_auc | score: average precision | score: one-vs-rest, macro | - |
| accuracy, balanced_accuracy | prediction | prediction | - |
| f1, precision, recall | prediction: of the positive class | prediction: macro | - |
| log_loss, brier | score | score | - |
| rmse, mae, r2, mape | - | - | prediction |

Any other name (or a known one for another task) is None: mlgate cannot compute it from predictions, so the
logged metric is used. A user function `module:function` is called as `function(y_true, x) -> float` with the
evaluation data's own labels (not encoded) and, as `x`, the predictions, or the scores when the function's
second parameter's name contains "score" or "prob" (`y_score`, `proba`, ...); for regression always the
predictions.

Pure: arrays in, floats out. `load_function` imports a module (the caller puts the config's folder on
sys.path).
"""

from __future__ import annotations

import importlib
import inspect
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal, cast

import numpy as np
import numpy.typing as npt

from mlgate.errors import BadInput
from mlgate.evaluate import pointmetrics as pm
from mlgate.evaluate.model import EvalSet, FloatArray, Scored, Task

Arr = npt.NDArray[Any]  # labels, class indices, scores
Needs = Literal["score", "prediction"]
MetricFn = Callable[[Arr, Arr], float]
IntArray = npt.NDArray[np.int64]

KNOWN = frozenset({
    "roc_auc", "pr_auc", "accuracy", "balanced_accuracy", "f1", "precision", "recall", "log_loss", "brier",
    "rmse", "mae", "r2", "mape",
})
CLASSIFICATION = frozenset(KNOWN - {"rmse", "mae", "r2", "mape"})
SCORE_METRICS = frozenset({"roc_auc", "pr_auc", "log_loss", "brier"})
MISSING = "(missing)"


class MetricUndefined(ValueError):
    """The metric has no value on these rows (ROC AUC with one class only, a user function that raised)."""


@dataclass(frozen=True)
class MetricSpec:
    """How to compute one metric: `fn(y_true, x) -> float` on what `needs` names.

    `builtin`: a KNOWN metric, whose `fn` takes the encoded inputs (`Encoded`) and which paired.py
    resamples vectorised; otherwise a user function, called on the raw labels and looped per resample.
    """

    name: str
    needs: Needs
    fn: MetricFn
    builtin: bool = False


# --- labels ------------------------------------------------------------------------------------------


def label_key(value: object) -> str:
    """A label or slice value as text, one for 1, 1.0, "1" and np.int64(1); NaN and None → "(missing)"."""
    if value is None:
        return MISSING
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value))
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        number = float(value)
        if math.isnan(number):
            return MISSING
        return str(int(number)) if number.is_integer() and abs(number) < 2**63 else repr(number)
    try:
        if bool(value != value):  # NaT, decimal NaN
            return MISSING
    except (TypeError, ValueError):  # pandas.NA: its truth value is ambiguous
        return MISSING
    return str(value)


def keys_of(values: Arr) -> tuple[list[str], IntArray]:
    """The distinct keys of `values` (in first-sorted order of np.unique) and each row's index into them."""
    flat = np.asarray(values).reshape(-1)
    try:
        uniq, inverse = np.unique(flat, return_inverse=True)
        keys = [label_key(u) for u in uniq.tolist()]
    except TypeError:  # mixed types (str and int in one object column) do not sort
        seen: dict[str, int] = {}
        inv = [seen.setdefault(label_key(v), len(seen)) for v in flat.tolist()]
        return list(seen), np.asarray(inv, dtype=np.int64)
    # np.unique may keep 1 and 1.0 (or several NaN) apart: merge equal keys
    merged: dict[str, int] = {}
    table = np.asarray([merged.setdefault(k, len(merged)) for k in keys], dtype=np.int64)
    return list(merged), table[inverse.reshape(-1)] if len(table) else np.zeros(0, dtype=np.int64)


def codes(values: Arr, index: dict[str, int]) -> IntArray:
    """Each value's class index by its key; -1 for a value that is not a class."""
    keys, inverse = keys_of(values)
    table = np.asarray([index.get(k, -1) for k in keys], dtype=np.int64)
    return table[inverse] if len(table) else np.zeros(0, dtype=np.int64)


@dataclass(frozen=True)
class Encoded:
    """An EvalSet's labels as the built-in metrics take them: class indices (classification) or floats."""

    task: Task
    y: Arr  # int64 class indices (binary: 0/1) or float64 values
    labels: tuple[str, ...]  # the class keys in index order (binary: (negative, positive)); () for regression

    @property
    def k(self) -> int:
        return len(self.labels)

    def prediction(self, scored: Scored) -> Arr:
        """The predictions as class indices (-1: not a class) or floats."""
        if self.task == "regression":
            return as_float(scored.prediction, scored.role, "prediction")
        if self.task == "binary":
            positive: Arr = (codes(scored.prediction, {self.labels[1]: 1}) == 1).astype(np.int64)
            return positive
        return codes(scored.prediction, {label: i for i, label in enumerate(self.labels)})

    def score(self, scored: Scored, metric: str) -> FloatArray:
        """Binary: P(positive), shape (n,); multiclass: (n, k) in `labels` order."""
        if scored.score is None:
            raise BadInput(f"the {scored.role} predictions have no scores, which {metric} needs",
                           "metrics computed from scores (roc_auc, pr_auc, log_loss, brier) need the "
                           "probabilities, not only the predicted class",
                           "write a `score` column (binary: the probability of the positive class) or "
                           "`score_<class>` columns (multiclass), or gate on a metric of the predictions")
        score = np.asarray(scored.score, dtype=np.float64)
        if self.task == "binary" and score.ndim == 2 and score.shape[1] == 2:
            score = score[:, 1]
        if self.task == "multiclass" and (score.ndim != 2 or score.shape[1] != self.k):
            raise BadInput(f"the {scored.role} scores have shape {score.shape}, not (rows, {self.k})",
                           f"a multiclass score needs one column per class ({', '.join(self.labels)})",
                           "write one `score_<class>` column per class")
        return score


def as_float(values: Arr, role: str, what: str) -> FloatArray:
    try:
        return np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise BadInput(f"the {role} {what} are not numbers", str(exc),
                       "a regression's `prediction` column holds numbers") from exc


def encode(evalset: EvalSet) -> Encoded:
    """Encode the labels: binary → 1 for `classes[1]` (default the label 1), multiclass → index in classes."""
    if evalset.task == "regression":
        return Encoded("regression", as_float(evalset.y_true, "evaluation", "labels"), ())
    if evalset.task == "binary":
        positive = label_key(evalset.classes[1]) if len(evalset.classes) == 2 else "1"
        negative = label_key(evalset.classes[0]) if len(evalset.classes) == 2 else "0"
        y = (codes(evalset.y_true, {positive: 1}) == 1).astype(np.int64)
        return Encoded("binary", y, (negative, positive))
    labels = [label_key(c) for c in evalset.classes]
    if not labels:
        found, _ = keys_of(evalset.y_true)
        labels = [k for k in found if k != MISSING]
    return Encoded("multiclass", codes(evalset.y_true, {k: i for i, k in enumerate(labels)}), tuple(labels))


def inputs(spec: MetricSpec, evalset: EvalSet, encoded: Encoded, scored: Scored) -> Arr:
    """What `spec.fn` takes as `x` for this model (encoded for a built-in metric, raw for a user function)."""
    if spec.builtin:
        return encoded.score(scored, spec.name) if spec.needs == "score" else encoded.prediction(scored)
    if spec.needs == "score":
        if scored.score is None:
            encoded.score(scored, spec.name)  # raises BadInput saying so
        return cast(Arr, scored.score)
    return scored.prediction


# --- the built-in metrics on encoded inputs ---------------------------------------------------------


def _present(y: Arr, k: int) -> list[int]:
    counts = np.bincount(y[y >= 0], minlength=k)
    return [c for c in range(k) if 0 < counts[c] < len(y)]


def _binary_roc_auc(y: Arr, s: Arr) -> float:
    if len(np.unique(y)) < 2:
        raise MetricUndefined("roc_auc needs both classes in the rows")
    return pm.roc_auc(y, s)


def _binary_pr_auc(y: Arr, s: Arr) -> float:
    if not np.any(y == 1):
        raise MetricUndefined("pr_auc needs a positive row")
    return pm.average_precision(y, s)


def _ovr(binary: MetricFn, name: str) -> MetricFn:
    def macro(y: Arr, s: Arr) -> float:
        present = _present(y, s.shape[1])
        if not present:
            raise MetricUndefined(f"{name} needs two classes in the rows")
        return float(np.mean([binary((y == c).astype(np.int64), s[:, c]) for c in present]))
    return macro


def _macro_labels(y: Arr, p: Arr) -> Arr:
    both = np.concatenate([y, p])
    return np.unique(both[both >= 0])


def _classification(name: str, task: Task) -> MetricFn:
    binary = task == "binary"
    if name == "roc_auc":
        return _binary_roc_auc if binary else _ovr(_binary_roc_auc, name)
    if name == "pr_auc":
        return _binary_pr_auc if binary else _ovr(_binary_pr_auc, name)
    if name == "accuracy":
        return lambda y, p: float(np.mean(y == p))
    if name == "balanced_accuracy":
        return lambda y, p: _balanced_accuracy(y, p)
    if name in ("f1", "precision", "recall"):
        if binary:
            return lambda y, p: pm.binary_prf(y, p, name)
        return lambda y, p: pm.macro_prf(y, p, _macro_labels(y, p), name)
    if name == "log_loss":
        return pm.log_loss
    return pm.brier


def _balanced_accuracy(y: Arr, p: Arr) -> float:
    """scikit-learn's balanced accuracy: the mean recall over the classes present in y (a prediction that is
    no class, -1, is wrong)."""
    classes = np.unique(y[y >= 0])
    if not len(classes):
        raise MetricUndefined("balanced_accuracy needs a labelled row")
    return float(np.mean([np.mean(p[y == c] == c) for c in classes]))


def _regression(name: str) -> MetricFn:
    def r2(y: Arr, p: Arr) -> float:
        if len(y) < 2:
            raise MetricUndefined("r2 needs two rows")
        return pm.r2(y, p)

    table: dict[str, MetricFn] = {
        "rmse": pm.rmse,
        "mae": pm.mae,
        "mape": pm.mape,
        "r2": r2,
    }
    return table[name]


def _guarded(fn: MetricFn) -> MetricFn:
    def guarded(y: Arr, x: Arr) -> float:
        if not len(y):
            raise MetricUndefined("no rows")
        return fn(y, x)
    return guarded


# --- the public entry points ------------------------------------------------------------------------


def metric_spec(name: str, task: Task, function: str | None = None) -> MetricSpec | None:
    """How mlgate computes metric `name` for `task` from predictions, or None when it cannot (the logged
    metric is used then). `function` (`module:function`) wins over a known name; a function that does not
    import is BadInput (exit 2)."""
    if function is not None:
        user = load_function(function)
        return MetricSpec(name, _user_needs(user, task), _user_fn(user, function))
    if name not in KNOWN or (task == "regression") == (name in CLASSIFICATION):
        return None
    needs: Needs = "score" if name in SCORE_METRICS else "prediction"
    fn = _regression(name) if task == "regression" else _classification(name, task)
    return MetricSpec(name, needs, _guarded(fn), builtin=True)


def load_function(ref: str) -> Callable[..., object]:
    """Import `module:function`; BadInput (exit 2) naming it and why when it does not import or call."""
    module_name, sep, attr = ref.partition(":")
    fix = ("name an importable module (relative to the folder of mlgate.yaml) and a function in it: "
           "`metrics:` → `function: my_metrics:weighted_recall`")
    if not sep or not module_name or not attr:
        raise BadInput(f"the metric function {ref!r} is not `module:function`", "there is no `:`", fix)
    try:
        module = importlib.import_module(module_name)
    except Exception as exc:  # any error while importing the user's module is bad input, not a bug of ours
        raise BadInput(f"the metric function {ref!r} does not import",
                       f"importing {module_name!r} failed: {type(exc).__name__}: {exc}", fix) from exc
    try:
        fn = getattr(module, attr)
    except AttributeError as exc:
        raise BadInput(f"the metric function {ref!r} does not import",
                       f"module {module_name!r} has no {attr!r}", fix) from exc
    if not callable(fn):
        raise BadInput(f"the metric function {ref!r} is not a function",
                       f"{module_name}.{attr} is a {type(fn).__name__}", fix)
    return cast(Callable[..., object], fn)


def _user_needs(fn: Callable[..., object], task: Task) -> Needs:
    if task == "regression":
        return "prediction"
    try:
        params = list(inspect.signature(fn).parameters)
    except (TypeError, ValueError):
        return "prediction"
    second = params[1].lower() if len(params) > 1 else ""
    return "score" if "score" in second or "prob" in second else "prediction"


def _user_fn(fn: Callable[..., object], ref: str) -> MetricFn:
    def call(y: Arr, x: Arr) -> float:
        try:
            value = fn(y, x)
        except Exception as exc:  # the user's code: on a slice it may be undefined (one class, no rows)
            raise MetricUndefined(f"{ref} raised {type(exc).__name__}: {exc}") from exc
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.number)):
            raise MetricUndefined(f"{ref} returned a {type(value).__name__}, not a number")
        number = float(value)
        if not math.isfinite(number):
            raise MetricUndefined(f"{ref} returned {number}")
        return number
    return call


def undefined_input(spec: MetricSpec, error: MetricUndefined) -> BadInput:
    """The BadInput for a metric undefined on the whole evaluation data."""
    return BadInput(f"metric {spec.name} cannot be computed on the evaluation data", str(error),
                    "check the evaluation data (both classes present, enough rows) and the metric's function")

