"""Shared fixtures. Factories live in tests/support/; see tests/README.md for the layout."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
SPARK_DRIVER_MEMORY = "512m"
EVENTS = REPO_ROOT.parent / "shared" / "fixtures" / "github-events"
if not EVENTS.is_dir():  # CI checks out the repository alone: a copy is kept under tests/fixtures
    EVENTS = REPO_ROOT / "tests" / "fixtures" / "github-events"


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test sees the developer's or the CI's own GitHub/MLflow settings."""
    for name in list(os.environ):
        if name.startswith(("GITHUB_", "MLFLOW_", "MLGATE_", "RUNNER_")) or name in ("CI", "SPARK_MASTER"):
            monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")
    monkeypatch.setenv("GIT_AUTHOR_NAME", "mlgate tests")
    monkeypatch.setenv("GIT_AUTHOR_EMAIL", "tests@mlgate.invalid")
    monkeypatch.setenv("GIT_COMMITTER_NAME", "mlgate tests")
    monkeypatch.setenv("GIT_COMMITTER_EMAIL", "tests@mlgate.invalid")


@pytest.fixture(scope="session")
def spark() -> Iterator[Any]:
    """One local[2] SparkSession for the whole test session (the `spark` lane: `pytest -m spark`).

    Small on purpose, as CI's machine is: 2 cores, no UI, 2 shuffle partitions, and 512 MB of driver memory
    (in local mode the driver runs the tasks too), so a dataset larger than that must stream through it.
    mlgate's own `spark_session` finds this session active and uses it. Skipped without pyspark, pandera's
    PySpark backend or Java; .ci/run checks those are there before it runs the lane.
    """
    pytest.importorskip("pyspark")
    pytest.importorskip("pandera.pyspark")
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        pytest.skip("Spark needs Java")
    from pyspark.sql import SparkSession

    session = (SparkSession.builder.master("local[2]").appName("mlgate tests")
               .config("spark.ui.enabled", "false").config("spark.ui.showConsoleProgress", "false")
               .config("spark.sql.shuffle.partitions", "2").config("spark.driver.memory", SPARK_DRIVER_MEMORY)
               .getOrCreate())
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


@pytest.fixture(scope="session")
def _mlflow_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite MLflow store, built once per session (migrations take seconds)."""
    from mlflow.tracking import MlflowClient

    folder = tmp_path_factory.mktemp("mlflow-template")
    db = folder / "mlflow.db"
    client = MlflowClient(tracking_uri=f"sqlite:///{db}")
    client.search_experiments()
    return db


@dataclass(frozen=True)
class MlflowStore:
    """A fresh copy of the migrated store: `uri` for MLflow, `artifacts` for experiments' artifact roots."""

    uri: str
    db: Path
    artifacts: Path

    def client(self):  # type: ignore[no-untyped-def]
        from mlflow.tracking import MlflowClient

        return MlflowClient(tracking_uri=self.uri)

    def experiment(self, name: str = "tests") -> str:
        """Create (or find) an experiment whose artifacts go under this store's folder."""
        client = self.client()
        found = client.get_experiment_by_name(name)
        if found is not None:
            return str(found.experiment_id)
        return str(client.create_experiment(name, artifact_location=self.artifacts.as_uri()))


@pytest.fixture
def mlflow_store(_mlflow_template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> MlflowStore:
    """A real SQLite MLflow store in tmp_path, with MLFLOW_TRACKING_URI pointing at it."""
    folder = tmp_path / "mlflow"
    folder.mkdir()
    db = folder / "mlflow.db"
    shutil.copy(_mlflow_template, db)
    store = MlflowStore(uri=f"sqlite:///{db}", db=db, artifacts=folder / "artifacts")
    monkeypatch.setenv("MLFLOW_TRACKING_URI", store.uri)
    return store


@pytest.fixture
def git_repo(tmp_path: Path) -> Iterator[Path]:
    """An empty real git repository with one commit on main."""
    repo = tmp_path / "repo"
    repo.mkdir()
    run = lambda *args: subprocess.run(args, cwd=repo, check=True, capture_output=True)  # noqa: E731
    run("git", "init", "-q", "-b", "main")
    run("git", "config", "commit.gpgsign", "false")
    (repo / ".gitignore").write_text(".mlgate/\n")
    run("git", "add", ".gitignore")
    run("git", "commit", "-q", "-m", "init")
    yield repo


@pytest.fixture
def events() -> Path:
    """Real GitHub webhook payloads (octokit/webhooks examples)."""
    return EVENTS


@pytest.fixture(scope="session")
def mlflow_server_url(_mlflow_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real `mlflow server` process on 127.0.0.1 (one per session), backed by a SQLite store."""
    from tests.support.mlflow_server import mlflow_server

    with mlflow_server(_mlflow_template, tmp_path_factory.mktemp("mlflow-server")) as url:
        yield url


# The fake GitHub REST API (tests/support/github_server.py): `github_server` yields a running FakeGitHub.
from tests.support.github_server import github_server  # noqa: E402, F401

# The fake GitLab REST API v4 (tests/support/gitlab_server.py): `gitlab_server` yields a running FakeGitLab.
from tests.support.gitlab_server import gitlab_server  # noqa: E402, F401
