"""`mlgate promote --commit REF`: a git ref (HEAD, a branch, a short sha) means the commit it names."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import MlflowStore
from tests.support.train_project import git, invoke, lineage, make_project, train_args, validate


def gated_version(config: Path, out: Path, store: MlflowStore) -> str:
    validate(config, out)
    assert invoke(config, *train_args(out)).exit_code == 0
    version = str(lineage(out)["registered"]["version"])
    store.client().set_model_version_tag("churn", version, "mlgate.verdict", "passed")
    return version


@pytest.mark.parametrize("ref", ["HEAD", "main-ref", "short"])
def test_commit_accepts_a_git_ref(git_repo: Path, mlflow_store: MlflowStore, ref: str) -> None:
    config = make_project(git_repo)
    version = gated_version(config, git_repo / ".mlgate", mlflow_store)
    head = git(git_repo, "rev-parse", "HEAD")
    git(git_repo, "branch", "main-ref")
    result = invoke(config, "promote", "--commit", head[:8] if ref == "short" else ref)
    assert result.exit_code == 0, result.output
    client = mlflow_store.client()
    assert str(client.get_registered_model("churn").aliases["production"]) == version
    assert client.get_model_version("churn", version).tags["mlgate.promoted_from_commit"] == head


def test_an_unknown_ref_is_looked_up_as_given(git_repo: Path, mlflow_store: MlflowStore) -> None:
    config = make_project(git_repo)
    gated_version(config, git_repo / ".mlgate", mlflow_store)
    result = invoke(config, "promote", "--commit", "no-such-ref")
    assert result.exit_code == 2
    assert "no version of churn was built from commit no-such-ref" in result.output
