"""Paired intervals of candidate - production on the same rows: DeLong, McNemar, the paired bootstrap.

- ROC AUC (binary): DeLong's test, paired, with the fast midrank algorithm (Sun & Xu 2014), O(n log n);
  the interval is delta ± z·se.
- Accuracy: the paired difference of proportions from McNemar's discordant pairs (b rows only the
  candidate gets right, c only production): delta = (b - c)/n, with the Agresti-Min interval (a half
  added to each cell of the 2x2 table, then the Wald interval), which keeps its coverage when b + c is small.
- Everything else: the paired bootstrap. Both models are evaluated on the SAME resampled rows. The
  resamples are count weights, a (resamples x rows) matrix made chunk by chunk (about a million weights a
  chunk, so memory stays bounded at any size), and each metric is a function of weighted sums: the sums are
  one matrix product (weights @ per-row columns) or grouped sums (per class) for all metrics at once; ranked
  metrics (average precision, one-vs-rest ROC AUC) take cumulative weighted sums along the score order. No
  Python loop per resample, except for a user's own metric function, which is called once per resample on
  the resampled rows (looped, so slower: about resamples x its own cost).
  The counts are drawn per row, independently, as in the Poisson bootstrap (Hanley & MacGibbon 2006;
  Chamandy et al. 2012), the large-sample equivalent of drawing n rows with replacement: a row is in a
  resample 0-5 times with probabilities (94, 95, 46, 16, 4, 1)/256, Poisson(1) rounded to one random byte
  a row with its mean and variance kept exactly (1 and 1; the third moment 0.98 instead of 1), so that
  drawing the weights costs a few vectorised comparisons. The interval is the percentile interval of the
  resampled differences; a resample on which a metric is undefined (no positive row) is left out.
  BLAS runs single-threaded meanwhile (the sums are memory-bound; a second thread only waits on a busy
  machine).

Deterministic for a seed (the same seed resamples the same rows, whichever metrics are computed together).
Pure: arrays in, plain values out.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from statistics import NormalDist
from typing import Any

import numpy as np
import numpy.typing as npt
from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]

from mlgate.evaluate.metrics import (
    Encoded,
    MetricSpec,
    MetricUndefined,
    encode,
    inputs,
    undefined_input,
)
from mlgate.evaluate.model import AnyArray, EvalSet, Interval, MetricEstimate, PairedMetric, Scored

F32 = npt.NDArray[np.float32]
U8 = npt.NDArray[np.uint8]
Arr = npt.NDArray[Any]  # floats or class indices, as encoded by metrics.Encoded
CHUNK_WEIGHTS = 1 << 20  # weights per chunk (4 MiB of float32): a few arrays of that size stay in cache
# A row's count is the number of these thresholds its random byte reaches: P(0..5) = (94, 95, 46, 16, 4,
# 1)/256, a Poisson(1) rounded to 1/256 with its mean and variance kept exactly (1 and 1).
_THRESHOLDS = np.array([94, 189, 235, 251, 255], dtype=np.uint8)


def weight_chunks(n: int, resamples: int, seed: int) -> Iterator[F32]:
    """The bootstrap count weights: (chunk, n) float32 arrays, `resamples` rows in all; fixed by the seed.
    The arrays are reused: a chunk is valid until the next one is drawn."""
    for weights, _ in _chunks(n, resamples, seed):
        yield weights


def _chunks(n: int, resamples: int, seed: int) -> Iterator[tuple[F32, U8]]:
    """The weights of weight_chunks, as float32 (for matrix products) and as the uint8 counts."""
    bits = np.random.default_rng(seed & 0xFFFF_FFFF_FFFF_FFFF).bit_generator
    rows = max(1, min(resamples, CHUNK_WEIGHTS // max(n, 1)))
    counts = np.empty((rows, n), dtype=np.uint8)
    reached = np.empty((rows, n), dtype=np.bool_)
    weights = np.empty((rows, n), dtype=np.float32)
    done = 0
    while done < resamples:
        c = min(rows, resamples - done)
        u = bits.random_raw((c * n + 7) // 8).view(np.uint8)[: c * n].reshape(c, n)
        total, step, w = counts[:c], reached[:c], weights[:c]
        np.greater_equal(u, _THRESHOLDS[0], out=total.view(np.bool_))
        for threshold in _THRESHOLDS[1:]:
            np.greater_equal(u, threshold, out=step)
            np.add(total, step.view(np.uint8), out=total)
        np.copyto(w, total)
        yield w, total
        done += c


# --- the weighted sums all metrics of one comparison share ---------------------------------------------


class _Design:
    """Per-row columns (dense, for a matrix product) and groupings (per-class sums) of all metrics."""

    PRODUCT_GROUPS = 64  # up to this many group sums are one-hot columns of the matrix product

    def __init__(self, n: int) -> None:
        self.n = n
        self._dense: list[Arr] = [np.ones(n)]  # column 0: the total weight
        self._families: list[tuple[Arr, int]] = []
        self._groups = 0

    def dense(self, *columns: AnyArray) -> slice:
        start = len(self._dense)
        self._dense.extend(np.asarray(c, dtype=np.float64) for c in columns)
        return slice(start, len(self._dense))

    def groups(self, ids: Arr, k: int) -> slice:
        """Sums of the weights per group id in [0, k) (rows with id -1 in none)."""
        self._families.append((ids, k))
        start = self._groups
        self._groups += k
        return slice(start, self._groups)

    def freeze(self) -> None:
        """Few groups (a few classes): one-hot columns beside the dense ones, so one matrix product makes
        every sum; many: the rows sorted by group, summed per group with reduceat."""
        columns = np.stack(self._dense, axis=1).astype(np.float32)
        self._by_product = self._groups <= self.PRODUCT_GROUPS
        rows, counts = [], []
        onehot = np.zeros((self.n, self._groups if self._by_product else 0), dtype=np.float32)
        offset = 0
        for ids, k in self._families:
            keep = np.flatnonzero(ids >= 0)
            if self._by_product:
                onehot[keep, offset + ids[keep]] = 1.0
            rows.append(keep[np.argsort(ids[keep], kind="stable")])
            counts.append(np.bincount(ids[keep], minlength=k).astype(np.int64))
            offset += k
        self._matrix = np.ascontiguousarray(np.concatenate([columns, onehot], axis=1))
        self._width = columns.shape[1]
        self._all_rows = np.concatenate(rows) if rows else np.zeros(0, dtype=np.int64)
        sizes = np.concatenate(counts) if counts else np.zeros(0, dtype=np.int64)
        self._nonempty = np.flatnonzero(sizes > 0)
        self._starts = (np.cumsum(sizes) - sizes)[self._nonempty]

    def sums(self, w: F32) -> tuple[Arr, Arr]:
        # integer weights summed in float32 are exact below 2^24
        product = (w @ self._matrix).astype(np.float64)
        if self._by_product:
            return product[:, : self._width], product[:, self._width:]
        grouped = np.zeros((w.shape[0], self._groups))
        if len(self._nonempty):
            grouped[:, self._nonempty] = np.add.reduceat(w[:, self._all_rows], self._starts, axis=1)
        return product, grouped


def _ratio(num: Arr, den: Arr) -> Arr:
    """num / den, 0 where den is 0 (scikit-learn's zero_division=0)."""
    out = np.zeros(np.broadcast(num, den).shape)
    np.divide(num, den, out=out, where=den != 0)
    return out


class _Stat:
    """A metric of both models as a function of weighted sums: values(...) → (chunk, 2) [candidate, prod]."""

    def bind(self, design: _Design) -> None:
        raise NotImplementedError

    def values(self, dense: Arr, grouped: Arr, w: F32, counts: U8) -> Arr:
        raise NotImplementedError


class _Mean(_Stat):
    """The weighted mean of a per-row loss, or its square root (rmse)."""

    def __init__(self, loss_c: Arr, loss_p: Arr, *, root: bool = False) -> None:
        self.losses, self.root = (loss_c, loss_p), root

    def bind(self, design: _Design) -> None:
        self.cols = design.dense(*self.losses)

    def values(self, dense: Arr, grouped: Arr, w: F32, counts: U8) -> Arr:
        mean = _ratio(dense[:, self.cols], dense[:, :1])
        return np.sqrt(mean) if self.root else mean


class _R2(_Stat):
    """1 - SSE/SST from float64 weighted sums (its own product: the shared one is float32). A resample whose
    drawn rows all have the same label has SST exactly 0: r2 is undefined there and the resample is left
    out (the test is on the drawn labels, not on a rounded SST)."""

    def __init__(self, y: Arr, pred_c: Arr, pred_p: Arr) -> None:
        yc = y - y.mean()  # centred: the total sum of squares without cancellation
        self.y = y
        self.columns = np.stack([np.ones_like(y), (y - pred_c) ** 2, (y - pred_p) ** 2, yc, yc**2], axis=1)

    def bind(self, design: _Design) -> None:
        pass

    def values(self, dense: Arr, grouped: Arr, w: F32, counts: U8) -> Arr:
        d = w.astype(np.float64) @ self.columns
        total = d[:, 4] - _ratio(d[:, 3] ** 2, d[:, 0])
        drawn = counts > 0
        spread = np.where(drawn, self.y, -np.inf).max(axis=1) > np.where(drawn, self.y, np.inf).min(axis=1)
        defined = spread & (total > 0)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(defined[:, None], 1 - d[:, 1:3] / total[:, None], np.nan)


class _BinaryPRF(_Stat):
    """Precision, recall or F1 of the positive class from integer counts (exact in float32 below 2^24 rows,
    then float64). A resample on which the ratio is 0/0 (recall: no positive row drawn; precision: no
    positive prediction drawn) is undefined and left out; when it is 0/0 on the whole evaluation rows too,
    the value is scikit-learn's zero_division=0 there and on every resample."""

    def __init__(self, name: str, y: Arr, pred_c: Arr, pred_p: Arr) -> None:
        self.name = name
        self.columns = [c for p in (pred_c, pred_p) for c in ((y == 1) & (p == 1), (y == 0) & (p == 1),
                                                            (y == 1) & (p != 1))]
        whole = np.array([[np.sum(c) for c in self.columns]], dtype=np.float64)
        tp, fp, fn = whole[:, 0::3], whole[:, 1::3], whole[:, 2::3]
        self.defined = _denominator(name, tp, fp, fn)[0] > 0  # per model: defined on the whole rows

    def bind(self, design: _Design) -> None:
        self.cols = design.dense(*self.columns)

    def values(self, dense: Arr, grouped: Arr, w: F32, counts: U8) -> Arr:
        d = dense[:, self.cols]
        tp, fp, fn = d[:, 0::3], d[:, 1::3], d[:, 2::3]
        undefined = (_denominator(self.name, tp, fp, fn) == 0) & self.defined
        return np.where(undefined, np.nan, _prf(self.name, tp, fp, fn))


def _denominator(name: str, tp: Arr, fp: Arr, fn: Arr) -> Arr:
    if name == "precision":
        return tp + fp
    if name == "recall":
        return tp + fn
    return 2 * tp + fp + fn


def _prf(name: str, tp: Arr, fp: Arr, fn: Arr) -> Arr:
    if name == "precision":
        return _ratio(tp, tp + fp)
    if name == "recall":
        return _ratio(tp, tp + fn)
    return _ratio(2 * tp, 2 * tp + fp + fn)


class _MacroPRF(_Stat):
    """Multiclass macro precision/recall/F1 over the labels in y or the model's predictions (as sklearn)."""

    def __init__(self, name: str, y: Arr, preds: tuple[Arr, Arr], k: int) -> None:
        self.name, self.y, self.preds, self.k = name, y, preds, k
        self.labels = [np.isin(np.arange(k), np.concatenate([y, p])) for p in preds]

    def bind(self, design: _Design) -> None:
        self.true = design.groups(self.y, self.k)
        self.hit = [design.groups(np.where(p == self.y, self.y, -1), self.k) for p in self.preds]
        self.predicted = [design.groups(p, self.k) for p in self.preds]

    def values(self, dense: Arr, grouped: Arr, w: F32, counts: U8) -> Arr:
        out = np.empty((len(w), 2))
        true = grouped[:, self.true]
        for m in range(2):
            tp = grouped[:, self.hit[m]]
            scores = _prf(self.name, tp, grouped[:, self.predicted[m]] - tp, true - tp)
            out[:, m] = scores[:, self.labels[m]].mean(axis=1)
        return out


class _BalancedAccuracy(_Stat):
    def __init__(self, y: Arr, preds: tuple[Arr, Arr], k: int) -> None:
        self.y, self.preds, self.k = y, preds, k
        self.present = np.bincount(y[y >= 0], minlength=k) > 0

    def bind(self, design: _Design) -> None:
        self.true = design.groups(self.y, self.k)
        self.hit = [design.groups(np.where(p == self.y, self.y, -1), self.k) for p in self.preds]

    def values(self, dense: Arr, grouped: Arr, w: F32, counts: U8) -> Arr:
        true = grouped[:, self.true][:, self.present]
        out = np.empty((len(w), 2))
        with np.errstate(divide="ignore", invalid="ignore"):
            for m in range(2):
                recall = grouped[:, self.hit[m]][:, self.present] / true
                out[:, m] = np.nanmean(np.where(true > 0, recall, np.nan), axis=1) if true.size else np.nan
        return out


class _Curve:
    """One binary ranking (y 0/1, a score) for weighted ROC AUC and average precision, in exact integer
    arithmetic on the counts: the rows in score order, its positive rows, and for tied scores each positive
    row's tie group (its last row, and the row before its first)."""

    def __init__(self, y: Arr, s: Arr, *, descending: bool) -> None:
        self.order = np.argsort(-s if descending else s, kind="stable")
        ordered, y_sorted = s[self.order], y[self.order]
        self.y = y_sorted.astype(np.uint8)
        self.negative = (1 - y_sorted).astype(np.uint8)
        self.positives = np.flatnonzero(y_sorted == 1)
        new = ordered[1:] != ordered[:-1]
        starts = np.flatnonzero(np.r_[True, new])
        ends = np.flatnonzero(np.r_[new, True])
        group = np.repeat(np.arange(len(starts)), ends - starts + 1)[self.positives]
        self.end_of = ends[group]  # a positive row's last row of its tie group (itself without ties)
        first = starts[group]
        self.before = np.maximum(first - 1, 0)  # the row before its tie group ...
        self.at_start = np.flatnonzero(first == 0)  # ... none for the group that starts the ranking
        # running sums of counts (<= 5 a row) fit int32, and so do their products with a count, below 40M rows
        self.dtype = np.int32 if len(s) < 40_000_000 else np.int64

    def _sorted(self, counts: U8) -> tuple[Arr, Arr]:
        ordered: Arr = np.take(counts, self.order, axis=1)
        return ordered, ordered[:, self.positives].astype(self.dtype)

    def roc_auc(self, counts: U8) -> Arr:
        """Mann-Whitney with weights: P(score of a positive > a negative's) + half the ties."""
        ordered, pos = self._sorted(counts)
        running: Arr = np.cumsum(ordered * self.negative, axis=1, dtype=self.dtype)  # negatives so far
        before: Arr = running[:, self.before]
        before[:, self.at_start] = 0
        below2 = running[:, self.end_of] + before  # twice: the negatives below, plus half the tied ones
        negatives = running[:, -1].astype(np.int64) if running.shape[1] else np.zeros(len(counts), np.int64)
        with np.errstate(divide="ignore", invalid="ignore"):
            out: Arr = (pos * below2).sum(axis=1, dtype=np.int64) / (
                2.0 * pos.sum(axis=1, dtype=np.int64) * negatives)
        return out

    def average_precision(self, counts: U8) -> Arr:
        """Σ (recall_k - recall_k-1) · precision_k over the distinct scores, descending (as sklearn): each
        positive row's weight times the precision at the end of its tie group."""
        ordered, pos = self._sorted(counts)
        hits: Arr = np.cumsum(ordered * self.y, axis=1, dtype=self.dtype)[:, self.end_of]
        drawn: Arr = np.cumsum(ordered, axis=1, dtype=self.dtype)[:, self.end_of]
        precision = np.divide(hits, drawn, out=np.zeros(hits.shape), where=drawn > 0)
        with np.errstate(divide="ignore", invalid="ignore"):
            out: Arr = (pos * precision).sum(axis=1) / pos.sum(axis=1, dtype=np.int64)
        return out


class _Ranked(_Stat):
    """Average precision (binary), or one-vs-rest macro ROC AUC / average precision (multiclass)."""

    def __init__(self, name: str, y: Arr, scores: tuple[Arr, Arr]) -> None:
        auc = name == "roc_auc"
        self.auc = auc
        if scores[0].ndim == 1:
            self.curves = [[_Curve(y, s, descending=not auc)] for s in scores]
        else:
            counts = np.bincount(y[y >= 0], minlength=scores[0].shape[1])
            present = [c for c in range(len(counts)) if counts[c] > 0 and (not auc or counts[c] < len(y))]
            self.curves = [[_Curve((y == c).astype(np.int64), s[:, c], descending=not auc) for c in present]
                           for s in scores]

    def bind(self, design: _Design) -> None:
        pass

    def values(self, dense: Arr, grouped: Arr, w: F32, counts: U8) -> Arr:
        out = np.empty((len(w), 2))
        for m, curves in enumerate(self.curves):
            each = [c.roc_auc(counts) if self.auc else c.average_precision(counts) for c in curves]
            out[:, m] = np.mean(each, axis=0) if each else np.nan
        return out


def _one_hot_loss(name: str, y: Arr, s: Arr) -> Arr:
    """Per-row log loss or Brier score as scikit-learn computes them (clipped at the float's eps)."""
    if s.ndim == 1:
        s = np.stack([1 - s, s], axis=1)
    onehot = np.zeros_like(s)
    rows = np.flatnonzero(y >= 0)
    onehot[rows, y[rows]] = 1.0
    if name == "log_loss":
        eps = np.finfo(np.float64).eps
        loss: Arr = -(onehot * np.log(np.clip(s, eps, 1 - eps))).sum(axis=1)
        return loss
    half = 0.5 if s.shape[1] < 3 else 1.0
    out: Arr = half * ((onehot - s) ** 2).sum(axis=1)
    return out


def _regression_loss(name: str, y: Arr, p: Arr) -> Arr:
    if name == "mae":
        absolute: Arr = np.abs(y - p)
        return absolute
    if name == "mape":
        out: Arr = np.abs(y - p) / np.maximum(np.abs(y), np.finfo(np.float64).eps)
        return out
    return (y - p) ** 2  # rmse: the root is taken of the mean


def _statistic(spec: MetricSpec, enc: Encoded, x_c: AnyArray, x_p: AnyArray) -> _Stat:
    """The vectorised form of a built-in metric (other than DeLong's ROC AUC and McNemar's accuracy)."""
    name, y = spec.name, enc.y
    if enc.task == "regression":
        if name == "r2":
            return _R2(y, x_c, x_p)
        return _Mean(_regression_loss(name, y, x_c), _regression_loss(name, y, x_p), root=name == "rmse")
    if name in ("log_loss", "brier"):
        return _Mean(_one_hot_loss(name, y, x_c), _one_hot_loss(name, y, x_p))
    if name in ("roc_auc", "pr_auc"):
        return _Ranked(name, y, (x_c, x_p))
    if name == "balanced_accuracy":
        return _BalancedAccuracy(y, (x_c, x_p), enc.k)
    if enc.task == "binary":
        return _BinaryPRF(name, y, x_c, x_p)
    return _MacroPRF(name, y, (x_c, x_p), enc.k)


# --- DeLong and McNemar -------------------------------------------------------------------------------


def _z(confidence: float) -> float:
    return NormalDist().inv_cdf(0.5 + confidence / 2)


def midranks(x: Arr) -> Arr:
    """1-based ranks, ties given their average rank (O(n log n))."""
    order = np.argsort(x, kind="stable")
    ordered = x[order]
    bounds = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1], True])
    ranks = np.empty(len(x))
    ranks[order] = np.repeat((bounds[:-1] + bounds[1:] + 1) / 2.0, np.diff(bounds))
    return ranks


