"""The predictions cache of `mlgate evaluate`: a second run on the same evaluation data scores nothing.

Run: .venv/bin/python benchmarks/evaluate_cache.py   (local runtime; no container engine needed)

Makes the tests' git project with `evaluate:` (tests/support/eval_project.py: a plain-Python scorer), puts a
first model in production, then a pull request that changes the scorer and the evaluation file (so production
must be re-scored at its own commit), trains the candidate, and runs `mlgate evaluate` three times. Prints, per
run, the wall time, where production's predictions came from (evaluation.json) and how many scoring runs
happened (the scorer's own log lines). Target: the second and third runs perform no scoring run.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> int:
    from tests.support.eval_project import make_eval_project, score_py, write_holdout
    from tests.support.train_project import git, invoke, lineage, train_args

    with tempfile.TemporaryDirectory(prefix="mlgate-bench-") as tmp:
        repo = Path(tmp) / "repo"
        repo.mkdir()
        os.environ.update({"GIT_AUTHOR_NAME": "b", "GIT_AUTHOR_EMAIL": "b@b", "GIT_COMMITTER_NAME": "b",
                           "GIT_COMMITTER_EMAIL": "b@b",
                           "MLFLOW_TRACKING_URI": f"sqlite:///{Path(tmp) / 'mlflow.db'}"})
        git(repo, "init", "-q", "-b", "main")
        (repo / ".gitignore").write_text(".mlgate/\n")
        git(repo, "add", ".gitignore")
        git(repo, "commit", "-q", "-m", "init")
        config = make_eval_project(repo, rows=5000)
        out = repo / ".mlgate"
        assert invoke(config, *train_args(out)).exit_code == 0
        from mlflow.tracking import MlflowClient

        MlflowClient().set_registered_model_alias("churn", "production", lineage(out)["registered"]["version"])
        (repo / "score.py").write_text(score_py(2))
        write_holdout(repo, 6000)
        git(repo, "commit", "-qam", "scorer v2, a larger evaluation file")
        assert invoke(config, *train_args(out)).exit_code == 0
        print("run  seconds  production  scoring runs")
        for number in (1, 2, 3):
            start = time.perf_counter()
            result = invoke(config, "evaluate", "--out", str(out))
            seconds = time.perf_counter() - start
            assert result.exit_code == 0, result.output
            source = json.loads((out / "evaluation.json").read_text())["production"]["source"]
            print(f"{number:>3}  {seconds:7.2f}  {source:<10}  {result.output.count('scoring v')}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
