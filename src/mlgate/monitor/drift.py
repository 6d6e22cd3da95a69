"""Drift of the current data from a reference profile: effect sizes per feature, judged by thresholds.

Pure: two profiles and the `monitor:` settings in, a Drift out; no I/O, no pandas.

Both measures compare shares of the non-null values in the same bins (a numeric column: the reference's
histogram bins plus one below and one above its range; a categorical one: the reference's listed values plus
"other"), r_i in the reference and c_i now:

- PSI = sum_i (c_i - r_i) * ln(c_i / r_i), with each share below 1e-4 raised to 1e-4 first (an empty bin
  would make the logarithm infinite; a bin empty on both sides adds nothing). Rule of thumb: below 0.1 stable,
  0.1-0.25 a shift, above 0.25 a large shift (the default thresholds).
- Jensen-Shannon distance = sqrt(JSD) with JSD = (KL(r || m) + KL(c || m)) / 2, m = (r + c) / 2, in base 2
  logarithms, so it lies in [0, 1]; empty bins need no epsilon (0 * log 0 = 0).

Thresholds (`monitor.default`, with what `monitor.features.<name>` sets over it) are reached when a value is
>= them; the null share change is compared by its size, up or down.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace

from mlgate.config import FeatureThresholds, MonitorSettings
from mlgate.documents import Categories, ColumnProfile, Profile
from mlgate.monitor.model import Drift, DriftStatus, FeatureDrift, FeatureStatus

EPSILON = 1e-4
NEW_VALUES = 5
_ORDER: tuple[DriftStatus, ...] = ("ok", "warn", "fail")
_RANK: dict[FeatureStatus, int] = {"ok": 0, "warn": 1, "fail": 2}


def psi(reference: Sequence[float], current: Sequence[float]) -> float:
    """Population stability index of two count (or share) vectors over the same bins."""
    r, c = _shares(reference), _shares(current)
    total = 0.0
    for a, b in zip(r, c, strict=True):
        a, b = max(a, EPSILON), max(b, EPSILON)
        total += (b - a) * math.log(b / a)
    return total


def js_distance(reference: Sequence[float], current: Sequence[float]) -> float:
    """Jensen-Shannon distance (base 2, in [0, 1]) of two count (or share) vectors over the same bins."""
    r, c = _shares(reference), _shares(current)
    divergence = 0.0
    for a, b in zip(r, c, strict=True):
        m = (a + b) / 2
        if a > 0:
            divergence += a * math.log2(a / m) / 2
        if b > 0:
            divergence += b * math.log2(b / m) / 2
    return math.sqrt(min(max(divergence, 0.0), 1.0))


def _shares(counts: Sequence[float]) -> list[float]:
    total = float(sum(counts))
    return [count / total for count in counts] if total > 0 else [0.0 for _ in counts]


def drift(reference: Profile, current: Profile, settings: MonitorSettings) -> Drift:
    """Each column of the reference against the current data, judged by its thresholds."""
    missing = tuple(name for name in reference.columns if name not in current.columns)
    new = tuple(name for name in current.columns if name not in reference.columns)
    common = [name for name in reference.columns if name in current.columns]
    changed_kind = tuple(name for name in common
                         if reference.columns[name].kind != current.columns[name].kind)
    few = current.rows < settings.min_rows
    features = tuple(
        _feature(name, reference.columns[name], current.columns[name], thresholds(settings, name),
                 settings.min_rows, few)
        for name in common)
    note = None
    if few:
        note = (f"{current.rows:,} rows, fewer than monitor.min_rows ({settings.min_rows:,}): "
                "nothing is judged")
        status: DriftStatus = "not-judged"
    else:
        worst = max((_RANK[f.status] for f in features if f.status in _RANK), default=None)
        status = "not-judged" if worst is None else _ORDER[worst]
        if worst is None:
            note = "no feature could be judged"
    return Drift(status=status, reference_rows=reference.rows, current_rows=current.rows,
                 min_rows=settings.min_rows, features=features, missing=missing, new=new,
                 changed_kind=changed_kind, note=note)


def thresholds(settings: MonitorSettings, name: str) -> FeatureThresholds:
    """A feature's thresholds: `monitor.default`, with what `monitor.features.<name>` sets over it."""
    own = settings.features.get(name)
    if own is None:
        return settings.default
    return settings.default.model_copy(update={key: getattr(own, key) for key in own.model_fields_set})


def _null_share(column: ColumnProfile) -> float:
    rows = column.values + column.nulls
    return column.nulls / rows if rows else 0.0


