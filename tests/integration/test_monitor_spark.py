"""The profile and `mlgate monitor` on Spark (local[2], the session-wide `spark` fixture): the same
partitioned Parquet batch profiled and judged by both engines gives the same verdict, and a model trained
on an `engine: spark` dataset gets its reference profile at `mlgate train` and is monitored where its data
lies (a partition of the table)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import yaml

from mlgate.config import MonitorSettings
from mlgate.data.profile import profile_files
from mlgate.documents import Profile
from mlgate.monitor.drift import drift
from tests.conftest import MlflowStore
from tests.integration.test_monitor_live import by_name, schema_check
from tests.integration.test_monitor_live import rows as live_rows
from tests.integration.test_monitor_live import write as write_rows
from tests.support.eval_project import make_eval_project
from tests.support.train_project import git, invoke, lineage, make_project, train_args, validate

pytestmark = pytest.mark.spark

PSI_TOLERANCE = 1e-9  # docs/spark.md: the same counts on both engines, so PSI agrees to float rounding


def _frame(rows: int, seed: int, *, shift: float = 0.0, colours: tuple[str, ...] = ("red", "green", "blue"),
           day: str = "2026-12-01") -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    amount = rng.lognormal(3.0, 1.0, rows) + shift
    amount[rng.random(rows) < 0.02] = np.nan
    return pd.DataFrame({
        "amount": amount,
        "age": rng.integers(18, 90, rows),
        "score": rng.normal(0.0, 1.0, rows) + shift / 10,
        "colour": rng.choice(list(colours), rows),
        "member": rng.random(rows) < 0.4,
        "y": rng.integers(0, 2, rows),
        "day": day,
    })


def _write(folder: Path, frame: pd.DataFrame) -> Path:
    """Hive-partitioned by day, several part files per partition (as Spark writes a table)."""
    for day, part in frame.groupby("day"):
        target = folder / f"day={day}"
        target.mkdir(parents=True, exist_ok=True)
        for number, chunk in enumerate(np.array_split(part.drop(columns="day"), 3)):
            chunk.to_parquet(target / f"part-{len(list(target.iterdir())):05d}-{number}.parquet", index=False)
    return folder


def _spark_profile(spark: Any, location: str, reference: Profile | None = None) -> Profile:
    from mlgate.engines.spark.batch import Where, read_locations
    from mlgate.engines.spark.profile import Source, profile_frame

    frame = read_locations(spark, [Where(location, location)], "parquet", ",")
    return profile_frame(frame, Source(location, "parquet"), bins=10, top_categories=50, reference=reference)


def test_the_same_partitioned_batch_gets_the_same_profile_and_verdict_on_both_engines(
        spark: Any, tmp_path: Path) -> None:
    table = _write(tmp_path / "table", pd.concat([_frame(6000, 1, day="2026-12-01"),
                                                  _frame(6000, 2, day="2026-12-02")]))
    batch_day = "2026-12-06"
    _write(table, _frame(5000, 3, shift=8.0, colours=("red", "green", "purple"), day=batch_day))
    reference_files = sorted(table.glob("day=2026-12-0[12]/*.parquet"))
    batch_files = sorted(table.glob(f"day={batch_day}/*.parquet"))

    pandas_reference = profile_files(reference_files, dataset=None, bins=10, top_categories=50)
    spark_reference = _spark_profile(spark, str(table / "day=2026-12-0[12]"))
    assert spark_reference.rows == pandas_reference.rows == 12000
    for name, column in pandas_reference.columns.items():  # the same counts, edges, quantiles, categories
        assert spark_reference.columns[name] == column, name
    assert "day" in spark_reference.columns  # the partition column, read from the table's root (basePath)

    # the batch: one partition, on the reference's bins; judged by the same drift code
    pandas_current = profile_files(batch_files, dataset=None, bins=10, top_categories=50,
                                   reference=pandas_reference)
    spark_current = _spark_profile(spark, str(table / f"day={batch_day}"), reference=pandas_reference)
    settings = MonitorSettings.model_validate({"min_rows": 100, "features": {"day": {"ignore": True}}})
    on_pandas = {f.name: f for f in drift(pandas_reference, pandas_current, settings).features}
    on_spark = {f.name: f for f in drift(pandas_reference, spark_current, settings).features}
    assert set(on_pandas) <= set(on_spark)
    for name, feature in on_pandas.items():
        assert on_spark[name].status == feature.status, name
        if feature.psi is not None:
            assert on_spark[name].psi == pytest.approx(feature.psi, abs=PSI_TOLERANCE), name
    assert on_pandas["amount"].status == "fail" and on_pandas["colour"].status == "fail"  # it did drift
    assert on_pandas["age"].status == "ok"


def test_text_read_as_numbers_and_high_cardinality_match_pandas(spark: Any, tmp_path: Path) -> None:
    """A reference numeric column that arrives as text (non_numeric counted), an id column (no values
    listed), infinities and signed zeros: the same summary on both engines."""
    rng = np.random.default_rng(5)
    rows = 3000
    values = rng.normal(0, 1e4, rows)
    values[:6] = [np.inf, -np.inf, 0.0, -0.0, 5e-310, -5e-310]
    reference = pd.DataFrame({"x": values, "id": [f"r{i}" for i in range(rows)]})
    (tmp_path / "ref").mkdir()
    reference.to_parquet(tmp_path / "ref" / "part-0.parquet", index=False)
    batch = pd.DataFrame({"x": [str(v) for v in values[:2000]] + ["n/a"] * 50, "id": ["a"] * 2050})
    (tmp_path / "batch").mkdir()
    batch.to_parquet(tmp_path / "batch" / "part-0.parquet", index=False)

    pandas_reference = profile_files([tmp_path / "ref" / "part-0.parquet"], dataset=None, bins=10,
                                     top_categories=50)
    spark_reference = _spark_profile(spark, str(tmp_path / "ref"))
    assert spark_reference.columns == pandas_reference.columns
    assert pandas_reference.columns["id"].categories is not None
    assert pandas_reference.columns["id"].categories.counts == {}  # mostly distinct: none listed

    pandas_current = profile_files([tmp_path / "batch" / "part-0.parquet"], dataset=None, bins=10,
                                   top_categories=50, reference=pandas_reference)
    spark_current = _spark_profile(spark, str(tmp_path / "batch"), reference=pandas_reference)
    assert spark_current.columns["x"].numeric is not None
    assert spark_current.columns["x"].numeric.non_numeric == 50
    assert spark_current.columns == pandas_current.columns


# --- end to end: train on a Spark dataset, monitor a partition ------------------------------------------


@pytest.fixture
def spark_project(spark: Any, git_repo: Path, mlflow_store: MlflowStore) -> Path:
    config = make_project(git_repo, train={"deps": []}, commit=False)
    _write(git_repo / "data" / "events", pd.concat([_frame(3000, 1, day="2026-12-01"),
                                                   _frame(3000, 2, day="2026-12-02")]))
    settings = yaml.safe_load(config.read_text())
    settings["data"] = [{"path": "data/events", "engine": "spark",
                         "checks": {"columns": {"age": {"type": "int", "min": 0, "max": 120}}}}]
    settings["spark"] = {"master": "local[2]"}
    settings["monitor"] = {"min_rows": 100, "features": {"day": {"ignore": True}}}
    config.write_text(yaml.safe_dump(settings, sort_keys=False))
    git(git_repo, "add", "-A")
    git(git_repo, "commit", "-q", "-m", "project")
    return config


def _production(config: Path, out: Path, store: MlflowStore) -> str:
    validate(config, out)
    result = invoke(config, *train_args(out))
    assert result.exit_code == 0, result.output
    assert "profiled 6,000 rows of 1 Spark dataset(s)" in result.output
    version = str(lineage(out)["registered"]["version"])
    store.client().set_model_version_tag("churn", version, "mlgate.verdict", "passed")
    result = invoke(config, "promote", "--version", version, "--out", str(out))
    assert result.exit_code == 0, result.output
    return str(lineage(out)["run"]["run_id"])


def test_a_spark_datasets_model_gets_its_reference_at_train_and_is_monitored(
        spark_project: Path, git_repo: Path, mlflow_store: MlflowStore) -> None:
    out = git_repo / ".mlgate"
    run_id = _production(spark_project, out, mlflow_store)
    client = mlflow_store.client()
    assert "mlgate/profile.json" in [a.path for a in client.list_artifacts(run_id, "mlgate")]
    reference = json.loads((out / "profile.json").read_text())
    assert reference["rows"] == 6000 and {"amount", "colour", "day"} <= set(reference["columns"])

    # a healthy day, read where it lies: the partition filter in the path
    _write(git_repo / "data" / "events", _frame(2000, 7, day="2026-12-05"))
    result = invoke(spark_project, "monitor", "--out", str(out), "--data", "data/events/day=2026-12-05")
    assert result.exit_code == 0, result.output
    document = json.loads((out / "monitor.json").read_text())
    assert document["status"] in ("healthy", "warned") and document["rows"] == 2000
    assert document["feed"]["passed"] is True
    assert document["files"] == ["data/events/day=2026-12-05"]

    # a drifted day: exit 1, the features that moved named
    _write(git_repo / "data" / "events", _frame(2000, 8, shift=8.0, colours=("purple",), day="2026-12-06"))
    result = invoke(spark_project, "monitor", "--out", str(out), "--data", "data/events/day=2026-12-06")
    assert result.exit_code == 1, result.output
    document = json.loads((out / "monitor.json").read_text())
    failed = {f["name"] for f in document["features"] if f["status"] == "fail"}
    assert document["status"] == "drifted" and {"amount", "colour"} <= failed


def test_a_spark_batch_failing_its_entrys_checks_is_a_broken_feed(
        spark_project: Path, git_repo: Path, mlflow_store: MlflowStore) -> None:
    out = git_repo / ".mlgate"
    _production(spark_project, out, mlflow_store)
    bad = _frame(1000, 9, day="2026-12-07")
    bad.loc[:9, "age"] = 500
    _write(git_repo / "data" / "events", bad)
    result = invoke(spark_project, "monitor", "--out", str(out), "--data", "data/events/day=2026-12-07")
    assert result.exit_code == 1, result.output
    document = json.loads((out / "monitor.json").read_text())
    assert document["status"] == "invalid-data"
    failures = document["feed"]["files"][0]["failures"]
    assert any(f["column"] == "age" and f["failing_rows"] == 10 for f in failures), failures
    missing = invoke(spark_project, "monitor", "--out", str(out), "--data", "data/events/day=2030-01-01")
    assert missing.exit_code == 2, missing.output
    assert "Traceback" not in missing.output


# --- live performance on a labelled batch Spark reads: production's predictions where a job wrote them -----

LIVE_ROWS = 1200


def _live_rows(flip: int = 11, wrong: int = 1) -> pd.DataFrame:
    """test_monitor_live's batch (x: 0..9, y: x >= 5 but for `wrong` of every `flip` groups of ten rows), its
    ids zero-padded so that their text order is the files' order (the pandas path keeps the files' order, the
    Spark path sorts by id: the same rows in the same order give the same bootstrap intervals)."""
    frame = pd.DataFrame(live_rows(LIVE_ROWS, flip=flip, wrong=wrong))
    frame["sample_id"] = [f"b{i:05d}" for i in range(LIVE_ROWS)]
    return frame


def _scored(batch: pd.DataFrame, *, inverted: bool = False) -> pd.DataFrame:
    """Production's predictions as its scorer (tests/support/eval_project.py, v1) makes them: a team's own
    scoring job writing them next to the batch. `inverted`: a broken model (every score 1 - score)."""
    score = (batch["x"] / 10).clip(0, 1)
    if inverted:
        score = 1 - score
    return pd.DataFrame({"sample_id": batch["sample_id"], "prediction": (score >= 0.5).astype(int),
                         "score": score.round(6)})


def _lake(folder: Path, frame: pd.DataFrame, day: str = "2026-12-06") -> str:
    """One partition, three part files in order (as a Spark job writes them); its path from the repo."""
    target = folder / f"day={day}"
    target.mkdir(parents=True, exist_ok=True)
    for number, chunk in enumerate(np.array_split(frame, 3)):
        chunk.to_parquet(target / f"part-{number:05d}.parquet", index=False)
    return target.as_posix()


@pytest.fixture
def live_project(spark: Any, git_repo: Path, mlflow_store: MlflowStore) -> Path:
    """test_monitor_live's project (production in the registry, its metrics on the evaluation rows the
    reference), read by Spark: spark.master local[2], the day partition column ignored."""
    config = make_eval_project(git_repo)
    write_rows(git_repo / "data" / "train.csv", live_rows(LIVE_ROWS, row_id=False))
    write_rows(git_repo / "data" / "holdout.csv", live_rows(LIVE_ROWS))
    settings = yaml.safe_load(config.read_text())
    settings["metrics"] = {"accuracy": {"direction": "maximize", "max_regression": 0.05},
                           "roc_auc": {"direction": "maximize", "max_regression_pct": 5},
                           "log_loss": {"direction": "minimize", "max_regression": 0.5, "severity": "warn"}}
    settings["spark"] = {"master": "local[2]"}
    settings["monitor"] = {"min_rows": 100, "features": {"day": {"ignore": True}}}
    config.write_text(yaml.safe_dump(settings, sort_keys=False))
    git(git_repo, "commit", "-qam", "training data like production's, metrics, Spark")
    out = git_repo / ".mlgate"
    result = invoke(config, *train_args(out))
    assert result.exit_code == 0, result.output
    mlflow_store.client().set_registered_model_alias("churn", "production",
                                                     lineage(out)["registered"]["version"])
    return config


def _monitor(config: Path, out: Path, *args: str) -> tuple[Any, dict[str, Any]]:
    (out / "monitor.json").unlink(missing_ok=True)
    result = invoke(config, "monitor", "--out", str(out), "--no-post", *args)
    document = json.loads((out / "monitor.json").read_text()) if (out / "monitor.json").is_file() else {}
    return result, document


# the same rows in the same order on both engines: the same values and the same bootstrap intervals, up to
# float rounding (docs/spark.md)
LIVE_TOLERANCE = 1e-9


def test_a_labelled_partitioned_batch_gets_the_same_live_verdict_on_both_engines(
        live_project: Path, git_repo: Path) -> None:
    out = git_repo / ".mlgate"
    batch = _live_rows()
    events = _lake(git_repo / "lake" / "events", batch)
    predictions = _lake(git_repo / "lake" / "predictions", _scored(batch))

    on_pandas, pandas_doc = _monitor(live_project, out, "--engine", "pandas", "--data", f"{events}/*.parquet")
    assert on_pandas.exit_code == 0, on_pandas.output
    assert "scoring v1:" in on_pandas.output  # production scored by its own command on the runner
    on_spark, spark_doc = _monitor(live_project, out, "--engine", "spark", "--data", events,
                                   "--predictions", predictions)
    assert on_spark.exit_code == 0, on_spark.output
    assert "scoring v1:" not in on_spark.output.split("live performance: reading")[1]  # read, not scored
    assert spark_doc["status"] == pandas_doc["status"] == "healthy"
    live = spark_doc["live"]
    assert (live["scored"], live["rows"], live["unlabelled"], live["sampled_from"]) == (True, LIVE_ROWS, 0, None)
    assert {k: v for k, v in live.items() if k != "metrics"} == \
        {k: v for k, v in pandas_doc["live"].items() if k != "metrics"}
    spark_metrics, pandas_metrics = by_name(spark_doc), by_name(pandas_doc)
    assert set(spark_metrics) == set(pandas_metrics) == {"accuracy", "roc_auc", "log_loss"}
    for name, metric in pandas_metrics.items():
        other = spark_metrics[name]
        assert (other["decision"], other["status"], other["reference"]) == \
            (metric["decision"], metric["status"], metric["reference"]), name
        for field in ("current", "low", "high", "recorded", "recorded_low", "recorded_high"):
            assert other[field] == pytest.approx(metric[field], abs=LIVE_TOLERANCE), (name, field)
    assert spark_metrics["accuracy"]["decision"] == "ok"
    assert spark_metrics["accuracy"]["current"] == pytest.approx(109 / 120)
    assert "production's metrics held on 1,200 labelled rows" in spark_doc["summary"]
    assert "Live performance" in (out / "monitor.md").read_text()
    schema_check(spark_doc)


def test_production_inverted_on_a_spark_batch_fell(live_project: Path, git_repo: Path) -> None:
    out = git_repo / ".mlgate"
    batch = _live_rows()
    batch.loc[batch.index[-100:], "y"] = None  # labels arrive late: these rows are left out, counted
    events = _lake(git_repo / "lake" / "events", batch)
    predictions = _lake(git_repo / "lake" / "predictions", _scored(batch, inverted=True))
    result, document = _monitor(live_project, out, "--data", events, "--predictions", predictions)
    assert result.exit_code == 1, result.output
    assert document["status"] == "degraded" and document["passed"] is False
    assert (document["live"]["rows"], document["live"]["unlabelled"]) == (LIVE_ROWS - 100, 100)
    accuracy = by_name(document)["accuracy"]
    assert accuracy["decision"] == "fell" and accuracy["status"] == "fail" and accuracy["high"] < 0.2
    assert accuracy["reason"].startswith("accuracy fell from 0.908 [")
    assert "accuracy fell from 0.908" in document["summary"] and "accuracy fell from 0.908" in result.output
    assert (out / "monitor.md").read_text().splitlines()[1] == "## ❌ mlgate monitor · churn: performance fell"
    schema_check(document)


def test_above_max_rows_a_seeded_spark_sample_is_judged(
        live_project: Path, git_repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """MAX_ROWS lowered (a bound of the driver's memory, not a real part) so that 1,200 rows are sampled."""
    import mlgate.commands.live as live

    monkeypatch.setattr(live, "MAX_ROWS", 500)
    out = git_repo / ".mlgate"
    batch = _live_rows()
    events = _lake(git_repo / "lake" / "events", batch)
    predictions = _lake(git_repo / "lake" / "predictions", _scored(batch))
    result, document = _monitor(live_project, out, "--data", events, "--predictions", predictions)
    assert result.exit_code == 0, result.output
    live = document["live"]
    assert live["sampled_from"] == LIVE_ROWS and 300 < live["rows"] <= 500
    assert "(a sample of 1,200)" in result.output
    sample = pd.read_csv(out / "live" / "batch.csv")
    assert len(sample) == live["rows"] and sample["sample_id"].is_unique
    again, second = _monitor(live_project, out, "--data", events, "--predictions", predictions)
    assert again.exit_code == 0
    assert by_name(second) == by_name(document)  # seeded (evaluate.seed): the same sample, the same verdict


def test_live_on_spark_bad_input_is_exit_2_with_the_fix(live_project: Path, git_repo: Path) -> None:
    out = git_repo / ".mlgate"
    batch = _live_rows()
    events = _lake(git_repo / "lake" / "events", batch)
    scored = _scored(batch)
    predictions = _lake(git_repo / "lake" / "predictions", scored)

    def refused(*args: str) -> str:
        result, document = _monitor(live_project, out, *args)
        assert result.exit_code == 2, result.output
        assert "Traceback" not in result.output and document == {}  # nothing half-written
        return " ".join(result.output.split())

    # no --predictions: drift judged, a note says how to measure live performance
    result, document = _monitor(live_project, out, "--data", events)
    assert result.exit_code == 0, result.output
    assert document.get("live") is None
    assert any("pass where its predictions for the batch lie with --predictions" in n for n in document["notes"])
    # predictions that lack rows of the batch
    short = _lake(git_repo / "lake" / "short", scored.iloc[:-7])
    message = refused("--data", events, "--predictions", short)
    assert "lacks the predictions of 7 of the batch's 1,200 labelled rows (ids 'b011" in message
    # one id predicted twice
    twice = _lake(git_repo / "lake" / "twice", pd.concat([scored, scored.iloc[:1]]))
    assert "the predictions repeat ids in 'sample_id' ('b00000')" in refused("--data", events, "--predictions",
                                                                              twice)
    # no prediction column
    assert "has no column 'prediction'" in refused(
        "--data", events, "--predictions", _lake(git_repo / "lake" / "raw", scored.drop(columns="prediction")))
    # a batch without the id column
    no_id = _lake(git_repo / "lake" / "no-id", batch.drop(columns="sample_id"))
    assert "has no column 'sample_id' (evaluate.id: it joins the predictions to the labels)" in refused(
        "--data", no_id, "--predictions", predictions)
    # a location that is not there
    assert "Spark cannot read lake/nowhere" in refused("--data", events, "--predictions", "lake/nowhere")
    # --predictions with the pandas engine
    assert "--predictions is for a batch Spark reads" in refused(
        "--engine", "pandas", "--data", f"{events}/*.parquet", "--predictions", predictions)
    # no evaluate.id to join by
    settings = yaml.safe_load(live_project.read_text())
    del settings["evaluate"]["id"]
    live_project.write_text(yaml.safe_dump(settings, sort_keys=False))
    message = refused("--data", events, "--predictions", predictions)
    assert "--predictions needs evaluate.id in mlgate.yaml" in message and "set evaluate.id" in message


def test_predictions_in_csv_join_a_parquet_batch_by_id_as_text(spark: Any, tmp_path: Path) -> None:
    """Ids typed differently on the two sides (a float 7.0 in the batch, an integer 7 in a CSV the scoring
    job wrote) join as the pandas reader aligns them; a multiclass job's score_<class> columns are kept and
    other columns dropped; rows without a label are counted, not joined."""
    from mlgate.engines.spark.live import join_predictions

    batch = pd.DataFrame({"rid": [float(i) for i in range(1, 11)], "x": range(10),
                          "y": ["a", "b", "c", "a", "b", None, "c", "a", None, "b"]})
    (tmp_path / "batch").mkdir()
    batch.to_parquet(tmp_path / "batch" / "part-0.parquet", index=False)
    scores = pd.DataFrame({"rid": range(1, 13), "prediction": list("abcabcabcabc"), "score_a": 0.5,
                           "score_b": 0.25, "score_c": 0.25, "model_version": "7"})
    (tmp_path / "scored").mkdir()
    scores.to_csv(tmp_path / "scored" / "part-0.csv", index=False)
    joined = join_predictions(spark, tmp_path, ["batch"], None, ["scored"], label="y", id_column="rid",
                              max_rows=100, seed=0)
    assert (joined.labelled, joined.unlabelled, joined.sampled) == (8, 2, False)
    assert list(joined.rows.columns) == ["rid", "y", "prediction", "score_a", "score_b", "score_c"]
    assert joined.rows["rid"].tolist() == ["1", "10", "2", "3", "4", "5", "7", "8"]  # text order
    assert joined.rows.set_index("rid").loc["10", "prediction"] == "a"
