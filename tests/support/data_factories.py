"""A real git (and optionally DVC) project for `mlgate validate` tests: write files, commit, run the CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from click.testing import CliRunner, Result

from mlgate.cli import cli

IRIS_HEADER = "id,sepal_length,sepal_width,species\n"


def iris_rows(count: int, *, start: int = 0) -> str:
    """Balanced, valid rows for the iris-like schema used in the tests."""
    species = ("setosa", "versicolor", "virginica")
    return "".join(f"{i},{4.0 + (i % 30) / 10:.1f},{2.0 + (i % 20) / 10:.1f},{species[i % 3]}\n"
                   for i in range(start, start + count))


IRIS_SCHEMA = """\
schema_type: dataframe
version: 0.35.0
columns:
  id:
    dtype: int64
    nullable: false
  sepal_length:
    dtype: float64
    nullable: false
    checks:
      greater_than_or_equal_to: 0
      less_than_or_equal_to: 10
  sepal_width:
    dtype: float64
    nullable: true
  species:
    dtype: str
    nullable: false
    checks:
      isin: [setosa, versicolor, virginica]
"""


@dataclass
class DataProject:
    root: Path

    def git(self, *args: str) -> str:
        done = subprocess.run(["git", *args], cwd=self.root, check=True, capture_output=True, text=True)
        return done.stdout.strip()

    def dvc(self, *args: str) -> None:
        subprocess.run([sys.executable, "-m", "dvc", *args], cwd=self.root, check=True, capture_output=True)

    def dvc_init(self) -> None:
        self.dvc("init", "-q")
        self.dvc("config", "core.analytics", "false")
        self.commit("dvc init")

    def write(self, rel: str, content: str | bytes) -> Path:
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
        return path

    def config(self, data: list[dict[str, Any]]) -> Path:
        return self.write("mlgate.yaml", yaml.safe_dump({"model": {"name": "iris"}, "data": data}))

    def commit(self, message: str = "change") -> str:
        self.git("add", "-A")
        self.git("commit", "-q", "--allow-empty", "-m", message)
        return self.git("rev-parse", "HEAD")

    def branch(self, name: str = "feature") -> None:
        self.git("checkout", "-q", "-b", name)

    def validate(self, *args: str, env: dict[str, str] | None = None) -> Result:
        runner = CliRunner()
        return runner.invoke(
            cli, ["--config", str(self.root / "mlgate.yaml"), "validate", "--out", str(self.out), *args],
            catch_exceptions=False, env=env,
        )

    @property
    def out(self) -> Path:
        return self.root / ".mlgate"

    def validation(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads((self.out / "validation.json").read_text())
        return data

    def dataset(self, path: str) -> dict[str, Any]:
        found = [d for d in self.validation()["datasets"] if d["path"] == path]
        assert found, f"{path} not in validation.json"
        return found[0]


def iris_project(root: Path, rows: int = 30, checks: dict[str, Any] | None = None) -> DataProject:
    """main: mlgate.yaml declaring data/*.csv with the iris schema, and a valid data/train.csv."""
    project = DataProject(root)
    project.write("schemas/iris.yaml", IRIS_SCHEMA)
    project.write("data/train.csv", IRIS_HEADER + iris_rows(rows))
    project.config([{"path": "data/*.csv", "schema": "schemas/iris.yaml", "checks": checks or {}}])
    project.commit("data")
    return project
