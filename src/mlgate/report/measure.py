"""The same-data pieces of the report a reviewer reads in five seconds: the one-line headline, each row's
numbers at one rounding, the side an inconclusive decision leans to, and the change bars.

One rounding rule: a row with an interval prints its value, change and bounds with the decimals its
sensitivity resolves (two significant digits of the interval's half-width); any other number has four
significant digits. Never an exponent. Nothing here does I/O.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from mlgate.documents import MetricResult, Verdict
from mlgate.gate.noninferiority import improvement_bounds
from mlgate.gate.values import as_number, plain
from mlgate.report.escape import Safe, md

MAX_DECIMALS = 8
BAR_WIDTH = 21  # characters of a change bar (odd: zero can sit in the middle)


def decimals(sensitivity: float | None) -> int | None:
    """The decimals a row is printed with: two significant digits of its half-width (None: no interval)."""
    if sensitivity is None or not math.isfinite(sensitivity) or sensitivity <= 0:
        return None
    return min(MAX_DECIMALS, max(0, 1 - math.floor(math.log10(sensitivity))))


def number(value: object, places: int | None) -> str:
    """A value at the row's decimals, or with four significant digits; never an exponent."""
    found = as_number(value)
    if found is None:
        return "—"
    if places is None:
        return plain(found) if not float(found).is_integer() else f"{int(found):,}"
    text = f"{found:.{places}f}"
    return "0" if float(text) == 0 else text


def signed(value: object, places: int | None) -> str:
    text = number(value, places)
    return text if text.startswith("-") or text in ("0", "—") else f"+{text}"


def change(m: MetricResult) -> str:
    """`-0.080 [-0.129, -0.031]`: the paired change and its interval, at the row's decimals."""
    if m.interval is None:
        return signed(m.delta, None) if m.delta is not None else "—"
    places = decimals(m.sensitivity)
    return (f"{signed(m.delta, places)} [{signed(m.interval.low, places)}, "
            f"{signed(m.interval.high, places)}]")


def value(m: MetricResult, raw: object) -> str:
    """The candidate's or production's value at the row's decimals; a first model's with its interval."""
    places = decimals(m.sensitivity)
    if m.value_interval is not None and raw is m.candidate:
        return (f"{number(raw, places)} [{number(m.value_interval.low, places)}, "
                f"{number(m.value_interval.high, places)}]")
    return number(raw, places)


def beyond_share(m: MetricResult) -> float | None:
    """The share of the interval of the improvement that lies beyond the tolerated regression."""
    if m.interval is None or m.direction is None or m.tolerance is None:
        return None
    low, high = improvement_bounds(m.direction, m.interval.low, m.interval.high)
    if high <= low:
        return None
    return min(1.0, max(0.0, (-m.tolerance - low) / (high - low)))


def lean(m: MetricResult) -> str:
    """Which way an inconclusive decision leans: `leans fail (70% beyond the tolerance)`."""
    share = beyond_share(m)
    if share is None:
        return ""
    side = "fail" if share > 0.5 else "pass"
    return f"leans {side} ({share * 100:.0f}% beyond)"


def why(m: MetricResult) -> list[str]:
    """The row's reasons without the one that repeats its interval (the Change column holds it), and the
    decision against the tolerance in words."""
    if m.decision is None or m.tolerance is None:  # no decision, or a verdict.json older than `tolerance`
        return list(m.reasons)
    rest = [r for r in m.reasons if not _repeats_interval(r)]
    tolerated = (f"the tolerated {plain(m.tolerance)}" if m.tolerance else "no regression (none tolerated)")
    if m.decision == "pass":
        words = f"non-inferior: rules out a regression beyond {tolerated}"
    elif m.decision == "fail":
        words = f"a regression beyond {tolerated}"
    else:
        rows = f"; about {m.rows_to_decide:,} rows would decide it" if m.rows_to_decide else ""
        words = f"neither rules out nor shows a regression beyond {tolerated}{rows}"
    return [words, *rest]


def _repeats_interval(reason: str) -> bool:
    return reason.startswith(("non-inferior:", "inconclusive:")) or ": the difference " in reason


