"""The `Registry` class on a real SQLite MLflow store: the one not-found translation, service errors, writes.

The commands' tests (test_compare*.py, test_promote.py, test_reproduce.py, test_train_local.py) cover the
messages a person reads; these pin the class's own contract, read by read.
"""

from __future__ import annotations

import socket
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from mlgate.errors import BadInput, ServiceError
from mlgate.registry import LINEAGE_ARTIFACT, Registry
from tests.conftest import MlflowStore
from tests.support.mlflow_factories import make_run, register

ABSENT_RUN = "0123456789abcdef0123456789abcdef"


@pytest.fixture
def store(mlflow_store: MlflowStore) -> Registry:
    return Registry.connect(mlflow_store.uri)


def test_a_missing_run_or_version_is_bad_input_naming_the_store(store: Registry, mlflow_store: MlflowStore) -> None:
    run = make_run(mlflow_store.client(), mlflow_store.experiment(), {"auc": 0.9})
    register(mlflow_store.client(), "churn", run)
    misses: list[Callable[[], object]] = [
        lambda: store.run_side(ABSENT_RUN, "candidate"),
        lambda: store.run_lineage(ABSENT_RUN),
        lambda: store.get_version("churn", "99"),
        lambda: store.get_version("no-such-model", "1"),
    ]
    for read in misses:
        with pytest.raises(BadInput) as caught:
            read()
        assert caught.value.exit_code == 2
        assert "not found at " + mlflow_store.uri in caught.value.what


def test_a_run_without_mlgate_lineage_is_bad_input(store: Registry, mlflow_store: MlflowStore) -> None:
    run = make_run(mlflow_store.client(), mlflow_store.experiment(), {"auc": 0.9})
    with pytest.raises(BadInput, match=f"has no mlgate lineage \\({LINEAGE_ARTIFACT}\\)"):
        store.run_lineage(run)


def test_a_missing_alias_model_or_version_is_none(store: Registry, mlflow_store: MlflowStore) -> None:
    assert store.version_by_alias("no-such-model", "production") is None
    assert store.alias_side("no-such-model", "production", "production") is None
    assert store.history("no-such-model", "auc", "production", 10) == []
    run = make_run(mlflow_store.client(), mlflow_store.experiment(), {"auc": 0.9})
    register(mlflow_store.client(), "churn", run, alias="candidate")
    assert store.version_by_alias("churn", "production") is None
    assert store.alias_side("churn", "production", "production") is None
    assert store.version_for_run("churn", ABSENT_RUN) is None
    assert store.versions_tagged("churn", "mlgate.commit", "f" * 40) == []


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


READS: dict[str, Callable[[Registry], object]] = {
    "run_side": lambda r: r.run_side(ABSENT_RUN, "candidate"),
    "run_lineage": lambda r: r.run_lineage(ABSENT_RUN),
    "get_version": lambda r: r.get_version("churn", "1"),
    "version_by_alias": lambda r: r.version_by_alias("churn", "production"),
    "alias_side": lambda r: r.alias_side("churn", "production", "production"),
    "history": lambda r: r.history("churn", "auc", "production", 10),
    "versions_tagged": lambda r: r.versions_tagged("churn", "mlgate.pr", "7"),
}


@pytest.mark.parametrize("read", READS.values(), ids=READS.keys())
def test_an_unreachable_server_is_a_service_error_never_a_miss(read: Callable[[Registry], object]) -> None:
    """A read that may miss (None, [] or BadInput) must not take a dead server for a missing thing."""
    registry = Registry.connect(f"http://alice:s3cret@127.0.0.1:{_closed_port()}/?token=t0k")
    with pytest.raises(ServiceError) as caught:
        read(registry)
    message = caught.value.message()
    assert caught.value.exit_code == 3
    assert "cannot reach the MLflow tracking server at http://***@127.0.0.1" in message
    assert "token=***" in message and "s3cret" not in message and "t0k" not in message
    assert caught.value.why == "connection refused (nothing listens on that host and port)"


def test_repr_and_messages_never_show_credentials() -> None:
    registry = Registry.connect("http://alice:s3cret@mlflow.example:5000")
    assert "s3cret" not in repr(registry) and "***@mlflow.example" in repr(registry)
    assert registry.shown == "http://***@mlflow.example:5000"
    assert registry.uri == "http://alice:s3cret@mlflow.example:5000"  # the training command logs to it
    assert registry.run_url("3", "abc") == "http://***@mlflow.example:5000/#/experiments/3/runs/abc"


