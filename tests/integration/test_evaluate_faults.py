"""Faults around `mlgate evaluate` (issue 20 items 3 and 8): a kill -9 while production is scored leaves its
`git worktree`, pruned by the next run; a predictions file far wider or larger than the evaluation rows need
is refused before pandas parses it. Real git, a real SQLite MLflow store, real processes and signals."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import MlflowStore
from tests.support.eval_project import make_eval_project, score_py, write_holdout
from tests.support.train_project import git, invoke, lineage, train_args

SLOW = "import time\ntime.sleep(float(os.environ.get('SCORE_SLEEP', '0')))\n"


def worktrees(repo: Path) -> list[str]:
    return [line for line in git(repo, "worktree", "list", "--porcelain").splitlines()
            if line.startswith("worktree ")]


def test_a_worktree_left_by_kill_9_is_pruned_by_the_next_run(git_repo: Path, mlflow_store: MlflowStore) -> None:
    config = make_eval_project(git_repo)
    (git_repo / "score.py").write_text(score_py(1).replace("import csv, os, sys\n", "import csv, os, sys\n" + SLOW))
    git(git_repo, "commit", "-qam", "a scorer that can be slow")
    out = git_repo / ".mlgate"
    assert invoke(config, *train_args(out)).exit_code == 0
    mlflow_store.client().set_registered_model_alias("churn", "production", lineage(out)["registered"]["version"])
    (git_repo / "score.py").write_text(score_py(2))
    write_holdout(git_repo, 30)  # production is scored again
    git(git_repo, "commit", "-qam", "v2")
    assert invoke(config, *train_args(out)).exit_code == 0

    env = {**os.environ, "SCORE_SLEEP": "60", "PYTHONPATH": os.pathsep.join(sys.path)}
    process = subprocess.Popen([sys.executable, "-m", "mlgate", "--config", str(config), "evaluate", "--out",
                                str(out)], env=env, start_new_session=True, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while len(worktrees(git_repo)) < 2 and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.2)
        assert len(worktrees(git_repo)) == 2, "the scoring never started"
        time.sleep(1)  # the scorer is sleeping inside the worktree
    finally:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    stale = Path(worktrees(git_repo)[1].removeprefix("worktree "))
    assert stale.is_dir()  # kill -9: nothing removed it

    result = invoke(config, "evaluate", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert worktrees(git_repo) == [f"worktree {git_repo.resolve()}"]
    assert not stale.parent.exists()


def test_a_worktree_of_a_scoring_still_running_is_left_alone(git_repo: Path) -> None:
    """The lock held by a live scoring keeps its worktree; a free one is stale."""
    from mlgate.commands.worktrees import locked_folder, prune_stale

    with locked_folder() as folder:
        git(git_repo, "worktree", "add", "--detach", str(folder / "code"), "HEAD")
        assert prune_stale(git_repo) == []
        assert len(worktrees(git_repo)) == 2
    # the block ended without removing the worktree (as if git had failed to): now it is stale
    assert [p.name for p in prune_stale(git_repo)] == ["code"]
    assert len(worktrees(git_repo)) == 1


def test_a_predictions_file_with_200000_columns_is_refused_before_parsing(
        git_repo: Path, mlflow_store: MlflowStore) -> None:
    config = make_eval_project(git_repo)
    wide = ",".join(f"c{i}" for i in range(200_000))
    wide_score = score_py(1).replace(
        'out.writerow(["sample_id", "prediction", "score"])',
        f'out.writerow(["sample_id", "prediction", "score"] + "{wide}".split(","))').replace(
        "out.writerow([row[\"sample_id\"], int(score >= 0.5), round(score, 6)])",
        "out.writerow([row[\"sample_id\"], int(score >= 0.5), round(score, 6)] + [0] * 200000)")
    (git_repo / "score.py").write_text(wide_score)
    git(git_repo, "commit", "-qam", "a scorer writing 200,000 columns")
    out = git_repo / ".mlgate"
    started = time.monotonic()
    result = invoke(config, *train_args(out))
    elapsed = time.monotonic() - started
    assert result.exit_code == 2, result.output
    assert "predictions.csv is over" in result.output or "predictions.csv has 200,003 columns" in result.output
    assert elapsed < 60, elapsed
    assert not (out / "predictions" / "candidate.csv").exists()
    assert mlflow_store.client().search_runs([lineage(out)["run"]["experiment_id"]])[0].data.tags.get(
        "mlgate.status") == "failed"


def test_a_wide_header_is_refused_by_its_column_count(tmp_path: Path) -> None:
    from mlgate.errors import BadInput
    from mlgate.evaluate.bounds import MAX_COLUMNS, check_bounds

    path = tmp_path / "p.csv"
    path.write_text(",".join(f"c{i}" for i in range(MAX_COLUMNS + 1)) + "\n" + "0," * MAX_COLUMNS + "0\n")
    try:
        check_bounds(path, 1, "p.csv", "fix")
    except BadInput as exc:
        assert f"p.csv has {MAX_COLUMNS + 1:,} columns, over the {MAX_COLUMNS:,}" in exc.what
    else:
        raise AssertionError("a file wider than MAX_COLUMNS was accepted")
    path.write_text("prediction,score\n1,0.5\n")
    check_bounds(path, 1, "p.csv", "fix")  # one row of predictions is within bounds
