"""Plain values the drift check returns: one FeatureDrift per column of the reference, and the Drift."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

# ok / warn / fail: judged against the feature's thresholds; not-judged: too few rows or values, no
# comparable summary (the reason says which); ignored: `ignore: true` for the feature.
FeatureStatus = Literal["ok", "warn", "fail", "not-judged", "ignored"]
DriftStatus = Literal["ok", "warn", "fail", "not-judged"]


@dataclass(frozen=True)
class FeatureDrift:
    """The drift of one column present in both the reference and the current data.

    `psi` (population stability index) and `js` (Jensen-Shannon distance, base 2, in [0, 1]) compare the
    distributions of the non-null values: a numeric column on the reference's histogram bins (plus one bin
    below and one above its range), a categorical one on the reference's listed values plus "other".
    `unseen` is the share of the current values the reference never held: for numbers, outside the
    reference's [min, max]; for categories, values it did not list (None when it listed only its most
    frequent, so an unlisted value may have been in its tail). `null_change` = `null_current` -
    `null_reference` (shares of the rows). `reasons` say which thresholds were reached, or why the feature
    was not judged; `new_values` are the most frequent unseen categories with their counts.
    """

    name: str
    kind: Literal["numeric", "categorical"]
    status: FeatureStatus
    psi: float | None
    js: float | None
    unseen: float | None
    null_reference: float
    null_current: float
    null_change: float
    reasons: tuple[str, ...] = ()
    new_values: tuple[tuple[str, int], ...] = ()


@dataclass(frozen=True)
class Drift:
    """The current data against the reference: per feature drift, schema changes, an overall status.

    `status` is the worst status of the judged features (`not-judged` when the batch has fewer than
    `min_rows` rows, or no feature was judged). Schema changes do not set it: columns of the reference
    missing from the current data (`missing`), columns it did not have (`new`) and columns whose kind
    differs (`changed_kind`) are reported as such, for the caller to weigh (a broken feed is not drift).
    """

    status: DriftStatus
    reference_rows: int
    current_rows: int
    min_rows: int
    features: tuple[FeatureDrift, ...]
    missing: tuple[str, ...]
    new: tuple[str, ...]
    changed_kind: tuple[str, ...]
    note: str | None = None

    @property
    def schema_changed(self) -> bool:
        return bool(self.missing or self.new or self.changed_kind)

    def with_status(self, *statuses: FeatureStatus) -> tuple[FeatureDrift, ...]:
        return tuple(feature for feature in self.features if feature.status in statuses)
