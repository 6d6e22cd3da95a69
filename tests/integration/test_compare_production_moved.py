"""compare re-checks production: when @production moves between `mlgate evaluate` and `mlgate compare` (another
PR was promoted), the verdict must not name the new production with the old one's numbers.

Same project as test_compare_same_data.py: production (scorer v1) is right on every evaluation row (accuracy
1.0); the PR's model (scorer v2) misses 3 of 30 (accuracy 0.9). The alias is moved to another version trained
at the PR's commit (scorer v2 too), whose numbers differ from the old production's, so a verdict carrying
stale numbers is visible.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import MlflowStore
from tests.integration.test_compare_same_data import pull_request
from tests.support.train_project import invoke, lineage, train_args

GATED_AGAINST = "mlgate.verdict.production_version"


def another_version(config: Path, repo: Path) -> str:
    """A model version trained at the current commit into its own work directory (another PR's, merged)."""
    other = repo / ".other"
    result = invoke(config, *train_args(other))
    assert result.exit_code == 0, result.output
    return str(lineage(other)["registered"]["version"])


def production_row(out: Path) -> tuple[str, Any]:
    doc = json.loads((out / "verdict.json").read_text())
    accuracy = next(m for m in doc["metrics"] if m["name"] == "accuracy")
    return doc["production"]["version"], accuracy["production"]


def test_compare_rescores_when_production_moved_after_evaluate(git_repo: Path,
                                                               mlflow_store: MlflowStore) -> None:
    config, out = pull_request(git_repo, mlflow_store)
    assert invoke(config, "evaluate", "--out", str(out)).exit_code == 0
    old = json.loads((out / "evaluation.json").read_text())["production"]["version"]
    moved = another_version(config, git_repo)  # another promotion: @production is now this version
    mlflow_store.client().set_registered_model_alias("churn", "production", moved)

    result = invoke(config, "compare", "--out", str(out))
    assert result.exit_code == 0, result.output
    version, accuracy = production_row(out)
    assert version == moved
    assert accuracy == pytest.approx(0.9)  # the new production's own score, not the old one's 1.0
    assert f"churn@production moved from version {old} to version {moved}" in result.output
    assert json.loads((out / "evaluation.json").read_text())["production"]["version"] == moved
    candidate = str(lineage(out)["registered"]["version"])
    assert mlflow_store.client().get_model_version("churn", candidate).tags[GATED_AGAINST] == moved


def test_production_moving_during_compare_fails_without_a_verdict(git_repo: Path, mlflow_store: MlflowStore,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    from mlgate.commands import evidence

    config, out = pull_request(git_repo, mlflow_store)
    assert invoke(config, "evaluate", "--out", str(out)).exit_code == 0
    old = json.loads((out / "evaluation.json").read_text())["production"]["version"]
    candidate = str(lineage(out)["registered"]["version"])
    moved = another_version(config, git_repo)
    real = evidence.same_data_evidence

    def promoted_meanwhile(*args: Any, **kwargs: Any) -> Any:
        found = real(*args, **kwargs)  # compare has scored the old production; now the alias moves
        mlflow_store.client().set_registered_model_alias("churn", "production", moved)
        return found

    monkeypatch.setattr(evidence, "same_data_evidence", promoted_meanwhile)
    result = invoke(config, "compare", "--out", str(out))
    assert result.exit_code == 3, result.output
    assert (f"churn@production moved while mlgate compare ran: it scored version {old}, and churn@production "
            f"is now version {moved}") in result.output
    assert "run mlgate compare again" in result.output
    assert not (out / "verdict.json").exists()
    assert "mlgate.verdict" not in mlflow_store.client().get_model_version("churn", candidate).tags
    monkeypatch.setattr(evidence, "same_data_evidence", real)

    result = invoke(config, "compare", "--out", str(out))  # run again: it scores the new production
    assert result.exit_code == 0, result.output
    assert production_row(out) == (moved, pytest.approx(0.9))
    assert mlflow_store.client().get_model_version("churn", candidate).tags[GATED_AGAINST] == moved
