"""A training script that logs its own MLflow 3 model named "model" (`mlflow.sklearn.log_model(model,
name="model")`, as mlflow/mlflow-example does) beside mlgate's artifacts (issue 21 item 5): production is
re-scored and monitor scores a labelled batch with mlgate's own model files (`mlgate/model/`, checked against
lineage's sha256), never the LoggedModel's, and no file appears in the repository (run from its root).

Real parts: MLflow 3 (the installed version) with a SQLite store, scikit-learn, a git repository, the local
runtime.
"""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import mlflow
import pytest
import yaml

from tests.conftest import MlflowStore
from tests.support.eval_project import make_eval_project, score_py, write_holdout
from tests.support.train_project import git, invoke, lineage, train_args

LOG_MODEL = """\
import mlflow
from sklearn.linear_model import LogisticRegression

model = LogisticRegression().fit([[0], [1], [2], [3]], [0, 0, 1, 1])
with mlflow.start_run():  # the run mlgate made (MLFLOW_RUN_ID)
    mlflow.sklearn.log_model(model, name="model")
print("the script logged its own model named model")
"""

SHOW_FILES = 'print("model files:", sorted(os.listdir(os.environ["MLGATE_MODEL"])))\n'


def write_rows(path: Path, n: int) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["sample_id", "x", "sex", "y"])
        for i in range(n):
            writer.writerow([f"b{i}", i % 10, "fm"[i % 2], int(i % 10 >= 5)])
    return path


@pytest.mark.skipif(int(mlflow.__version__.split(".")[0]) < 3, reason="MLflow 3's LoggedModel is the collision")
def test_a_scripts_own_model_named_model_never_mixes_with_mlgates(
        git_repo: Path, mlflow_store: MlflowStore, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(git_repo)  # mlgate runs from the repository's root, as in CI
    config = make_eval_project(git_repo)
    (git_repo / "log_model.py").write_text(LOG_MODEL)
    (git_repo / "score.py").write_text(score_py(1).replace("import csv, os, sys\n",
                                                          "import csv, os, sys\n" + SHOW_FILES))
    settings = yaml.safe_load(config.read_text())
    settings["train"]["command"] = f"sh train.sh && {sys.executable} log_model.py"
    settings["monitor"] = {"min_rows": 20}
    # the script's LoggedModel lands in the real store only when it holds the registry (the default gives it a
    # throwaway store): stage the collision as a project that opted in would have it
    settings["train"]["tracking_credentials"] = "pass"
    config.write_text(yaml.safe_dump(settings, sort_keys=False))
    write_rows(git_repo / "data" / "train.csv", 40)
    git(git_repo, "add", "-A")
    git(git_repo, "commit", "-qm", "a script that logs its own model")
    out = git_repo / ".mlgate"
    result = invoke(config, *train_args(out))
    assert result.exit_code == 0, result.output
    assert "the script logged its own model named model" in result.output
    doc = lineage(out)
    run_id = doc["run"]["run_id"]
    client = mlflow_store.client()
    assert [m.name for m in client.search_logged_models([doc["run"]["experiment_id"]])] == ["model"]
    mlflow_store.client().set_registered_model_alias("churn", "production", doc["registered"]["version"])

    # the PR changes the evaluation data: production is scored again, with its model files from its run
    (git_repo / "score.py").write_text(score_py(2))
    write_holdout(git_repo, 30)
    git(git_repo, "commit", "-qam", "scorer v2, a larger holdout")
    assert invoke(config, *train_args(out)).exit_code == 0
    result = invoke(config, "evaluate", "--out", str(out))
    assert result.exit_code == 0, result.output
    recorded = sorted(doc["model"]["files"])
    assert recorded == ["extra.txt", "weights.txt"]
    assert f"model files: {recorded}" in result.output  # mlgate's files only: no MLmodel, no conda.yaml

    # monitor scores a labelled batch with production's model the same way
    batch = write_rows(git_repo / ".mlgate" / "batch" / "labelled.csv", 60)
    watched = invoke(config, "monitor", "--out", str(out / "monitor"), "--no-post", "--data", str(batch))
    assert watched.exit_code in (0, 1), watched.output
    assert f"model files: {recorded}" in watched.output

    assert not (git_repo / "mlflow.db").exists()
    status = subprocess.run(["git", "status", "--porcelain", "--ignored=no"], cwd=git_repo, check=True,
                            capture_output=True, text=True).stdout
    assert status == "", status
    assert run_id