def delong(y: Arr, s_c: Arr, s_p: Arr, confidence: float) -> tuple[float, float, float]:
    """Paired DeLong: (delta, low, high) of AUC(candidate) - AUC(production), Sun & Xu's fast algorithm."""
    pos, neg = y == 1, y != 1
    m, k = int(pos.sum()), int(neg.sum())
    if m < 2 or k < 2:
        raise MetricUndefined("roc_auc's DeLong interval needs two rows of each class")
    v10, v01, auc = [], [], []
    for s in (s_c, s_p):
        tx, ty, tz = midranks(s[pos]), midranks(s[neg]), midranks(s)
        auc.append((tz[pos].sum() - m * (m + 1) / 2) / (m * k))
        v10.append((tz[pos] - tx) / k)
        v01.append(1.0 - (tz[neg] - ty) / m)
    s10, s01 = np.cov(np.stack(v10)), np.cov(np.stack(v01))
    contrast = np.array([1.0, -1.0])
    variance = float(contrast @ s10 @ contrast / m + contrast @ s01 @ contrast / k)
    delta = float(auc[0] - auc[1])
    half = _z(confidence) * math.sqrt(max(variance, 0.0))
    return delta, max(delta - half, -1.0), min(delta + half, 1.0)


def mcnemar(y: Arr, p_c: Arr, p_p: Arr, confidence: float) -> tuple[float, float, float]:
    """(delta, low, high) of accuracy(candidate) - accuracy(production) from the discordant pairs."""
    n = len(y)
    if not n:
        raise MetricUndefined("no rows")
    right_c, right_p = p_c == y, p_p == y
    b, c = float(np.sum(right_c & ~right_p)), float(np.sum(~right_c & right_p))
    b2, c2, n2 = b + 0.5, c + 0.5, n + 2.0  # Agresti-Min: a half in each of the four cells
    centre = (b2 - c2) / n2
    half = _z(confidence) * math.sqrt(max(b2 + c2 - (b2 - c2) ** 2 / n2, 0.0)) / n2
    return (b - c) / n, max(centre - half, -1.0), min(centre + half, 1.0)


