"""8 concurrent PR gates against MLflow on PostgreSQL + S3, and compare's time besides MLflow's import.

Run: .venv/bin/python benchmarks/team_server.py   (needs PostgreSQL 15's binaries and the dev extras:
psycopg2-binary, moto[server], boto3; --gates N, --runs N)

Starts what tests/integration/test_team_server.py starts (tests/support/team_server.py): PostgreSQL in a temp
dir, moto's S3 server, `mlflow server --backend-store-uri postgresql+psycopg2://... --artifacts-destination
s3://...`, and the fake GitHub API. A gate is `mlgate train --runtime local`, `mlgate compare`, `mlgate
report --post`, each a process, in its own copy of the breast-cancer example. Prints:
  alone      one gate by itself (median of RUNS), each step's wall time
  together   GATES gates started at once: the wall time until the last one ends, each gate's own wall time,
             and the per-gate overhead = median gate-in-the-crowd - gate alone
  compare    `mlgate compare` as a process (median of RUNS) beside the bare `import mlflow` + MlflowClient
             of a process: the difference is compare's own time (reads, the policy, verdict.json, tags)
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def timed_gate(example: Path, folder: Path, number: int, url: str, github: object) -> tuple[float, list[float]]:
    """One gate's wall time and its steps' (train, compare, report)."""
    from tests.support.team_server import GATE, environment, make_repo, pr_event

    repo = make_repo(example, folder, c=f"0.{number}")
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=repo, capture_output=True, text=True,
                          check=True).stdout.strip()
    github.add_pull(number, head_sha=head, head_ref=f"pr-{number}")  # type: ignore[attr-defined]
    env = environment(url, github, pr_event(folder, number, head))  # type: ignore[arg-type]
    steps = []
    for command in GATE:
        start = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "mlgate", *command], cwd=repo, env=env,
                              capture_output=True, text=True, check=False)
        steps.append(time.perf_counter() - start)
        if done.returncode not in (0, 1):
            raise SystemExit(f"mlgate {' '.join(command)} exited {done.returncode}:\n{done.stdout}{done.stderr}")
    return sum(steps), steps


def compare_besides_import(repo: Path, env: dict[str, str], runs: int) -> tuple[float, float]:
    def once(argv: list[str]) -> float:
        start = time.perf_counter()
        subprocess.run(argv, cwd=repo, env=env, capture_output=True, check=True)
        return time.perf_counter() - start

    importing = [sys.executable, "-c", "import mlflow; from mlflow.tracking import MlflowClient; "
                 "MlflowClient().search_experiments(max_results=1)"]
    compare = [sys.executable, "-m", "mlgate", "compare", "--no-fail"]
    once(compare)  # warm the page cache
    return (statistics.median(once(compare) for _ in range(runs)),
            statistics.median(once(importing) for _ in range(runs)))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--gates", type=int, default=8)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    from tests.support.github_server import start
    from tests.support.team_server import available, environment, example_repo, team_server

    missing = available()
    if missing:
        raise SystemExit(missing)
    fake, server, _thread = start()
    with tempfile.TemporaryDirectory() as tmp, team_server(Path(tmp)) as team:
        folder = Path(tmp)
        example = example_repo(folder / "example")
        alone = [timed_gate(example, folder / f"alone-{i}", 100 + i, team.url, fake) for i in range(args.runs)]
        alone_wall = statistics.median(a[0] for a in alone)
        steps = [statistics.median(a[1][i] for a in alone) for i in range(3)]

        start = time.perf_counter()
        with ThreadPoolExecutor(args.gates) as pool:
            crowd = list(pool.map(lambda n: timed_gate(example, folder / f"pr-{n}", n, team.url, fake),
                                  range(1, args.gates + 1)))
        together = time.perf_counter() - start
        in_crowd = statistics.median(c[0] for c in crowd)

        compare, importing = compare_besides_import(folder / "alone-0" / "repo", environment(team.url), args.runs)
    server.shutdown()

    print(f"one gate alone (median of {args.runs}): {alone_wall:.1f} s "
          f"(train {steps[0]:.1f} s, compare {steps[1]:.1f} s, report {steps[2]:.1f} s)")
    print(f"{args.gates} gates at once: {together:.1f} s wall until the last ends; each gate "
          f"{in_crowd:.1f} s median (min {min(c[0] for c in crowd):.1f}, max {max(c[0] for c in crowd):.1f})")
    print(f"per-gate overhead in the crowd: {in_crowd - alone_wall:+.1f} s median over alone; "
          f"{together / args.gates:.1f} s of wall time per gate vs {alone_wall:.1f} s alone")
    print(f"mlgate compare against the server: {compare:.2f} s; python + import mlflow + one request: "
          f"{importing:.2f} s; compare besides MLflow's import: {compare - importing:.2f} s")


if __name__ == "__main__":
    main()
