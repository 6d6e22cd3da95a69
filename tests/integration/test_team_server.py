"""The team set-up: the whole gate against a real `mlflow server` on PostgreSQL with S3 artifacts (moto), and
8 PR gates at once against it; 4 at once on the embedded SQLite store.

Every part is real (tests/support/team_server.py starts PostgreSQL 15, moto's S3 server and `mlflow server`
once per session); each gate runs `mlgate` as subprocesses, as a CI job does, in its own copy of the
breast-cancer example, and reports to the fake GitHub API. The clients get no AWS credentials: the server
proxies the artifacts to S3 (`--artifacts-destination`), so what lands in the bucket went through it.
"""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.actions.conftest import MODEL
from tests.support.github_server import FakeGitHub
from tests.support.team_server import (
    GATE,
    TeamServer,
    available,
    environment,
    example_repo,
    mlgate,
    pr_gate,
    team_server,
)

pytestmark = pytest.mark.slow


@pytest.fixture(scope="session")
def team(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TeamServer]:
    """One team server (PostgreSQL + S3 + mlflow server) for the session; about a minute to start."""
    missing = available()
    if missing:
        pytest.skip(missing)
    with team_server(tmp_path_factory.mktemp("team-server")) as server:
        yield server


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The breast-cancer example as a git + DVC repository, made once (DVC is slow to start); gates copy it."""
    return example_repo(tmp_path_factory.mktemp("example"))


def test_the_whole_gate_against_postgres_and_s3(team: TeamServer, github_server: FakeGitHub, example: Path,
                                                tmp_path: Path) -> None:
    from mlflow.tracking import MlflowClient

    gate = pr_gate(example, tmp_path / "pr-1", 1, team.url, github_server, (("validate", "--all"), *GATE))
    assert gate["exit"] == 0, gate["log"]
    verdict, lineage = gate["verdict"], gate["lineage"]
    run_id = lineage["run"]["run_id"]
    version = str(lineage["registered"]["version"])
    assert verdict["candidate"]["run_id"] == run_id and str(verdict["candidate"]["version"]) == version
    [comment] = github_server.comments(1)
    assert "breast-cancer-classifier" in comment["body"] or "roc_auc" in comment["body"]
    assert github_server.statuses(gate["head"])[-1]["state"] == "success"

    promoted = mlgate(gate["repo"], environment(team.url), "promote", "--version", version)
    assert promoted.returncode == 0, promoted.stdout + promoted.stderr
    client = MlflowClient(tracking_uri=team.url)
    assert str(client.get_model_version_by_alias(MODEL, "production").version) == version

    # the artifacts went through the server into S3, and come back from it
    keys = team.s3_keys("mlflow/")
    stored = [k.split(f"{run_id}/artifacts/", 1)[1] for k in keys if f"/{run_id}/artifacts/" in k]
    assert {"mlgate/lineage.json", "mlgate/metrics.json"} <= set(stored), keys
    assert any(name.startswith("mlgate/model/") for name in stored), stored
    back = Path(client.download_artifacts(run_id, "", str(tmp_path / "back")))
    assert json.loads((back / "mlgate" / "lineage.json").read_text())["run"]["run_id"] == run_id
    model_files = {p.relative_to(back / "mlgate" / "model") for p in (back / "mlgate" / "model").rglob("*")
                   if p.is_file()}
    made = {p.relative_to(gate["repo"] / "model") for p in (gate["repo"] / "model").rglob("*") if p.is_file()}
    assert model_files == made and made
    for name in made:
        assert (back / "mlgate" / "model" / name).read_bytes() == (gate["repo"] / "model" / name).read_bytes()
    local_log = gate["repo"] / ".mlgate" / "train.log"  # the training's own output (the example is quiet)
    assert (back / "mlgate" / "train.log").read_bytes() == local_log.read_bytes()
    source = client.get_model_version(MODEL, version).source
    assert source.startswith("mlflow-artifacts:") or source.startswith("runs:"), source


def test_eight_pr_gates_at_once(team: TeamServer, github_server: FakeGitHub, example: Path,
                                tmp_path: Path) -> None:
    """8 jobs of 8 PRs at once: each verdict compares its own run and version, no run is lost, one comment
    per PR."""
    from mlflow.tracking import MlflowClient

    client = MlflowClient(tracking_uri=team.url)
    experiment = client.get_experiment_by_name(MODEL)
    before = set() if experiment is None else {
        r.info.run_id for r in client.search_runs([experiment.experiment_id], max_results=1000)}
    numbers = range(11, 19)
    with ThreadPoolExecutor(len(numbers)) as pool:
        gates = list(pool.map(lambda n: pr_gate(example, tmp_path / f"pr-{n}", n, team.url, github_server), numbers))
    for gate in gates:
        assert gate["exit"] in (0, 1), gate["log"]  # passed or a regression: a verdict either way
        run_id = gate["lineage"]["run"]["run_id"]
        candidate = gate["verdict"]["candidate"]
        assert candidate["run_id"] == run_id, gate["log"]
        assert str(candidate["version"]) == str(gate["lineage"]["registered"]["version"])
        assert client.get_model_version(MODEL, str(candidate["version"])).run_id == run_id
        assert client.get_run(run_id).data.params["C"] == f"0.{gate['number']}"  # its own training
        [comment] = github_server.comments(gate["number"])
        assert run_id in comment["body"] or str(candidate["version"]) in comment["body"]
    run_ids = {gate["lineage"]["run"]["run_id"] for gate in gates}
    assert len(run_ids) == 8
    experiment = client.get_experiment_by_name(MODEL)
    assert experiment is not None
    after = {r.info.run_id for r in client.search_runs([experiment.experiment_id], max_results=1000)}
    assert after - before == run_ids
    versions = {str(gate["lineage"]["registered"]["version"]) for gate in gates}
    assert len(versions) == 8


def test_four_gates_at_once_on_the_embedded_sqlite_store(github_server: FakeGitHub, example: Path,
                                                         _mlflow_template: Path, tmp_path: Path) -> None:
    """4 jobs sharing one embedded SQLite store (migrated, as after a first job; the race on a fresh file's
    tables is in test_registry.py and test_train_local.py): none crashes with "database is locked"; each compares its
    own candidate."""
    (tmp_path / "shared").mkdir()
    shutil.copy(_mlflow_template, tmp_path / "shared" / "mlflow.db")
    uri = f"sqlite:///{tmp_path / 'shared' / 'mlflow.db'}"
    numbers = range(21, 25)
    start = time.monotonic()
    with ThreadPoolExecutor(len(numbers)) as pool:
        gates = list(pool.map(lambda n: pr_gate(example, tmp_path / f"pr-{n}", n, uri, github_server), numbers))
    for gate in gates:
        assert "database is locked" not in gate["log"], gate["log"]
        assert gate["exit"] in (0, 1), gate["log"]
        assert gate["verdict"]["candidate"]["run_id"] == gate["lineage"]["run"]["run_id"]
        assert len(github_server.comments(gate["number"])) == 1
    assert len({gate["lineage"]["run"]["run_id"] for gate in gates}) == 4
    assert time.monotonic() - start < 600
