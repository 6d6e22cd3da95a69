"""The non-inferiority decision on a paired interval: pass, fail or inconclusive against the tolerance.

With the improvement d (positive = better) and the tolerated regression m: pass when the interval's lower
bound is ≥ -m; fail when its upper bound is < -m; otherwise inconclusive. Pure.
"""

from __future__ import annotations

import math
from typing import Literal

from mlgate.gate.model import Direction

Decision = Literal["pass", "fail", "inconclusive"]


def improvement_bounds(direction: Direction, low: float, high: float) -> tuple[float, float]:
    """The interval of candidate - production as an interval of the improvement (positive = better)."""
    return (low, high) if direction == "maximize" else (-high, -low)


def decide(direction: Direction, low: float, high: float, tolerance: float) -> Decision:
    """`low`/`high`: the interval of candidate - production; `tolerance`: the regression tolerated (≥ 0)."""
    lo, hi = improvement_bounds(direction, low, high)
    if lo >= -tolerance:
        return "pass"
    if hi < -tolerance:
        return "fail"
    return "inconclusive"


def rows_to_decide(n: int, direction: Direction, low: float, high: float, tolerance: float) -> int | None:
    """How many evaluation rows would make an inconclusive interval decide, assuming its centre stays and
    its width shrinks as 1/sqrt(n). None when the centre sits on the margin (no row count decides)."""
    lo, hi = improvement_bounds(direction, low, high)
    centre, half = (lo + hi) / 2, (hi - lo) / 2
    distance = abs(centre + tolerance)
    if distance == 0 or half <= 0 or n <= 0:
        return None
    return max(n + 1, math.ceil(n * (half / distance) ** 2))