# --- the headline ------------------------------------------------------------------------------------


def headline(verdict: Verdict, primary: str) -> str | None:
    """One line: the verdict, the metric that decided it with its change and interval, "and N more".
    None when no metric row decided it (the outcome's own summary is used)."""
    status = {"failed": "fail", "warned": "warn"}.get(verdict.status, "pass")
    rows = [("", m) for m in verdict.metrics if m.direction is not None]
    if status == "pass":
        chosen = next((r for r in rows if r[1].name == primary), rows[0] if rows else None)
        if chosen is None or chosen[1].interval is None:
            return None  # no paired change: the verdict's own summary says what passed against what
        others = 0
    else:
        whole = [("", m) for m in verdict.metrics if m.status == status]
        parts = [(f" on {s.column}={s.value}", m) for s in verdict.slices for m in s.metrics
                 if m.status == status]
        flips = verdict.flips is not None and verdict.flips.status == status
        ordered = sorted(whole, key=lambda r: (r[1].direction is None, r[1].name != primary)) + parts
        chosen = ordered[0] if ordered else None
        others = len(ordered) - (1 if chosen else 0) + int(flips)
        if chosen is None:
            return None
    word = {"fail": "failed", "warn": "passed with warnings", "pass": "passed"}[status]
    if chosen is None:
        return word
    more = f", and {others} more" if others else ""
    return f"{word}: {_decided(chosen[1], chosen[0])}{more}"


def _decided(m: MetricResult, where: str) -> str:
    name = m.name + where
    if m.direction is None:  # the row `data` or `evaluation`
        return f"{name}: {m.reasons[0]}" if m.reasons else name
    if m.interval is not None:
        tolerated = plain(m.tolerance) if m.tolerance else "0"
        n = f" on {m.interval.n:,} rows" if m.interval.n else ""
        if m.decision == "inconclusive":
            leaning = lean(m).split(" (")[0]
            return (f"{name} {change(m)} vs production{n}, inconclusive against the tolerated {tolerated}"
                    + (f" ({leaning})" if leaning else ""))
        against = "within" if m.decision == "pass" else "beyond"
        return f"{name} {change(m)} vs production{n}, {against} the tolerated {tolerated}"
    if m.status != "pass" and m.reasons:
        return f"{name} {m.reasons[0]}"
    where = " on the evaluation rows" if m.comparison == "same-data" else ""
    return f"{name} {value(m, m.candidate)}{where}"


# --- the change bars -------------------------------------------------------------------------------


def bar(m: MetricResult, width: int = BAR_WIDTH) -> str:
    """The improvement's interval (worse ← → better) against the tolerance, in one line of text:
    `░` the regressions beyond the tolerance, `┊` no change (`╋` inside the interval), `━` the interval,
    `●` the change. The scale is the interval's and the tolerance's own (symmetric around no change), so a
    difference is drawn against what decides it, never stretched to fill an axis."""
    if m.interval is None or m.direction is None or m.delta is None:
        return ""
    low, high = improvement_bounds(m.direction, m.interval.low, m.interval.high)
    point = m.delta if m.direction == "maximize" else -m.delta
    tolerance = m.tolerance or 0.0
    scale = max(abs(low), abs(high), tolerance, 1e-12) * 1.1
    def at(x: float) -> int:
        return min(width - 1, max(0, round((x / scale + 1) / 2 * (width - 1))))
    cells = ["░" if i < at(-tolerance) else "─" for i in range(width)]
    cells[at(0.0)] = "┊"
    for i in range(at(low), at(high) + 1):
        cells[i] = "╋" if i == at(0.0) else "━"
    cells[at(point)] = "●"
    return "".join(cells)


def bars(metrics: Sequence[MetricResult]) -> list[tuple[Safe, str, str]]:
    """(metric, bar, the decision's words) for each metric decided on a paired interval."""
    found: list[tuple[Safe, str, str]] = []
    for m in metrics:
        drawn = bar(m)
        if drawn:
            found.append((md(m.name, 80), drawn, m.decision or ""))
    return found
