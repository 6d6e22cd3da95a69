"""`mlgate monitor`'s work on a partitioned Parquet batch: the pandas engine vs Spark local[2], at two sizes,
and the paired intervals at 10,000,000 rows.

    .venv-spark/bin/python benchmarks/spark_monitor.py                        # 10 M and 40 M rows
    .venv-spark/bin/python benchmarks/spark_monitor.py --rows 5000000 20000000  # a smaller pair
    .venv-spark/bin/python benchmarks/spark_monitor.py --keep DIR              # write (or reuse) the data in DIR

Writes the batch as a Hive-partitioned Parquet table (`day=...`, one file of 1,000,000 rows a partition, row
groups of 250,000; the 10 columns of validate_speed.py) and a reference profile (1,000,000 rows of the same
columns, another seed, profiled by pandas). Then, each in a fresh process: the pandas engine profiles the
partition files on the reference's bins (data/profile.py, chunks of 200,000 rows) and Spark (local[2], 1 GB
of driver memory) profiles the table's directory the same way (engines/spark/profile.py); both are judged
by monitor/drift.py. Prints wall time, CPU time and peak RSS (the process tree: Python and its JVM, sampled
every 0.1 s from /proc), and whether the verdicts per feature agree. Last, the paired intervals of
evaluate/paired.py on 10,000,000 rows of a binary task (log_loss and brier: asymptotic; roc_auc: DeLong;
accuracy: McNemar): seconds and peak RSS.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
from spark_validate import tree_rss
from validate_speed import block

PARTITION_ROWS = 1_000_000
ROW_GROUP = 250_000
REFERENCE_ROWS = 1_000_000


def write_table(folder: Path, rows: int, seed: int) -> Path:
    """A Hive-partitioned table: day=00, day=01, ... one file each (bounded memory)."""
    rng = np.random.default_rng(seed)
    for number, start in enumerate(range(0, rows, PARTITION_ROWS)):
        target = folder / f"day=2026-12-{number + 1:02d}" if number < 31 else folder / f"day=2027-01-{number - 30:02d}"
        target.mkdir(parents=True, exist_ok=True)
        writer = None
        try:
            end = min(start + PARTITION_ROWS, rows)
            for first in range(start, end, ROW_GROUP):
                table = pa.Table.from_pandas(block(first, min(ROW_GROUP, end - first), rng), preserve_index=False)
                writer = writer or pq.ParquetWriter(target / "part-00000.parquet", table.schema)
                writer.write_table(table)
        finally:
            if writer is not None:
                writer.close()
    return folder


def child(engine: str, data: Path, reference: Path) -> None:
    """Profile and judge the batch with one engine; print the verdict as JSON."""
    from mlgate.config import MonitorSettings
    from mlgate.documents import Profile
    from mlgate.monitor.drift import drift

    ref = Profile.model_validate_json(reference.read_text())
    if engine == "pandas":
        from mlgate.data.profile import profile_files

        current = profile_files(sorted(data.glob("day=*/*.parquet")), dataset=None, bins=ref.bins,
                                top_categories=ref.top_categories, reference=ref)
    else:
        from pyspark.sql import SparkSession

        from mlgate.engines.spark.batch import Where, read_locations
        from mlgate.engines.spark.profile import Source, profile_frame

        spark = (SparkSession.builder.master("local[2]").config("spark.driver.memory", "1g")
                 .config("spark.sql.shuffle.partitions", "2").config("spark.ui.enabled", "false")
                 .config("spark.ui.showConsoleProgress", "false").getOrCreate())
        spark.sparkContext.setLogLevel("ERROR")
        frame = read_locations(spark, [Where(str(data), str(data))], "parquet", ",")
        current = profile_frame(frame, Source(str(data), "parquet"), bins=ref.bins,
                                top_categories=ref.top_categories, reference=ref)
    settings = MonitorSettings.model_validate({"features": {"day": {"ignore": True}}})
    result = drift(ref, current, settings)
    print(json.dumps({"rows": current.rows, "status": result.status,
                      "features": {f.name: [f.status, f.psi] for f in result.features}}))


def paired_child(rows: int) -> None:
    from mlgate.evaluate.metrics import metric_spec
    from mlgate.evaluate.model import EvalSet, Scored
    from mlgate.evaluate.paired import paired_metrics

    rng = np.random.default_rng(3)
    y = rng.integers(0, 2, rows)
    z = rng.normal(0, 0.8, rows)
    models = []
    for role, mu in (("candidate", 1.4), ("production", 1.3)):
        signal = mu * y - mu / 2 + z + rng.normal(0, 0.6, rows)
        models.append(Scored(role, (signal > 0).astype(np.int64), 1 / (1 + np.exp(-signal))))
    evalset = EvalSet("binary", y, np.arange(rows), (0, 1))
    specs = [metric_spec(name, "binary") for name in ("log_loss", "brier", "roc_auc", "accuracy")]
    started = time.perf_counter()
    results = paired_metrics(specs, evalset, models[0], models[1], confidence=0.95, resamples=2000, seed=1)
    print(json.dumps({"paired_seconds": time.perf_counter() - started,
                      "intervals": {r.name: [r.interval.method, r.interval.low, r.interval.high]
                                    for r in results}}))


def measure(args: list[str]) -> dict[str, object]:
    start = time.perf_counter()
    process = subprocess.Popen([sys.executable, __file__, *args], stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL, text=True)
    peak = [0]
    cpu: dict[int, float] = {}

    def sample() -> None:
        while process.poll() is None:
            peak[0] = max(peak[0], tree_rss(process.pid, cpu))
            time.sleep(0.1)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    stdout, _ = process.communicate()
    seconds = time.perf_counter() - start
    sampler.join()
    lines = stdout.strip().splitlines()
    found = json.loads(lines[-1]) if process.returncode == 0 and lines else {"error": stdout[-500:]}
    return {"exit": process.returncode, "seconds": seconds, "cpu": sum(cpu.values()),
            "peak_rss_mb": peak[0] / 2**20, **found}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, nargs="+", default=[10_000_000, 40_000_000])
    parser.add_argument("--paired-rows", type=int, default=10_000_000)
    parser.add_argument("--keep", type=Path, default=None, help="a folder for the data, kept (and reused)")
    parser.add_argument("--child", nargs=3, metavar=("ENGINE", "DATA", "REFERENCE"), help=argparse.SUPPRESS)
    parser.add_argument("--paired-child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], Path(args.child[1]), Path(args.child[2]))
        return
    if args.paired_child:
        paired_child(args.paired_child)
        return
    with tempfile.TemporaryDirectory(prefix="mlgate-spark-monitor-") as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        reference = folder / "reference.json"
        if not reference.exists():
            from mlgate.data.profile import profile_files

            ref_table = write_table(folder / "reference", REFERENCE_ROWS, seed=1)
            profile = profile_files(sorted(ref_table.glob("day=*/*.parquet")), dataset=None, bins=10,
                                    top_categories=50)
            reference.write_text(profile.model_dump_json())
        results: dict[str, dict[str, object]] = {}
        for rows in args.rows:
            data = folder / f"batch-{rows}"
            if not data.exists():
                started = time.perf_counter()
                write_table(data, rows, seed=7)
                print(f"wrote {data} ({rows:,} rows x 10 columns) in {time.perf_counter() - started:.0f} s",
                      flush=True)
            for engine in ("pandas", "spark"):
                key = f"{engine} {rows:,}"
                results[key] = measure(["--child", engine, str(data), str(reference)])
                shown = {k: v for k, v in results[key].items() if k != "features"}
                print(f"{key}: {json.dumps(shown)}", flush=True)
            pandas, spark = results[f"pandas {rows:,}"], results[f"spark {rows:,}"]
            if "features" in pandas and "features" in spark:
                agree = all(spark["features"][name][0] == value[0]  # type: ignore[index]
                            and abs((spark["features"][name][1] or 0) - (value[1] or 0)) < 1e-9  # type: ignore[index]
                            for name, value in pandas["features"].items())  # type: ignore[attr-defined]
                print(f"  same verdict per feature, PSI within 1e-9: {agree}", flush=True)
        paired = measure(["--paired-child", str(args.paired_rows)])
        print(f"paired {args.paired_rows:,}: {json.dumps(paired)}", flush=True)
        print()
        print("| partitioned Parquet batch, 10 columns | wall | CPU (Python + JVM) | peak RSS |")
        print("|---|---|---|---|")
        for key, r in results.items():
            print(f"| {key} rows | {r['seconds']:.1f} s | {r['cpu']:.1f} s | {r['peak_rss_mb']:,.0f} MiB |")
        print(f"| paired intervals, {args.paired_rows:,} rows (4 metrics; the process, making its data too) | "
              f"{paired['seconds']:.1f} s (the intervals: {paired.get('paired_seconds', 0):.1f} s) | "
              f"{paired['cpu']:.1f} s | {paired['peak_rss_mb']:,.0f} MiB |")


if __name__ == "__main__":
    main()