def test_writes_then_reads(store: Registry, mlflow_store: MlflowStore, tmp_path: Path) -> None:
    experiment = store.ensure_experiment("churn / nightly")
    assert store.ensure_experiment("churn / nightly") == experiment
    mlflow_store.client().delete_experiment(experiment)
    assert store.ensure_experiment("churn / nightly") == experiment  # restored, not created anew
    location = mlflow_store.client().get_experiment(experiment).artifact_location
    assert location == (mlflow_store.db.parent / "mlartifacts" / "churn_nightly").as_uri()

    run_id, artifact_uri = store.start_run(experiment, "churn-abc", {"mlgate.commit": "c" * 40})
    params = {f"p{i}": str(i) for i in range(150)}  # more than one batch
    store.log_run(run_id, params=params, metrics={"auc": 0.91}, tags={"mlgate.pr": "7"})
    model = tmp_path / "model"
    model.mkdir()
    (model / "weights.bin").write_bytes(b"\0" * 8)
    store.log_artifact(run_id, model, "model")
    store.finish_run(run_id, "FINISHED")
    assert mlflow_store.client().get_run(run_id).info.status == "FINISHED"
    assert [f.path for f in mlflow_store.client().list_artifacts(run_id, "model")] == ["model/weights.bin"]

    first = store.register_version("churn", source=f"{artifact_uri}/model", run_id=run_id,
                                   tags={"mlgate.commit": "c" * 40}, alias="candidate")
    second = store.register_version("churn", source=f"{artifact_uri}/model", run_id=run_id,
                                    tags={"mlgate.commit": "c" * 40}, alias="candidate")
    assert (first, second) == ("1", "2")
    store.set_alias("churn", "production", first)
    store.set_version_tags("churn", first, {"mlgate.promoted_at": "2024-01-01T00:00:00Z"})

    side = store.run_side(run_id, "candidate")
    assert side.metrics == {"auc": 0.91} and len(side.params) == 150 and side.url is None
    production: Any = store.alias_side("churn", "production", "production")
    assert production.version == "1" and production.metrics == {"auc": 0.91}
    assert store.version_for_run("churn", run_id) == "2"
    assert [v.version for v in store.versions_tagged("churn", "mlgate.commit", "c" * 40)] == ["2", "1"]
    found = store.get_version("churn", "1")
    assert found.run_id == run_id and found.tags["mlgate.promoted_at"] and "production" in found.aliases
    assert [p["version"] for p in store.history("churn", "auc", "production", 10)] == ["1"]




@pytest.mark.parametrize(("params", "metrics", "named", "rule"), [
    ({}, {"auc": 0.9, "a//b": 1.0}, "metric 'a//b'", "would resolve to 'a/b'"),
    ({}, {"a b!": 1.0}, "metric 'a b!'", "Names may only contain alphanumerics"),
    ({}, {"m" * 300: 1.0}, "metric '" + "m" * 60 + "…'", "maximum length of 250"),
    ({"lr?": "0.1"}, {}, "param 'lr?'", "Names may only contain alphanumerics"),
    ({"/lr": "0.1"}, {}, "param '/lr'", "would resolve to '/lr'"),
])
def test_a_name_mlflow_rejects_is_bad_input_naming_it(store: Registry, mlflow_store: MlflowStore,
                                                      params: dict[str, str], metrics: dict[str, float],
                                                      named: str, rule: str) -> None:
    run_id, _ = store.start_run(store.ensure_experiment("churn"), "churn-abc", {})
    with pytest.raises(BadInput) as caught:
        store.log_run(run_id, params=params, metrics=metrics, tags={})
    assert caught.value.what.startswith(f"MLflow rejects the {named}")
    assert rule in caught.value.why
    assert "tracking server is running" not in caught.value.message()


RACE = """
import sys
from mlflow.tracking import MlflowClient
from mlgate.errors import MlgateError
from mlgate.registry import Registry
uri, warm = sys.argv[1], sys.argv[2] == "warm"
if warm:  # the store is opened: only create-if-missing races
    MlflowClient(uri).search_experiments()
print("ready", flush=True)
sys.stdin.readline()  # everyone is ready: go at once
try:
    print(Registry.connect(uri).ensure_experiment("churn"))
except MlgateError as exc:
    print(exc.message())
    sys.exit(exc.exit_code)
"""