def _feature(name: str, ref: ColumnProfile, cur: ColumnProfile, limits: FeatureThresholds, min_rows: int,
             few_rows: bool) -> FeatureDrift:
    null_ref, null_cur = _null_share(ref), _null_share(cur)
    base = FeatureDrift(name=name, kind=ref.kind, status="not-judged", psi=None, js=None, unseen=None,
                        null_reference=null_ref, null_current=null_cur, null_change=null_cur - null_ref)
    if limits.ignore:
        return replace(base, status="ignored", reasons=("ignored",))
    if few_rows:
        return replace(base, reasons=("too few rows",))
    measured = _measure(ref, cur, min_rows)
    if isinstance(measured, str):  # the distributions cannot be compared; the null share still can
        status, reasons = _judge([("null share change", abs(null_cur - null_ref), limits.null_change_warn,
                                   limits.null_change_fail)])
        return replace(base, status=status if reasons else "not-judged", reasons=(*reasons, measured))
    bins_ref, bins_cur, unseen, new_values = measured
    value_psi, value_js = psi(bins_ref, bins_cur), js_distance(bins_ref, bins_cur)
    status, reasons = _judge([
        ("psi", value_psi, limits.psi_warn, limits.psi_fail),
        ("js", value_js, limits.js_warn, limits.js_fail),
        ("unseen share", unseen, limits.unseen_warn, limits.unseen_fail),
        ("null share change", abs(null_cur - null_ref), limits.null_change_warn, limits.null_change_fail),
    ])
    return replace(base, status=status, psi=value_psi, js=value_js, unseen=unseen, reasons=tuple(reasons),
                   new_values=new_values)


Measured = tuple[list[float], list[float], float | None, tuple[tuple[str, int], ...]]


def _measure(ref: ColumnProfile, cur: ColumnProfile, min_rows: int) -> Measured | str:
    """The two bin vectors, the unseen share and the new values; or why they cannot be compared."""
    if ref.kind != cur.kind:
        return f"its kind changed: {ref.kind} in the reference, {cur.kind} now"
    if ref.values == 0:
        return "no values in the reference"
    if cur.values == 0:
        return "no values in the current data"
    if cur.values < min_rows:
        return f"{cur.values:,} values, fewer than monitor.min_rows ({min_rows:,})"
    if ref.kind == "numeric":
        return _numeric(ref, cur)
    if ref.categories is None or cur.categories is None:
        return "no category counts in the " + ("reference" if ref.categories is None else "current data")
    return _categorical(ref.categories, cur.categories, cur.values)


def _numeric(ref: ColumnProfile, cur: ColumnProfile) -> Measured | str:
    hist_ref = ref.numeric.histogram if ref.numeric is not None else None
    hist_cur = cur.numeric.histogram if cur.numeric is not None else None
    if hist_ref is None:
        return "no finite values in the reference"
    if hist_cur is None or hist_cur.edges != hist_ref.edges:
        return "the current profile was not made on the reference's bins"
    counts = hist_cur.counts
    total = sum(counts)
    unseen = (counts[0] + counts[-1]) / total if total else None
    return [float(c) for c in hist_ref.counts], [float(c) for c in counts], unseen, ()


def _categorical(ref: Categories, cur: Categories, cur_values: int) -> Measured | str:
    if ref.distinct is None:
        return f"more than {ref.distinct_limit:,} distinct values in the reference: not compared"
    if not ref.counts:
        return "mostly distinct values in the reference (ids, names, text): not compared"
    listed = list(ref.counts)
    bins_ref = [float(ref.counts[value]) for value in listed]
    bins_cur = [float(cur.counts.get(value, 0)) for value in listed]
    outside = max(cur_values - int(sum(bins_cur)), 0)  # current values the reference did not list
    bins_ref.append(float(ref.other))
    bins_cur.append(float(outside))
    unseen = outside / cur_values if ref.other == 0 else None
    new_values = tuple((value, count) for value, count in cur.counts.items()
                       if value not in ref.counts and count > 0)[:NEW_VALUES]
    return bins_ref, bins_cur, unseen, new_values


def _judge(measures: list[tuple[str, float | None, float | None, float | None]]
           ) -> tuple[FeatureStatus, list[str]]:
    """The worst status the measures reach, and one reason per threshold reached."""
    status: FeatureStatus = "ok"
    reasons: list[str] = []
    for label, value, warn, fail in measures:
        if value is None:
            continue
        if fail is not None and value >= fail:
            reasons.append(f"{label} {value:.3g} >= {fail:g} (fail)")
            status = "fail"
        elif warn is not None and value >= warn:
            reasons.append(f"{label} {value:.3g} >= {warn:g} (warn)")
            if status == "ok":
                status = "warn"
    return status, reasons
