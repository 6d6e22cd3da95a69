"""`engine: spark`: the same data contract checked by Spark (local[2], one session: the `spark` fixture).

The parity test runs each kind of check on the same data through both engines, the chunked pandas reader
and Spark, and asserts the same verdict: the same checks, columns and failing-row counts.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml

from mlgate.config import parse_config
from mlgate.data.schema import load_schemas
from mlgate.data.validate import validate_file
from mlgate.documents import Validation, read_document
from tests.support.data_factories import IRIS_HEADER, IRIS_SCHEMA, DataProject, iris_rows

pytestmark = pytest.mark.spark

STRINGS_SCHEMA = IRIS_SCHEMA.replace(
    "      isin: [setosa, versicolor, virginica]\n",
    "      str_matches: '^[a-z]+$'\n      str_length: {min_value: 1, max_value: 9}\n")


def iris(rows: int = 30) -> pd.DataFrame:
    return pd.read_csv(io.StringIO(IRIS_HEADER + iris_rows(rows)))


def _set(frame: pd.DataFrame, column: str, rows: list[int], value: Any) -> pd.DataFrame:
    frame = frame.copy()
    if value is None and frame[column].dtype.kind == "i":
        frame[column] = frame[column].astype("float64")
    frame[column] = frame[column].astype(object) if isinstance(value, str) and frame[column].dtype.kind != "O" \
        else frame[column]
    frame.loc[rows, column] = value
    return frame


# (case, the data, the dataset's settings (schema/checks), the check kinds expected to fail)
CASES: list[tuple[str, pd.DataFrame, dict[str, Any], set[str]]] = [
    ("valid", iris(), {"schema": "iris.yaml", "checks": {"unique": ["id"], "rows": {"min": 10}}}, set()),
    ("schema min and max", _set(_set(iris(), "sepal_length", [3], -3.0), "sepal_length", [5, 6], 11.5),
     {"schema": "iris.yaml"}, {"greater_than_or_equal_to", "less_than_or_equal_to"}),
    ("schema allowed values", _set(iris(), "species", [2, 9], "dog"), {"schema": "iris.yaml"}, {"isin"}),
    ("schema nulls", _set(iris(), "sepal_length", [1, 4], None), {"schema": "iris.yaml"}, {"not_nullable"}),
    ("schema missing column", iris().drop(columns=["sepal_width"]), {"schema": "iris.yaml"},
     {"column_in_dataframe"}),
    ("schema wrong type", iris().assign(id=[f"r{i}" for i in range(30)]), {"schema": "iris.yaml"}, {"dtype"}),
    ("schema string checks", _set(_set(iris(), "species", [0], "Setosa"), "species", [1], "versicolors"),
     {"schema": "strings.yaml"}, {"str_matches", "str_length"}),
    ("columns", _set(_set(iris(), "species", [4], "dog"), "sepal_width", [7, 8], None),
     {"checks": {"columns": {"sepal_width": {"type": "float", "min": 2.5, "max": 3.5, "nullable": False},
                             "species": {"type": "str", "allowed": ["setosa", "virginica", "versicolor"]},
                             "label": {"type": "str"}}}},
     {"greater_than_or_equal_to", "less_than_or_equal_to", "not_nullable", "isin", "column_in_dataframe"}),
    ("columns type coercion", iris().assign(code=["1", "2", "x"] * 10),
     {"checks": {"columns": {"code": {"type": "int"}}}}, {"coerce_dtype", "dtype"}),
    ("max_null_fraction", _set(iris(), "sepal_width", list(range(9)), None),
     {"checks": {"max_null_fraction": {"sepal_width": 0.2, "*": 0.0}}}, {"max_null_fraction"}),
    ("class balance", _set(iris(), "species", list(range(0, 30, 3)), "versicolor"),
     {"checks": {"class_balance": {"column": "species", "min_fraction": 0.4, "max_ratio": 1.5}}},
     {"class_balance.min_fraction", "class_balance.max_ratio"}),
    ("rows", iris(12), {"checks": {"rows": {"min": 20, "max": 100}}}, {"rows"}),
    ("unique", _set(_set(iris(), "id", [5, 6, 7], 1), "sepal_width", [2], 2.1),
     {"checks": {"unique": ["id", ["species", "sepal_width"]]}}, {"unique"}),
]


def _verdict(failures: list[Any]) -> list[tuple[str, str | None, int]]:
    return sorted((f.check, f.column, f.failing_rows) for f in failures)


# CSV columns that pandas and Spark type differently (an integer column with empty cells, strings of digits):
# these cases run on Parquet only, which carries its types.
CSV_TYPED_DIFFERENTLY = {"schema nulls", "unique", "schema wrong type", "columns type coercion"}
PARAMS = [pytest.param(*case, "parquet", id=f"{case[0]}-parquet") for case in CASES] + [
    pytest.param(*case, "csv", id=f"{case[0]}-csv") for case in CASES if case[0] not in CSV_TYPED_DIFFERENTLY]


@pytest.mark.parametrize(("case", "frame", "settings", "kinds", "fmt"), PARAMS)
def test_both_engines_give_the_same_verdict(spark: Any, tmp_path: Path, case: str, frame: pd.DataFrame,
                                            settings: dict[str, Any], kinds: set[str], fmt: str) -> None:
    from mlgate.engines.spark.checks import validate_frame
    from mlgate.engines.spark.read import read_frame
    (tmp_path / "iris.yaml").write_text(IRIS_SCHEMA)
    (tmp_path / "strings.yaml").write_text(STRINGS_SCHEMA)
    path = tmp_path / f"data.{fmt}"
    if fmt == "parquet":
        frame.to_parquet(path, index=False)
    else:
        frame.to_csv(path, index=False)
    config = parse_config({"model": {"name": "m"}, "data": [{"path": path.name, **settings}]},
                          source="mlgate.yaml", root=tmp_path)
    dataset = config.data[0]
    schemas = load_schemas(config, dataset, "data[0]")

    on_pandas = validate_file(path, path.name, fmt, dataset, "data[0]", schemas)  # type: ignore[arg-type]
    on_spark = validate_frame(read_frame(spark, str(path), fmt, ","), dataset, "data[0]", path.name, schemas)

    assert on_spark.rows == on_pandas.rows == len(frame)
    assert _verdict(on_spark.failures) == _verdict(on_pandas.failures)
    assert {f.check.split("(")[0] for f in on_spark.failures} == kinds  # the case tests what it says
    for failure in on_spark.failures:
        assert failure.message, failure
        if failure.failing_rows and failure.check != "unique" and not failure.check.startswith("class_"):
            assert failure.samples, failure
            assert all("file" in s and failure.column in s for s in failure.samples)


def spark_project(root: Path, *, schema: str = IRIS_SCHEMA, **dataset: Any) -> DataProject:
    project = DataProject(root)
    project.write("schemas/iris.yaml", schema)
    entry = {"path": "data/events/", "engine": "spark", "schema": "schemas/iris.yaml", **dataset}
    project.write("mlgate.yaml", yaml.safe_dump({
        "model": {"name": "iris"},
        "spark": {"master": "local[2]", "conf": {"spark.sql.shuffle.partitions": 2}},
        "data": [entry],
    }))
    return project


def write_partitioned(project: DataProject, frame: pd.DataFrame, rel: str = "data/events") -> None:
    frame.assign(day=[f"2024-01-0{1 + i % 3}" for i in range(len(frame))]).to_parquet(
        project.root / rel, partition_cols=["day"], index=False)


def test_partitioned_parquet_directory_changed_in_a_pull_request(spark: Any, git_repo: Path) -> None:
    project = spark_project(git_repo, checks={"unique": ["id"]})
    write_partitioned(project, iris(30))
    project.commit("events")
    project.branch()
    bad = iris(6).assign(id=range(100, 106))
    bad.loc[2, "sepal_length"] = -1.0
    bad.loc[3, "id"] = 5  # repeats a row of another partition
    (project.root / "data/events/day=2024-01-09").mkdir()
    bad.to_parquet(project.root / "data/events/day=2024-01-09/part-0.parquet", index=False)
    project.commit("a new partition")

    result = project.validate("--base", "main")

    assert result.exit_code == 1, result.output
    assert "mlgate validate: Spark " in result.output
    assert ("mlgate validate: data/events read by Spark: version file-listing "
            f"{project.dataset('data/events')['version']['value'][:16]}, a digest of its files' paths, sizes and "
            "modification times (not of their content)") in result.output
    assert "INVALID   data/events  36 rows" in result.output
    document = read_document(project.out / "validation.json", Validation)
    assert document.passed is False
    entry = project.dataset("data/events")
    assert (entry["dataset"], entry["format"], entry["status"], entry["rows"]) == (
        "data/events/", "parquet", "invalid", 36)
    files = [p for p in (project.root / "data/events").rglob("*.parquet")]
    assert entry["bytes"] == sum(p.stat().st_size for p in files)
    assert entry["version"]["kind"] == "file-listing"
    by_check = {f["check"]: f for f in entry["failures"]}
    assert set(by_check) == {"greater_than_or_equal_to(0)", "unique"}
    minimum = by_check["greater_than_or_equal_to(0)"]
    assert (minimum["column"], minimum["failing_rows"]) == ("sepal_length", 1)
    assert minimum["samples"] == [{
        "sepal_length": -1.0, "id": 102, "sepal_width": 2.2, "species": "virginica", "day": "2024-01-09",
        "file": "data/events/day=2024-01-09/part-0.parquet",
    }]
    assert by_check["unique"]["failing_rows"] == 1
    assert by_check["unique"]["samples"] == [{"id": 5, "occurrences": 2}]

    project.git("checkout", "-q", "-b", "docs-only", "main")
    project.write("README.md", "no data changed\n")
    project.commit("docs")
    unchanged = project.validate("--base", "main")
    assert unchanged.exit_code == 0, unchanged.output
    assert project.dataset("data/events")["status"] == "skipped"


def test_listing_version_follows_the_files(spark: Any, git_repo: Path) -> None:
    project = spark_project(git_repo)
    write_partitioned(project, iris(30))
    assert project.validate("--all").exit_code == 0
    first = project.dataset("data/events")["version"]
    assert project.validate("--all").exit_code == 0
    assert project.dataset("data/events")["version"] == first  # nothing changed: the same version
    part = next((project.root / "data/events").rglob("*.parquet"))
    os.utime(part, ns=(part.stat().st_atime_ns, part.stat().st_mtime_ns + 5_000_000_000))
    assert project.validate("--all").exit_code == 0
    assert project.dataset("data/events")["version"]["value"] != first["value"]


def test_dvc_tracked_directory_is_versioned_by_its_dvc_md5(spark: Any, git_repo: Path) -> None:
    project = spark_project(git_repo)
    project.dvc_init()
    write_partitioned(project, iris(30))
    project.dvc("add", "-q", "data/events")
    project.commit("track events with DVC")
    recorded = yaml.safe_load((project.root / "data/events.dvc").read_text())["outs"][0]["md5"]

    result = project.validate("--all")

    assert result.exit_code == 0, result.output
    assert f"version dvc-md5 {recorded[:16]}, as DVC recorded it (not re-hashed)" in result.output
    assert project.dataset("data/events")["version"] == {
        "kind": "dvc-md5", "value": recorded,
        "dvc": {"metafile": "data/events.dvc", "out": "data/events", "in_sync": None},
    }


def test_csv_glob_and_json_lines(spark: Any, git_repo: Path) -> None:
    project = DataProject(git_repo)
    project.write("schemas/iris.yaml", IRIS_SCHEMA)
    project.write("data/a.csv", IRIS_HEADER + iris_rows(10))
    project.write("data/b.csv", IRIS_HEADER + iris_rows(5, start=10) + "15,-2.0,2.0,setosa\n")
    records = iris(4).to_dict(orient="records")
    project.write("logs/day.jsonl", "".join(json.dumps(r) + "\n" for r in records))
    project.write("mlgate.yaml", yaml.safe_dump({"model": {"name": "iris"}, "data": [
        {"path": "data/*.csv", "engine": "spark", "schema": "schemas/iris.yaml"},
        {"path": "logs/", "engine": "spark", "format": "jsonl", "schema": "schemas/iris.yaml"},
    ]}))

    result = project.validate("--all")

    assert result.exit_code == 1, result.output
    csv = project.dataset("data/*.csv")
    assert (csv["format"], csv["rows"], csv["status"]) == ("csv", 16, "invalid")
    assert [(f["check"], f["failing_rows"]) for f in csv["failures"]] == [("greater_than_or_equal_to(0)", 1)]
    assert csv["failures"][0]["samples"][0]["file"] == "data/b.csv"
    logs = project.dataset("logs")
    assert (logs["format"], logs["rows"], logs["status"]) == ("jsonl", 4, "valid")


def test_missing_path_and_malformed_data_are_bad_input(spark: Any, git_repo: Path) -> None:
    project = spark_project(git_repo, path="data/nothere/")
    result = project.validate("--all")
    assert result.exit_code == 2, result.output
    entry = project.dataset("data/nothere")
    assert entry["status"] == "error"
    assert "Spark cannot read data/nothere as parquet" in entry["error"]

    project.write("data/broken.csv", IRIS_HEADER + '1,4.0,2.0,"setosa\n2,4.0\n')
    project.write("mlgate.yaml", yaml.safe_dump({"model": {"name": "iris"}, "data": [
        {"path": "data/broken.csv", "engine": "spark", "schema": "schemas/iris.yaml"}]}))
    broken = project.validate("--all")
    assert broken.exit_code == 2, broken.output
    assert "Spark cannot read data/broken.csv as csv" in broken.output


def test_a_dataset_larger_than_the_driver_memory(spark: Any, tmp_path: Path) -> None:
    """20 million rows of 4 64-bit columns are 640 MB in memory: more than the session's 512 MB driver, which
    in local mode runs the tasks too. Validation streams them: the counts come back, not the rows."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    from mlgate.engines.spark.checks import validate_frame
    from mlgate.engines.spark.read import read_frame
    from tests.conftest import SPARK_DRIVER_MEMORY

    assert spark.sparkContext.getConf().get("spark.driver.memory") == SPARK_DRIVER_MEMORY == "512m"
    rows, chunk = 20_000_000, 2_000_000
    path = tmp_path / "big.parquet"
    schema = pa.schema([("id", pa.int64()), ("value", pa.float64()), ("label", pa.int64()),
                        ("score", pa.float64())])
    with pq.ParquetWriter(path, schema) as writer:
        for start in range(0, rows, chunk):
            ids = np.arange(start, start + chunk, dtype="int64")
            value = (ids % 1000).astype("float64")
            value[ids % 1_000_003 == 7] = -1.0  # 20 rows below the minimum
            writer.write_table(pa.table({"id": ids, "value": value, "label": ids % 3,
                                         "score": (ids % 97).astype("float64")}, schema=schema))
    assert rows * 4 * 8 > 512 * 2**20
    config = parse_config({"model": {"name": "m"}, "data": [{"path": "big.parquet", "engine": "spark", "checks": {
        "columns": {"value": {"type": "float", "min": 0}, "label": {"allowed": [0, 1, 2]}},
        "max_null_fraction": {"*": 0.0}, "class_balance": {"column": "label", "min_fraction": 0.3},
        "rows": {"min": rows}}}]}, source="mlgate.yaml", root=tmp_path)
    dataset = config.data[0]

    outcome = validate_frame(read_frame(spark, str(path), "parquet", ","), dataset, "data[0]", "big.parquet",
                             load_schemas(config, dataset, "data[0]"))

    assert outcome.rows == rows
    assert _verdict(outcome.failures) == [("greater_than_or_equal_to(0.0)", "value", 20)]
    assert len(outcome.failures[0].samples) == 10