def race(uri: str, processes: int, *, warm: bool) -> list[tuple[int, str]]:
    """Python processes that ensure experiment "churn" at `uri` at the same moment (after opening the store
    with `warm`, else opening it at that moment too)."""
    import os
    import subprocess
    import sys

    started = [subprocess.Popen([sys.executable, "-c", RACE, uri, "warm" if warm else "cold"],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                env=dict(os.environ)) for _ in range(processes)]
    for process in started:  # wait until every process has imported (and opened the store with `warm`)
        assert process.stdout is not None
        lines = []
        while "ready" not in (line := process.stdout.readline()) and line:
            lines.append(line)
        assert line, "".join(lines)
    for process in started:  # then release them together
        assert process.stdin is not None
        process.stdin.write("go\n")
        process.stdin.flush()
    return [(process.wait(timeout=120), (process.stdout.read() if process.stdout else "").strip())
            for process in started]


def test_processes_creating_the_same_experiment_at_once_all_get_it(mlflow_store: MlflowStore) -> None:
    """Create-if-missing tolerates the race: the loser of create_experiment reads the winner's experiment."""
    for _ in range(2):
        client = mlflow_store.client()
        found = client.get_experiment_by_name("churn")
        if found is not None:  # the second round races again on a name that is free
            client.rename_experiment(found.experiment_id, f"churn-{found.experiment_id}")
        results = race(mlflow_store.uri, 3, warm=True)
        assert [code for code, _ in results] == [0] * 3, results
        assert len({output.splitlines()[-1] for _, output in results}) == 1, results


def test_processes_on_a_fresh_sqlite_store_initialise_it_once(tmp_path: Path) -> None:
    """The embedded store's first use creates its tables; two processes at once must not both do it."""
    db = tmp_path / "fresh" / "mlflow.db"
    db.parent.mkdir()
    results = race(f"sqlite:///{db}", 2, warm=False)
    assert [code for code, _ in results] == [0, 0], results
    assert len({output.splitlines()[-1] for _, output in results}) == 1, results


def test_a_name_a_real_server_rejects_is_bad_input_too(mlflow_server_url: str) -> None:
    """Over REST the server answers INVALID_PARAMETER_VALUE as the SQLite store does: exit 2, the metric named."""
    store = Registry.connect(mlflow_server_url)
    run_id, _ = store.start_run(store.ensure_experiment("names"), "names", {})
    with pytest.raises(BadInput) as caught:
        store.log_run(run_id, params={}, metrics={"a//b": 1.0}, tags={})
    assert caught.value.what == "MLflow rejects the metric 'a//b'"
    assert "would resolve to 'a/b'" in caught.value.why


def test_a_store_migrated_by_another_mlflow_is_a_service_error_naming_both_fixes(tmp_path: Path) -> None:
    """A SQLite store whose schema another MLflow version wrote (its alembic revision is not this one's): exit
    3 naming this MLflow's version and both fixes, not "use an http(s):// … URI" (the URI is right)."""
    import sqlite3

    import mlflow

    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    Registry.connect(uri).ensure_experiment("churn")
    with sqlite3.connect(tmp_path / "mlflow.db") as db:
        # a revision no MLflow release has (a real one, as 'f4a9b2c7d1e6' was, becomes the head of a later
        # MLflow: 3.18 made that one its head and the store then matched): MLflow only sees "not my head"
        db.execute("UPDATE alembic_version SET version_num = 'mlgate_not_a_real_rev'")
    code = ("import sys\nfrom mlgate.errors import MlgateError\nfrom mlgate.registry import Registry\n"
            "try:\n    Registry.connect(sys.argv[1])\nexcept MlgateError as exc:\n"
            "    print(exc.message())\n    sys.exit(exc.exit_code)\n")
    # in a process of its own: MLflow checks a store's schema once a process
    done = subprocess.run([sys.executable, "-c", code, uri], capture_output=True, text=True, timeout=300,
                          check=False)
    message = done.stdout
    assert done.returncode == 3, done.stdout + done.stderr
    assert f"another MLflow version than this environment's (mlflow {mlflow.__version__})" in message
    assert "out-of-date database schema" in message
    assert "pip install -U mlflow-skinny" in message and "mlflow db upgrade" in message
    assert "http(s)://" not in message
