"""Dataset-level checks computed chunk by chunk equal the same checks on the whole file at once."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from mlgate.config import ClassBalance, RowBounds
from mlgate.data.checks import ClassCounts, HashStore, NullFractions, RowCount, Uniqueness, key_hashes


def chunks_of(frame: pd.DataFrame, size: int) -> Iterator[pd.DataFrame]:
    for start in range(0, len(frame), size):
        yield frame.iloc[start:start + size]


def run_unique(frame: pd.DataFrame, key: tuple[str, ...], size: int, limit: int = 1000) -> int:
    check = Uniqueness(key, limit)
    for chunk in chunks_of(frame, size):
        check.update(chunk)
    failures = check.finish(lambda columns: chunks_of(frame[columns], size))
    return failures[0].failing_rows if failures else 0


@settings(max_examples=60, deadline=None)
@given(values=st.lists(st.integers(0, 30), min_size=1, max_size=200), size=st.integers(1, 50),
       limit=st.integers(1, 100))
def test_uniqueness_over_chunks_equals_pandas(values: list[int], size: int, limit: int) -> None:
    frame = pd.DataFrame({"id": values})
    assert run_unique(frame, ("id",), size, limit) == int(frame["id"].duplicated().sum())


@settings(max_examples=40, deadline=None)
@given(pairs=st.lists(st.tuples(st.sampled_from("abc"), st.integers(0, 3)), min_size=1, max_size=100),
       size=st.integers(1, 20))
def test_compound_key_uniqueness(pairs: list[tuple[str, int]], size: int) -> None:
    frame = pd.DataFrame(pairs, columns=["a", "b"])
    assert run_unique(frame, ("a", "b"), size) == int(frame.duplicated().sum())


def test_uniqueness_samples_name_rows_across_chunks() -> None:
    frame = pd.DataFrame({"id": [1, 2, 3, 4, 5, 2, 7, 1]})
    check = Uniqueness(("id",))
    for chunk in chunks_of(frame, 3):
        check.update(chunk)
    (failure,) = check.finish(lambda columns: chunks_of(frame[columns], 3))
    assert failure.samples == [{"row": 6, "id": 2, "first_row": 2}, {"row": 8, "id": 1, "first_row": 1}]


def test_int_and_float_chunks_of_the_same_values_are_duplicates() -> None:
    ints = pd.DataFrame({"id": [1, 2]}, index=[0, 1])
    floats = pd.DataFrame({"id": [2.0, np.nan]}, index=[2, 3])  # a chunk read as float because of a null
    assert (key_hashes(ints)[0][1] == key_hashes(floats)[0][0])
    assert len(key_hashes(floats)[0]) == 1  # nulls are not keys


def test_nested_json_values_are_keys_too() -> None:
    """JSON-lines objects and arrays are not hashable by pandas: they are compared as JSON text."""
    frame = pd.DataFrame({"id": [{"a": 1, "b": 2}, [1, 2], {"b": 2, "a": 1}, [1, 2], [2, 1]]})
    assert run_unique(frame, ("id",), 2) == 2


def test_parquet_list_values_are_keys_too() -> None:
    """A Parquet list column reads as numpy arrays, which pandas cannot hash either."""
    frame = pd.DataFrame({"id": [np.array([1, 2]), np.array([1, 2]), np.array([3])]})
    assert run_unique(frame, ("id",), 2) == 1


def test_long_strings_that_share_a_prefix_are_different_values() -> None:
    """Samples cut text to 200 characters; the comparison must use the whole value."""
    first, second = "x" * 250 + "1", "x" * 250 + "2"
    frame = pd.DataFrame({"id": [first, first, second, second]})
    assert run_unique(frame, ("id",), 3) == 2


def test_repeated_hash_of_different_values_is_not_a_duplicate() -> None:
    """A 64-bit collision is simulated by feeding the store a hash twice: the exact re-check clears it."""
    frame = pd.DataFrame({"id": [10, 20, 30]})
    check = Uniqueness(("id",))
    check.update(frame)
    check.store.add(key_hashes(frame.iloc[[1]])[0])  # as if another, different value hashed the same
    assert len(check.store.repeated()) == 1
    check.store = HashStore()
    check.update(frame)
    check.store.add(key_hashes(frame.iloc[[1]])[0])
    assert check.finish(lambda columns: iter([frame[columns]])) == []


def test_hash_store_spills_to_disk_and_finds_the_same(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    hashes = rng.integers(0, 2**63, size=5000, dtype=np.int64).astype("uint64")
    hashes[4000:4010] = hashes[:10]
    spilling = HashStore(limit=700)
    memory = HashStore()
    for part in np.array_split(hashes, 13):
        spilling.add(part)
        memory.add(part)
    assert spilling.folder is not None
    assert np.array_equal(spilling.repeated(), memory.repeated())
    assert len(memory.repeated()) == 10


@settings(max_examples=40, deadline=None)
@given(labels=st.lists(st.sampled_from(["a", "b", "c", None]), min_size=1, max_size=120),
       size=st.integers(1, 40))
def test_null_fraction_and_class_counts_over_chunks(labels: list[str | None], size: int) -> None:
    frame = pd.DataFrame({"label": labels, "other": range(len(labels))})
    nulls = NullFractions({"*": 0.0})
    counts = ClassCounts(ClassBalance(column="label", min_fraction=0.3))
    nulls.start(frame.columns)
    for chunk in chunks_of(frame, size):
        nulls.update(chunk)
        counts.update(chunk)
    assert nulls.nulls["label"] == frame["label"].isna().sum()
    assert dict(counts.counts) == frame["label"].value_counts().to_dict()
    failures = nulls.finish(len(frame))
    assert bool(failures) == bool(frame["label"].isna().any())
    if failures:
        expected = [int(i) + 1 for i in frame.index[frame["label"].isna()][:10]]
        assert [s["row"] for s in failures[0].samples] == expected


def test_class_balance_messages() -> None:
    counts = ClassCounts(ClassBalance(column="y", min_fraction=0.2, max_ratio=3))
    counts.update(pd.DataFrame({"y": ["a"] * 80 + ["b"] * 15 + ["c"] * 5}))
    failures = {f.check: f for f in counts.finish()}
    assert "'c' 5.00%" in failures["class_balance.min_fraction"].message
    assert "'b' 15.00%" in failures["class_balance.min_fraction"].message
    assert failures["class_balance.min_fraction"].failing_rows == 20
    assert "ratio 16.00, limit 3" in failures["class_balance.max_ratio"].message


def test_row_bounds() -> None:
    assert RowCount(RowBounds(min=2, max=3)).finish(2) == []
    assert RowCount(RowBounds(min=2)).finish(1)[0].message == "1 row, fewer than the minimum 2"
    assert RowCount(None).finish(0) == []
