"""`mlgate evaluate` scoring production in its recorded image (real podman, a busybox image by digest)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from tests.conftest import MlflowStore
from tests.support.eval_project import make_eval_project, score_sh, write_holdout
from tests.support.podman import BusyboxImage, busybox_image, import_image, needs_podman, podman  # noqa: F401
from tests.support.train_project import git, invoke, lineage, train_args

pytestmark = [pytest.mark.podman, needs_podman]


def test_production_is_scored_in_its_recorded_image_at_its_commit(
        git_repo: Path, mlflow_store: MlflowStore, busybox_image: BusyboxImage) -> None:  # noqa: F811
    config = make_eval_project(git_repo, shell=True, image=busybox_image.reference, runtime="podman")
    out = git_repo / ".mlgate"
    result = invoke(config, *train_args(out))
    assert result.exit_code == 0, result.output
    assert "scoring v1 (sh)" in result.output
    mlflow_store.client().set_registered_model_alias("churn", "production", lineage(out)["registered"]["version"])
    (git_repo / "score.sh").write_text(score_sh(2))
    write_holdout(git_repo, 30)
    git(git_repo, "commit", "-qam", "scorer v2, a larger holdout")
    assert invoke(config, *train_args(out)).exit_code == 0

    result = invoke(config, "evaluate", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert "(podman): `sh score.sh`" in result.output and "scoring v1 (sh)" in result.output
    with (out / "predictions" / "production.csv").open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 30 and rows[7]["score"] == "0.7"
    assert json.loads((out / "evaluation.json").read_text())["production"]["source"] == "scored"


@pytest.mark.parametrize("policy, code", [("fail", 3), ("logged", 0)])
def test_production_image_unavailable_is_exit_3_unless_logged(
        git_repo: Path, mlflow_store: MlflowStore, busybox_image: BusyboxImage, tmp_path: Path,  # noqa: F811
        policy: str, code: int) -> None:
    gone = import_image(tmp_path)  # production's own image, removed after its training
    config = make_eval_project(git_repo, shell=True, image=gone.reference, runtime="podman",
                               evaluate={"on_production_error": policy})
    out = git_repo / ".mlgate"
    try:
        assert invoke(config, *train_args(out)).exit_code == 0
    finally:
        podman("rmi", "--force", gone.tag, check=False)
    mlflow_store.client().set_registered_model_alias("churn", "production", lineage(out)["registered"]["version"])
    config.write_text(config.read_text().replace(gone.reference, busybox_image.reference))
    write_holdout(git_repo, 30)
    git(git_repo, "commit", "-qam", "a new image, a larger holdout")
    assert invoke(config, *train_args(out)).exit_code == 0
    result = invoke(config, "evaluate", "--out", str(out))
    assert result.exit_code == code, result.output
    assert "production churn@production (version 1) could not be re-scored: podman could not run" in result.output
    if policy == "logged":
        production = json.loads((out / "evaluation.json").read_text())["production"]
        assert production["source"] == "unavailable" and "podman could not run" in production["error"]
