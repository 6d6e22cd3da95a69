"""What the registry returns is untrusted input (issue 20 item 3): attacks staged on a real SQLite MLflow store
and a real git repository, as someone with write access to the registry (or a training given its
credentials) would stage them, rewriting production's run after `mlgate train` wrote it.

The project (tests/support/eval_project.py): production scores x/10 (scorer v1); the PR's scorer scores
x/10 * 0.9, so it calls the rows with x = 5 negative: 2 of 20 rows flip from right to wrong, a real
regression that `max_harmful_flip_pct: 5` fails.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import MlflowStore
from tests.support.eval_project import make_eval_project, score_py, write_holdout
from tests.support.train_project import git, invoke, lineage, train_args


def overwrite(mlflow_store: MlflowStore, run_id: str, artifact: str, content: bytes, tmp: Path) -> None:
    """Replace an artifact of the run, as anyone who can write to the run can."""
    folder, _, name = artifact.rpartition("/")
    local = tmp / "attacker" / name
    local.parent.mkdir(parents=True, exist_ok=True)
    local.write_bytes(content)
    mlflow_store.client().log_artifact(run_id, str(local), folder or None)


def production(config: Path, out: Path, mlflow_store: MlflowStore) -> dict[str, Any]:
    """Train at the current commit and put that version in production; its lineage."""
    result = invoke(config, *train_args(out))
    assert result.exit_code == 0, result.output
    doc = lineage(out)
    mlflow_store.client().set_registered_model_alias("churn", "production", doc["registered"]["version"])
    return doc


def pull_request(repo: Path, config: Path, out: Path, *, new_rows: int | None = None) -> None:
    """The PR: scorer v2 (a regression), optionally another evaluation file (production is then re-scored)."""
    (repo / "score.py").write_text(score_py(2))
    if new_rows:
        write_holdout(repo, new_rows)
    git(repo, "commit", "-qam", "scorer v2")
    result = invoke(config, *train_args(out))
    assert result.exit_code == 0, result.output


def cached_artifact(mlflow_store: MlflowStore, run_id: str) -> str:
    names = [a.path for a in mlflow_store.client().list_artifacts(run_id, "mlgate/predictions")]
    assert len(names) == 1, names
    return str(names[0])


def inverted(path: Path) -> bytes:
    """The predictions with every class and score flipped: production made to look wrong on every row."""
    with path.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=["sample_id", "prediction", "score"], lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({"sample_id": row["sample_id"], "prediction": 1 - int(row["prediction"]),
                         "score": round(1 - float(row["score"]), 6)})
    return buffer.getvalue().encode()


def test_inverted_cached_predictions_are_scored_again_and_the_regression_fails(
        git_repo: Path, mlflow_store: MlflowStore, tmp_path: Path) -> None:
    config = make_eval_project(git_repo, evaluate={"max_harmful_flip_pct": 5})
    out = git_repo / ".mlgate"
    run_id = production(config, out, mlflow_store)["run"]["run_id"]
    real = tmp_path / "production.csv"  # production's predictions, cached on its run by its training
    real.write_bytes((out / "predictions" / "candidate.csv").read_bytes())
    pull_request(git_repo, config, out)
    artifact = cached_artifact(mlflow_store, run_id)
    overwrite(mlflow_store, run_id, artifact, inverted(real), tmp_path)

    result = invoke(config, "evaluate", "--out", str(out))
    assert result.exit_code == 0, result.output
    verdict = invoke(config, "compare", "--out", str(out))
    assert verdict.exit_code == 1, verdict.output  # the real regression fails the gate
    assert "do not have the sha256 mlgate recorded when it wrote them" in result.output
    assert "scoring production churn@production (version 1)" in result.output
    assert (out / "predictions" / "production.csv").read_bytes() == real.read_bytes()  # not the forgery
    assert json.loads((out / "evaluation.json").read_text())["production"]["source"] == "scored"
    # the forged file was replaced by what mlgate scored, with its sha256: the next run uses the cache again
    again = invoke(config, "evaluate", "--out", str(out))
    assert "cached predictions for this evaluation data (no scoring run)" in again.output


def test_cached_predictions_without_a_recorded_sha256_are_scored_again(
        git_repo: Path, mlflow_store: MlflowStore) -> None:
    """A cache written by an earlier mlgate (no sha256 tag) stays usable: it is scored once more."""
    config = make_eval_project(git_repo)
    out = git_repo / ".mlgate"
    run_id = production(config, out, mlflow_store)["run"]["run_id"]
    client = mlflow_store.client()
    tags = [k for k in client.get_run(run_id).data.tags if k.startswith("mlgate.predictions.")]
    assert len(tags) == 1 and tags[0].endswith(".sha256")
    client.delete_tag(run_id, tags[0])
    pull_request(git_repo, config, out)
    result = invoke(config, "evaluate", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert "carry no sha256 recorded by mlgate" in result.output and "scoring production" in result.output


def _tamper_lineage(mlflow_store: MlflowStore, doc: dict[str, Any], tmp: Path, **changes: Any) -> None:
    changed = json.loads(json.dumps(doc))
    for dotted, value in changes.items():
        part, _, key = dotted.partition("__")
        changed[part][key] = value
    overwrite(mlflow_store, doc["run"]["run_id"], "mlgate/lineage.json", json.dumps(changed).encode(), tmp)


@pytest.mark.parametrize("hostile", ["absolute", "climbing"])
def test_a_hostile_model_path_never_touches_a_host_folder(
        git_repo: Path, mlflow_store: MlflowStore, tmp_path: Path, hostile: str) -> None:
    config = make_eval_project(git_repo)
    out = git_repo / ".mlgate"
    doc = production(config, out, mlflow_store)
    pull_request(git_repo, config, out, new_rows=30)  # production must be scored again
    import tempfile

    host = Path(tempfile.mkdtemp(prefix="mlgate-host-dir-"))  # beside mlgate's worktree folders
    (host / "precious.txt").write_text("keep me\n")
    try:
        path = str(host) if hostile == "absolute" else f"../../{host.name}"
        _tamper_lineage(mlflow_store, doc, tmp_path, model__path=path)
        result = invoke(config, "evaluate", "--out", str(out))
        assert result.exit_code == 2, result.output
        assert f"the lineage logged with MLflow run {doc['run']['run_id']} cannot be trusted: model.path" \
            in result.output
        assert (host / "precious.txt").read_text() == "keep me\n"
        assert sorted(p.name for p in host.iterdir()) == ["precious.txt"]
        assert "scoring production" not in result.output
    finally:
        import shutil

        shutil.rmtree(host, ignore_errors=True)


def test_commit_head_never_scores_the_prs_checkout_as_production(
        git_repo: Path, mlflow_store: MlflowStore, tmp_path: Path) -> None:
    config = make_eval_project(git_repo)
    out = git_repo / ".mlgate"
    doc = production(config, out, mlflow_store)
    pull_request(git_repo, config, out, new_rows=30)
    _tamper_lineage(mlflow_store, doc, tmp_path, code__commit="HEAD")
    result = invoke(config, "evaluate", "--out", str(out))
    assert result.exit_code == 2, result.output
    assert "code.commit is 'HEAD', not a full 40-hex commit SHA" in result.output
    assert "scoring v2" not in result.output and not (out / "predictions" / "production.csv").exists()


def test_a_model_file_changed_on_the_run_is_exit_3_naming_it(
        git_repo: Path, mlflow_store: MlflowStore, tmp_path: Path) -> None:
    config = make_eval_project(git_repo)
    out = git_repo / ".mlgate"
    doc = production(config, out, mlflow_store)
    pull_request(git_repo, config, out, new_rows=30)
    overwrite(mlflow_store, doc["run"]["run_id"], "mlgate/model/weights.txt", b"a backdoored model\n", tmp_path)
    result = invoke(config, "evaluate", "--out", str(out))
    assert result.exit_code == 3, result.output
    assert f"the model file mlgate/model/weights.txt of run {doc['run']['run_id']} does not have the sha256 " \
        "lineage recorded" in result.output
    assert "scoring production" not in result.output


def test_a_run_of_an_earlier_mlgate_with_its_model_at_model_is_still_scored(
        git_repo: Path, mlflow_store: MlflowStore) -> None:
    config = make_eval_project(git_repo)
    out = git_repo / ".mlgate"
    doc = production(config, out, mlflow_store)
    run = mlflow_store.client().get_run(doc["run"]["run_id"])
    root = Path(run.info.artifact_uri.removeprefix("file://"))
    (root / "mlgate" / "model").rename(root / "model")  # where an earlier mlgate logged the model files
    pull_request(git_repo, config, out, new_rows=30)
    result = invoke(config, "evaluate", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert "scoring v1:" in result.output  # production's scorer found its model files


@pytest.mark.parametrize("policy, code", [("fail", 2), ("logged", 0)])
def test_a_production_commit_gone_after_a_force_push(
        git_repo: Path, mlflow_store: MlflowStore, policy: str, code: int) -> None:
    config = make_eval_project(git_repo, evaluate={"on_production_error": policy})
    out = git_repo / ".mlgate"
    doc = production(config, out, mlflow_store)
    # the branch is rewritten: production's commit is in no branch any more, and git forgets it
    git(git_repo, "checkout", "-q", "--orphan", "rewritten")
    git(git_repo, "commit", "-qm", "history rewritten")
    git(git_repo, "branch", "-D", "main")
    git(git_repo, "reflog", "expire", "--expire=now", "--all")
    git(git_repo, "gc", "-q", "--prune=now")
    pull_request(git_repo, config, out, new_rows=30)
    commit = doc["code"]["commit"]
    result = invoke(config, "evaluate", "--out", str(out))
    assert result.exit_code == code, result.output
    assert f"was trained at commit {commit}, which is not in this clone" in result.output
    if policy == "logged":
        production_doc = json.loads((out / "evaluation.json").read_text())["production"]
        assert production_doc["source"] == "unavailable" and commit in production_doc["error"]
        assert "falls back to its logged metrics" in result.output
    else:
        assert f"git fetch origin {commit}" in result.output and "force-push" in result.output
