"""`mlgate monitor` and `mlgate profile` end to end: a real SQLite MLflow store, a real git project trained
by `mlgate train` (local runtime), promoted, then batches of production data; GitHub is the fake API."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import MlflowStore
from tests.support.github_server import FakeGitHub
from tests.support.train_project import git, invoke, lineage, make_project, train_args, validate

ROWS = 1200


def _csv(path: Path, rows: int, *, shift: float = 0.0, colour: str = "red", extra: bool = False) -> Path:
    """x: 0..9 cycling (+shift), y: 0/1, colour: a category; `extra` adds a column the reference lacks."""
    lines = ["x,y,colour" + (",z" if extra else "")]
    for i in range(rows):
        lines.append(f"{i % 10 + shift},{i % 2},{colour if i % 3 else 'blue'}" + (",1" if extra else ""))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture
def project(git_repo: Path, mlflow_store: MlflowStore) -> Path:
    config = make_project(git_repo, commit=False)
    _csv(git_repo / "data" / "train.csv", ROWS)
    git(git_repo, "add", "-A")
    git(git_repo, "commit", "-q", "-m", "project")
    return config


def _production(config: Path, out: Path, store: MlflowStore) -> str:
    """Validate, train, pass the gate (the verdict tag compare writes), promote: production's run id."""
    validate(config, out)
    result = invoke(config, *train_args(out))
    assert result.exit_code == 0, result.output
    version = str(lineage(out)["registered"]["version"])
    client = store.client()
    client.set_model_version_tag("churn", version, "mlgate.verdict", "passed")
    result = invoke(config, "promote", "--version", version, "--out", str(out))
    assert result.exit_code == 0, result.output
    return str(lineage(out)["run"]["run_id"])


def _monitor(config: Path, out: Path, *data: str, env: dict[str, str] | None = None,
             extra: tuple[str, ...] = ()) -> Any:
    args = ["monitor", "--out", str(out), *extra]
    for item in data:
        args += ["--data", item]
    return invoke(config, *args, env=env)


def test_train_logs_the_profile_and_promote_makes_it_the_reference(project: Path, git_repo: Path,
                                                                     mlflow_store: MlflowStore) -> None:
    out = git_repo / ".mlgate"
    run_id = _production(project, out, mlflow_store)
    client = mlflow_store.client()
    assert "mlgate/profile.json" in [a.path for a in client.list_artifacts(run_id, "mlgate")]
    profile = json.loads((out / "profile.json").read_text())
    assert profile["rows"] == ROWS and set(profile["columns"]) == {"x", "y", "colour"}
    version = client.get_model_version_by_alias("churn", "production")
    assert version.tags["mlgate.profile"] == f"runs:/{run_id}/mlgate/profile.json"


def test_a_small_batch_is_not_judged_and_nothing_is_posted(project: Path, git_repo: Path,
                                                           mlflow_store: MlflowStore,
                                                           github_server: FakeGitHub) -> None:
    out = git_repo / ".mlgate"
    _production(project, out, mlflow_store)
    batch = _csv(git_repo / "incoming" / "small.csv", 35, shift=50)
    result = _monitor(project, out, str(batch), env=github_server.env(), extra=("--post",))
    assert result.exit_code == 0, result.output
    assert "fewer than monitor.min_rows" in result.output
    document = json.loads((out / "monitor.json").read_text())
    assert (document["status"], document["passed"], document["rows"]) == ("not-judged", True, 35)
    assert github_server.requests == []  # a 35-row batch changes nothing on GitHub


def test_no_profile_on_production_names_mlgate_profile(git_repo: Path, mlflow_store: MlflowStore) -> None:
    config = make_project(git_repo, train={"deps": []}, commit=False)  # nothing to profile at training
    _csv(git_repo / "data" / "train.csv", ROWS)
    git(git_repo, "add", "-A")
    git(git_repo, "commit", "-q", "-m", "project")
    out = git_repo / ".mlgate"
    run_id = _production(config, out, mlflow_store)
    batch = _csv(git_repo / "incoming" / "b.csv", 40)
    result = _monitor(config, out, str(batch))
    assert result.exit_code == 2, result.output
    assert "has no reference profile" in result.output and f"mlgate profile --run {run_id}" in result.output
    result = invoke(config, "profile", "--run", run_id, "--data", str(git_repo / "data" / "train.csv"),
                    "--out", str(out))
    assert result.exit_code == 0, result.output
    result = _monitor(config, out, str(batch))
    assert result.exit_code == 0, result.output  # found now (40 rows: not judged)


