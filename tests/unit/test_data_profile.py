"""Profiles of data files (mlgate.data.profile): one chunked pass, the same profile whatever the format or
the chunk size, exact bin counts, approximate quantiles within their stated error, bounded size."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mlgate.config import Dataset
from mlgate.data import profile as profile_module
from mlgate.data.profile import FIRST_SHIFT, MAX_BUCKETS, Sketch, profile_files
from mlgate.documents import Profile, parse_document
from mlgate.errors import BadInput


def frame(rows: int = 3000, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    wide = rng.lognormal(0, 6, rows) * np.where(rng.random(rows) < 0.3, -1, 1)  # spans many decades, both signs
    return pd.DataFrame({
        "x": rng.normal(size=rows),
        "n": rng.integers(0, 10, rows),
        "wide": wide,
        "withnull": np.where(rng.random(rows) < 0.2, np.nan, rng.exponential(size=rows)),
        "city": rng.choice(["paris", "lima", "oslo"], rows, p=[0.5, 0.3, 0.2]),
        "id": [f"row-{i}" for i in range(rows)],  # more distinct values than the limit: none kept
        "empty": [None] * rows,
    })


def write_jsonl(df: pd.DataFrame, path: Path) -> Path:
    """JSON lines with every float's full precision (pandas' to_json keeps 10 digits)."""
    with path.open("w", encoding="utf-8") as handle:
        for record in df.to_dict(orient="records"):
            clean = {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in record.items()}
            handle.write(json.dumps(clean) + "\n")
    return path


def _close(a: object, b: object) -> bool:
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_close(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_close(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=1e-14, abs_tol=1e-300)
    return a == b


def profile(paths: list[Path | str], *, chunk_rows: int = 200_000, reference: Profile | None = None,
            bins: int = 10, top: int = 50) -> Profile:
    dataset = Dataset(path="x", chunk_rows=chunk_rows)
    return profile_files(paths, dataset=dataset, bins=bins, top_categories=top, reference=reference)


def test_csv_parquet_and_json_lines_give_the_same_profile(tmp_path: Path) -> None:
    df = frame()
    df.to_csv(tmp_path / "d.csv", index=False)
    df.to_parquet(tmp_path / "d.parquet")
    write_jsonl(df, tmp_path / "d.jsonl")
    profiles = [profile([tmp_path / name]) for name in ("d.csv", "d.parquet", "d.jsonl")]
    # pandas' CSV and JSON parsers may read a float 1 ulp off its text: the same up to that
    as_parquet = profiles[1].model_dump()["columns"]
    assert _close(profiles[0].model_dump()["columns"], as_parquet)
    assert _close(profiles[2].model_dump()["columns"], as_parquet)
    assert [p.files[0].format for p in profiles] == ["csv", "parquet", "jsonl"]
    assert profiles[0].rows == 3000


@pytest.mark.parametrize(("rows", "chunk_rows"), [(300, 1), (3000, 13), (3000, 250), (3000, 2999)])
def test_the_chunk_size_does_not_change_the_profile(tmp_path: Path, rows: int, chunk_rows: int,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(profile_module, "distinct_limit", lambda columns: 1000)  # `id` goes past it (3000)
    df = frame(rows=rows)
    late = rows * 5 // 6
    df.loc[late, "empty"] = "late"  # its first value in a late chunk: the earlier rows are its nulls
    df.to_csv(tmp_path / "d.csv", index=False)
    whole = profile([tmp_path / "d.csv"], chunk_rows=10_000)
    chunked = profile([tmp_path / "d.csv"], chunk_rows=chunk_rows)
    assert chunked == whole
    assert whole.columns["empty"].values == 1 and whole.columns["empty"].nulls == rows - 1


def test_counts_nulls_and_categories(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(profile_module, "distinct_limit", lambda columns: 1000)
    df = frame()
    df.to_csv(tmp_path / "d.csv", index=False)
    found = profile([tmp_path / "d.csv"], top=2)
    city = found.columns["city"]
    assert city.kind == "categorical" and city.categories is not None
    counts = df["city"].value_counts()
    assert city.categories.counts == {"paris": counts["paris"], "lima": counts["lima"]}
    assert city.categories.other == counts["oslo"] and city.categories.distinct == 3
    withnull = found.columns["withnull"]
    assert withnull.nulls == df["withnull"].isna().sum() and withnull.values == df["withnull"].notna().sum()
    ids = found.columns["id"].categories
    assert ids is not None and ids.counts == {} and ids.distinct is None and ids.other == 3000
    assert "row-1" not in found.model_dump_json()  # no raw rows
    assert found.columns["empty"].values == 0 and found.columns["empty"].nulls == 3000


def test_a_column_of_mostly_distinct_values_lists_none(tmp_path: Path) -> None:
    pd.DataFrame({"name": [f"person {i}" for i in range(100)] + ["again"] * 20}).to_csv(
        tmp_path / "d.csv", index=False)
    counts = profile([tmp_path / "d.csv"]).columns["name"].categories
    assert counts is not None and counts.counts == {} and counts.other == 120 and counts.distinct == 101


def test_the_bins_hold_exact_counts_of_about_equal_size(tmp_path: Path) -> None:
    df = frame(rows=5000)
    df.to_csv(tmp_path / "d.csv", index=False)
    found = profile([tmp_path / "d.csv"])
    # the values as pandas parses them: pandas 2's default float parser may round the last digit otherwise
    # than numpy wrote it, and the profile is exact about the data it read
    parsed = pd.read_csv(tmp_path / "d.csv")
    for name in ("x", "wide", "withnull"):
        numeric = found.columns[name].numeric
        assert numeric is not None and numeric.histogram is not None
        edges, counts = np.array(numeric.histogram.edges), numeric.histogram.counts
        values = parsed[name].dropna().to_numpy()
        expected, _ = np.histogram(values, bins=edges)  # numpy's bins: [a, b), the last one [a, b]
        assert counts[1:-1] == expected.tolist() and counts[0] == counts[-1] == 0
        assert len(edges) == 11 and edges[0] == values.min() and edges[-1] == values.max()
        assert max(counts) <= 1.1 * len(values) / 10  # equal frequency, up to the bucket boundaries


def test_a_zero_one_column_gets_a_bin_for_each_value(tmp_path: Path) -> None:
    pd.DataFrame({"target": [0] * 212 + [1] * 357}).to_csv(tmp_path / "d.csv", index=False)
    numeric = profile([tmp_path / "d.csv"]).columns["target"].numeric
    assert numeric is not None and numeric.histogram is not None
    assert numeric.histogram.edges == [0.0, 1.0, 1.0] and numeric.histogram.counts == [0, 212, 357, 0]
    assert numeric.quantiles["p1"] == 0.0 and numeric.quantiles["p99"] == 1.0  # not the middle of [0, 5e-312)


def test_quantiles_are_within_their_stated_error(tmp_path: Path) -> None:
    df = frame(rows=5000)
    df.to_csv(tmp_path / "d.csv", index=False)
    found = profile([tmp_path / "d.csv"])
    for name in ("x", "wide"):
        numeric = found.columns[name].numeric
        assert numeric is not None
        for key, value in numeric.quantiles.items():
            exact = np.quantile(df[name], int(key[1:]) / 100, method="inverted_cdf")
            assert abs(value - exact) <= numeric.relative_error * abs(exact) + 1e-12, (name, key)


def test_a_reference_profile_gives_its_bins_and_categories(tmp_path: Path) -> None:
    df = frame()
    df.to_csv(tmp_path / "ref.csv", index=False)
    reference = profile([tmp_path / "ref.csv"], top=2)
    assert profile([tmp_path / "ref.csv"], reference=reference, top=2).columns == reference.columns

    shifted = df.assign(x=df["x"] + 10, city="rome")
    shifted.loc[0, "x"] = -100
    shifted.loc[1, "x"] = np.inf
    shifted.to_csv(tmp_path / "cur.csv", index=False)
    current = profile([tmp_path / "cur.csv"], reference=reference, top=2)
    assert current.reference_bins
    x = current.columns["x"].numeric
    assert x is not None and x.histogram is not None
    assert x.histogram.edges == reference.columns["x"].numeric.histogram.edges  # type: ignore[union-attr]
    assert x.histogram.counts[0] == 1 and x.histogram.counts[-1] == 2999  # below and above the reference
    city = current.columns["city"].categories
    assert city is not None and city.counts == {"rome": 3000, "paris": 0, "lima": 0}


@pytest.mark.parametrize("bins", [10, 40])  # up to 32 edges counted by comparisons, more by binary search
def test_counts_on_reference_bins_are_exact(tmp_path: Path, bins: int) -> None:
    df = frame(rows=4000)
    df.to_csv(tmp_path / "ref.csv", index=False)
    reference = profile([tmp_path / "ref.csv"], bins=bins)
    current = df.assign(x=df["x"] * 2 + 0.5)
    current.loc[0, "x"] = np.inf
    current.loc[1, "x"] = -np.inf
    current.loc[2, "x"] = reference.columns["x"].numeric.histogram.edges[-1]  # type: ignore[union-attr]
    current.to_parquet(tmp_path / "cur.parquet")
    hist = profile([tmp_path / "cur.parquet"], reference=reference, bins=bins).columns["x"].numeric.histogram
    assert hist is not None
    edges, values = np.array(hist.edges), current["x"].to_numpy()
    inside, _ = np.histogram(values[np.isfinite(values)], bins=edges)
    below, above = int((values < edges[0]).sum()), int((values > edges[-1]).sum())
    assert hist.counts == [below, *inside.tolist(), above] and len(edges) == bins + 1


def test_text_in_a_numeric_column_counts_as_not_numeric(tmp_path: Path) -> None:
    pd.DataFrame({"x": [1.0, 2.0, 3.0]}).to_csv(tmp_path / "ref.csv", index=False)
    pd.DataFrame({"x": ["1", "oops", None]}).to_csv(tmp_path / "cur.csv", index=False)
    reference = profile([tmp_path / "ref.csv"])
    column = profile([tmp_path / "cur.csv"], reference=reference).columns["x"]
    assert column.kind == "numeric" and column.numeric is not None
    assert (column.values, column.nulls, column.numeric.non_numeric) == (1, 2, 1)


def test_several_files_and_globs(tmp_path: Path) -> None:
    pd.DataFrame({"a": [1, 2], "b": ["u", "v"]}).to_csv(tmp_path / "p1.csv", index=False)
    pd.DataFrame({"a": [3, 4, 5]}).to_csv(tmp_path / "p2.csv", index=False)
    found = profile([str(tmp_path / "p*.csv")])
    assert found.rows == 5 and [f.rows for f in found.files] == [2, 3]
    assert found.columns["a"].values == 5
    assert (found.columns["b"].values, found.columns["b"].nulls) == (2, 3)  # the file without it: nulls


def test_the_sketch_stays_bounded_and_does_not_depend_on_the_chunks() -> None:
    rng = np.random.default_rng(3)
    values = rng.lognormal(0, 12, 200_000) * rng.choice([-1, 1], 200_000)
    whole, parts = Sketch(), Sketch()
    whole.add(values)
    for start in range(0, len(values), 333):
        parts.add(values[start:start + 333])
    assert whole.shift > FIRST_SHIFT and len(whole.keys) <= MAX_BUCKETS
    assert whole.shift == parts.shift
    assert whole.keys.tolist() == parts.keys.tolist() and whole.counts.tolist() == parts.counts.tolist()
    lows, highs = whole.lows(), whole.highs()
    assert (lows < highs).all() and (highs[:-1] <= lows[1:]).all()  # disjoint, in order
    at = np.searchsorted(lows, values, side="right") - 1
    assert (values >= lows[at]).all() and (values < highs[at]).all()
    assert (whole.keys_of(values) == whole.keys[at]).all()  # each value in the bucket its key names


def test_bucket_bounds_are_exact_at_zero_signs_and_extremes() -> None:
    values = np.array([0.0, -0.0, 5e-324, -5e-324, 1.0, -1.0, 1.7976931348623157e308, -1.7976931348623157e308])
    sketch = Sketch()
    sketch.add(values)
    for shift in (FIRST_SHIFT, 52, 60):
        sketch.shift = shift
        sketch.keys = np.unique(sketch.keys_of(values))
        lows, highs = sketch.lows(), sketch.highs()
        at = np.searchsorted(lows, values, side="right") - 1
        assert (values >= lows[at]).all() and (values < highs[at]).all(), shift


def test_a_thousand_columns_fit_in_one_mebibyte(tmp_path: Path) -> None:
    rng = np.random.default_rng(5)
    rows = 300
    data = {f"num{i}": rng.normal(size=rows) for i in range(500)}
    labels = np.array([f"a-rather-long-category-name-{j:03d}" for j in range(60)])
    data |= {f"cat{i}": labels[rng.integers(0, 60, rows)] for i in range(500)}
    pd.DataFrame(data).to_parquet(tmp_path / "wide.parquet")
    found = profile([tmp_path / "wide.parquet"])
    text = found.model_dump_json()
    assert len(text.encode()) <= 1 << 20
    cat = found.columns["cat0"].categories
    assert cat is not None and 0 < len(cat.counts) < 50 and cat.other + sum(cat.counts.values()) == rows
    assert parse_document(json.loads(text), Profile, "profile.json") == found


def test_long_values_are_cut(tmp_path: Path) -> None:
    pd.DataFrame({"t": ["x" * 500, "x" * 600, "short"] * 2}).to_csv(tmp_path / "d.csv", index=False)
    counts = profile([tmp_path / "d.csv"]).columns["t"].categories
    assert counts is not None and counts.counts == {"x" * 199 + "…": 4, "short": 2} and counts.distinct == 3


@pytest.mark.parametrize(("name", "content", "message"), [
    ("none-*.csv", None, "matches no file"),
    ("missing.csv", None, "not found"),
    ("empty.csv", "", "is empty"),
    ("data.xlsx", "a\n1\n", "cannot tell the data format"),
])
def test_bad_input_names_the_file(tmp_path: Path, name: str, content: str | None, message: str) -> None:
    if content is not None:
        (tmp_path / name).write_text(content)
    with pytest.raises(BadInput, match=message) as caught:
        profile([str(tmp_path / name)])
    assert caught.value.exit_code == 2
