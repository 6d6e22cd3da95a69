"""CSV headers and NUL bytes: files without a header row, duplicated column names, NUL anywhere."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from tests.support.data_factories import IRIS_HEADER, IRIS_SCHEMA, DataProject, iris_rows

NUMBERS = {"x": {"type": "float", "min": 0}, "y": {"type": "float", "min": 0}}


def numeric_project(git_repo: Path, **dataset: object) -> DataProject:
    project = DataProject(git_repo)
    project.config([{"path": "data/t.csv", "checks": {"columns": NUMBERS}, **dataset}])
    return project


def test_file_without_header_reads_every_row_with_the_names_given(git_repo: Path) -> None:
    project = DataProject(git_repo)
    project.config([{"path": "data/t.csv", "header": False, "names": ["id", "score"],
                     "checks": {"columns": {"score": {"type": "float", "max": 1}}, "rows": {"min": 3}}}])
    project.write("data/t.csv", "1,1.5\n2,0.5\n3,0.7\n")  # the first row is data, and it is invalid
    project.commit()
    result = project.validate("--all")
    assert result.exit_code == 1, result.output
    entry = project.dataset("data/t.csv")
    assert entry["rows"] == 3
    (failure,) = entry["failures"]
    assert failure["column"] == "score"
    assert failure["samples"][0]["row"] == 1
    assert failure["samples"][0]["score"] == 1.5


def test_file_without_header_takes_the_names_from_the_schema(git_repo: Path) -> None:
    project = DataProject(git_repo)
    project.write("schemas/iris.yaml", IRIS_SCHEMA)
    project.config([{"path": "data/t.csv", "schema": "schemas/iris.yaml", "header": False,
                     "checks": {"unique": ["id"]}, "chunk_rows": 4}])
    project.write("data/t.csv", iris_rows(10))
    project.commit()
    result = project.validate("--all")
    assert result.exit_code == 0, result.output
    assert project.dataset("data/t.csv")["rows"] == 10


def test_names_that_do_not_match_the_fields_are_bad_input(git_repo: Path) -> None:
    project = numeric_project(git_repo, header=False, names=["x", "y"])
    project.write("data/t.csv", "1,2,3\n4,5,6\n")
    project.commit()
    result = project.validate("--all")
    assert result.exit_code == 2, result.output
    assert "data/t.csv has 3 fields in its first row, but data[0].names lists 2" in result.output


def test_all_numeric_header_warns_that_the_first_row_may_be_data(git_repo: Path) -> None:
    project = numeric_project(git_repo)
    project.write("data/t.csv", "1.5,2\n3,4\n")
    project.commit()
    result = project.validate("--all")
    assert "every column name of data/t.csv is a number (1.5, 2)" in result.output, result.output
    assert "header: false" in result.output
    assert result.output.count("warning: ") == 1


def test_all_numeric_header_is_an_annotation_in_actions(git_repo: Path, tmp_path: Path) -> None:
    project = numeric_project(git_repo)
    project.write("data/t.csv", "1.5,2\n3,4\n")
    project.commit()
    result = project.validate("--all", env={"GITHUB_ACTIONS": "true"})
    (line,) = [line for line in result.output.splitlines() if line.startswith("::warning ")]
    assert "file=data/t.csv" in line and "is a number" in line


def test_a_named_header_or_a_headerless_file_does_not_warn(git_repo: Path) -> None:
    project = DataProject(git_repo)
    project.config([{"path": "data/t.csv", "checks": {"columns": NUMBERS}},
                    {"path": "data/u.csv", "header": False, "checks": {"columns": NUMBERS}}])
    project.write("data/t.csv", "x,y\n3,4\n")
    project.write("data/u.csv", "1,2\n3,4\n")
    project.commit()
    result = project.validate("--all")
    assert result.exit_code == 0, result.output
    assert "warning" not in result.output
    assert project.dataset("data/u.csv")["rows"] == 2


@pytest.mark.parametrize("header", ["target,x,target", '"target",x,target'])
def test_duplicated_column_name_is_bad_input(git_repo: Path, header: str) -> None:
    project = DataProject(git_repo)
    project.config([{"path": "data/t.csv"}])
    project.write("data/t.csv", f"{header}\n1,2,3\n")
    project.commit()
    result = project.validate("--all")
    assert result.exit_code == 2, result.output
    assert "data/t.csv: the header names the column 'target' twice" in result.output
    assert "Traceback" not in result.output


def test_nul_past_the_first_64_kib_is_bad_input(git_repo: Path) -> None:
    project = DataProject(git_repo)
    project.config([{"path": "data/t.csv", "chunk_rows": 1000}])
    rows = iris_rows(5000)
    before = IRIS_HEADER + rows
    assert len(before) > 64 * 1024
    project.write("data/t.csv", (before + "5000,4.0,2.\x000,setosa\n" + iris_rows(10)).encode())
    project.commit()
    result = project.validate("--all")
    assert result.exit_code == 2, result.output
    offset = len(before) + len("5000,4.0,2.")
    assert f"data/t.csv holds a NUL byte at line 5002 (byte offset {offset})" in result.output, result.output
    assert "Traceback" not in result.output
    assert project.dataset("data/t.csv")["status"] == "error"


def test_nul_in_the_first_bytes_is_the_same_rule(git_repo: Path) -> None:
    project = DataProject(git_repo)
    project.config([{"path": "data/t.csv"}])
    project.write("data/t.csv", b"a,b\n1,\x002\n")
    project.commit()
    result = project.validate("--all")
    assert result.exit_code == 2, result.output
    assert "data/t.csv holds a NUL byte at line 2 (byte offset 6)" in result.output, result.output


def test_nul_deep_inside_a_gzip_csv_counts_the_uncompressed_bytes(git_repo: Path) -> None:
    project = DataProject(git_repo)
    project.config([{"path": "data/t.csv.gz"}])
    before = IRIS_HEADER + iris_rows(5000)
    path = git_repo / "data" / "t.csv.gz"
    path.parent.mkdir(exist_ok=True)
    with gzip.open(path, "wb") as handle:
        handle.write((before + "\x00\n").encode())
    project.commit()
    result = project.validate("--all")
    assert result.exit_code == 2, result.output
    assert f"data/t.csv.gz holds a NUL byte at line 5002 (byte offset {len(before)})" in result.output