# --- the comparison -----------------------------------------------------------------------------------


def paired_metric(spec: MetricSpec, evalset: EvalSet, candidate: Scored, production: Scored, *,
                  confidence: float, resamples: int, seed: int) -> PairedMetric:
    """One metric of both models on the same rows, the difference candidate - production and its interval
    (DeLong for a binary ROC AUC, McNemar for accuracy, else the paired bootstrap; a user function is
    looped once per resample). BadInput when the metric has no value on the evaluation data."""
    return paired_metrics([spec], evalset, candidate, production, confidence=confidence,
                          resamples=resamples, seed=seed)[0]


def paired_metrics(specs: Sequence[MetricSpec], evalset: EvalSet, candidate: Scored, production: Scored, *,
                   confidence: float, resamples: int, seed: int) -> list[PairedMetric]:
    """paired_metric for several metrics sharing one pass of the resamples (the same resampled rows as
    paired_metric gives each alone, in less time)."""
    results = compare(specs, evalset, candidate, production, confidence=confidence, resamples=resamples,
                      seed=seed)
    out = []
    for spec, result in zip(specs, results, strict=True):
        if isinstance(result, MetricUndefined):
            raise undefined_input(spec, result)
        out.append(result)
    return out


def compare(specs: Sequence[MetricSpec], evalset: EvalSet, candidate: Scored, production: Scored, *,
            confidence: float, resamples: int, seed: int) -> list[PairedMetric | MetricUndefined]:
    """paired_metrics, with MetricUndefined in place of a metric that has no value on these rows."""
    enc = encode(evalset)
    n = evalset.n
    results: list[PairedMetric | MetricUndefined | None] = [None] * len(specs)
    stats: list[tuple[int, _Stat]] = []
    looped: list[tuple[int, MetricSpec, AnyArray, AnyArray, AnyArray]] = []
    points: dict[int, tuple[float, float]] = {}
    for i, spec in enumerate(specs):
        x_c, x_p = inputs(spec, evalset, enc, candidate), inputs(spec, evalset, enc, production)
        y = enc.y if spec.builtin else evalset.y_true
        try:
            points[i] = (spec.fn(y, x_c), spec.fn(y, x_p))
            if spec.builtin and spec.name == "roc_auc" and enc.task == "binary":
                results[i] = _paired(spec, points[i], delong(enc.y, x_c, x_p, confidence), "delong",
                                     confidence, n)
            elif spec.builtin and spec.name == "accuracy":
                results[i] = _paired(spec, points[i], mcnemar(enc.y, x_c, x_p, confidence), "mcnemar",
                                     confidence, n)
            elif spec.builtin:
                stats.append((i, _statistic(spec, enc, x_c, x_p)))
            else:
                looped.append((i, spec, y, x_c, x_p))
        except MetricUndefined as exc:
            results[i] = exc
    if stats or looped:
        deltas = _bootstrap(n, stats, looped, resamples, seed)
        for i, d in deltas.items():
            try:
                low, high = _percentile(d, confidence)
            except MetricUndefined as exc:
                results[i] = exc
                continue
            c, p = points[i]
            results[i] = _paired(specs[i], points[i], (c - p, low, high), "bootstrap", confidence, n,
                                 left_out=_left_out(d))
    return [r if r is not None else MetricUndefined("not computed") for r in results]


