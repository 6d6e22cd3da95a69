"""A small real project with the same-data comparison: train_project's training plus a holdout file and a
plain-Python scorer (`score.py`, the standard library only, so any python3 runs it).

The scorer reads $MLGATE_MODEL/weights.txt (the training wrote it), scores each holdout row from its `x`
column and writes $MLGATE_PREDICTIONS. `version` changes the scoring formula (a different score.py at a
later commit); SCORE_MODE in the environment makes it fail or write a broken file.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import yaml

from tests.support.train_project import git, make_project

SCORE_PY = """\
import csv, os, sys

mode = os.environ.get("SCORE_MODE", "ok")
print(f"scoring v{VERSION}: model={os.environ['MLGATE_MODEL']} seed={os.environ['MLGATE_SEED']}")
if mode == "fail":
    print("scorer crashed: no module named xgboost", file=sys.stderr)
    sys.exit(3)
assert os.path.isfile(os.path.join(os.environ["MLGATE_MODEL"], "weights.txt")), "no model"
with open(os.environ["MLGATE_EVAL_DATA"], newline="") as handle:
    rows = list(csv.DictReader(handle))
with open(os.environ["MLGATE_PREDICTIONS"], "w", newline="") as handle:
    out = csv.writer(handle)
    out.writerow(["sample_id", "prediction", "score"])
    for row in rows:
        score = min(1.0, max(0.0, float(row["x"]) / 10 * SLOPE))
        if mode == "nan":
            score = float("nan")
        out.writerow([row["sample_id"], int(score >= 0.5), round(score, 6)])
print(f"wrote {len(rows)} predictions")
"""


SCORE_SH = """\
#!/bin/sh
set -e
echo "scoring v$VERSION (sh): model=$MLGATE_MODEL seed=$MLGATE_SEED"
test -f "$MLGATE_MODEL/weights.txt"
awk -F, -v slope=SLOPE 'NR == 1 { print "sample_id,prediction,score"; next }
  { s = $2 / 10 * slope; if (s > 1) s = 1; printf "%s,%d,%g\\n", $1, (s >= 0.5), s }' \\
  "$MLGATE_EVAL_DATA" > "$MLGATE_PREDICTIONS"
"""


def score_sh(version: int) -> str:
    slope = {1: 1.0, 2: 0.9}[version]
    return SCORE_SH.replace("$VERSION", str(version)).replace("SLOPE", str(slope))


def score_py(version: int) -> str:
    slope = {1: 1.0, 2: 0.9}[version]
    return SCORE_PY.replace("VERSION", str(version)).replace("SLOPE", str(slope))


def holdout_rows(n: int) -> list[dict[str, Any]]:
    return [{"sample_id": f"s{i}", "x": i % 10, "y": int(i % 10 >= 5), "sex": "fm"[i % 2]} for i in range(n)]


def write_holdout(repo: Path, n: int) -> None:
    path = repo / "data" / "holdout.csv"
    path.parent.mkdir(exist_ok=True)
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=["sample_id", "x", "y", "sex"])
        writer.writeheader()
        writer.writerows(holdout_rows(n))


def make_eval_project(repo: Path, *, rows: int = 20, version: int = 1, evaluate: dict[str, Any] | None = None,
                      shell: bool = False, **kwargs: Any) -> Path:
    """The training project plus evaluate: (holdout, score.py), committed; returns mlgate.yaml's path."""
    config = make_project(repo, commit=False, **kwargs)
    write_holdout(repo, rows)
    (repo / "score.py").write_text(score_py(version))
    (repo / "score.sh").write_text(score_sh(version))
    with (repo / ".gitignore").open("a") as handle:
        handle.write("predictions.csv\n")
    settings = yaml.safe_load(config.read_text())
    settings["metrics"] = {"roc_auc": {"direction": "maximize"}, "accuracy": {"direction": "maximize"}}
    settings["evaluate"] = {"data": "data/holdout.csv", "label": "y", "id": "sample_id",
                            "command": "sh score.sh" if shell else "python3 score.py", "task": "binary",
                            "slices": ["sex"],
                            **(evaluate or {})}
    config.write_text(yaml.safe_dump(settings, sort_keys=False))
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", f"project, scorer v{version}")
    return config
