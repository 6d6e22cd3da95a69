"""Pure helpers of the data stage: globs, DVC metafiles, format detection, JSON values."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from mlgate.data.dvcmeta import DvcIndex, is_metafile, parse_metafile
from mlgate.data.formats import detect_format
from mlgate.data.result import json_value
from mlgate.data.targets import could_hold, glob_regex
from mlgate.errors import BadInput


@pytest.mark.parametrize(("pattern", "path", "matches"), [
    ("data/*.csv", "data/a.csv", True),
    ("data/*.csv", "data/sub/a.csv", False),
    ("data/**/*.csv", "data/a.csv", True),
    ("data/**/*.csv", "data/x/y/a.csv", True),
    ("data/?.csv", "data/ab.csv", False),
    ("data/[ab].csv", "data/b.csv", True),
    ("data/[!ab].csv", "data/b.csv", False),
    ("data/a.csv", "data/a.csv", True),
    ("data/a.csv", "data/a.csv.dvc", False),
    ("data/a+b.csv", "data/a+b.csv", True),
])
def test_glob_regex(pattern: str, path: str, matches: bool) -> None:
    assert bool(glob_regex(pattern).match(path)) is matches


def test_dvc_file_outs_are_relative_to_the_repo() -> None:
    (out,) = parse_metafile("data/x.csv.dvc", "outs:\n- md5: abc\n  size: 3\n  hash: md5\n  path: x.csv\n")
    assert (out.path, out.md5, out.size, out.hash_name, out.metafile) == ("data/x.csv", "abc", 3, "md5",
                                                                          "data/x.csv.dvc")


def test_dvc_lock_outs_and_legacy_hash() -> None:
    text = ("schema: '2.0'\nstages:\n  prep:\n    cmd: python p.py\n    outs:\n"
            "    - path: out/train.csv\n      md5: f00\n      size: 9\n")
    (out,) = parse_metafile("sub/dvc.lock", text)
    assert out.path == "sub/out/train.csv"
    assert out.hash_name == "md5-dos2unix"


def test_bad_metafile_is_bad_input() -> None:
    with pytest.raises(BadInput):
        parse_metafile("x.dvc", "outs: [unclosed\n")


def test_index_owner_is_innermost() -> None:
    outer = parse_metafile("data.dvc", "outs:\n- md5: a.dir\n  path: data\n")[0]
    inner = parse_metafile("data/sub/f.csv.dvc", "outs:\n- md5: b\n  path: f.csv\n")[0]
    index = DvcIndex((outer, inner))
    assert index.owner("data/sub/f.csv") == inner
    assert index.owner("data/other.csv") == outer
    assert index.owner("database.csv") is None
    assert is_metafile("a/dvc.lock") and is_metafile("x.csv.dvc") and not is_metafile("a/.dvc")


def test_could_hold() -> None:
    folder = parse_metafile("data.dvc", "outs:\n- md5: a.dir\n  path: data\n")[0]
    single = parse_metafile("x.csv.dvc", "outs:\n- md5: b\n  path: x.csv\n")[0]
    assert could_hold(folder, "data/*.csv", glob_regex("data/*.csv"))
    assert could_hold(folder, "**/*.csv", glob_regex("**/*.csv"))
    assert not could_hold(folder, "other/*.csv", glob_regex("other/*.csv"))
    assert could_hold(single, "*.csv", glob_regex("*.csv"))
    assert not could_hold(single, "data/*.csv", glob_regex("data/*.csv"))


@pytest.mark.parametrize(("name", "fmt"), [
    ("a.csv", "csv"), ("a.CSV.GZ", "csv"), ("a.tsv", "csv"), ("a.parquet", "parquet"), ("a.pq", "parquet"),
    ("a.jsonl", "jsonl"), ("a.ndjson.gz", "jsonl"),
])
def test_detect_format(name: str, fmt: str) -> None:
    assert detect_format(Path(name)) == fmt


def test_detect_format_declared_and_unknown() -> None:
    assert detect_format(Path("a.txt"), "csv") == "csv"
    with pytest.raises(BadInput):
        detect_format(Path("a.txt"))


def test_json_value() -> None:
    assert json_value(np.int64(3)) == 3 and isinstance(json_value(np.int64(3)), int)
    assert json_value(np.float64("nan")) is None
    assert json_value(math.inf) is None
    assert json_value(np.bool_(True)) is True
    assert json_value("x" * 500).endswith("…") and len(json_value("x" * 500)) == 200
    import pandas as pd

    assert json_value(pd.NA) is None
    assert json_value(pd.Timestamp("2024-01-02")) == "2024-01-02T00:00:00"