def estimates(specs: Sequence[MetricSpec], evalset: EvalSet, scored: Scored, *, confidence: float,
              resamples: int, seed: int) -> list[MetricEstimate | MetricUndefined]:
    """Each metric of ONE model with the percentile interval of its value, from the bootstrap over rows
    (the same count weights and vectorised weighted sums as the paired comparison; accuracy is the mean of
    the hits, ROC AUC the weighted Mann-Whitney; a user function is looped once per resample), or
    MetricUndefined where it has no value on these rows."""
    enc = encode(evalset)
    results: list[MetricEstimate | MetricUndefined | None] = [None] * len(specs)
    stats: list[tuple[int, _Stat]] = []
    looped: list[tuple[int, MetricSpec, AnyArray, AnyArray, AnyArray]] = []
    points: dict[int, float] = {}
    for i, spec in enumerate(specs):
        x = inputs(spec, evalset, enc, scored)
        y = enc.y if spec.builtin else evalset.y_true
        try:
            points[i] = spec.fn(y, x)
        except MetricUndefined as exc:
            results[i] = exc
            continue
        if not spec.builtin:
            looped.append((i, spec, y, x, x))
        elif spec.name == "accuracy":  # the mean of the hits: no McNemar for one model
            hits = (np.asarray(x) == enc.y).astype(np.float64)
            stats.append((i, _Mean(hits, hits)))
        else:
            stats.append((i, _statistic(spec, enc, x, x)))
    if stats or looped:
        values = _bootstrap(evalset.n, stats, looped, resamples, seed, single=True)
        for i, v in values.items():
            try:
                low, high = _percentile(v, confidence)
            except MetricUndefined as exc:
                results[i] = exc
                continue
            results[i] = MetricEstimate(specs[i].name, points[i], low, high, confidence, evalset.n,
                                        left_out=_left_out(v))
    return [r if r is not None else MetricUndefined("not computed") for r in results]


