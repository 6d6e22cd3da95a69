"""Speed and memory of the paired statistics of `mlgate evaluate` (src/mlgate/evaluate/paired.py).

    .venv/bin/python benchmarks/evaluate_stats.py                # 100,000 rows, 2,000 resamples, 3 runs each
    .venv/bin/python benchmarks/evaluate_stats.py --rows 20000 --repeat 1

Each case runs in a fresh process (so its peak RSS is its own) on generated predictions of two models of
equal quality; prints wall and CPU time (median of the runs) and peak RSS. Cases:

- delong: ROC AUC by paired DeLong (target <= 0.5 s at 100,000 rows).
- four metrics, one call each: paired_metric for accuracy (McNemar), f1 and log_loss (bootstrap) on a binary
  evaluation set and rmse (bootstrap) on a regression one: four calls, four passes of the resamples
  (target <= 2 s at 100,000 rows x 2,000 resamples).
- four metrics, shared resamples: paired_metrics for accuracy, f1, log_loss and brier (the RMSE of the
  probabilities) in one call: one pass of the resamples for all.
- user function: f1 by a Python function (looped once per resample), 200 resamples, for scale.

Peak RSS target: <= 500 MiB (the resamples are chunked). It prints; it does not assert.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

CASES = {
    "delong": "ROC AUC, paired DeLong",
    "separate": "accuracy, f1, log_loss, rmse: 4 paired_metric calls",
    "shared": "accuracy, f1, log_loss, brier: 1 paired_metrics call",
    "user": "f1 as a user function (looped), 200 resamples",
}


def data(rows: int) -> tuple[object, ...]:
    from mlgate.evaluate.model import EvalSet, Scored

    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, rows)
    shared = rng.normal(size=rows)
    scores = [1 / (1 + np.exp(-(1.5 * (2 * y - 1) + shared + rng.normal(size=rows)))) for _ in range(2)]
    binary = EvalSet("binary", y, np.arange(rows).astype(str), (0, 1))
    cand = Scored("candidate", (scores[0] > 0.5).astype(np.int64), scores[0])
    prod = Scored("production", (scores[1] > 0.5).astype(np.int64), scores[1])
    target = rng.normal(10, 3, rows)
    regression = EvalSet("regression", target, np.arange(rows).astype(str))
    rc = Scored("candidate", target + rng.normal(0, 1, rows))
    rp = Scored("production", target + rng.normal(0, 1, rows))
    return binary, cand, prod, regression, rc, rp


def user_f1(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    tp = float(np.sum((y_true == 1) & (y_pred == 1)))
    return 2 * tp / (2 * tp + float(np.sum(y_true != y_pred))) if tp else 0.0


def one(case: str, rows: int, resamples: int) -> dict[str, float]:
    from mlgate.evaluate.metrics import MetricSpec, metric_spec
    from mlgate.evaluate.paired import paired_metric, paired_metrics

    binary, cand, prod, regression, rc, rp = data(rows)
    kw = {"confidence": 0.95, "resamples": resamples, "seed": 0}
    start, cpu = time.perf_counter(), time.process_time()
    if case == "delong":
        paired_metric(metric_spec("roc_auc", "binary"), binary, cand, prod, **kw)  # type: ignore[arg-type]
    elif case == "separate":
        for name in ("accuracy", "f1", "log_loss"):
            paired_metric(metric_spec(name, "binary"), binary, cand, prod, **kw)  # type: ignore[arg-type]
        paired_metric(metric_spec("rmse", "regression"), regression, rc, rp, **kw)  # type: ignore[arg-type]
    elif case == "shared":
        specs = [metric_spec(n, "binary") for n in ("accuracy", "f1", "log_loss", "brier")]
        paired_metrics(specs, binary, cand, prod, **kw)  # type: ignore[arg-type]
    else:
        spec = MetricSpec("f1", "prediction", user_f1)
        paired_metric(spec, binary, cand, prod, **{**kw, "resamples": 200})  # type: ignore[arg-type]
    wall, used = time.perf_counter() - start, time.process_time() - cpu
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"wall": wall, "cpu": used, "rss": rss}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--resamples", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--one", choices=sorted(CASES), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(one(args.one, args.rows, args.resamples)))
        return
    with open("/proc/loadavg") as file:
        load = file.read().split()[:3]
    print(f"{args.rows:,} rows, {args.resamples:,} resamples, median of {args.repeat} fresh processes "
          f"(load average {' '.join(load)})\n")
    print(f"| {'case':<55} | wall | CPU | peak RSS |\n|---|---|---|---|")
    for case, title in CASES.items():
        runs = []
        for _ in range(args.repeat):
            done = subprocess.run([sys.executable, __file__, "--one", case, "--rows", str(args.rows),
                                   "--resamples", str(args.resamples)], capture_output=True, text=True,
                                  check=True)
            runs.append(json.loads(done.stdout.strip().splitlines()[-1]))
        wall = statistics.median(r["wall"] for r in runs)
        cpu = statistics.median(r["cpu"] for r in runs)
        rss = max(r["rss"] for r in runs)
        each = ", ".join(f"{r['wall']:.2f}" for r in runs)
        print(f"| {title:<55} | {wall:.2f} s ({each}) | {cpu:.2f} s | {rss:.0f} MiB |")


if __name__ == "__main__":
    main()
