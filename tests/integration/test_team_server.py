"""The team set-up: the whole gate against a real `mlflow server` on PostgreSQL with S3 artifacts (moto), and
8 PR gates at once against it; 4 at once on the embedded SQLite store.

Every part is real (tests/support/team_server.py starts PostgreSQL 15, moto's S3 server and `mlflow server`
once per session); each gate runs `mlgate` as subprocesses, as a CI job does, in its own copy of the
breast-cancer example, and reports to the fake GitHub API. The clients get no AWS credentials: the server
proxies the artifacts to S3 (`--artifacts-destination`), so what lands in the bucket went through it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from mlgate.commands.demo import copy_example
from tests.actions.conftest import BIN, EXAMPLE, GITIGNORE, MODEL, run
from tests.conftest import EVENTS
from tests.support.github_server import FakeGitHub
from tests.support.team_server import TeamServer, available, team_server

pytestmark = pytest.mark.slow


@pytest.fixture(scope="session")
def team(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TeamServer]:
    """One team server (PostgreSQL + S3 + mlflow server) for the session; about a minute to start."""
    missing = available()
    if missing:
        pytest.skip(missing)
    with team_server(tmp_path_factory.mktemp("team-server")) as server:
        yield server


def make_repo(root: Path, c: str | None = None) -> Path:
    """The breast-cancer example as a git + DVC repository, with params C changed when given."""
    repo = root / "repo"
    copy_example(EXAMPLE, repo)  # type: ignore[arg-type]  # a Path is a Traversable
    (repo / ".gitignore").write_text(GITIGNORE)
    if c is not None:
        params = repo / "params.yaml"
        params.write_text(params.read_text().replace("C: 1.0", f"C: {c}"))
    run(repo, "git", "init", "-q")
    run(repo, "git", "symbolic-ref", "HEAD", "refs/heads/main")
    run(repo, "git", "config", "commit.gpgsign", "false")
    run(repo, sys.executable, "-m", "dvc", "init", "-q")
    run(repo, sys.executable, "-m", "dvc", "add", "-q", "data/breast_cancer.csv")
    run(repo, "git", "add", "-A")
    run(repo, "git", "commit", "-q", "-m", "breast-cancer example")
    return repo


def pr_event(folder: Path, number: int, head_sha: str) -> Path:
    """The real pull_request.synchronize payload, as PR `number` at `head_sha`."""
    event = json.loads((EVENTS / "pull_request.synchronize.payload.json").read_text())
    event["number"] = number
    event["pull_request"].update(number=number)
    event["pull_request"]["head"].update(sha=head_sha, ref=f"pr-{number}")
    path = folder / f"event-{number}.json"
    path.write_text(json.dumps(event))
    return path


def environment(tracking_uri: str, github: FakeGitHub | None = None, event: Path | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("GITHUB_", "MLFLOW_", "MLGATE_", "RUNNER_", "AWS_"))}
    env.update(PATH=os.pathsep.join([str(BIN), env.get("PATH", "")]), DVC_NO_ANALYTICS="1",
               MLFLOW_TRACKING_URI=tracking_uri, MLGATE_GITHUB_WRITE_INTERVAL="0")
    if github is not None and event is not None:
        env.update(github.env(), GITHUB_EVENT_NAME="pull_request", GITHUB_EVENT_PATH=str(event))
    return env


def mlgate(repo: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "mlgate", *args], cwd=repo, env=env, capture_output=True,
                          text=True, timeout=600, check=False)


GATE = (("validate", "--all"), ("train", "--runtime", "local"), ("compare",), ("report", "--post"))


def pr_gate(root: Path, number: int, tracking_uri: str, github: FakeGitHub) -> dict[str, Any]:
    """One PR's job: validate, train, compare, report, each a `mlgate` process. Its documents and logs."""
    repo = make_repo(root, c=f"0.{number}")
    head = run(repo, "git", "rev-parse", "HEAD")
    github.add_pull(number, head_sha=head, head_ref=f"pr-{number}")
    env = environment(tracking_uri, github, pr_event(root, number, head))
    logs = []
    for command in GATE:
        done = mlgate(repo, env, *command)
        logs.append(f"$ mlgate {' '.join(command)} -> {done.returncode}\n{done.stdout}{done.stderr}")
        if done.returncode != 0:
            break
    out = repo / ".mlgate"
    read = lambda name: json.loads((out / name).read_text()) if (out / name).exists() else {}  # noqa: E731
    return {"number": number, "head": head, "repo": repo, "log": "\n".join(logs),
            "exit": done.returncode, "lineage": read("lineage.json"), "verdict": read("verdict.json")}


