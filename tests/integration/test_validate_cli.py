"""`mlgate validate` end to end on real git repositories: changed files, outputs, exit codes."""

from __future__ import annotations

import gzip
import hashlib
import json
from pathlib import Path

import pytest

from tests.support.data_factories import IRIS_HEADER, DataProject, iris_project, iris_rows


@pytest.fixture
def project(git_repo: Path) -> DataProject:
    return iris_project(git_repo, checks={"unique": ["id"], "rows": {"min": 10}})


def test_valid_change_passes_and_records_version(project: DataProject) -> None:
    project.branch()
    content = IRIS_HEADER + iris_rows(40)
    project.write("data/train.csv", content)
    project.commit()
    result = project.validate("--base", "main")
    assert result.exit_code == 0, result.output
    assert "ok        data/train.csv  40 rows" in result.output
    report = project.validation()
    assert report["schema_version"] == 1
    assert report["passed"] is True
    assert report["base"] == "main"
    assert report["base_sha"] == project.git("rev-parse", "main")
    entry = project.dataset("data/train.csv")
    assert entry["status"] == "valid"
    assert entry["format"] == "csv"
    assert entry["rows"] == 40
    assert entry["bytes"] == len(content.encode())
    assert entry["version"] == {"kind": "sha256", "value": hashlib.sha256(content.encode()).hexdigest()}
    assert entry["failures"] == []


def test_invalid_rows_collects_every_failure_with_row_numbers(project: DataProject) -> None:
    project.branch()
    bad = IRIS_HEADER + iris_rows(12) + "12,-3.0,2.0,setosa\n13,5.0,2.0,dog\n5,5.0,2.0,virginica\n"
    project.write("data/train.csv", bad)
    result = project.validate("--base", "main")
    assert result.exit_code == 1, result.output
    entry = project.dataset("data/train.csv")
    assert entry["status"] == "invalid"
    by_check = {f["check"].split("(")[0]: f for f in entry["failures"]}
    assert set(by_check) == {"greater_than_or_equal_to", "isin", "unique"}  # lazy: all of them
    minimum = by_check["greater_than_or_equal_to"]
    assert minimum["column"] == "sepal_length"
    assert minimum["failing_rows"] == 1
    assert minimum["samples"][0]["row"] == 13
    assert minimum["samples"][0]["sepal_length"] == -3.0
    assert minimum["samples"][0]["id"] == 12
    assert by_check["isin"]["samples"][0] == {
        "row": 14, "species": "dog", "id": 13, "sepal_length": 5.0, "sepal_width": 2.0,
    }
    assert by_check["unique"]["samples"] == [{"row": 15, "id": 5, "first_row": 6}]
    assert minimum["message"] == "1 row in column sepal_length: below the minimum (e.g. row 13: -3.0)"
    assert project.validation()["passed"] is False
    assert "INVALID   data/train.csv" in result.output


def test_unchanged_dataset_is_skipped_and_all_validates_it(project: DataProject) -> None:
    project.branch()
    project.write("README.md", "docs only\n")
    project.commit()
    result = project.validate("--base", "main")
    assert result.exit_code == 0, result.output
    assert [d["status"] for d in project.validation()["datasets"]] == ["skipped"]
    assert project.validation()["datasets"][0]["path"] == "data/*.csv"

    result = project.validate("--all")
    assert result.exit_code == 0, result.output
    report = project.validation()
    assert report["mode"] == "all" and report["base"] is None
    assert [(d["path"], d["status"]) for d in report["datasets"]] == [("data/train.csv", "valid")]


def test_deleted_file_is_reported_not_validated(project: DataProject) -> None:
    project.write("data/old.csv", IRIS_HEADER + iris_rows(20))
    project.commit()
    project.branch()
    (project.root / "data" / "old.csv").unlink()
    project.commit("drop old data")
    result = project.validate("--base", "main")
    assert result.exit_code == 0, result.output
    entry = project.dataset("data/old.csv")
    assert entry["status"] == "deleted"
    assert entry["version"] is None and entry["failures"] == []


