"""The overhead of `mlgate train` over running the same command directly in the same engine.

Run: .venv/bin/python benchmarks/train_overhead.py   (needs podman; target: overhead under 1 s besides
MLflow's import)

It imports the tests' tiny busybox image into podman (by digest), makes a git project whose "training" is a
shell script, and times, as medians of RUNS runs after one warm-up:
  direct    `podman run --rm -v ROOT:ROOT -w ROOT IMAGE sh -c "sh train.sh"`
  in-process `run_train(...)` in a Python process that has already imported mlflow: pins, the same podman
            run, MLflow run logging, artifacts and registration (SQLite store, already created)
  cli       `mlgate train` as a subprocess, everything included (interpreter start, MLflow's import)
and prints overhead = in-process - direct, and the time MLflow takes to import and open its store.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

RUNS = 5


def project(folder: Path, image: str) -> Path:
    from tests.support.train_project import git, make_project

    repo = folder / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    git(repo, "-c", "user.name=b", "-c", "user.email=b@b", "commit", "-q", "--allow-empty", "-m", "init")
    (repo / ".gitignore").write_text(".mlgate/\n")
    os.environ.update({"GIT_AUTHOR_NAME": "b", "GIT_AUTHOR_EMAIL": "b@b", "GIT_COMMITTER_NAME": "b",
                       "GIT_COMMITTER_EMAIL": "b@b"})
    return make_project(repo, image=image, runtime="podman")


def median_of(func: object, runs: int = RUNS) -> float:
    assert callable(func)
    func()  # warm-up
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def mlflow_import_seconds(uri: str) -> float:
    """Importing mlflow and opening the store (its store modules are imported on first use)."""
    code = ("import time; t = time.perf_counter(); from mlflow.tracking import MlflowClient; "
            f"MlflowClient({uri!r}).search_experiments(max_results=1); print(time.perf_counter() - t)")
    values = [float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                   check=True).stdout) for _ in range(3)]
    return statistics.median(values)


def main() -> None:
    if shutil.which("podman") is None:
        sys.exit("podman is not installed")
    from tests.support.podman import ensure_runnable, import_image, podman

    folder = Path(tempfile.mkdtemp(prefix="mlgate-bench-"))
    image = import_image(folder)
    try:
        ensure_runnable(image, folder)
        config_path = project(folder, image.reference)
        root = config_path.parent
        out = root / ".mlgate"
        os.environ["MLFLOW_TRACKING_URI"] = f"sqlite:///{folder / 'mlflow.db'}"
        variables = {"MLGATE_SEED": "42", "MLGATE_PARAMS": str(root / "params.yaml"),
                     "MLGATE_METRICS": str(root / "metrics.json")}
        direct_argv = ["podman", "run", "--rm", "-v", f"{root}:{root}", "-w", str(root),
                       *[f"-e{k}={v}" for k, v in variables.items()], image.reference, "sh", "-c", "sh train.sh"]
        direct = median_of(lambda: subprocess.run(direct_argv, capture_output=True, check=True, cwd=root))

        import mlflow.tracking  # noqa: F401  (imported before timing: the figure excludes it)

        from mlgate.commands.train import run_train
        from mlgate.config import load_config
        from mlgate.github.context import GitHubContext
        from mlgate.output import Output

        config = load_config(config_path)
        devnull = open(os.devnull, "w")  # noqa: SIM115
        saved = sys.stdout

        def in_process() -> None:
            sys.stdout = devnull
            try:
                assert run_train(config, Output(), GitHubContext(), runtime=None, register=True, out=out,
                                 tracking_uri=None) == 0
            finally:
                sys.stdout = saved

        inproc = median_of(in_process)
        cli_argv = [sys.executable, "-m", "mlgate", "--config", str(config_path), "train", "--out", str(out)]
        cli = median_of(lambda: subprocess.run(cli_argv, capture_output=True, check=True, cwd=root), runs=3)
        imports = mlflow_import_seconds(os.environ["MLFLOW_TRACKING_URI"])
    finally:
        podman("rmi", "--force", image.tag, check=False)
        shutil.rmtree(folder, ignore_errors=True)

    print(f"direct podman run (same image, same command): {direct:.3f} s")
    print(f"mlgate train in-process (mlflow imported):     {inproc:.3f} s")
    print(f"overhead of mlgate train (target < 1 s):       {inproc - direct:.3f} s")
    print(f"mlgate train as a subprocess (everything):     {cli:.3f} s")
    print(f"of which MLflow's import and store opening:    {imports:.3f} s")


if __name__ == "__main__":
    main()