@pytest.mark.parametrize(("name", "text", "expected"), [
    ("empty.csv", "x,y,colour\n", "no rows"),
    ("batch.xlsx", "x,y\n1,2\n", "xlsx"),
])
def test_bad_batches_are_bad_input(project: Path, git_repo: Path, mlflow_store: MlflowStore, name: str,
                                   text: str, expected: str) -> None:
    out = git_repo / ".mlgate"
    _production(project, out, mlflow_store)
    path = git_repo / "incoming" / name
    path.parent.mkdir(exist_ok=True)
    path.write_text(text)
    result = _monitor(project, out, str(path))
    assert result.exit_code == 2, result.output
    assert expected in result.output
    assert "Traceback" not in result.output


def test_missing_files_and_globs_are_bad_input(project: Path, git_repo: Path, mlflow_store: MlflowStore) -> None:
    out = git_repo / ".mlgate"
    result = _monitor(project, out, str(git_repo / "nope.csv"))
    assert result.exit_code == 2 and "nope.csv" in result.output
    result = _monitor(project, out, str(git_repo / "incoming" / "*.csv"))
    assert result.exit_code == 2 and "matches no file" in result.output


def _set(config: Path, **sections: Any) -> None:
    import yaml

    data = yaml.safe_load(config.read_text())
    data.update(sections)
    config.write_text(yaml.safe_dump(data, sort_keys=False))


def test_drift_opens_updates_closes_and_reopens_one_issue(project: Path, git_repo: Path,
                                                          mlflow_store: MlflowStore,
                                                          github_server: FakeGitHub) -> None:
    out = git_repo / ".mlgate"
    _production(project, out, mlflow_store)
    _set(project, monitor={"retrain_workflow": "retrain.yml"})
    github_server.add_workflow("retrain.yml")
    env = {**github_server.env(), "GITHUB_ACTIONS": "true"}  # posts by default inside Actions
    healthy = _csv(git_repo / "incoming" / "same.csv", 1000)
    drifted = _csv(git_repo / "incoming" / "shifted.csv", 1000, shift=5, colour="green")

    result = _monitor(project, out, str(healthy), env=env)
    assert result.exit_code == 0, result.output
    assert json.loads((out / "monitor.json").read_text())["status"] == "healthy"
    # looked (by creator, then by label: none of the bot's issues is this model's), nothing to do
    assert github_server.issues() == [] and len(github_server.requests) == 2

    result = _monitor(project, out, str(drifted), env=env)
    assert result.exit_code == 1, result.output
    document = json.loads((out / "monitor.json").read_text())
    assert document["status"] == "drifted" and not document["passed"]
    by_name = {f["name"]: f for f in document["features"]}
    assert by_name["x"]["status"] == "fail" and by_name["x"]["psi"] > 0.25
    assert by_name["colour"]["status"] == "fail" and by_name["colour"]["unseen_share"] > 0.5
    assert {"value": "green", "count": 666} in by_name["colour"]["new_values"]
    [issue] = github_server.issues()
    assert issue["state"] == "open" and [label["name"] for label in issue["labels"]] == ["mlgate", "drift"]
    assert issue["title"] == "mlgate monitor: churn drifted"
    assert issue["body"] == (out / "monitor.md").read_text().replace(
        "<!-- mlgate-monitor: churn -->\n", "<!-- mlgate-monitor: churn -->\n<!-- mlgate-status: fail -->\n", 1)
    assert github_server.dispatches() == [{"workflow": "retrain.yml", "ref": "main", "inputs": {}}]
    assert f"opened the monitoring issue {issue['html_url']}" in result.output

    before = len(github_server.requests)
    result = _monitor(project, out, str(drifted), env=env)  # the next scheduled run, still drifted
    assert result.exit_code == 1
    assert len(github_server.requests) - before <= 4  # the issue's update: list, (edit)
    assert len(github_server.issues()) == 1 and len(github_server.dispatches()) == 1
    assert github_server.comments(issue["number"]) == []

    result = _monitor(project, out, str(healthy), env=env)
    assert result.exit_code == 0, result.output
    assert github_server.issue(issue["number"])["state"] == "closed"
    assert "No drift any more" in github_server.comments(issue["number"])[-1]["body"]

    result = _monitor(project, out, str(drifted), env=env)
    assert result.exit_code == 1
    assert github_server.issue(issue["number"])["state"] == "open" and len(github_server.issues()) == 1
    assert "Drifted again" in github_server.comments(issue["number"])[-1]["body"]
    assert len(github_server.dispatches()) == 2  # a new episode of drift


