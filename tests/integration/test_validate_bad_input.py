"""Every bad input the issue lists: exit 2, a clear message (what, why, how to fix), never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import Result

from tests.support.data_factories import IRIS_HEADER, DataProject, iris_project, iris_rows


@pytest.fixture
def project(git_repo: Path) -> DataProject:
    project = iris_project(git_repo, checks={"class_balance": {"column": "species", "min_fraction": 0.1}})
    project.branch()
    return project


def bad_input(result: Result, *fragments: str) -> None:
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert "error: " in result.output
    assert "why: " in result.output and "fix: " in result.output
    for fragment in fragments:
        assert fragment in result.output, result.output


def test_unparseable_csv(project: DataProject) -> None:
    project.write("data/train.csv", IRIS_HEADER + iris_rows(3) + "3,4.0,2.0,setosa,extra,fields\n")
    result = project.validate("--base", "main")
    bad_input(result, "data/train.csv is not valid CSV", "Expected 4 fields in line 5, saw 6")
    entry = project.dataset("data/train.csv")  # written before exiting: the report can still show it
    assert entry["status"] == "error"
    assert "not valid CSV" in entry["error"]


def test_unclosed_quote(project: DataProject) -> None:
    project.write("data/train.csv", IRIS_HEADER + '1,4.0,2.0,"setosa\n' + iris_rows(3))
    bad_input(project.validate("--base", "main"), "data/train.csv is not valid CSV")


def test_wrong_delimiter(project: DataProject) -> None:
    project.write("data/train.csv", (IRIS_HEADER + iris_rows(3)).replace(",", ";"))
    bad_input(project.validate("--base", "main"), "wrong delimiter", "set `delimiter: ';'`")


def test_empty_file(project: DataProject) -> None:
    project.write("data/train.csv", "")
    bad_input(project.validate("--base", "main"), "data/train.csv is empty")


def test_binary_file(project: DataProject) -> None:
    project.write("data/train.csv", bytes(range(256)) * 4)
    bad_input(project.validate("--base", "main"),
              "data/train.csv holds a NUL byte at line 1 (byte offset 0): it is a binary file", "NUL bytes")


def test_parquet_with_csv_name_says_parquet(project: DataProject) -> None:
    import pandas as pd

    pd.DataFrame({"a": [1]}).to_parquet(project.root / "data" / "train.csv")
    bad_input(project.validate("--base", "main"), "data/train.csv is a Parquet file, not CSV text",
              "format: parquet")


@pytest.mark.parametrize(("encoding", "named"), [
    ("utf-16", "UTF-16"), ("utf-16-le", "UTF-16"), ("utf-16-be", "UTF-16"), ("utf-32", "UTF-32"),
    ("utf-32-le", "UTF-32")])
def test_utf16_or_32_text_is_named_not_called_binary(project: DataProject, encoding: str, named: str) -> None:
    project.write("data/train.csv", (IRIS_HEADER + iris_rows(5)).encode(encoding))
    result = project.validate("--base", "main")
    bad_input(result, f"data/train.csv is {named} encoded, not UTF-8", "re-save it as UTF-8", "iconv")
    assert "binary" not in result.output


def test_gzip_content_under_a_csv_name_says_compressed(project: DataProject) -> None:
    import gzip

    project.write("data/train.csv", gzip.compress((IRIS_HEADER + iris_rows(5)).encode()))
    result = project.validate("--base", "main")
    bad_input(result, "data/train.csv is gzip-compressed, but its name does not end in .gz",
              "rename it to data/train.csv.gz")
    assert "binary" not in result.output


def test_zip_archive_under_a_csv_name_says_zip(project: DataProject) -> None:
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("train.csv", IRIS_HEADER + iris_rows(5))
    project.write("data/train.csv", buffer.getvalue())
    bad_input(project.validate("--base", "main"), "data/train.csv is a zip archive, not CSV text", "unzip")


@pytest.mark.slow
def test_a_gzip_bomb_says_so_not_quotes(project: DataProject) -> None:
    """A 1 MB .csv.gz whose one line decompresses to 2 GiB. The process gets a 1.5 GiB address space
    (resource.setrlimit), as a runner with little memory would have, so pandas runs out of memory on it."""
    import gzip
    import os
    import resource
    import subprocess
    import sys

    member = gzip.compress(b"a" * 2**24, 9)  # gzip members concatenate: 16 MiB each
    with (project.root / "data" / "train.csv.gz").open("wb") as handle:
        handle.write(gzip.compress(IRIS_HEADER.encode()))
        for _ in range(128):
            handle.write(member)
    project.config([{"path": "data/*.csv.gz", "schema": "schemas/iris.yaml"}])

    def limit_memory() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (1536 * 2**20, 1536 * 2**20))

    done = subprocess.run([sys.executable, "-m", "mlgate", "--config", str(project.root / "mlgate.yaml"),
                           "validate", "--out", str(project.out), "--base", "main"],
                          cwd=project.root, capture_output=True, text=True, timeout=300, env=dict(os.environ),
                          preexec_fn=limit_memory)
    output = done.stdout + done.stderr
    assert done.returncode == 2, output
    assert "data/train.csv.gz is too large to read: it ran out of memory" in output
    assert "gzip bomb" in output and "quotes" not in output and "Traceback" not in output


def test_missing_column_named_in_checks(project: DataProject) -> None:
    project.write("data/train.csv", "id,sepal_length,sepal_width,kind\n1,4.0,2.0,setosa\n")
    bad_input(project.validate("--base", "main"),
              "missing column 'species' (named in data[0].checks.class_balance.column)")


def test_schema_file_missing(project: DataProject) -> None:
    project.config([{"path": "data/*.csv", "schema": "schemas/nope.yaml"}])
    project.write("data/train.csv", IRIS_HEADER + iris_rows(5))
    bad_input(project.validate("--base", "main"), "schema file schemas/nope.yaml not found (data[0].schema)")


@pytest.mark.parametrize(("content", "words"), [
    ("columns: [not, a, mapping\n", ("schema schemas/iris.yaml is not valid YAML", "line 2, column 1")),
    ("schema_type: dataframe\ncolumns:\n  a:\n    dtype: no_such_type\n",
     ("schema schemas/iris.yaml is not a valid pandera schema",)),
    ("columns:\n  a: {dtype: int64}\n  a: {dtype: str}\n",
     ("schema schemas/iris.yaml has the key 'a' twice in one mapping", "line 2 and line 3")),
    ("columns:\n  a: " + "[" * 5000 + "]" * 5000 + "\n", ("schema schemas/iris.yaml nests deeper than 100 levels",)),
])
def test_schema_invalid(project: DataProject, content: str, words: tuple[str, ...]) -> None:
    project.write("schemas/iris.yaml", content)
    project.write("data/train.csv", IRIS_HEADER + iris_rows(5))
    bad_input(project.validate("--base", "main"), *words)


@pytest.mark.parametrize("content", ["hello: 1\n", "schema_type: dataframe\ncolums:\n  a: {dtype: int64}\n"])
def test_schema_that_defines_nothing(project: DataProject, content: str) -> None:
    """YAML that pandera reads as an empty schema (no pandera keys, a misspelt `columns:`) would pass any
    data: it is refused rather than silently checking nothing."""
    project.write("schemas/iris.yaml", content)
    project.write("data/train.csv", IRIS_HEADER + iris_rows(5))
    bad_input(project.validate("--base", "main"), "schema schemas/iris.yaml defines no columns, checks or index")


@pytest.mark.parametrize(("content", "row", "words"), [
    ("columns:\n  sepal_length:\n    dtype: float64\n    greater_than_or_equl_to: 0\n", "1,-4.0,2.0,setosa\n",
     ("schema schemas/iris.yaml: column 'sepal_length' has the key 'greater_than_or_equl_to', which pandera "
      "does not know", "a misspelt check would check nothing")),
    ("columns:\n  sepal_length:\n    dtype: float64\n    checks:\n    - value: 0\n      options: "
     "{check_name: greater_than_or_equal_to}\n    less_than: 5\n", "1,9.0,2.0,setosa\n",
     ("schema schemas/iris.yaml: column 'sepal_length' has both a `checks:` list and the check 'less_than'",)),
])
def test_a_check_pandera_would_skip_is_refused(project: DataProject, content: str, row: str,
                                               words: tuple[str, ...]) -> None:
    """pandera skips in silence a column key it does not know, and a flat check beside a `checks:` list. Each
    row breaks only the check pandera would skip: without the refusal, validation passes it (exit 0)."""
    project.write("schemas/iris.yaml", content)
    project.write("data/train.csv", IRIS_HEADER + row)
    bad_input(project.validate("--base", "main"), *words)


def test_bad_input_leaves_no_older_validation_json(project: DataProject) -> None:
    """A later stage (report, train's data pin) must not read a previous run's result as this one's."""
    project.write("data/train.csv", IRIS_HEADER + iris_rows(5))
    assert project.validate("--base", "main").exit_code == 0
    assert (project.out / "validation.json").is_file()
    project.config([{"path": "data/*.csv", "schema": "schemas/nope.yaml"}])
    bad_input(project.validate("--base", "main"), "schema file schemas/nope.yaml not found")
    assert not (project.out / "validation.json").exists()


def test_python_schema_name_missing(project: DataProject) -> None:
    project.write("schemas/s.py", "import pandera.pandas as pa\nOther = pa.DataFrameSchema({})\n")
    project.config([{"path": "data/*.csv", "schema": "schemas/s.py:Train"}])
    project.write("data/train.csv", IRIS_HEADER + iris_rows(5))
    bad_input(project.validate("--base", "main"), "schema schemas/s.py has no 'Train'", "Other")


def test_glob_matching_nothing(project: DataProject) -> None:
    project.config([{"path": "data/*.parquet"}])
    bad_input(project.validate("--base", "main"), "data[0].path 'data/*.parquet' matches no file")
    bad_input(project.validate("--all"), "matches no file")


def test_git_lfs_pointer(project: DataProject) -> None:
    project.write("data/train.csv", (
        "version https://git-lfs.github.com/spec/v1\n"
        "oid sha256:4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393\nsize 12345\n"
    ))
    bad_input(project.validate("--base", "main"), "data/train.csv is a Git LFS pointer", "git lfs pull")


def test_base_ref_does_not_exist(project: DataProject) -> None:
    bad_input(project.validate("--base", "no-such-branch"), "base ref 'no-such-branch' does not exist")


def test_default_base_without_origin(project: DataProject) -> None:
    bad_input(project.validate(), "base ref 'origin/HEAD' does not exist", "--all")


def test_unknown_format(project: DataProject) -> None:
    project.config([{"path": "data/*.txt"}])
    project.write("data/train.txt", "a\n1\n")
    bad_input(project.validate("--base", "main"), "cannot tell the data format", "format: csv")


def test_not_utf8(project: DataProject) -> None:
    project.write("data/train.csv", IRIS_HEADER.encode() + "1,4.0,2.0,s\xe9tosa\n".encode("latin-1") * 50)
    bad_input(project.validate("--base", "main"), "data/train.csv is not UTF-8 text")


def test_broken_gzip(project: DataProject) -> None:
    project.config([{"path": "data/*.csv.gz"}])
    project.write("data/train.csv.gz", b"this is not gzip at all")
    bad_input(project.validate("--base", "main"), "data/train.csv.gz is not a valid gzip file")


def test_invalid_json_lines(project: DataProject) -> None:
    project.config([{"path": "data/*.jsonl"}])
    project.write("data/train.jsonl", '{"a": 1}\n{"a": 2,,}\n')
    bad_input(project.validate("--base", "main"), "data/train.jsonl is not valid JSON lines")


def test_one_bad_file_does_not_hide_the_others(project: DataProject) -> None:
    project.write("data/empty.csv", "")
    project.write("data/train.csv", IRIS_HEADER + iris_rows(5) + "5,4.0,2.0,dog\n")
    result = project.validate("--base", "main")
    bad_input(result, "data/empty.csv is empty")
    statuses = {d["path"]: d["status"] for d in project.validation()["datasets"]}
    assert statuses == {"data/empty.csv": "error", "data/train.csv": "invalid"}
    assert project.validation()["passed"] is False


def test_a_data_path_outside_the_repository_is_bad_input(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An absolute `data:` path outside the work tree: exit 2 naming it (was a ValueError, exit 4)."""
    from click.testing import CliRunner

    from mlgate.cli import cli

    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "d.csv").write_text("a\n1\n")
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "mlgate.yaml").write_text(f"model: {{name: m}}\nmetrics: {{auc: {{direction: maximize}}}}\n"
                                      f"data:\n  - path: {outside / 'd.csv'}\n")
    monkeypatch.chdir(repo)
    result = CliRunner().invoke(cli, ["validate", "--all"], catch_exceptions=False)
    assert result.exit_code == 2, result.output
    assert "is outside the repository" in result.output and "fix:" in result.output
