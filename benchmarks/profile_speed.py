"""Speed, memory and size of a data profile (mlgate.data.profile.profile_files) on generated data.

    .venv/bin/python benchmarks/profile_speed.py                  # 1,000,000 rows x 10 columns, then growth
    .venv/bin/python benchmarks/profile_speed.py --rows 200000    # quicker
    .venv/bin/python benchmarks/profile_speed.py --skip-growth    # only the speed and size figures

Prints, each measured in a fresh process (the CSV of benchmarks/validate_speed.py): the profile of the file
(made from the data; and on a reference's bins, as `mlgate monitor` makes it), a plain pandas read of the
same file, their ratio, and the peak RSS of each. Then the chunked mode on growing files: peak RSS per size,
which stays flat. Then the profile's size for 1,000 columns. Target: within 1.5x the plain read (issue 22); flat RSS;
<= 1 MiB for 1,000 columns.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).parent))
# the same generated CSV, and the same plain reads, as the validate benchmark
from validate_speed import generate, plain_read, threaded_pandas


def child(mode: str, target: str, chunk_rows: int) -> None:
    """One measurement in this (fresh) process: {"seconds", "cpu_seconds", "peak_rss_mb", ...} as JSON."""
    extra: dict[str, object] = {}
    if mode in ("pandas", "pandas-1"):
        start, cpu = time.perf_counter(), _cpu()
        extra["rows"] = plain_read(mode, target)
    else:
        from mlgate.config import Dataset
        from mlgate.data.profile import profile_files

        dataset = Dataset(path=target, chunk_rows=chunk_rows)
        reference = None
        if mode == "profile-ref":  # the reference is made first, outside the timing
            reference = profile_files([target], dataset=dataset, bins=10, top_categories=50)
        start, cpu = time.perf_counter(), _cpu()
        found = profile_files([target], dataset=dataset, bins=10, top_categories=50, reference=reference)
        extra |= {"rows": found.rows, "bytes": len(found.model_dump_json().encode())}
    seconds, cpu = time.perf_counter() - start, _cpu() - cpu
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "cpu_seconds": cpu, "peak_rss_mb": peak, **extra}))


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def measure(mode: str, path: Path, chunk_rows: int = 200_000) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, __file__, "--child", mode, str(path), "--chunk-rows", str(chunk_rows)],
        capture_output=True, text=True, check=True,
    )
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def speed(folder: Path, rows: int, repeat: int) -> None:
    path = generate(folder / "bench.csv", rows)
    print(f"file: {rows:,} rows x 10 columns, {path.stat().st_size / 2**20:.1f} MiB CSV")
    measure("pandas", path)  # warm the page cache
    modes = ("pandas", "pandas-1", "profile", "profile-ref") if threaded_pandas() else \
        ("pandas", "profile", "profile-ref")
    runs: dict[str, list[dict[str, float]]] = {mode: [] for mode in modes}
    for _ in range(repeat):
        for mode in modes:
            runs[mode].append(measure(mode, path))
    best = {mode: min(found, key=lambda run: run["seconds"]) for mode, found in runs.items()}
    print(f"  (fastest of {repeat} interleaved runs each, every run in a fresh process)")
    for mode, label in (("profile", "profile (own bins)"), ("profile-ref", "profile (reference bins)"),
                        ("pandas", "plain pandas.read_csv"), ("pandas-1", "pandas.read_csv, one thread")):
        if mode not in best:
            continue
        f = best[mode]
        print(f"  {label:<28} {f['seconds']:6.2f} s  (CPU {f['cpu_seconds']:5.2f} s)"
              f"   peak RSS {f['peak_rss_mb']:7.1f} MiB")
    for mode in ("profile", "profile-ref"):
        assert best[mode]["rows"] == rows, best[mode]
        print(f"  ratio {mode} / pandas read: {best[mode]['seconds'] / best['pandas']['seconds']:.2f}x"
              f" (target <= 1.5x); profile.json {best[mode]['bytes'] / 1024:.1f} KiB")
        if "pandas-1" in best:
            print(f"  ratio {mode} / pandas read on one thread: "
                  f"{best[mode]['seconds'] / best['pandas-1']['seconds']:.2f}x")


def growth(folder: Path, chunk_rows: int, sizes: list[int]) -> None:
    print(f"chunked mode, chunk_rows={chunk_rows:,}: peak RSS as the file grows")
    for size in sizes:
        path = generate(folder / f"grow-{size}.csv", size)
        f = measure("profile", path, chunk_rows)
        print(f"  {size:>10,} rows ({size // chunk_rows:>3} chunks, {path.stat().st_size / 2**20:6.1f} MiB)"
              f"  profile {f['seconds']:6.2f} s   peak RSS {f['peak_rss_mb']:7.1f} MiB")
        path.unlink()


def width(folder: Path, columns: int, rows: int) -> None:
    """1,000 columns: half numbers, half categories (60 values each, names of 30 and of 200 characters)."""
    from mlgate.data.profile import profile_files

    rng = np.random.default_rng(5)
    print(f"profile size, {columns:,} columns x {rows:,} rows (Parquet):")
    for length in (30, 200):
        labels = np.array([f"{j:03d}-" + "c" * (length - 4) for j in range(60)])
        data = {f"num{i}": rng.normal(size=rows) for i in range(columns // 2)}
        data |= {f"cat{i}": labels[rng.integers(0, 60, rows)] for i in range(columns - columns // 2)}
        path = folder / f"wide-{length}.parquet"
        pd.DataFrame(data).to_parquet(path)
        start = time.perf_counter()
        found = profile_files([path], dataset=None, bins=10, top_categories=50)
        size = len(found.model_dump_json().encode())
        kept = len(found.columns["cat0"].categories.counts)  # type: ignore[union-attr]
        print(f"  categories of {length:>3} characters: {size / 1024:7.1f} KiB (limit 1024 KiB), "
              f"{kept} values listed per categorical column, {time.perf_counter() - start:.1f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--chunk-rows", type=int, default=50_000)
    parser.add_argument("--growth", default="250000,1000000,2000000,4000000")
    parser.add_argument("--skip-growth", action="store_true")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--child", nargs=2, metavar=("MODE", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], args.child[1], args.chunk_rows)
        return
    with tempfile.TemporaryDirectory(prefix="mlgate-bench-") as tmp:
        speed(Path(tmp), args.rows, args.repeat)
        if not args.skip_growth:
            growth(Path(tmp), args.chunk_rows, [int(n) for n in args.growth.split(",")])
        width(Path(tmp), 1000, 2000)


if __name__ == "__main__":
    main()