def test_schema_changes_are_reported_not_crashed_on(project: Path, git_repo: Path,
                                                    mlflow_store: MlflowStore) -> None:
    out = git_repo / ".mlgate"
    _production(project, out, mlflow_store)
    batch = git_repo / "incoming" / "nolabel.csv"
    batch.parent.mkdir()
    rows = ["x,colour,z"] + [f"{i % 10},{'red' if i % 3 else 'blue'},1" for i in range(1000)]
    batch.write_text("\n".join(rows) + "\n")
    result = _monitor(project, out, str(batch), extra=("--no-post",))
    assert result.exit_code == 0, result.output  # a warning: serving data has no label
    document = json.loads((out / "monitor.json").read_text())
    assert document["status"] == "warned"
    assert document["schema_changes"]["missing"] == ["y"] and document["schema_changes"]["new"] == ["z"]
    assert "column y of the reference is missing from the batch" in result.output
    assert document["feed"] is None  # no data: entry matches: said once, in the report's data feed section
    report = (out / "monitor.md").read_text()
    assert report.count("entry matches") == 1 and "(name one with `--dataset`)" in report
    assert not any("entry matches" in note for note in document["notes"])

    _set(project, evaluate={"data": "data/train.csv", "label": "y", "command": "true", "task": "binary"})
    result = _monitor(project, out, str(batch), extra=("--no-post",))
    assert result.exit_code == 0, result.output  # serving data has no label: no schema change
    document = json.loads((out / "monitor.json").read_text())
    assert document["status"] == "healthy" and document["schema_changes"]["missing"] == []
    assert any("label column `y` is not in the batch" in note for note in document["notes"])


def test_a_broken_feed_is_not_drift(project: Path, git_repo: Path, mlflow_store: MlflowStore,
                                    github_server: FakeGitHub) -> None:
    out = git_repo / ".mlgate"
    _production(project, out, mlflow_store)
    _set(project, monitor={"retrain_workflow": "retrain.yml"},
         data=[{"path": "incoming/*.csv", "checks": {"columns": {"x": {"max": 9}}}}])
    github_server.add_workflow("retrain.yml")
    batch = _csv(git_repo / "incoming" / "broken.csv", 1000, shift=5)
    result = _monitor(project, out, str(batch), env=github_server.env(), extra=("--post",))
    assert result.exit_code == 1, result.output
    document = json.loads((out / "monitor.json").read_text())
    assert document["status"] == "invalid-data" and document["features"] == []
    assert document["feed"]["dataset"] == "incoming/*.csv" and not document["feed"]["passed"]
    assert "a broken feed, not drift" in result.output
    [issue] = github_server.issues()  # the issue says the feed is broken
    assert "the data feed is broken" in issue["body"] and issue["title"].endswith("the data feed is broken")
    assert github_server.dispatches() == []  # retraining on a broken feed would not help


def test_profile_defaults_to_the_training_data_and_names_an_unknown_run(project: Path, git_repo: Path,
                                                                        mlflow_store: MlflowStore) -> None:
    out = git_repo / ".mlgate"
    run_id = _production(project, out, mlflow_store)
    result = invoke(project, "profile", "--run", run_id, "--out", str(out))
    assert result.exit_code == 0, result.output
    assert f"logged as runs:/{run_id}/mlgate/profile.json" in result.output
    assert json.loads((out / "profile.json").read_text())["rows"] == ROWS  # train.deps: data/train.csv
    result = invoke(project, "profile", "--run", "0" * 32, "--out", str(out))
    assert result.exit_code == 2 and "not found" in result.output