def test_real_process_takes_the_master_from_spark_master(git_repo: Path) -> None:
    """A real `mlgate validate` process starts its own Spark (a second JVM, so only this test does): the
    SPARK_MASTER variable wins over spark.master in mlgate.yaml, and the exit code is the contract's."""
    pytest.importorskip("pandera.pyspark")
    project = spark_project(git_repo)
    write_partitioned(project, _set(iris(30), "species", [1], "dog"))
    env = {**os.environ, "SPARK_MASTER": "local[1]"}
    done = subprocess.run([sys.executable, "-m", "mlgate", "validate", "--all"], cwd=project.root, env=env,
                          capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "mlgate validate: Spark " in done.stdout and "master local[1]" in done.stdout
    assert "isin(['setosa', 'versicolor', 'virginica']) [species]: 1 row" in done.stdout


def test_a_local_session_mlgate_starts_has_a_shuffle_partition_a_thread(tmp_path: Path) -> None:
    """Spark's 200 shuffle partitions make a profile 8x slower on `local[2]`: a local session mlgate starts
    gets as many as it has threads, unless spark.conf sets them (a second JVM in its own process, as the
    `spark` fixture's session is already active here)."""
    pytest.importorskip("pandera.pyspark")
    script = tmp_path / "shuffle.py"
    script.write_text(
        "from mlgate.config import SparkSettings\n"
        "from mlgate.engines.spark.session import spark_session\n"
        "for conf in ({}, {'spark.sql.shuffle.partitions': 7}):\n"
        "    session = spark_session(SparkSettings(master='local[1]', conf=conf))\n"
        "    print('partitions', session.conf.get('spark.sql.shuffle.partitions'))\n"
        "    session.stop()\n")
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=600,
                          check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert [line for line in done.stdout.splitlines() if line.startswith("partitions")] == [
        "partitions 1", "partitions 7"]