def test_uncommitted_and_untracked_files_count(project: DataProject) -> None:
    project.branch()
    project.write("data/new.csv", IRIS_HEADER + iris_rows(3))  # untracked, fewer than rows.min
    result = project.validate("--base", "main")
    assert result.exit_code == 1, result.output
    failure = project.dataset("data/new.csv")["failures"][0]
    assert failure["check"] == "rows"
    assert "3 rows, fewer than the minimum 10" in failure["message"]


def test_base_comes_from_the_pull_request_event(project: DataProject, events: Path, tmp_path: Path) -> None:
    event = json.loads((events / "pull_request.opened.payload.json").read_text())
    event["pull_request"]["base"]["sha"] = project.git("rev-parse", "main")
    event_path = tmp_path / "event.json"
    event_path.write_text(json.dumps(event))
    project.branch()
    project.write("data/train.csv", IRIS_HEADER + iris_rows(11))
    project.commit()
    result = project.validate(env={"GITHUB_EVENT_PATH": str(event_path)})
    assert result.exit_code == 0, result.output
    assert project.validation()["base"] == event["pull_request"]["base"]["sha"]
    assert project.dataset("data/train.csv")["status"] == "valid"


def test_event_base_missing_locally_is_bad_input(project: DataProject, events: Path) -> None:
    # the real payload's base sha is not in this repository: like a shallow checkout in Actions
    event = events / "pull_request.synchronize.payload.json"
    result = project.validate(env={"GITHUB_EVENT_PATH": str(event)})
    assert result.exit_code == 2
    assert "does not exist in this repository" in result.output
    assert "fetch-depth: 0" in result.output
    assert "Traceback" not in result.output


def test_annotations_in_actions_escape_untrusted_values(project: DataProject) -> None:
    project.branch()
    project.write("data/train.csv", IRIS_HEADER + iris_rows(12) + '12,5.0,2.0,"100%\n::warning::owned"\n')
    result = project.validate("--base", "main", env={"GITHUB_ACTIONS": "true"})
    assert result.exit_code == 1, result.output
    lines = [line for line in result.output.splitlines() if line.startswith("::")]
    assert lines, result.output
    assert all(line.startswith("::error file=data/train.csv,title=mlgate validate%3A ") for line in lines)
    assert not any(line.startswith("::warning") for line in result.output.splitlines())
    assert any("100%25\\n::warning::owned" in line for line in lines), lines
    sample = project.dataset("data/train.csv")["failures"][0]["samples"][0]
    assert sample["species"] == "100%\n::warning::owned"  # the JSON keeps the real value


def test_log_lines_keep_untrusted_names_on_one_line(project: DataProject) -> None:
    """A column or file name with a line break must not start a log line, where the runner reads `::` commands
    (also with leading spaces): only mlgate's own escaped annotations start with `::`."""
    project.branch()
    project.config([{"path": "data/*.csv", "checks": {"max_null_fraction": {"*": 0.0}}}])
    project.write("data/train.csv", 'id,"evil\n::warning::owned"\n1,\n2,\n')
    project.write("data/x\n::notice::name.csv", "id\n1\n")
    result = project.validate("--base", "main", env={"GITHUB_ACTIONS": "true"})
    assert result.exit_code == 1, result.output
    commands = [line.lstrip() for line in result.output.splitlines() if line.lstrip().startswith("::")]
    assert commands and all(line.startswith("::error file=data/train.csv,") for line in commands), commands
    assert "column evil\\n::warning::owned is 100.00% null" in result.output
    assert "data/x\\n::notice::name.csv" in result.output
    project.config([{"path": "data/*.csv", "checks": {"unique": ["nope"]}}])
    result = project.validate("--base", "main", env={"GITHUB_ACTIONS": "true"})
    assert result.exit_code == 2, result.output  # a missing column: the error names the file's columns
    commands = [line.lstrip() for line in result.output.splitlines() if line.lstrip().startswith("::")]
    assert all(line.startswith("::error ") for line in commands), commands


