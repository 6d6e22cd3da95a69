"""`mlgate train` with the local runtime: real git, a real SQLite MLflow store, a shell training script."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import MlflowStore
from tests.support.train_project import git, invoke, lineage, make_project, train_args


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def dataset(path: str, status: str, version: dict[str, str] | None, rows: int | None = None,
            size: int | None = None) -> dict[str, Any]:
    """One entry of validation.json as `mlgate validate` writes it."""
    return {"dataset": path, "path": path, "format": "csv" if version else None, "status": status,
            "version": version, "rows": rows, "bytes": size, "failures": []}


def validation(out: Path, datasets: list[dict[str, Any]]) -> None:
    (out / "validation.json").write_text(json.dumps({
        "schema_version": 1, "passed": True, "mode": "changed", "base": "main", "base_sha": "0" * 40,
        "datasets": datasets}))


def test_train_records_the_four_pins_logs_and_registers(git_repo: Path, mlflow_store: MlflowStore) -> None:
    config = make_project(git_repo)
    out = git_repo / ".mlgate"
    result = invoke(config, *train_args(out))
    assert result.exit_code == 0, result.output
    assert "training: seed=42" in result.output  # the log streams to the console
    assert "registered churn version 1 as @candidate" in result.output
    doc = lineage(out)
    assert doc["schema_version"] == 1 and doc["status"] == "succeeded"
    # code
    assert doc["code"] == {"commit": git(git_repo, "rev-parse", "HEAD"), "dirty": False, "diff_sha256": None}
    # data
    assert doc["data"] == [{"path": "data/train.csv", "bytes": 12, "rows": None, "source": "computed",
                            "version": {"kind": "sha256", "value": sha256(git_repo / "data/train.csv")}}]
    # environment
    env = doc["environment"]
    assert env["runtime"] == "local" and env["pinned"] is False and env["image_digest"] is None
    assert env["lockfile"] == "requirements.lock"
    assert env["lockfile_sha256"] == sha256(git_repo / "requirements.lock")
    assert env["python_version"] and env["python_version"][0] == "3"
    # configuration
    conf = doc["configuration"]
    assert conf["params"] == {"lr": 0.1, "model": {"depth": 3, "use_bias": True}}
    assert conf["params_sha256"] == sha256(git_repo / "params.yaml")
    assert conf["seed"] == 42 and conf["command"] == "sh train.sh" and conf["metrics_file"] == "metrics.json"
    # model, reproducibility
    weights = git_repo / "model" / "weights.txt"
    assert doc["model"]["files"] == {"weights.txt": sha256(weights), "extra.txt": sha256(git_repo / "model/extra.txt")}
    assert weights.read_text().startswith("seed 42\nlr: 0.1")
    assert doc["reproducible"] is False
    assert doc["not_reproducible_because"] == ["ran on the host (runtime local): the environment is not pinned"]
    assert doc["metrics"] == {"accuracy": 0.91, "test.auc": 0.87}
    assert "metric note" in result.output  # a non-number is named, not logged

    client = mlflow_store.client()
    run = client.get_run(doc["run"]["run_id"])
    assert run.info.status == "FINISHED"
    assert run.data.metrics == {"accuracy": 0.91, "test.auc": 0.87}
    assert run.data.params == {"lr": "0.1", "model.depth": "3", "model.use_bias": "true"}
    assert run.data.tags["mlgate.commit"] == doc["code"]["commit"]
    assert run.data.tags["mlgate.params_sha256"] == conf["params_sha256"]
    assert run.data.tags["mlgate.lockfile_sha256"] == env["lockfile_sha256"]
    assert json.loads(run.data.tags["mlgate.data"])[0]["value"] == doc["data"][0]["version"]["value"]
    assert run.data.tags["mlgate.reproducible"] == "false"
    assert run.data.tags["mlgate.status"] == "succeeded"
    # artifacts next to the database, never in the cwd's ./mlruns
    artifacts = Path(run.info.artifact_uri.removeprefix("file://"))
    assert artifacts.is_relative_to(mlflow_store.db.parent / "mlartifacts")
    assert (artifacts / "mlgate" / "model" / "weights.txt").read_bytes() == weights.read_bytes()
    assert json.loads((artifacts / "mlgate" / "lineage.json").read_text())["registered"]["version"] == "1"
    assert (artifacts / "mlgate" / "train.log").is_file()
    assert not (Path.cwd() / "mlruns").exists()

    version = client.get_model_version_by_alias("churn", "candidate")
    assert str(version.version) == "1" and version.run_id == doc["run"]["run_id"]
    assert version.tags["mlgate.commit"] == doc["code"]["commit"]
    assert doc["registered"] == {"name": "churn", "version": "1", "alias": "candidate"}


def test_a_second_train_moves_the_candidate_alias(git_repo: Path, mlflow_store: MlflowStore) -> None:
    config = make_project(git_repo)
    assert invoke(config, *train_args(git_repo / ".mlgate")).exit_code == 0
    assert invoke(config, *train_args(git_repo / ".mlgate")).exit_code == 0
    assert str(mlflow_store.client().get_model_version_by_alias("churn", "candidate").version) == "2"


def test_dirty_tree_is_pinned_by_a_diff_hash(git_repo: Path, mlflow_store: MlflowStore) -> None:
    config = make_project(git_repo)
    (git_repo / "train.sh").write_text((git_repo / "train.sh").read_text() + "# local edit\n")
    out = git_repo / ".mlgate"
    assert invoke(config, *train_args(out)).exit_code == 0
    first = lineage(out)["code"]
    assert first["dirty"] is True and len(first["diff_sha256"]) == 64
    (git_repo / "notes.txt").write_text("untracked")
    assert invoke(config, *train_args(out)).exit_code == 0
    second = lineage(out)["code"]
    assert second["diff_sha256"] != first["diff_sha256"]  # an untracked file counts too
    assert "the work tree had uncommitted changes: notes.txt, train.sh" in lineage(out)["not_reproducible_because"]


def test_seed_params_and_mlgate_variables_reach_the_command(git_repo: Path, mlflow_store: MlflowStore) -> None:
    config = make_project(git_repo, train={
        "command": 'sh train.sh && env | grep -E "^(MLGATE_|PYTHONHASHSEED|MLFLOW_)" | sort > model/env.txt',
        "seed": 7, "env": {"CUSTOM": "yes"}})
    assert invoke(config, *train_args(git_repo / ".mlgate")).exit_code == 0
    seen = dict(line.split("=", 1) for line in (git_repo / "model" / "env.txt").read_text().splitlines())
    assert seen["MLGATE_SEED"] == "7" and seen["PYTHONHASHSEED"] == "7"
    assert seen["MLGATE_PARAMS"] == str(git_repo / "params.yaml")
    assert seen["MLGATE_METRICS"] == str(git_repo / "metrics.json")
    assert seen["MLGATE_MODEL"] == str(git_repo / "model")
    run_id = lineage(git_repo / ".mlgate")["run"]["run_id"]
    # the throwaway store (train.tracking_credentials: none), never the registry's URI or its run
    assert seen["MLFLOW_TRACKING_URI"].startswith("file:///") and "mlgate-sandbox-" in seen["MLFLOW_TRACKING_URI"]
    assert seen["MLFLOW_RUN_ID"] != run_id and seen["MLGATE_RUN_ID"] == run_id
    assert lineage(git_repo / ".mlgate")["configuration"]["env"] == ["CUSTOM"]  # names only, never values


def test_no_register(git_repo: Path, mlflow_store: MlflowStore) -> None:
    config = make_project(git_repo)
    result = invoke(config, *train_args(git_repo / ".mlgate", ["--no-register"]))
    assert result.exit_code == 0
    assert lineage(git_repo / ".mlgate")["registered"] is None
    assert mlflow_store.client().search_registered_models() == []


def test_pr_number_and_run_url_from_github_actions(git_repo: Path, mlflow_store: MlflowStore, events: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    config = make_project(git_repo)
    payload = json.loads((events / "pull_request.opened.payload.json").read_text())
    monkeypatch.setenv("GITHUB_EVENT_PATH", str(events / "pull_request.opened.payload.json"))
    monkeypatch.setenv("GITHUB_REPOSITORY", "octo/churn")
    monkeypatch.setenv("GITHUB_RUN_ID", "991")
    assert invoke(config, *train_args(git_repo / ".mlgate")).exit_code == 0
    version = mlflow_store.client().get_model_version("churn", "1")
    assert version.tags["mlgate.pr"] == str(payload["pull_request"]["number"])
    assert version.tags["mlgate.head_sha"] == payload["pull_request"]["head"]["sha"]
    assert version.tags["mlgate.run_url"] == "https://github.com/octo/churn/actions/runs/991"


def test_validation_json_lends_rows_and_status(git_repo: Path, mlflow_store: MlflowStore) -> None:
    config = make_project(git_repo)
    out = git_repo / ".mlgate"
    out.mkdir()
    value = sha256(git_repo / "data/train.csv")
    validation(out, [
        dataset("data/train.csv", "valid", {"kind": "sha256", "value": value}, rows=2, size=12),
        dataset("data/unchanged.csv", "skipped", None)])
    assert invoke(config, *train_args(out)).exit_code == 0
    entry = lineage(out)["data"][0]
    assert (entry["rows"], entry["source"], entry["validation"]) == (2, "validation", "valid")


@pytest.mark.parametrize(("text", "words"), [
    ('{"schema_version": 1, "datasets": "nope"}', "is not a valid validation.json"),
    ('{"schema_version": 9}', "has schema_version 9"),
    ("{broken", "is not valid JSON"),
])
def test_a_malformed_validation_json_is_bad_input(git_repo: Path, mlflow_store: MlflowStore, text: str,
                                                  words: str) -> None:
    """The data pin takes the validation status from validation.json: a broken one is not silently skipped."""
    config = make_project(git_repo)
    out = git_repo / ".mlgate"
    out.mkdir()
    (out / "validation.json").write_text(text)
    result = invoke(config, *train_args(out))
    assert result.exit_code == 2, result.output
    assert words in result.output and "validation.json" in result.output
    assert not (out / "lineage.json").exists()


def test_training_failure_exits_1_with_the_log_tail(git_repo: Path, mlflow_store: MlflowStore) -> None:
    config = make_project(git_repo, train={"env": {"MODE": "fail"}})
    out = git_repo / ".mlgate"
    result = invoke(config, *train_args(out))
    assert result.exit_code == 1
    assert "the training command failed with exit code 7" in result.output
    doc = lineage(out)
    assert doc["status"] == "failed"
    assert doc["log_tail"][-1] == "loss exploded at step 3"
    assert doc["registered"] is None
    assert mlflow_store.client().get_run(doc["run"]["run_id"]).info.status == "FAILED"


@pytest.mark.parametrize("compare", [True, False])
def test_the_report_of_a_failed_training_leads_with_it(git_repo: Path, mlflow_store: MlflowStore,
                                                      compare: bool) -> None:
    """train fails; compare (run on its own, or skipped as the gate action skips it) and report follow."""
    config = make_project(git_repo, train={"env": {"MODE": "fail"}})
    config.write_text(config.read_text() + "metrics:\n  accuracy: {direction: maximize}\n")
    git(git_repo, "commit", "-qam", "gate accuracy")
    out = git_repo / ".mlgate"
    assert invoke(config, *train_args(out)).exit_code == 1
    if compare:
        assert invoke(config, "compare", "--out", str(out)).exit_code == 1
    reported = invoke(config, "report", "--out", str(out), "--no-post")
    assert reported.exit_code == 0, reported.output
    text = (out / "report.md").read_text()
    assert "**Training failed: the training command failed with exit code 7**" in text
    assert "candidate value is missing**" not in text
    tail = text.split("<details><summary>Training log: the last 2 lines</summary>", 1)[1].split("</details>")[0]
    assert "```text\ntraining: seed=42" in tail and "loss exploded at step 3\n```" in tail


@pytest.mark.parametrize(
    ("mode", "message"),
    [
        ("no-metrics", "did not write its metrics file"),
        ("bad-metrics", "is not valid JSON"),
        ("no-model", "did not write its model"),
    ],
)
def test_missing_or_malformed_outputs_exit_2(git_repo: Path, mlflow_store: MlflowStore, mode: str,
                                             message: str) -> None:
    config = make_project(git_repo, train={"env": {"MODE": mode}})
    result = invoke(config, *train_args(git_repo / ".mlgate"))
    assert result.exit_code == 2
    assert message in result.output
    assert lineage(git_repo / ".mlgate")["status"] == "failed"


def test_a_stale_metrics_file_is_not_taken_for_a_new_one(git_repo: Path, mlflow_store: MlflowStore) -> None:
    import os

    config = make_project(git_repo, train={"env": {"MODE": "no-metrics"}})
    stale = git_repo / "metrics.json"
    stale.write_text('{"accuracy": 0.99}')
    os.utime(stale, (1_000_000_000, 1_000_000_000))
    result = invoke(config, *train_args(git_repo / ".mlgate"))
    assert result.exit_code == 2
    assert "was not written by this training run" in result.output


@pytest.mark.parametrize(
    ("train", "message"),
    [
        ({"params": "nope.yaml"}, "train.params names it"),
        ({"lockfile": "nope.lock"}, "train.lockfile"),
        ({"deps": ["data/missing.csv"]}, "data/missing.csv not found"),
        ({"runtime": "podman"}, "train.image is not set"),
        ({"runtime": "podman", "image": "python:3.11"}, "is not pinned by digest"),
        ({"runtime": "docker", "image": "python:3.11"}, "allow_unpinned"),
    ],
)
def test_bad_input_exits_2(git_repo: Path, mlflow_store: MlflowStore, train: dict[str, object],
                           message: str) -> None:
    config = make_project(git_repo, train=train)
    result = invoke(config, *train_args(git_repo / ".mlgate"))
    assert result.exit_code == 2, result.output
    assert message in result.output


def test_no_train_section_exits_2(git_repo: Path, mlflow_store: MlflowStore) -> None:
    config = git_repo / "mlgate.yaml"
    config.write_text("model:\n  name: churn\n")
    result = invoke(config, *train_args(git_repo / ".mlgate"))
    assert result.exit_code == 2
    assert "no train section" in result.output


def test_unreachable_tracking_server_exits_3_with_a_redacted_uri(git_repo: Path) -> None:
    config = make_project(git_repo)
    uri = "http://user:hunter2@127.0.0.1:9/"
    result = invoke(config, *train_args(git_repo / ".mlgate", ["--tracking-uri", uri]))
    assert result.exit_code == 3
    assert "127.0.0.1:9" in result.output
    assert "hunter2" not in result.output


def test_default_store_is_sqlite_under_out(git_repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = make_project(git_repo)
    monkeypatch.chdir(git_repo)
    out = git_repo / ".mlgate"
    assert invoke(config, *train_args(out)).exit_code == 0
    assert (out / "mlflow.db").is_file()
    assert (out / "mlartifacts" / "churn").is_dir()
    assert not (git_repo / "mlruns").exists()


@pytest.mark.slow
def test_a_script_logging_to_mlflow_itself_logs_into_mlgates_run(git_repo: Path,
                                                                 mlflow_store: MlflowStore) -> None:
    """It logs to its throwaway store (train.tracking_credentials: none); mlgate carries what it logged to its
    own run, the params file winning over the script on the same name."""
    import sys

    script = ("import mlflow\nwith mlflow.start_run():\n    mlflow.log_param('lr', 'as-the-script-said')\n"
              "    mlflow.log_param('script_param', 'kept')\n    mlflow.log_metric('script_metric', 1.5)\n")
    (git_repo / "log_to_mlflow.py").write_text(script)
    config = make_project(git_repo, train={"command": f"sh train.sh && {sys.executable} log_to_mlflow.py"})
    result = invoke(config, *train_args(git_repo / ".mlgate"))
    assert result.exit_code == 0, result.output
    run_id = lineage(git_repo / ".mlgate")["run"]["run_id"]
    runs = mlflow_store.client().search_runs([lineage(git_repo / ".mlgate")["run"]["experiment_id"]])
    assert [r.info.run_id for r in runs] == [run_id]  # one run, not two
    data = mlflow_store.client().get_run(run_id).data
    assert data.params["lr"] == "0.1"  # the params file's value (the configuration pin), not an MLflow error
    assert data.params["model.depth"] == "3"
    assert data.metrics["script_metric"] == 1.5 and data.metrics["accuracy"] == 0.91
    assert data.params["script_param"] == "kept"


def test_dataset_globs_are_pinned_file_by_file(git_repo: Path, mlflow_store: MlflowStore) -> None:
    config = make_project(git_repo, commit=False)
    (git_repo / "data" / "more").mkdir()
    (git_repo / "data" / "more" / "b.csv").write_text("x,y\n3,1\n")
    text = config.read_text() + "data:\n  - path: data/**/*.csv\n"
    config.write_text(text)
    git(git_repo, "add", "-A")
    git(git_repo, "commit", "-q", "-m", "globbed data")
    assert invoke(config, *train_args(git_repo / ".mlgate")).exit_code == 0
    pinned = {d["path"]: d["version"]["value"] for d in lineage(git_repo / ".mlgate")["data"]}
    assert pinned == {"data/train.csv": sha256(git_repo / "data/train.csv"),
                      "data/more/b.csv": sha256(git_repo / "data/more/b.csv")}


def test_an_unchanged_dataset_in_validation_json_has_no_version(git_repo: Path, mlflow_store: MlflowStore) -> None:
    """validate lists an unchanged dataset with `version: null`; the data pin computes it instead."""
    config = make_project(git_repo)
    out = git_repo / ".mlgate"
    out.mkdir()
    validation(out, [dataset("data/train.csv", "skipped", None)])
    result = invoke(config, *train_args(out))
    assert result.exit_code == 0, result.output
    entry = lineage(out)["data"][0]
    assert entry["source"] == "computed"
    assert entry["version"]["value"] == sha256(git_repo / "data/train.csv")


def test_mlgate_own_folders_do_not_make_the_code_dirty(tmp_path: Path, mlflow_store: MlflowStore) -> None:
    """A project that does not gitignore .mlgate/: validation.json (an earlier stage) and the embedded store
    are mlgate's own output, not code; a real edit still counts."""
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    git(repo, "config", "commit.gpgsign", "false")
    config = make_project(repo)
    out = repo / ".mlgate"
    out.mkdir()
    validation(out, [])
    assert invoke(config, *train_args(out)).exit_code == 0
    assert lineage(out)["code"]["dirty"] is False
    other = repo / "work-elsewhere"  # --out inside the repository, beside the default .mlgate/
    assert invoke(config, *train_args(other)).exit_code == 0
    assert lineage(other)["code"]["dirty"] is False
    (repo / "notes.txt").write_text("untracked")
    assert invoke(config, *train_args(out)).exit_code == 0
    assert lineage(out)["code"]["dirty"] is True


