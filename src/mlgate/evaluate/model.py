"""Plain values the evaluation works on and returns (arrays in, frozen results out)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import numpy.typing as npt

Task = Literal["binary", "multiclass", "regression"]
Method = Literal["bootstrap", "delong", "mcnemar"]
Role = Literal["candidate", "production", "baseline"]

FloatArray = npt.NDArray[np.float64]
AnyArray = npt.NDArray[np.generic]


@dataclass(frozen=True)
class EvalSet:
    """The evaluation rows: labels, row ids (strings, shown for flips), slice columns, the task.

    `y_true` holds class labels (any dtype) for classification and floats for regression. `classes` is the
    order of the columns of a multiclass score matrix (and, for binary, `(negative, positive)`).
    """

    task: Task
    y_true: AnyArray
    ids: AnyArray
    classes: tuple[object, ...] = ()
    slices: Mapping[str, AnyArray] = field(default_factory=dict)

    @property
    def n(self) -> int:
        return len(self.y_true)


@dataclass(frozen=True)
class Scored:
    """One model's predictions, row-aligned with the EvalSet.

    `prediction`: the predicted class (classification) or value (regression). `score`: binary, P(positive)
    shape (n,); multiclass, class probabilities shape (n, k) in EvalSet.classes order; None for regression
    or a classifier that wrote no scores.
    """

    role: Role
    prediction: AnyArray
    score: FloatArray | None = None


@dataclass(frozen=True)
class Interval:
    """A confidence interval of the difference candidate - production, in the metric's units."""

    low: float
    high: float
    confidence: float
    method: Method
    left_out: int = 0  # bootstrap resamples left out: empty, or the metric undefined on them


@dataclass(frozen=True)
class PairedMetric:
    """One metric of both models on the same rows: the values, the difference, and its interval."""

    name: str
    candidate: float
    production: float
    delta: float  # candidate - production (not "improvement": a minimized metric improves when it falls)
    interval: Interval
    n: int


@dataclass(frozen=True)
class MetricEstimate:
    """One metric of one model on some rows, with a bootstrap confidence interval of its value (not of a
    difference): what `mlgate monitor` measures of production on a labelled batch."""

    name: str
    value: float
    low: float
    high: float
    confidence: float
    n: int
    left_out: int = 0  # bootstrap resamples left out: empty, or the metric undefined on them


@dataclass(frozen=True)
class SliceMetrics:
    """The paired metrics on the rows where column == value; `judged` False when fewer than min rows."""

    column: str
    value: str
    n: int
    judged: bool
    metrics: tuple[PairedMetric, ...] = ()


@dataclass(frozen=True)
class Flip:
    id: str
    label: str
    production: str
    candidate: str


@dataclass(frozen=True)
class Flips:
    """Classification: rows both right, both wrong, harmful (production right → candidate wrong), helpful."""

    both_right: int
    both_wrong: int
    harmful: int
    helpful: int
    harmful_rows: tuple[Flip, ...]  # at most 10, in row order

    @property
    def n(self) -> int:
        return self.both_right + self.both_wrong + self.harmful + self.helpful

    @property
    def harmful_pct(self) -> float:
        return 100.0 * self.harmful / self.n if self.n else 0.0
