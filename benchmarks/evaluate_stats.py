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

    .venv/bin/python benchmarks/evaluate_stats.py --power     # the power table of docs/statistics.md
    .venv/bin/python benchmarks/evaluate_stats.py --widths    # Poisson vs multinomial widths by n

--power: how often a true ROC AUC regression of twice the tolerance (0.02, tolerated 0.01) is failed, by
the number of rows and by how correlated the two models' scores are (binormal scores sharing a latent part;
200 seeds a cell, paired DeLong, 95 %). --widths: the mean width of the 95 % paired-bootstrap interval of an
MAE difference with mlgate's Poisson weights (empty resamples left out) over scipy's multinomial paired
bootstrap, by n (20 data seeds, 2,000 resamples each).
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


POWER_ROWS = (1_000, 2_000, 5_000, 10_000)
POWER_OWN = (0.8, 0.6, 0.25)  # each model's own noise (sd); the scores' correlation is about 1 - own**2
WIDTH_ROWS = (3, 5, 10, 30, 100, 1_000)


def power(seeds: int = 200) -> None:
    """The power table: the share of seeds in which the decision is `fail`."""
    import math
    from statistics import NormalDist

    from mlgate.evaluate.paired import delong
    from mlgate.gate.noninferiority import decide

    phi, tolerance, mu_p = NormalDist(), 0.01, 1.5
    mu_c = math.sqrt(2) * phi.inv_cdf(phi.cdf(mu_p / math.sqrt(2)) - 2 * tolerance)
    print("| rows | " + " | ".join(f"correlation {1 - own**2:.2f}" for own in POWER_OWN) + " |")
    print("|---|" + "---|" * len(POWER_OWN))
    for rows in POWER_ROWS:
        cells = []
        for own in POWER_OWN:
            fails = 0
            for seed in range(seeds):
                rng = np.random.default_rng(seed)
                y = rng.integers(0, 2, rows)
                z = rng.normal(0, math.sqrt(1 - own**2), rows)
                s_c, s_p = (m * y - m / 2 + z + rng.normal(0, own, rows) for m in (mu_c, mu_p))
                _, low, high = delong(y, s_c, s_p, 0.95)
                fails += decide("maximize", low, high, tolerance) == "fail"
            cells.append(f"{100 * fails / seeds:.0f} %")
        print(f"| {rows:,} | " + " | ".join(cells) + " |")


def widths(seeds: int = 20, resamples: int = 2000) -> None:
    """Poisson (mlgate) vs multinomial (scipy) paired-bootstrap widths of an MAE difference, by n."""
    from scipy import stats

    from mlgate.evaluate.metrics import metric_spec
    from mlgate.evaluate.model import EvalSet, Scored
    from mlgate.evaluate.paired import paired_metric

    def mae(y: np.ndarray, a: np.ndarray, b: np.ndarray, axis: int = -1) -> np.ndarray:
        return np.asarray(np.mean(np.abs(y - a), axis=axis) - np.mean(np.abs(y - b), axis=axis))

    spec = metric_spec("mae", "regression")
    print("| rows | Poisson / multinomial width | resamples left out (Poisson) |\n|---|---|---|")
    for rows in WIDTH_ROWS:
        ratios, left = [], []
        for seed in range(seeds):
            rng = np.random.default_rng(seed)
            y = rng.normal(0, 1, rows)
            a, b = y + rng.normal(0, 1, rows), y + rng.normal(0, 0.9, rows)
            ours = paired_metric(spec, EvalSet("regression", y, np.arange(rows).astype(str)),  # type: ignore[arg-type]
                                 Scored("candidate", a), Scored("production", b), confidence=0.95,
                                 resamples=resamples, seed=seed).interval
            ref = stats.bootstrap((y, a, b), mae, paired=True, n_resamples=resamples, method="percentile",
                                  random_state=seed).confidence_interval
            if ref.high > ref.low:
                ratios.append((ours.high - ours.low) / (ref.high - ref.low))
            left.append(ours.left_out / resamples)
        print(f"| {rows:,} | {statistics.mean(ratios):.3f} | {100 * statistics.mean(left):.1f} % |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--resamples", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--one", choices=sorted(CASES), help=argparse.SUPPRESS)
    parser.add_argument("--power", action="store_true", help="print the power table (n x correlation)")
    parser.add_argument("--widths", action="store_true", help="print Poisson vs multinomial widths by n")
    args = parser.parse_args()
    if args.power or args.widths:
        power() if args.power else widths()
        return
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