def test_outputs_tracked_in_git_do_not_make_the_next_run_dirty(tmp_path: Path, mlflow_store: MlflowStore) -> None:
    """metrics.json and model/ committed to git: the next training rewrites them, which is not a code change."""
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    git(repo, "config", "commit.gpgsign", "false")
    config = make_project(repo, train={"metrics": "out/metrics.json"}, commit=False)
    (repo / ".gitignore").write_text(".mlgate/\n")  # the outputs are tracked, not ignored
    (repo / "model").mkdir()
    (repo / "model" / "weights.txt").write_text("an older model\n")
    (repo / "out").mkdir()
    (repo / "out" / "metrics.json").write_text('{"accuracy": 0.5}')
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "project with its outputs")
    out = repo / ".mlgate"
    for _ in range(2):
        assert invoke(config, *train_args(out)).exit_code == 0
        assert lineage(out)["code"]["dirty"] is False, lineage(out)["not_reproducible_because"]
    assert git(repo, "status", "--porcelain")  # the outputs did change in the work tree
    (repo / "train.sh").write_text((repo / "train.sh").read_text() + "# edit\n")
    assert invoke(config, *train_args(out)).exit_code == 0
    assert "the work tree had uncommitted changes: train.sh" in lineage(out)["not_reproducible_because"]


