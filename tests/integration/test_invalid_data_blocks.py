"""A model trained on data that failed validation never passes and is never promoted without `--force`.

Real parts: a git project, `mlgate validate`, `train` (local runtime), `compare` and `promote` against a
SQLite MLflow store, chained through one work directory as the actions chain them.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import MlflowStore
from tests.support.train_project import invoke, lineage, make_project, train_args

TAG = "mlgate.data.validation"


def project(repo: Path, *, rows_min: int) -> Path:
    """The train project with data/train.csv (2 rows) declared under `data:`: valid unless rows_min > 2."""
    config = make_project(repo, commit=False)
    settings = yaml.safe_load(config.read_text())
    settings["data"] = [{"path": "data/train.csv", "checks": {"rows": {"min": rows_min}}}]
    config.write_text(yaml.safe_dump(settings, sort_keys=False))
    return config


def validate(config: Path, out: Path) -> int:
    return invoke(config, "validate", "--all", "--out", str(out)).exit_code


def verdict(out: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((out / "verdict.json").read_text())
    return data


def data_row(doc: dict[str, Any]) -> dict[str, Any]:
    [row] = [m for m in doc["metrics"] if m["name"] == "data"]
    return row


def version_tags(store: MlflowStore, version: str) -> dict[str, str]:
    return dict(store.client().get_model_version("churn", version).tags)


def production(store: MlflowStore) -> str | None:
    aliases = store.client().get_registered_model("churn").aliases
    return str(aliases["production"]) if "production" in aliases else None


def test_train_refuses_data_that_failed_validation(git_repo: Path, mlflow_store: MlflowStore) -> None:
    config = project(git_repo, rows_min=3)
    out = git_repo / ".mlgate"
    assert validate(config, out) == 1
    result = invoke(config, *train_args(out))
    assert result.exit_code == 1, result.output
    assert "refusing to train" in result.output
    assert "data/train.csv" in result.output and "--force" in result.output
    assert not (out / "lineage.json").exists()
    assert mlflow_store.client().search_registered_models() == []
    assert mlflow_store.client().search_runs([e.experiment_id for e in
                                              mlflow_store.client().search_experiments()]) == []


def test_forced_training_fails_the_verdict_and_promote(git_repo: Path, mlflow_store: MlflowStore,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    config = project(git_repo, rows_min=3)
    out = git_repo / ".mlgate"
    assert validate(config, out) == 1
    result = invoke(config, *train_args(out), env={"MLGATE_FORCE": "true"})  # the env var is --force
    assert result.exit_code == 0, result.output
    assert "--force" in result.output and "failed validation" in result.output
    doc = lineage(out)
    assert doc["data_validation"] == "forced"
    version = doc["registered"]["version"]
    run = mlflow_store.client().get_run(doc["run"]["run_id"])
    assert run.data.tags[TAG] == "forced"
    assert version_tags(mlflow_store, version)[TAG] == "forced"

    # compare: the data is part of the verdict, a failing row named `data`
    result = invoke(config, "compare", "--out", str(out))
    assert result.exit_code == 1, result.output
    found = verdict(out)
    assert found["passed"] is False and found["status"] == "failed"
    row = data_row(found)
    assert row["status"] == "fail" and row["severity"] == "fail"
    assert "data/train.csv" in row["reasons"][0]
    assert found["summary"].startswith("failed: data ")
    assert version_tags(mlflow_store, version)["mlgate.verdict"] == "failed"

    # promote: refused, naming why; --force records who forced it
    result = invoke(config, "promote", "--version", version, "--out", str(out))
    assert result.exit_code == 1, result.output
    assert f"refusing to promote churn version {version}" in result.output
    assert "failed validation" in result.output and TAG in result.output
    assert production(mlflow_store) is None
    monkeypatch.setenv("GITHUB_ACTOR", "octocat")
    result = invoke(config, "promote", "--version", version, "--force", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert production(mlflow_store) == version
    tags = version_tags(mlflow_store, version)
    assert tags["mlgate.promoted_forced_by"] == "octocat"
    assert tags["mlgate.promoted_data_validation"] == "forced"


def test_valid_data_passes_and_is_promoted(git_repo: Path, mlflow_store: MlflowStore) -> None:
    config = project(git_repo, rows_min=2)
    out = git_repo / ".mlgate"
    assert validate(config, out) == 0
    result = invoke(config, *train_args(out))
    assert result.exit_code == 0, result.output
    doc = lineage(out)
    assert doc["data_validation"] == "passed"
    version = doc["registered"]["version"]
    assert version_tags(mlflow_store, version)[TAG] == "passed"
    assert invoke(config, "compare", "--out", str(out)).exit_code == 0
    row = data_row(verdict(out))
    assert row["status"] == "pass" and row["candidate"] == "passed"
    assert invoke(config, "promote", "--version", version, "--out", str(out)).exit_code == 0
    assert production(mlflow_store) == version


def test_compare_fails_on_invalid_data_in_the_work_directory(git_repo: Path,
                                                            mlflow_store: MlflowStore) -> None:
    """Validation re-run after training (or a candidate from elsewhere): validation.json still decides."""
    config = project(git_repo, rows_min=2)
    out = git_repo / ".mlgate"
    assert validate(config, out) == 0
    assert invoke(config, *train_args(out)).exit_code == 0
    run_id = lineage(out)["run"]["run_id"]
    settings = yaml.safe_load(config.read_text())
    settings["data"][0]["checks"]["rows"]["min"] = 5
    config.write_text(yaml.safe_dump(settings, sort_keys=False))
    assert validate(config, out) == 1
    result = invoke(config, "compare", "--candidate-run", run_id, "--out", str(out))
    assert result.exit_code == 1, result.output
    row = data_row(verdict(out))
    assert row["status"] == "fail" and "data/train.csv" in row["reasons"][0]
    assert "data" in result.output and "FAILED" in result.output


def test_data_never_validated_is_not_promoted(git_repo: Path, mlflow_store: MlflowStore) -> None:
    config = project(git_repo, rows_min=2)
    out = git_repo / ".mlgate"
    result = invoke(config, *train_args(out))  # no `mlgate validate` before
    assert result.exit_code == 0, result.output
    assert "not validated" in result.output
    doc = lineage(out)
    assert doc["data_validation"] == "not-validated"
    version = doc["registered"]["version"]
    assert version_tags(mlflow_store, version)[TAG] == "not-validated"
    result = invoke(config, "compare", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert data_row(verdict(out))["status"] == "warn"
    result = invoke(config, "promote", "--version", version, "--out", str(out))
    assert result.exit_code == 1, result.output
    assert "its data was never validated" in result.output
    assert production(mlflow_store) is None


def test_a_version_without_the_data_tag_is_refused(git_repo: Path, mlflow_store: MlflowStore) -> None:
    """A version registered by hand (or by an mlgate before the tag): its data was never validated."""
    config = project(git_repo, rows_min=2)
    out = git_repo / ".mlgate"
    assert validate(config, out) == 0
    assert invoke(config, *train_args(out)).exit_code == 0
    version = lineage(out)["registered"]["version"]
    client = mlflow_store.client()
    client.delete_model_version_tag("churn", version, TAG)
    client.set_model_version_tag("churn", version, "mlgate.verdict", "passed")
    result = invoke(config, "promote", "--version", version, "--out", str(out))
    assert result.exit_code == 1, result.output
    assert "its data was never validated" in result.output


def test_data_edited_after_validation_is_not_validated(git_repo: Path, mlflow_store: MlflowStore) -> None:
    """validation.json describes data/train.csv at another version than the one trained on."""
    config = project(git_repo, rows_min=2)
    out = git_repo / ".mlgate"
    assert validate(config, out) == 0
    (git_repo / "data" / "train.csv").write_text("x,y\n1,0\n2,1\n3,0\n")
    result = invoke(config, *train_args(out))
    assert result.exit_code == 0, result.output
    assert "data/train.csv changed since `mlgate validate` checked it" in result.output
    doc = lineage(out)
    assert doc["data_validation"] == "not-validated"
    assert version_tags(mlflow_store, doc["registered"]["version"])[TAG] == "not-validated"