def _paired(spec: MetricSpec, point: tuple[float, float], interval: tuple[float, float, float],
            method: str, confidence: float, n: int, left_out: int = 0) -> PairedMetric:
    _, low, high = interval
    return PairedMetric(spec.name, point[0], point[1], point[0] - point[1],
                        Interval(float(low), float(high), confidence, method, left_out),  # type: ignore[arg-type]
                        n)


def _left_out(resampled: Arr) -> int:
    """How many resamples have no value (empty, or the metric undefined there): left out of the interval."""
    return int(np.count_nonzero(~np.isfinite(resampled)))


def _bootstrap(n: int, stats: list[tuple[int, _Stat]],
               looped: list[tuple[int, MetricSpec, AnyArray, AnyArray, AnyArray]],
               resamples: int, seed: int, *, single: bool = False) -> dict[int, Arr]:
    """Per metric, the resampled differences candidate - production; `single`: the candidate's values
    alone (one model, given as both)."""
    deltas = {i: np.empty(resamples) for i, _ in stats} | {i: np.empty(resamples) for i, *_ in looped}
    with threadpool_limits(limits=1, user_api="blas"):
        _resample(n, stats, looped, resamples, seed, deltas, single)
    return deltas


def _resample(n: int, stats: list[tuple[int, _Stat]],
              looped: list[tuple[int, MetricSpec, Arr, Arr, Arr]], resamples: int, seed: int,
              deltas: dict[int, Arr], single: bool = False) -> None:
    design = _Design(n)
    for _, stat in stats:
        stat.bind(design)
    design.freeze()
    done = 0
    for w, counts in _chunks(n, resamples, seed):
        c = len(w)
        empty = np.flatnonzero(w.sum(axis=1) == 0)  # no row drawn: no metric has a value there
        if stats:
            dense, grouped = design.sums(w)
            for i, stat in stats:
                values = stat.values(dense, grouped, w, counts)
                deltas[i][done:done + c] = values[:, 0] if single else values[:, 0] - values[:, 1]
        for i, spec, y, x_c, x_p in looped:
            for r in range(c):  # a user's function: one call per resample (documented as looped)
                if not w[r].any():
                    continue  # an empty resample: left out below
                rows = np.repeat(np.arange(n), w[r].astype(np.int64))
                try:
                    first = spec.fn(y[rows], x_c[rows])
                    deltas[i][done + r] = first if single else first - spec.fn(y[rows], x_p[rows])
                except MetricUndefined:
                    deltas[i][done + r] = np.nan
        for d in deltas.values():
            d[done + empty] = np.nan
        done += c


def _percentile(deltas: Arr, confidence: float) -> tuple[float, float]:
    finite = deltas[np.isfinite(deltas)]
    if not len(finite):
        raise MetricUndefined("the metric is undefined on every resample")
    alpha = 1.0 - confidence
    low, high = np.quantile(finite, [alpha / 2, 1 - alpha / 2])
    return float(low), float(high)