def test_the_whole_gate_against_postgres_and_s3(team: TeamServer, github_server: FakeGitHub,
                                                tmp_path: Path) -> None:
    from mlflow.tracking import MlflowClient

    gate = pr_gate(tmp_path / "pr-1", 1, team.url, github_server)
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
    assert any(name.startswith("model/") for name in stored), stored
    back = Path(client.download_artifacts(run_id, "", str(tmp_path / "back")))
    assert json.loads((back / "mlgate" / "lineage.json").read_text())["run"]["run_id"] == run_id
    model_files = {p.relative_to(back / "model") for p in (back / "model").rglob("*") if p.is_file()}
    made = {p.relative_to(gate["repo"] / "model") for p in (gate["repo"] / "model").rglob("*") if p.is_file()}
    assert model_files == made and made
    for name in made:
        assert (back / "model" / name).read_bytes() == (gate["repo"] / "model" / name).read_bytes()
    local_log = gate["repo"] / ".mlgate" / "train.log"  # the training's own output (the example is quiet)
    assert (back / "mlgate" / "train.log").read_bytes() == local_log.read_bytes()
    source = client.get_model_version(MODEL, version).source
    assert source.startswith("mlflow-artifacts:") or source.startswith("runs:"), source


def test_eight_pr_gates_at_once(team: TeamServer, github_server: FakeGitHub, tmp_path: Path) -> None:
    """8 jobs of 8 PRs at once: each verdict compares its own run and version, no run is lost, one comment
    per PR."""
    from mlflow.tracking import MlflowClient

    client = MlflowClient(tracking_uri=team.url)
    experiment = client.get_experiment_by_name(MODEL)
    before = set() if experiment is None else {
        r.info.run_id for r in client.search_runs([experiment.experiment_id], max_results=1000)}
    numbers = range(11, 19)
    with ThreadPoolExecutor(len(numbers)) as pool:
        gates = list(pool.map(lambda n: pr_gate(tmp_path / f"pr-{n}", n, team.url, github_server), numbers))
    for gate in gates:
        assert gate["exit"] in (0, 1), gate["log"]  # passed or a regression: a verdict either way
        run_id = gate["lineage"]["run"]["run_id"]
        candidate = gate["verdict"]["candidate"]
        assert candidate["run_id"] == run_id, gate["log"]
        assert str(candidate["version"]) == str(gate["lineage"]["registered"]["version"])
        assert client.get_model_version(MODEL, str(candidate["version"])).run_id == run_id
        assert client.get_run(run_id).data.params.get("C") in (None, f"0.{gate['number']}")
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


def test_four_gates_at_once_on_the_embedded_sqlite_store(github_server: FakeGitHub, tmp_path: Path) -> None:
    """4 jobs sharing one embedded SQLite store (a fresh file, created by the jobs themselves): none crashes
    with "database is locked"; each compares its own candidate."""
    uri = f"sqlite:///{tmp_path / 'shared' / 'mlflow.db'}"
    (tmp_path / "shared").mkdir()
    numbers = range(21, 25)
    start = time.monotonic()
    with ThreadPoolExecutor(len(numbers)) as pool:
        gates = list(pool.map(lambda n: pr_gate(tmp_path / f"pr-{n}", n, uri, github_server), numbers))
    for gate in gates:
        assert "database is locked" not in gate["log"], gate["log"]
        assert gate["exit"] in (0, 1), gate["log"]
        assert gate["verdict"]["candidate"]["run_id"] == gate["lineage"]["run"]["run_id"]
        assert len(github_server.comments(gate["number"])) == 1
    assert len({gate["lineage"]["run"]["run_id"] for gate in gates}) == 4
    assert time.monotonic() - start < 600
