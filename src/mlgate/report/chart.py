"""The primary metric over the last production versions and this candidate, as a mermaid `xychart-beta`.

GitHub renders ```mermaid blocks itself, so the chart needs no image hosting. Labels are reduced to a
small safe alphabet (they sit inside mermaid strings in a code block), values must be finite numbers.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from mlgate.report.escape import Safe
from mlgate.report.fmt import as_finite

MAX_POINTS = 30


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
        number = as_finite(entry.get("value"))
        if number is None:
            continue
        version = entry.get("version")
        found.append(Point(label(f"v{version}" if version not in (None, "") else "?", 12), number))
    found = found[-max(limit - 1, 1):]
    candidate_value = as_finite(candidate)
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


def _axis_number(value: float) -> str:
    return f"{value:.6g}"


def mermaid(metric: str, series: Sequence[Point]) -> Safe | None:
    """The chart as a fenced mermaid block, or None when there are fewer than two points."""
    if len(series) < 2:
        return None
    values = [p.value for p in series]
    low, high = min(values), max(values)
    pad = (high - low) * 0.1 or abs(high) * 0.05 or 1.0
    name = label(metric)
    lines = [
        "```mermaid",
        "xychart-beta",
        f'    title "{name}: production versions and this PR"',
        "    x-axis [" + ", ".join(f'"{p.label}"' for p in series) + "]",
        f'    y-axis "{name}" {_axis_number(low - pad)} --> {_axis_number(high + pad)}',
        "    line [" + ", ".join(_axis_number(v) for v in values) + "]",
        "```",
    ]
    return Safe("\n".join(lines))