def test_the_dirty_reason_names_a_few_changed_files(git_repo: Path, mlflow_store: MlflowStore) -> None:
    config = make_project(git_repo)
    (git_repo / "train.sh").write_text((git_repo / "train.sh").read_text() + "# local edit\n")
    for number in range(5):
        (git_repo / f"notes{number}.txt").write_text("untracked")
    git(git_repo, "mv", "params.yaml", "params-moved.yaml")
    config.write_text(config.read_text().replace("params: params.yaml", "params: params-moved.yaml"))
    out = git_repo / ".mlgate"
    assert invoke(config, *train_args(out)).exit_code == 0
    (reason,) = [r for r in lineage(out)["not_reproducible_because"] if "uncommitted" in r]
    assert reason == ("the work tree had uncommitted changes: mlgate.yaml, notes0.txt, notes1.txt "
                      "and 5 more"), reason


def test_untracked_files_are_hashed_when_the_config_is_in_a_subfolder(tmp_path: Path,
                                                                       mlflow_store: MlflowStore) -> None:
    """git reports paths from the repository root: the content of an untracked file must be hashed even
    when mlgate.yaml (the project root) is a subfolder of the repository."""
    repo = tmp_path / "repo"
    (repo / "proj").mkdir(parents=True)
    git(repo, "init", "-q", "-b", "main")
    git(repo, "config", "commit.gpgsign", "false")
    (repo / ".gitignore").write_text(".mlgate/\n")
    config = make_project(repo / "proj")
    out = repo / "proj" / ".mlgate"
    (repo / "proj" / "notes.txt").write_text("one")
    assert invoke(config, *train_args(out)).exit_code == 0
    first = lineage(out)["code"]["diff_sha256"]
    (repo / "proj" / "notes.txt").write_text("two")
    assert invoke(config, *train_args(out)).exit_code == 0
    assert lineage(out)["code"]["diff_sha256"] != first


