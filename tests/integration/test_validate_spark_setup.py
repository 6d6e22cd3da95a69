"""`engine: spark` where Spark cannot run: without the `mlgate[spark]` extra (exit 2), without Java (exit 3).

These run in the normal lane, without a SparkSession. A missing package is made by hiding the installed one
from the import system (`sys.modules[name] = None`, what Python does for a module it could not import);
a missing Java by an empty PATH: both stand in for machines this one is not.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.support.data_factories import IRIS_HEADER, IRIS_SCHEMA, DataProject, iris_rows


def spark_csv_project(root: Path) -> DataProject:
    project = DataProject(root)
    project.write("schemas/iris.yaml", IRIS_SCHEMA)
    project.write("data/train.csv", IRIS_HEADER + iris_rows(10))
    project.write("mlgate.yaml", yaml.safe_dump({"model": {"name": "iris"}, "data": [
        {"path": "data/train.csv", "engine": "spark", "schema": "schemas/iris.yaml"}]}))
    return project


def test_without_pyspark_a_spark_dataset_is_bad_input_naming_the_extra(
        git_repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project = spark_csv_project(git_repo)
    monkeypatch.setitem(sys.modules, "pyspark", None)  # as if pyspark were not installed

    result = project.validate("--all")

    assert result.exit_code == 2, result.output
    assert "a dataset has `engine: spark`, but pyspark is not installed" in result.output
    assert "pip install 'mlgate[spark]'" in result.output
    entry = project.dataset("data/train.csv")
    assert entry["status"] == "error"
    assert "mlgate[spark]" in entry["error"]


@pytest.mark.spark  # needs pyspark installed: runs in the Spark lane's venv
def test_without_pandera_pyspark_backend_names_the_extra(git_repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("pyspark")
    project = spark_csv_project(git_repo)
    monkeypatch.setitem(sys.modules, "pandera.pyspark", None)  # as with pandas 3, where it cannot be imported

    result = project.validate("--all")

    assert result.exit_code == 2, result.output
    assert "pandera's PySpark backend cannot be imported" in result.output
    assert "pip install 'mlgate[spark]': it installs pandas < 3 beside pyspark" in result.output


@pytest.mark.spark  # needs pyspark installed: runs in the Spark lane's venv
def test_without_java_spark_is_a_runtime_failure(git_repo: Path) -> None:
    """In a process of its own (the lane's SparkSession already runs in this one): no java on PATH, no
    JAVA_HOME."""
    pytest.importorskip("pandera.pyspark")
    project = spark_csv_project(git_repo)
    tools = git_repo.parent / "bin-without-java"
    tools.mkdir()
    (tools / "git").symlink_to(shutil.which("git") or "/usr/bin/git")
    env = {k: v for k, v in os.environ.items() if k not in ("JAVA_HOME", "SPARK_HOME")}
    env["PATH"] = str(tools)  # git, and no java

    done = subprocess.run([sys.executable, "-m", "mlgate", "validate", "--all"], cwd=project.root, env=env,
                          capture_output=True, text=True, timeout=300, check=False)

    output = done.stdout + done.stderr
    assert done.returncode == 3, output
    assert "Spark needs Java, and no `java` was found (JAVA_HOME or PATH)" in output
    assert "apt-get install default-jre-headless" in output


def test_pandas_datasets_never_import_pyspark(git_repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project = spark_csv_project(git_repo)
    project.write("mlgate.yaml", yaml.safe_dump({"model": {"name": "iris"}, "data": [
        {"path": "data/train.csv", "schema": "schemas/iris.yaml"}]}))
    monkeypatch.setitem(sys.modules, "pyspark", None)

    result = project.validate("--all")

    assert result.exit_code == 0, result.output


def test_engine_is_pandas_or_spark(git_repo: Path) -> None:
    project = spark_csv_project(git_repo)
    project.write("mlgate.yaml", yaml.safe_dump({"model": {"name": "iris"}, "data": [
        {"path": "data/train.csv", "engine": "sparc"}], "spark": {"master": "local[2]", "conf": {"a": 1}}}))

    result = project.validate("--all")

    assert result.exit_code == 2, result.output
    assert "data[0].engine: Input should be 'pandas' or 'spark'" in result.output


@pytest.mark.spark  # needs pyspark installed: runs in the Spark lane's venv
def test_pyspark_exiting_on_import_is_bad_input_not_a_pass(git_repo: Path) -> None:
    """pyspark exits with 0 when it imports Spark Connect without its packages in a process whose main module
    has no file (`python -c`): mlgate must not pass then. The packages are hidden from that process."""
    pytest.importorskip("pyspark")
    project = spark_csv_project(git_repo)
    code = ("import sys; sys.modules['grpc'] = None\n"
            "from mlgate.cli import cli\n"
            f"cli.main(['--config', {str(project.root / 'mlgate.yaml')!r}, 'validate', '--all'])\n")
    done = subprocess.run([sys.executable, "-c", code], cwd=project.root, capture_output=True, text=True,
                          env={**os.environ}, check=False, timeout=300)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "pyspark stopped the process while importing Spark Connect" in done.stdout + done.stderr
