"""A small real project for `mlgate train`: a shell "training", params, a data file, mlgate.yaml, in git.

The training script writes metrics.json and model/weights.txt from $MLGATE_SEED, the params file and the
data, so the model is byte-for-byte the same for the same inputs; `MODE` in the environment makes it fail,
skip its outputs or write malformed metrics, to drive the error paths.
"""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml
from click.testing import CliRunner, Result

from mlgate.cli import cli

TRAIN_SH = """\
#!/bin/sh
set -e
echo "training: seed=$MLGATE_SEED params=$MLGATE_PARAMS"
case "${MODE:-ok}" in
  fail) echo "loss exploded at step 3" >&2; exit 7 ;;
  no-metrics) mkdir -p model; echo w > model/weights.txt; exit 0 ;;
  bad-metrics) mkdir -p model; echo w > model/weights.txt; printf '{"accuracy": ' > metrics.json; exit 0 ;;
  no-model) printf '{"accuracy": 0.5}' > metrics.json; exit 0 ;;
esac
mkdir -p model
{ echo "seed $MLGATE_SEED"; cat "$MLGATE_PARAMS"; cat data/train.csv; } > model/weights.txt
echo "${EXTRA:-}" > model/extra.txt
printf '{"accuracy": 0.91, "test": {"auc": 0.87}, "note": "n/a"}' > "$MLGATE_METRICS"
echo "saved model"
"""


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, text=True)
    return done.stdout.strip()


def make_project(repo: Path, *, image: str | None = None, runtime: str = "local",
                 train: dict[str, Any] | None = None, commit: bool = True) -> Path:
    """Write the project into a git repository and commit it; returns the mlgate.yaml path."""
    (repo / "data").mkdir(exist_ok=True)
    (repo / "data" / "train.csv").write_text("x,y\n1,0\n2,1\n")
    (repo / "train.sh").write_text(TRAIN_SH)
    (repo / "params.yaml").write_text("lr: 0.1\nmodel:\n  depth: 3\n  use_bias: true\n")
    (repo / "requirements.lock").write_text("numpy==2.0.0\n")
    with (repo / ".gitignore").open("a") as handle:
        handle.write("model/\nmetrics.json\n")
    settings: dict[str, Any] = {
        "command": "sh train.sh", "runtime": runtime, "params": "params.yaml", "seed": 42,
        "lockfile": "requirements.lock", "deps": ["data/train.csv"], **(train or {}),
    }
    if image:
        settings["image"] = image
    config = repo / "mlgate.yaml"
    config.write_text(yaml.safe_dump({"model": {"name": "churn"}, "train": settings}, sort_keys=False))
    if commit:
        git(repo, "add", "-A")
        git(repo, "commit", "-q", "-m", "project")
    return config


def invoke(config: Path, *args: str, env: dict[str, str] | None = None) -> Result:
    """Run `mlgate --config CONFIG ARGS...` in-process."""
    return CliRunner().invoke(cli, ["--config", str(config), *args], env=env, catch_exceptions=False)


def lineage(out: Path) -> dict[str, Any]:
    import json

    data: dict[str, Any] = json.loads((out / "lineage.json").read_text())
    return data


def train_args(out: Path, extra: Sequence[str] = ()) -> list[str]:
    return ["train", "--out", str(out), *extra]


def validate(config: Path, out: Path) -> None:
    """`mlgate validate --all` into `out`, as before a training whose version may be promoted: promote
    refuses a version whose data was never validated."""
    result = invoke(config, "validate", "--all", "--out", str(out))
    assert result.exit_code == 0, result.output