def test_bad_input_leaves_no_older_lineage_json(git_repo: Path, mlflow_store: MlflowStore) -> None:
    """compare and report read lineage.json: a train stopped by bad input must not leave the previous run's."""
    config = make_project(git_repo)
    out = git_repo / ".mlgate"
    assert invoke(config, *train_args(out)).exit_code == 0
    (git_repo / "requirements.lock").unlink()
    result = invoke(config, *train_args(out))
    assert result.exit_code == 2, result.output
    assert not (out / "lineage.json").exists()



def test_a_metric_name_mlflow_rejects_exits_2_naming_it(git_repo: Path, mlflow_store: MlflowStore) -> None:
    config = make_project(git_repo, train={"command": "sh train.sh && printf '{\"a//b\": 1}' > metrics.json"})
    result = invoke(config, *train_args(git_repo / ".mlgate"))
    assert result.exit_code == 2, result.output
    assert "MLflow rejects the metric 'a//b'" in result.output and "would resolve to 'a/b'" in result.output
    assert "metrics file" in result.output
    assert "tracking server is running" not in result.output
    assert lineage(git_repo / ".mlgate")["status"] == "failed"


@pytest.mark.slow
def test_two_first_trainings_on_a_fresh_embedded_store(tmp_path: Path) -> None:
    """Two CI jobs train at once into a SQLite store nobody opened yet: both succeed, one experiment."""
    import os
    import subprocess
    import sys

    db = tmp_path / "store" / "mlflow.db"
    db.parent.mkdir()
    jobs = []
    for name in ("one", "two"):
        repo = tmp_path / name
        repo.mkdir()
        git(repo, "init", "-q", "-b", "main")
        git(repo, "config", "commit.gpgsign", "false")
        config = make_project(repo)
        jobs.append(subprocess.Popen(
            [sys.executable, "-m", "mlgate", "--config", str(config), "train", "--out", str(repo / ".mlgate"),
             "--tracking-uri", f"sqlite:///{db}"],
            cwd=repo, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=dict(os.environ)))
    results = [(job.wait(timeout=300), job.stdout.read() if job.stdout else "") for job in jobs]
    assert [code for code, _ in results] == [0, 0], results
    assert all("Traceback" not in output for _, output in results)
    from mlflow.tracking import MlflowClient

    client = MlflowClient(f"sqlite:///{db}")
    assert sorted(e.name for e in client.search_experiments()) == ["Default", "churn"]
    assert sorted(int(v.version) for v in client.search_model_versions("name='churn'")) == [1, 2]
