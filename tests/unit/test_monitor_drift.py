"""Drift (mlgate.monitor.drift): PSI and Jensen-Shannon distance against hand-computed values, thresholds,
min_rows, schema changes, unseen categories, nulls; and end to end on profiles of generated data."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.spatial.distance import jensenshannon

from mlgate.config import FeatureThresholds, MonitorSettings
from mlgate.data.profile import profile_files
from mlgate.documents import Categories, ColumnProfile, Histogram, NumericSummary, Profile
from mlgate.monitor.drift import EPSILON, drift, js_distance, psi

EDGES = [0.0, 1.0, 2.0]


def numeric(counts: list[int], nulls: int = 0, edges: list[float] | None = None) -> ColumnProfile:
    """A numeric column on bins [0, 1) and [1, 2]: counts are [below, bin 1, bin 2, above]."""
    values = sum(counts)
    hist = Histogram(edges=edges or EDGES, counts=counts) if values else None
    summary = NumericSummary(min=0.0 if values else None, max=2.0 if values else None, mean=None, quantiles={},
                             relative_error=0.0, non_numeric=0, histogram=hist)
    return ColumnProfile(kind="numeric", values=values, nulls=nulls, numeric=summary)


def categorical(counts: dict[str, int], other: int = 0, nulls: int = 0, distinct: int | None = -1
                ) -> ColumnProfile:
    cats = Categories(counts=counts, other=other, distinct=len(counts) + (other > 0) if distinct == -1 else distinct,
                      distinct_limit=10_000)
    return ColumnProfile(kind="categorical", values=sum(counts.values()) + other, nulls=nulls, categories=cats)


def prof(rows: int, **columns: ColumnProfile) -> Profile:
    return Profile(rows=rows, bins=2, top_categories=50, reference_bins=False, files=[], columns=columns)


SETTINGS = MonitorSettings(min_rows=100)


# --- the measures -------------------------------------------------------------------------------


def test_psi_by_hand() -> None:
    # shares 0.5/0.5 -> 0.8/0.2: 0.3 ln(1.6) + (-0.3) ln(0.4)
    assert psi([50, 50], [80, 20]) == pytest.approx(0.3 * math.log(1.6) - 0.3 * math.log(0.4))
    assert psi([50, 50], [80, 20]) == pytest.approx(0.415888, abs=1e-6)
    assert psi([1, 2, 3], [2, 4, 6]) == 0.0  # shares, not counts
    assert psi([5, 5], [5, 5]) == 0.0


def test_psi_raises_empty_bins_to_epsilon() -> None:
    # shares 1/0 -> 0.5/0.5: the empty bin counts as 1e-4
    expected = (0.5 - 1) * math.log(0.5 / 1) + (0.5 - EPSILON) * math.log(0.5 / EPSILON)
    assert psi([100, 0], [50, 50]) == pytest.approx(expected)
    assert psi([100, 0, 0], [50, 50, 0]) == pytest.approx(expected)  # empty on both sides: adds nothing


def test_jensen_shannon_distance_by_hand() -> None:
    # m = (0.65, 0.35); JSD = (KL(r||m) + KL(c||m)) / 2 in bits; distance = sqrt(JSD)
    kl_r = 0.5 * math.log2(0.5 / 0.65) + 0.5 * math.log2(0.5 / 0.35)
    kl_c = 0.8 * math.log2(0.8 / 0.65) + 0.2 * math.log2(0.2 / 0.35)
    assert js_distance([50, 50], [80, 20]) == pytest.approx(math.sqrt((kl_r + kl_c) / 2))
    assert js_distance([50, 50], [80, 20]) == pytest.approx(jensenshannon([50, 50], [80, 20], base=2))
    assert js_distance([10, 0], [0, 10]) == pytest.approx(1.0)  # disjoint: the largest distance, no epsilon
    assert js_distance([3, 1, 0], [3, 1, 0]) == 0.0


# --- judging ------------------------------------------------------------------------------------


def test_default_thresholds_fail_a_large_shift_and_pass_none() -> None:
    reference = prof(1000, x=numeric([0, 500, 500, 0]), y=numeric([0, 500, 500, 0]))
    current = prof(1000, x=numeric([0, 800, 200, 0]), y=numeric([0, 510, 490, 0]))
    found = drift(reference, current, SETTINGS)
    x, y = found.features
    assert (x.status, y.status, found.status) == ("fail", "ok", "fail")
    assert x.psi == pytest.approx(0.415888, abs=1e-6) and x.reasons == ("psi 0.416 >= 0.25 (fail)",)
    assert y.psi is not None and y.psi < 0.1 and y.reasons == ()


def test_per_feature_thresholds_and_ignore() -> None:
    reference = prof(1000, x=numeric([0, 500, 500, 0]), y=numeric([0, 500, 500, 0]), z=numeric([0, 500, 500, 0]))
    current = prof(1000, x=numeric([0, 800, 200, 0]), y=numeric([0, 800, 200, 0]), z=numeric([0, 800, 200, 0]))
    settings = MonitorSettings(min_rows=100, features={
        "x": FeatureThresholds(psi_warn=0.3, psi_fail=0.5),
        "y": FeatureThresholds(psi_warn=10, psi_fail=10, js_warn=0.2, js_fail=0.5),
        "z": FeatureThresholds(ignore=True)})
    x, y, z = drift(reference, current, settings).features
    assert (x.status, x.reasons) == ("warn", ("psi 0.416 >= 0.3 (warn)",))
    assert (y.status, y.reasons) == ("warn", ("js 0.27 >= 0.2 (warn)",))
    assert z.status == "ignored" and z.psi is None
    assert drift(reference, current, settings).status == "warn"


def test_a_feature_entry_overrides_only_what_it_sets() -> None:
    reference = prof(1000, x=numeric([0, 500, 500, 0]), y=numeric([0, 500, 500, 0]))
    current = prof(1000, x=numeric([0, 800, 200, 0]), y=numeric([0, 800, 200, 0]))
    settings = MonitorSettings.model_validate({
        "min_rows": 100, "default": {"psi_fail": 1.0, "js_fail": 0.25}, "features": {"x": {"psi_warn": 0.5}}})
    x, y = drift(reference, current, settings).features
    assert x.reasons == ("js 0.27 >= 0.25 (fail)",)  # psi 0.416 < x's own warn 0.5; js_fail from the default
    assert y.reasons == ("psi 0.416 >= 0.1 (warn)", "js 0.27 >= 0.25 (fail)")


def test_below_min_rows_nothing_is_judged() -> None:
    reference = prof(1000, x=numeric([0, 500, 500, 0]))
    current = prof(35, x=numeric([0, 35, 0, 0]))
    found = drift(reference, current, MonitorSettings())  # min_rows 500
    assert found.status == "not-judged" and found.features[0].status == "not-judged"
    assert found.note == "35 rows, fewer than monitor.min_rows (500): nothing is judged"


def test_schema_changes_are_reported_as_such() -> None:
    reference = prof(1000, x=numeric([0, 500, 500, 0]), gone=numeric([0, 500, 500, 0]),
                     kind=categorical({"a": 1000}))
    current = prof(1000, x=numeric([0, 500, 500, 0]), added=numeric([0, 1000, 0, 0]),
                   kind=numeric([0, 1000, 0, 0]))
    found = drift(reference, current, SETTINGS)
    assert (found.missing, found.new, found.changed_kind) == (("gone",), ("added",), ("kind",))
    assert found.schema_changed and found.status == "ok"
    assert [f.name for f in found.features] == ["x", "kind"]
    assert found.features[1].status == "not-judged"
    assert found.features[1].reasons == ("its kind changed: categorical in the reference, numeric now",)


def test_unseen_categories() -> None:
    reference = prof(1000, c=categorical({"a": 600, "b": 400}))
    current = prof(1000, c=categorical({"a": 300, "new": 500, "b": 200}))
    settings = MonitorSettings(min_rows=100, default=FeatureThresholds(unseen_warn=0.01, unseen_fail=0.3))
    (c,) = drift(reference, current, settings).features
    assert c.unseen == 0.5 and c.new_values == (("new", 500),) and c.status == "fail"
    # bins a, b, other: 0.6/0.4/0 -> 0.3/0.2/0.5
    assert c.psi == pytest.approx(psi([600, 400, 0], [300, 200, 500]))
    assert "unseen share 0.5 >= 0.3 (fail)" in c.reasons


def test_unseen_is_unknown_when_the_reference_listed_only_its_top_values() -> None:
    reference = prof(1000, c=categorical({"a": 600, "b": 300}, other=100))
    current = prof(1000, c=categorical({"a": 600, "b": 300, "z": 100}))
    (c,) = drift(reference, current, SETTINGS).features
    assert c.unseen is None and c.psi == pytest.approx(0.0) and c.status == "ok"


def test_high_cardinality_and_mostly_distinct_columns_are_not_compared() -> None:
    reference = prof(1000, ids=categorical({}, other=1000, distinct=None),
                     names=categorical({}, other=1000, distinct=900))
    current = prof(1000, ids=categorical({}, other=1000, distinct=None),
                   names=categorical({}, other=1000, distinct=900))
    ids, names = drift(reference, current, SETTINGS).features
    assert ids.status == names.status == "not-judged"
    assert "more than 10,000 distinct values" in ids.reasons[0] and "mostly distinct" in names.reasons[0]


def test_numbers_outside_the_reference_range_are_unseen() -> None:
    reference = prof(1000, x=numeric([0, 500, 500, 0]))
    current = prof(1000, x=numeric([100, 400, 400, 100]))
    (x,) = drift(reference, current, SETTINGS).features
    assert x.unseen == pytest.approx(0.2)
    assert x.psi == pytest.approx(2 * (0.1 - EPSILON) * math.log(0.1 / EPSILON) + 2 * (-0.1) * math.log(0.8))


def test_null_share_change() -> None:
    reference = prof(1000, x=numeric([0, 450, 450, 0], nulls=100))
    current = prof(1000, x=numeric([0, 200, 200, 0], nulls=600))
    (x,) = drift(reference, current, SETTINGS).features  # the default thresholds: 0.05 warn, 0.2 fail
    assert (x.null_reference, x.null_current, x.null_change) == (0.1, 0.6, 0.5)
    assert x.psi == pytest.approx(0.0)  # the values' distribution did not change; their share did
    assert x.status == "fail" and x.reasons == ("null share change 0.5 >= 0.2 (fail)",)
    small = prof(1000, x=numeric([0, 440, 440, 0], nulls=120))  # 2 points more nulls: noise, not drift
    (x,) = drift(reference, small, SETTINGS).features
    assert x.status == "ok"
    off = MonitorSettings(min_rows=100, default=FeatureThresholds(null_change_warn=None, null_change_fail=None))
    assert drift(reference, current, off).features[0].status == "ok"
    limits = MonitorSettings(min_rows=100, default=FeatureThresholds(null_change_warn=0.1, null_change_fail=0.4))
    (x,) = drift(reference, current, limits).features
    assert x.status == "fail" and x.reasons == ("null share change 0.5 >= 0.4 (fail)",)


def test_a_column_that_became_all_null() -> None:
    reference = prof(1000, x=numeric([0, 500, 500, 0]))
    current = prof(1000, x=numeric([0, 0, 0, 0], nulls=1000))
    (x,) = drift(reference, current, SETTINGS).features  # by default a column gone all null fails
    assert x.status == "fail" and x.null_change == 1.0
    assert x.reasons == ("null share change 1 >= 0.2 (fail)", "no values in the current data")
    limits = MonitorSettings(min_rows=100, default=FeatureThresholds(null_change_fail=0.5))
    (x,) = drift(reference, current, limits).features
    assert x.status == "fail" and x.reasons == ("null share change 1 >= 0.5 (fail)", "no values in the current data")


def test_a_document_without_the_summary_of_its_kind_is_not_compared() -> None:
    bare = ColumnProfile(kind="categorical", values=1000, nulls=0)  # valid JSON, written by another tool
    (c,) = drift(prof(1000, c=bare), prof(1000, c=categorical({"a": 1000})), SETTINGS).features
    assert c.status == "not-judged" and c.reasons == ("no category counts in the reference",)


def test_a_profile_not_made_on_the_reference_bins_is_not_compared() -> None:
    reference = prof(1000, x=numeric([0, 500, 500, 0]))
    current = prof(1000, x=numeric([0, 500, 500, 0], edges=[0.0, 1.5, 2.0]))
    (x,) = drift(reference, current, SETTINGS).features
    assert x.status == "not-judged" and x.reasons == ("the current profile was not made on the reference's bins",)


# --- end to end on profiles -----------------------------------------------------------------------


def data(rows: int, seed: int, shift: float = 0.0, new_city: float = 0.0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    city = rng.choice(["paris", "lima", "oslo"], rows)
    city[rng.random(rows) < new_city] = "rome"
    return pd.DataFrame({"x": rng.normal(shift, 1, rows), "n": rng.integers(0, 5, rows), "city": city})


@pytest.mark.parametrize(("shift", "new_city", "expected"), [
    (0.0, 0.0, {"x": "ok", "n": "ok", "city": "ok"}),
    (1.0, 0.2, {"x": "fail", "n": "ok", "city": "fail"}),
])
def test_drift_of_generated_data(tmp_path: Path, shift: float, new_city: float,
                                 expected: dict[str, str]) -> None:
    data(5000, seed=1).to_csv(tmp_path / "ref.csv", index=False)
    data(2000, seed=2, shift=shift, new_city=new_city).to_parquet(tmp_path / "cur.parquet")
    reference = profile_files([tmp_path / "ref.csv"], dataset=None, bins=10, top_categories=50)
    current = profile_files([tmp_path / "cur.parquet"], dataset=None, bins=10, top_categories=50,
                            reference=reference)
    found = drift(reference, current, MonitorSettings())
    assert {f.name: f.status for f in found.features} == expected
    if new_city:
        city = found.features[2]
        assert city.unseen == pytest.approx(new_city, abs=0.03) and city.new_values[0][0] == "rome"