def test_outside_actions_no_annotations(project: DataProject) -> None:
    project.branch()
    project.write("data/train.csv", IRIS_HEADER + iris_rows(12) + "12,5.0,2.0,dog\n")
    result = project.validate("--base", "main")
    assert result.exit_code == 1
    assert "::error" not in result.output


@pytest.mark.parametrize("suffix", ["csv.gz", "parquet", "jsonl"])
def test_other_formats_report_rows(git_repo: Path, suffix: str) -> None:
    import pandas as pd

    project = DataProject(git_repo)
    project.write("schemas/iris.yaml", (Path(__file__).parent.parent / "support" / "data_factories.py")
                  .read_text().split('IRIS_SCHEMA = """\\\n')[1].split('"""')[0])
    project.config([{"path": f"data/*.{suffix}", "schema": "schemas/iris.yaml",
                     "checks": {"unique": ["id"]}, "chunk_rows": 4}])
    project.commit("config")
    project.branch()
    frame = pd.DataFrame({"id": range(10), "sepal_length": [5.0] * 10, "sepal_width": [2.0] * 10,
                          "species": ["setosa", "virginica"] * 5})
    frame.loc[7, "species"] = "dog"
    frame.loc[9, "id"] = 2
    path = git_repo / "data" / f"train.{suffix}"
    path.parent.mkdir(exist_ok=True)
    if suffix == "parquet":
        frame.to_parquet(path)
    elif suffix == "jsonl":
        frame.to_json(path, orient="records", lines=True)
    else:
        with gzip.open(path, "wt") as handle:
            frame.to_csv(handle, index=False)
    result = project.validate("--base", "main")
    assert result.exit_code == 1, result.output
    entry = project.dataset(f"data/train.{suffix}")
    assert entry["rows"] == 10
    assert entry["format"] == {"csv.gz": "csv"}.get(suffix, suffix)
    assert entry["bytes"] == path.stat().st_size
    by_check = {f["check"].split("(")[0]: f for f in entry["failures"]}
    assert by_check["isin"]["samples"][0]["row"] == 8
    assert by_check["unique"]["samples"] == [{"row": 10, "id": 2, "first_row": 3}]


def test_declarative_column_checks(git_repo: Path) -> None:
    project = DataProject(git_repo)
    project.config([{"path": "data/t.csv", "checks": {"columns": {
        "age": {"type": "int", "min": 0, "max": 120, "nullable": False},
        "sex": {"allowed": ["f", "m"]},
        "height": {"type": "float"},
    }}}])
    project.write("data/t.csv", "age,sex,height\n30,f,1.7\n-1,m,1.8\nabc,x,1.6\n")
    project.commit()
    result = project.validate("--all")
    assert result.exit_code == 1, result.output
    failures = {(f["check"], f["column"]): f for f in project.dataset("data/t.csv")["failures"]}
    assert failures[("coerce_dtype('int64')", "age")]["samples"][0]["row"] == 3
    assert "cannot be read as 'int64'" in failures[("coerce_dtype('int64')", "age")]["message"]
    assert failures[("isin(['f', 'm'])", "sex")]["samples"][0]["sex"] == "x"
    assert ("height", ) not in {(f["column"],) for f in failures.values()}


def test_python_schema_model(git_repo: Path) -> None:
    project = DataProject(git_repo)
    project.write("schemas/model.py", (
        "import pandera.pandas as pa\n\n"
        "class Train(pa.DataFrameModel):\n"
        "    id: int = pa.Field(unique=True)\n"
        "    score: float = pa.Field(ge=0, le=1)\n"
    ))
    project.config([{"path": "data/t.csv", "schema": "schemas/model.py:Train", "chunk_rows": 2}])
    project.write("data/t.csv", "id,score\n1,0.5\n2,0.7\n3,1.5\n1,0.1\n")
    project.commit()
    result = project.validate("--all")
    assert result.exit_code == 1, result.output
    failures = {f["check"].split("(")[0]: f for f in project.dataset("data/t.csv")["failures"]}
    assert failures["less_than_or_equal_to"]["samples"][0]["row"] == 3
    # unique=True in the schema is checked over the whole file, across chunks of 2 rows
    assert failures["unique"]["samples"] == [{"row": 4, "id": 1, "first_row": 1}]


