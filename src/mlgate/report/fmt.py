"""Formatting values for the report: numbers, metric values of any type, deltas, statuses."""

from __future__ import annotations

from mlgate.gate.values import as_number, plain
from mlgate.report.escape import Safe, md

MISSING = Safe("—")
STATUS_ICON = {"pass": "✅", "warn": "⚠️", "fail": "❌"}
INCONCLUSIVE = "❔"  # a comparison the evaluation data cannot decide
STATUS_WORD = {"pass": "pass", "warn": "warn", "fail": "fail"}
VERDICT = {
    "passed": ("✅", "passed"),
    "warned": ("⚠️", "passed with warnings"),
    "failed": ("❌", "failed"),
}


def number(value: float) -> str:
    """A number with 4 significant digits, integers as integers, thousands separated."""
    if value == 0:
        return "0"
    if value.is_integer() and abs(value) < 1e15:
        return f"{int(value):,}"
    if abs(value) >= 1000:
        return f"{value:,.1f}"
    return plain(value)


def value(raw: object) -> Safe:
    """Any metric or param value, safely: numbers formatted, NaN named, text escaped, missing as a dash."""
    if raw is None or raw == "":
        return MISSING
    finite = as_number(raw)
    if finite is not None:
        return Safe(number(finite))
    if isinstance(raw, float) or (isinstance(raw, str) and raw.strip().lower() in ("nan", "inf", "-inf",
                                                                                   "infinity", "-infinity")):
        text = str(raw).strip().lower()
        names = {"nan": "NaN", "inf": "∞", "infinity": "∞", "-inf": "-∞", "-infinity": "-∞"}
        return Safe(names.get(text, "NaN"))
    return md(raw, limit=80)


def signed(delta: float) -> str:
    text = number(delta)
    return text if text.startswith("-") else f"+{text}"


def percent(pct: float) -> str:
    if pct != 0 and abs(pct) < 0.05:
        return f"{pct:+.2g}%"
    return f"{pct:+.1f}%"


def change(delta: object, delta_pct: object) -> Safe:
    """The change from production: `+0.012 (+1.4%)`."""
    d = as_number(delta)
    if d is None:
        return MISSING
    p = as_number(delta_pct)
    return Safe(signed(d) if p is None else f"{signed(d)} ({percent(p)})")


def interval(delta: object, low: object, high: object) -> Safe:
    """A paired change with its interval: `-0.004 [-0.012, +0.003]`."""
    d, lo, hi = as_number(delta), as_number(low), as_number(high)
    if d is None or lo is None or hi is None:
        return change(delta, None)
    def bound(value: float) -> str:  # a bound at zero reads "0", not "+0"
        return "0" if value == 0 else signed(value)

    return Safe(f"{bound(d)} [{bound(lo)}, {bound(hi)}]")


def estimate(raw: object, low: object, high: object) -> Safe:
    """A value with the interval of the value: `0.7949 [0.759, 0.832]`."""
    v, lo, hi = as_number(raw), as_number(low), as_number(high)
    if v is None or lo is None or hi is None:
        return value(raw)
    return Safe(f"{number(v)} [{number(lo)}, {number(hi)}]")


def status(raw: object, decision: object = None, lean: str = "") -> Safe:
    """A metric status with its icon; an inconclusive decision has its own icon, which way it leans, and
    what it counts as (`❔ inconclusive, leans fail (70% …): counts as warn`; `not counted` when it became a
    pass); an unknown status is escaped text."""
    if isinstance(raw, str) and raw in STATUS_ICON:
        if decision == "inconclusive":
            counts = "not counted" if raw == "pass" else f"counts as {STATUS_WORD[raw]}"
            leaning = f", {md(lean, 100)}" if lean else ""
            return Safe(f"{INCONCLUSIVE} inconclusive{leaning}; {counts}")
        return Safe(f"{STATUS_ICON[raw]} {STATUS_WORD[raw]}")
    return md(raw, limit=20) if raw is not None else MISSING
