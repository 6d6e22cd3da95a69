"""The gate's own overhead per pull request: `mlgate gate` (one process) and the five stage processes, each
minus the time of the project's own training and scoring commands, over opening the MLflow store once.

Run: .venv/bin/python benchmarks/gate_overhead.py [--runs N] [--dir DIR]      (target: ratio <= 1.3)

It builds the demo's repository once (`mlgate demo --dir DIR`: a production model in an embedded SQLite store,
its predictions cached), checks out the demo's harmless pull request (`pr/resplit-seed-17`), and times, as
medians of N runs, each from a copy of the same store:

  floor   `python -c "MlflowClient(uri).search_experiments()"`: one process that opens the store
  frozen  the same, ending with `gc.freeze()` as mlgate's main does (its exit skips the final collection's
          passes over MLflow's objects, 0.6 s): shown beside the target's ratio, not instead of it
  gate    `mlgate gate --runtime local --no-post`
  stages  `mlgate validate`, `train`, `evaluate`, `compare`, `report --no-post`, one process each

The commands' own time is measured, not estimated: a `python` shim first on PATH (the demo's training and
scoring commands are `python train.py` and `python score.py`) records each command's wall time. The figure
is (wall - commands' own time) / floor. Bytecode is written (PYTHONDONTWRITEBYTECODE unset), as on a runner.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BIN = Path(sys.executable).parent
SHIM = """#!/bin/sh
start=$(date +%s.%N)
"{python}" "$@"
code=$?
end=$(date +%s.%N)
echo "$start $end $*" >> "{log}"
exit $code
"""
STAGES = (["validate", "--base", "main"], ["train", "--runtime", "local"], ["evaluate", "--runtime", "local"],
          ["compare"], ["report", "--no-post"])


def environment(folder: Path, uri: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "MLFLOW_", "MLGATE_"))}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PATH"] = os.pathsep.join([str(folder / "shim"), str(BIN), env.get("PATH", "")])
    env["MLGATE_TRACKING_URI"] = uri
    return env


def build(folder: Path) -> tuple[Path, str]:
    if not (folder / "breast-cancer").is_dir():
        subprocess.run([str(BIN / "mlgate"), "demo", "--dir", str(folder)], check=True,
                       stdout=subprocess.DEVNULL)
    repo = folder / "breast-cancer"
    subprocess.run(["git", "checkout", "-q", "pr/resplit-seed-17"], cwd=repo, check=True)
    # the demo leaves the last PR's data in the workspace: the data of this branch, as a CI checkout has it
    subprocess.run([sys.executable, "-m", "dvc", "checkout", "-q", "--force"], cwd=repo, check=True)
    python = (folder / "bin" / "python").read_text().split('"')[1]
    (folder / "shim").mkdir(exist_ok=True)
    shim = folder / "shim" / "python"
    shim.write_text(SHIM.format(python=python, log=folder / "commands.log"))
    shim.chmod(0o755)
    return repo, f"sqlite:///{folder / 'mlflow' / 'mlflow.db'}"


class Store:
    """The store as the demo left it, restored before each timed run."""

    def __init__(self, folder: Path) -> None:
        self.live = folder / "mlflow"
        self.kept = folder / "mlflow-kept"
        if not self.kept.exists():
            shutil.copytree(self.live, self.kept)

    def restore(self) -> None:
        shutil.rmtree(self.live)
        shutil.copytree(self.kept, self.live)


def commands_seconds(log: Path) -> float:
    if not log.exists():
        return 0.0
    total = sum(float(line.split()[1]) - float(line.split()[0]) for line in log.read_text().splitlines())
    log.unlink()
    return total


def timed(argvs: list[list[str]], repo: Path, env: dict[str, str], log: Path) -> tuple[float, float]:
    """Wall time of the processes one after another, and the commands' own time within it."""
    start = time.perf_counter()
    for argv in argvs:
        subprocess.run(argv, cwd=repo, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                       check=False)
    return time.perf_counter() - start, commands_seconds(log)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--dir", type=Path, default=None, help="where to build (and keep) the demo")
    args = parser.parse_args()
    folder = args.dir or Path(tempfile.mkdtemp(prefix="mlgate-gate-bench-"))
    repo, uri = build(folder)
    store = Store(folder)
    env = environment(folder, uri)
    log = folder / "commands.log"
    mlgate = str(BIN / "mlgate")
    floor_code = ("from mlflow.tracking import MlflowClient; "
                  f"MlflowClient({uri!r}).search_experiments(max_results=1)")
    frozen_code = floor_code + "; import gc; gc.freeze()"  # exiting as mlgate does (cli.skip_final_collection)
    rows: dict[str, list[tuple[float, float]]] = {"floor": [], "frozen": [], "gate": [], "stages": []}
    for index in range(args.runs + 1):  # the first round warms the caches and writes bytecode
        store.restore()
        floor = timed([[sys.executable, "-c", floor_code]], repo, env, log)
        frozen = timed([[sys.executable, "-c", frozen_code]], repo, env, log)
        store.restore()
        gate = timed([[mlgate, "gate", "--runtime", "local", "--no-post", "--base", "main",
                       "--out", str(folder / f"g{index}")]], repo, env, log)
        store.restore()
        stages = timed([[mlgate, *argv, "--out", str(folder / f"s{index}")] for argv in STAGES], repo, env, log)
        if index:
            rows["floor"].append(floor)
            rows["frozen"].append(frozen)
            rows["gate"].append(gate)
            rows["stages"].append(stages)
    floor_s = statistics.median(w for w, _ in rows["floor"])
    print(f"gate overhead on the demo's repository, medians of {args.runs} runs (store: {uri})\n")
    print("| what | wall s | training + scoring s | overhead s | overhead / floor |")
    print("|---|---|---|---|---|")
    print(f"| floor: one process opening the store | {floor_s:.2f} | - | {floor_s:.2f} | 1.00 |")
    frozen_s = statistics.median(w for w, _ in rows["frozen"])
    print(f"| (the floor exiting as mlgate does: `gc.freeze()` last) | {frozen_s:.2f} | - | {frozen_s:.2f} "
          f"| {frozen_s / floor_s:.2f} |")
    for name, label in (("gate", "`mlgate gate` (one process)"), ("stages", "five stage processes")):
        wall = statistics.median(w for w, _ in rows[name])
        own = statistics.median(c for _, c in rows[name])
        print(f"| {label} | {wall:.2f} | {own:.2f} | {wall - own:.2f} | {(wall - own) / floor_s:.2f} |")
    gate = statistics.median(w - c for w, c in rows["gate"])
    print(f"\n`mlgate gate`'s overhead over the floor exiting as mlgate does: {gate / frozen_s:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