def test_no_datasets_declared(git_repo: Path) -> None:
    project = DataProject(git_repo)
    project.config([])
    result = project.validate("--all")
    assert result.exit_code == 0
    assert project.validation()["datasets"] == []
    assert "nothing to validate" in result.output


def test_column_required_by_the_schema_is_invalid_data(project: DataProject) -> None:
    project.branch()
    project.write("data/train.csv", "id,sepal_length,species\n" + "".join(
        f"{i},5.0,setosa\n" for i in range(12)))
    result = project.validate("--base", "main")
    assert result.exit_code == 1, result.output
    (failure,) = [f for f in project.dataset("data/train.csv")["failures"] if f["check"] == "column_in_dataframe"]
    assert failure["column"] == "sepal_width"
    assert failure["message"] == "column sepal_width is missing (the schema requires it)"


def test_header_only_file_has_zero_rows(project: DataProject) -> None:
    project.branch()
    project.write("data/train.csv", IRIS_HEADER)
    result = project.validate("--base", "main")
    assert result.exit_code == 1, result.output
    entry = project.dataset("data/train.csv")
    assert entry["rows"] == 0
    assert [f["message"] for f in entry["failures"]] == ["0 rows, fewer than the minimum 10"]


def test_tsv_is_tab_delimited_by_default(git_repo: Path) -> None:
    project = DataProject(git_repo)
    project.config([{"path": "data/t.tsv", "checks": {"unique": ["id"]}}])
    project.write("data/t.tsv", "id\tname\n1\ta,b\n1\tc\n")
    project.commit()
    result = project.validate("--all")
    assert result.exit_code == 1, result.output
    assert project.dataset("data/t.tsv")["failures"][0]["samples"] == [{"row": 2, "id": 1, "first_row": 1}]


def test_json_lines_records_with_different_keys(git_repo: Path) -> None:
    project = DataProject(git_repo)
    project.config([{"path": "data/t.jsonl", "chunk_rows": 2, "checks": {
        "unique": ["id"], "max_null_fraction": {"note": 0.5},
        "class_balance": {"column": "label", "min_fraction": 0.1}}}])
    project.write("data/t.jsonl", "".join([
        '{"id": 1, "label": "a", "note": "x"}\n', '{"id": 2, "label": "b", "note": "y"}\n',
        '{"id": 3, "label": "a"}\n', '{"id": 4, "label": "b"}\n',  # a chunk without "note"
        '{"label": "a"}\n', '{"id": 1, "label": "b"}\n',  # a record without "id"; a repeated id
    ]))
    project.commit()
    result = project.validate("--all")
    assert result.exit_code == 1, result.output
    failures = {f["check"]: f for f in project.dataset("data/t.jsonl")["failures"]}
    assert failures["max_null_fraction"]["failing_rows"] == 4
    assert failures["unique"]["samples"] == [{"row": 6, "id": 1, "first_row": 1}]
    assert "class_balance.min_fraction" not in failures


def test_real_process_exit_code_and_summary(project: DataProject) -> None:
    import os
    import subprocess
    import sys

    project.write("data/train.csv", IRIS_HEADER + iris_rows(12) + "12,5.0,2.0,dog\n")
    done = subprocess.run(
        [sys.executable, "-m", "mlgate", "--config", str(project.root / "mlgate.yaml"), "validate", "--all",
         "--out", str(project.out)],
        cwd=project.root, capture_output=True, text=True, env={**os.environ, "GITHUB_ACTIONS": "true"},
    )
    assert done.returncode == 1, done.stderr
    assert "INVALID   data/train.csv  13 rows" in done.stdout
    assert "::error file=data/train.csv,title=mlgate validate%3A isin" in done.stdout
    assert project.validation()["passed"] is False
