"""The primary metric over the last production versions and this candidate, as a mermaid `xychart-beta`.

GitHub renders ```mermaid blocks itself, so the chart needs no image hosting. Labels are reduced to a
small safe alphabet (they sit inside mermaid strings in a code block), values must be finite numbers.

Numbers are printed in fixed notation, never with an exponent: mermaid's xychart lexer reads only digits,
`.` and `-`, and shows "Syntax error" for `4.9e-05`. The line is drawn in GitHub's blue (mermaid's default,
#ECECFF, is invisible on white), and a metric known to lie in [0, 1] keeps its axis inside that range.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from mlgate.gate.values import as_number
from mlgate.report.escape import Safe

MAX_POINTS = 30
MAX_DECIMALS = 15  # smaller values than 1e-15 (beside the chart's own scale) are printed as 0
LINE_COLOUR = "#0969da"  # GitHub's accent blue: visible on its light and dark themes
INIT = "%%{init: " + json.dumps({"themeVariables": {"xyChart": {"plotColorPalette": LINE_COLOUR}}}) + "}%%"
# Metrics that cannot leave a range, by a word of their name (`roc_auc`, `val_f1`, `precision@10`).
_RANGES: dict[str, tuple[float, float]] = {
    **dict.fromkeys(("auc", "accuracy", "acc", "f1", "f2", "fbeta", "precision", "recall", "sensitivity",
                     "specificity", "tpr", "tnr", "fpr", "fnr", "ap", "map", "ndcg", "jaccard", "iou", "dice",
                     "brier"), (0.0, 1.0)),
    **dict.fromkeys(("mcc", "kappa"), (-1.0, 1.0)),
}


@dataclass(frozen=True)
class Point:
    label: str
    value: float


def label(text: object, limit: int = 40) -> str:
    """Text fit for a mermaid string: letters, digits, space and `._:/-` only."""
    cleaned = re.sub(r"[^A-Za-z0-9 ._:/-]+", "_", str(text or "")).strip()
    return cleaned[:limit] or "_"


def points(history: Sequence[Mapping[str, Any]], candidate: object, limit: int = MAX_POINTS) -> list[Point]:
    """Production versions (oldest first, numeric values only) followed by the candidate."""
    found: list[Point] = []
    for entry in _oldest_first(history):
        number = as_number(entry.get("value"))
        if number is None:
            continue
        version = entry.get("version")
        found.append(Point(label(f"v{version}" if version not in (None, "") else "?", 12), number))
    found = found[-max(limit - 1, 1):]
    candidate_value = as_number(candidate)
    if candidate_value is not None:
        found.append(Point("this PR", candidate_value))
    return found


def _oldest_first(history: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """Versions in number order when they are all numbers, else as given."""
    entries = [e for e in history if isinstance(e, Mapping)]
    try:
        return sorted(entries, key=lambda e: int(str(e.get("version"))))
    except ValueError:
        return entries


def bounds(metric: str) -> tuple[float, float] | None:
    """The range a metric cannot leave, known from its name (`roc_auc` → (0, 1)), or None."""
    for word in re.split(r"[^a-z0-9]+", metric.lower()):
        if word in _RANGES:
            return _RANGES[word]
    return None


MIN_SPAN = 0.05  # of the metric's range (or of its size): a smaller change is drawn small, not as a cliff


def _axis(metric: str, values: Sequence[float]) -> tuple[float, float]:
    """The y-axis: the values with 10% room, at least MIN_SPAN of the metric's range (or 5% of its size)
    tall, so that noise of +0.0009 is not drawn as a steep climb; kept inside the metric's range when the
    values are."""
    low, high = min(values), max(values)
    known = bounds(metric)
    pad = (high - low) * 0.1 or abs(high) * 0.05 or 1.0
    bottom, top = low - pad, high + pad
    least = MIN_SPAN * ((known[1] - known[0]) if known else max(abs(low), abs(high)))
    if top - bottom < least:
        middle = (low + high) / 2
        bottom, top = middle - least / 2, middle + least / 2
    if known is not None and known[0] <= low and high <= known[1]:
        # inside the range: a minimum span shifted in (not cut), the 10% room cut at the range's ends
        shift = max(0.0, known[0] - bottom) if top - bottom <= least else 0.0
        shift -= max(0.0, top + shift - known[1]) if top - bottom <= least else 0.0
        bottom, top = max(bottom + shift, known[0]), min(top + shift, known[1])
    return bottom, top


def _decimals(bottom: float, top: float) -> int:
    """Enough decimals for 4 significant digits of the axis' span."""
    span = top - bottom
    if not span > 0 or not math.isfinite(span):
        return MAX_DECIMALS
    return min(max(4 - math.floor(math.log10(span)), 0), MAX_DECIMALS)


def number(value: float, decimals: int) -> str:
    """A number as mermaid's xychart reads it: fixed notation, trailing zeros trimmed, never `-0`."""
    text = f"{value:.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def mermaid(metric: str, series: Sequence[Point]) -> Safe | None:
    """The chart as a fenced mermaid block, or None when there are fewer than two points."""
    if len(series) < 2:
        return None
    values = [p.value for p in series]
    bottom, top = _axis(metric, values)
    decimals = _decimals(bottom, top)
    low, high = number(bottom, decimals), number(top, decimals)
    if float(low) >= float(high):  # all values equal at this precision: one step either side
        step = 10.0 ** -decimals
        low, high = number(bottom - step, decimals), number(top + step, decimals)
    name = label(metric)
    lines = [
        "```mermaid",
        INIT,
        "xychart-beta",
        f'    title "{name}: production versions and this PR"',
        "    x-axis [" + ", ".join(f'"{p.label}"' for p in series) + "]",
        f'    y-axis "{name}" {low} --> {high}',
        "    line [" + ", ".join(number(v, decimals) for v in values) + "]",
        "```",
    ]
    return Safe("\n".join(lines))
