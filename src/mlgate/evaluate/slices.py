"""The paired metrics per slice: for each slice column of the evaluation data, per value, on its rows.

Values are compared as text (`metrics.label_key`: 1, 1.0 and "1" are one value; NaN, None and pandas' NA
are "(missing)"), listed in sorted order (numbers numerically), "(missing)" last. A slice with fewer than
`min_rows` rows is listed, not judged (no metrics). A metric with no value on a slice (ROC AUC on a slice of
one class) is left out of that slice's metrics. Pure.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from mlgate.evaluate.metrics import MISSING, MetricSpec, keys_of
from mlgate.evaluate.model import AnyArray, EvalSet, PairedMetric, Scored, SliceMetrics
from mlgate.evaluate.paired import compare


def slice_metrics(specs: Sequence[MetricSpec], evalset: EvalSet, candidate: Scored, production: Scored, *,
                  min_rows: int, confidence: float, resamples: int, seed: int) -> list[SliceMetrics]:
    """Per column of `evalset.slices`, per value: its row count and, when judged, the paired metrics."""
    out: list[SliceMetrics] = []
    for column, values in evalset.slices.items():
        keys, inverse = keys_of(values)
        for index in sorted(range(len(keys)), key=lambda i: _order(keys[i])):
            mask = inverse == index
            n = int(mask.sum())
            if n < min_rows:
                out.append(SliceMetrics(column, keys[index], n, judged=False))
                continue
            results = compare(specs, _rows(evalset, mask), _scored(candidate, mask),
                              _scored(production, mask), confidence=confidence, resamples=resamples,
                              seed=seed)
            metrics = tuple(r for r in results if isinstance(r, PairedMetric))
            out.append(SliceMetrics(column, keys[index], n, judged=True, metrics=metrics))
    return out


def _order(key: str) -> tuple[int, float, str]:
    if key == MISSING:
        return (2, 0.0, key)
    try:
        return (0, float(key), key)
    except ValueError:
        return (1, 0.0, key)


def _rows(evalset: EvalSet, mask: AnyArray) -> EvalSet:
    return EvalSet(evalset.task, np.asarray(evalset.y_true)[mask], np.asarray(evalset.ids)[mask],
                   evalset.classes)


def _scored(scored: Scored, mask: AnyArray) -> Scored:
    score = None if scored.score is None else np.asarray(scored.score)[mask]
    return Scored(scored.role, np.asarray(scored.prediction)[mask], score)
