"""`mlgate validate` on 10,000,000 rows x 10 columns of Parquet: the pandas engine (chunked) vs Spark local[2].

    .venv/bin/python benchmarks/spark_validate.py                   # 10,000,000 rows (about 2 minutes to write)
    .venv/bin/python benchmarks/spark_validate.py --rows 1000000    # quicker
    .venv/bin/python benchmarks/spark_validate.py --keep DIR        # write (or reuse) the data in DIR

Needs the Spark extra (`pip install -e '.[spark]'`, in `.[dev]` too) and Java. Writes the data (the columns of
validate_speed.py, in row groups of 1,000,000), then runs the same `mlgate validate --all` twice, each in a
fresh process: `engine: pandas` (chunk_rows 200,000) and `engine: spark` (master local[2], 1 GB of driver
memory). The schema and checks are the same: a pandera YAML schema with dtypes, ranges and allowed values on
all 10 columns, uniqueness of `id`, null fractions, class balance and the row count. Prints the wall time,
the CPU time and the peak RSS of each run; for Spark the RSS is the Python process and its JVM together
(sampled every 0.1 s from /proc, as is the pandas run's).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from validate_speed import CHECKS, SCHEMA, block

ROW_GROUP = 1_000_000
PAGE = os.sysconf("SC_PAGE_SIZE")
TICKS = os.sysconf("SC_CLK_TCK")


def generate(path: Path, rows: int, seed: int = 7) -> Path:
    """One Parquet file written a row group at a time (bounded memory)."""
    rng = np.random.default_rng(seed)
    writer = None
    try:
        for start in range(0, rows, ROW_GROUP):
            table = pa.Table.from_pandas(block(start, min(ROW_GROUP, rows - start), rng), preserve_index=False)
            writer = writer or pq.ParquetWriter(path, table.schema)
            writer.write_table(table)
    finally:
        if writer is not None:
            writer.close()
    return path


def project(folder: Path, data: Path, engine: str) -> Path:
    """A project folder per engine, the data linked into it (dataset paths are relative to mlgate.yaml)."""
    (folder / engine).mkdir(parents=True, exist_ok=True)
    (folder / engine / "schema.yaml").write_text(yaml.safe_dump(SCHEMA))
    link = folder / engine / "bench.parquet"
    if not link.exists():
        link.symlink_to(data.resolve())
    dataset = {"path": "bench.parquet", "schema": "schema.yaml", "checks": CHECKS, "engine": engine}
    config: dict[str, object] = {"model": {"name": "bench"}, "data": [dataset]}
    if engine == "spark":
        config["spark"] = {"master": "local[2]", "conf": {"spark.driver.memory": "1g",
                                                          "spark.sql.shuffle.partitions": 2,
                                                          "spark.ui.enabled": False}}
    else:
        dataset["chunk_rows"] = 200_000
    path = folder / engine / "mlgate.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


def tree_rss(pid: int, cpu: dict[int, float]) -> int:
    """Resident bytes of a process and all its descendants, from /proc; records each one's CPU seconds in `cpu`
    (the JVM is not a child that Python waits for, so os.times() would not count it)."""
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        try:
            with open(f"/proc/{current}/statm") as handle:
                total += int(handle.read().split()[1]) * PAGE
            with open(f"/proc/{current}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
                cpu[current] = (int(fields[11]) + int(fields[12])) / TICKS
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children") as handle:
                    todo += [int(child) for child in handle.read().split()]
        except (FileNotFoundError, ProcessLookupError, ValueError):
            continue
    return total


def measure(config: Path, out: Path) -> dict[str, object]:
    """Run `mlgate validate --all` in a fresh process; its wall and CPU time, peak RSS (tree) and summary."""
    start = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-m", "mlgate", "--config", str(config), "validate", "--all",
                                "--out", str(out)], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
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
    validation = json.loads((out / "validation.json").read_text())
    dataset = validation["datasets"][0]
    return {"exit": process.returncode, "seconds": seconds,
            "cpu": sum(cpu.values()),
            "peak_rss_mb": peak[0] / 2**20, "rows": dataset.get("rows"),
            "failures": [(f["check"], f["failing_rows"]) for f in dataset.get("failures", [])],
            "output": stdout.strip().splitlines()[:3]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--keep", type=Path, default=None, help="a folder for the data, kept (and reused)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="mlgate-spark-bench-") as tmp:
        folder = Path(tmp)
        data_dir = args.keep or folder
        data_dir.mkdir(parents=True, exist_ok=True)
        data = data_dir / f"bench-{args.rows}.parquet"
        if not data.exists():
            started = time.perf_counter()
            generate(data, args.rows)
            print(f"wrote {data} ({args.rows:,} rows x 10 columns, {data.stat().st_size / 2**20:.0f} MiB) "
                  f"in {time.perf_counter() - started:.0f} s", flush=True)
        small = data_dir / "bench-10000.parquet"
        if not small.exists():
            generate(small, 10_000)
        results = {}
        for engine, source, name in (("pandas", data, "pandas"), ("spark", data, "spark"),
                                     ("spark", small, "spark-10k")):
            results[name] = measure(project(folder / name, source, engine), folder / name / ".mlgate")
            print(f"{name}: {json.dumps(results[name])}", flush=True)
        print()
        print(f"| {args.rows:,} rows x 10 columns, Parquet | wall | CPU (mlgate + JVM) | peak RSS |")
        print("|---|---|---|---|")
        for engine, label in (("pandas", "pandas engine, chunk_rows 200,000"), ("spark", "Spark local[2]"),
                              ("spark-10k", "Spark local[2] on 10,000 rows: its fixed cost (JVM, session)")):
            r = results[engine]
            print(f"| {label} | {r['seconds']:.1f} s | {r['cpu']:.1f} s | {r['peak_rss_mb']:,.0f} MiB |")
        same = results["pandas"]["failures"] == results["spark"]["failures"]
        print(f"\nsame verdict on both engines: {same} (exit {results['pandas']['exit']} / {results['spark']['exit']}, "
              f"rows {results['pandas']['rows']:,} / {results['spark']['rows']:,})")


if __name__ == "__main__":
    main()
