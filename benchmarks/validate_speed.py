"""Speed and memory of `mlgate validate` on a generated CSV.

    .venv/bin/python benchmarks/validate_speed.py                 # 1,000,000 rows x 10 columns
    .venv/bin/python benchmarks/validate_speed.py --rows 200000   # quicker
    .venv/bin/python benchmarks/validate_speed.py --skip-growth   # only the speed figures

Prints, each measured in a fresh process: the validation time (the whole stage: schema, every check,
the sha256 version), a plain pandas read and a plain pyarrow read of the same file, their ratios, and the
peak RSS of each. Then the chunked mode on growing files (many times the chunk size): peak RSS per size,
which stays flat. Target: validation within 1.5x the plain read (issue 22).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

SPECIES = np.array(["setosa", "versicolor", "virginica"])
CITIES = np.array(["paris", "lima", "oslo", "quito", "delhi", "tokyo", "cairo", "perth"])
SCHEMA = {
    "schema_type": "dataframe",
    "version": "0.35.0",
    "columns": {
        "id": {"dtype": "int64", "nullable": False},
        "f1": {"dtype": "float64", "nullable": False, "checks": {"in_range": {"min_value": -10, "max_value": 10}}},
        "f2": {"dtype": "float64", "nullable": False, "checks": {"greater_than_or_equal_to": -10}},
        "f3": {"dtype": "float64", "nullable": True},
        "f4": {"dtype": "float64", "nullable": False},
        "n1": {"dtype": "int64", "nullable": False, "checks": {"in_range": {"min_value": 0, "max_value": 99}}},
        "n2": {"dtype": "int64", "nullable": False},
        "city": {"dtype": "str", "nullable": False, "checks": {"isin": CITIES.tolist()}},
        "note": {"dtype": "str", "nullable": True},
        "species": {"dtype": "str", "nullable": False, "checks": {"isin": SPECIES.tolist()}},
    },
}
CHECKS = {
    "unique": ["id"],
    "max_null_fraction": {"f3": 0.2, "note": 0.5},
    "class_balance": {"column": "species", "min_fraction": 0.2, "max_ratio": 1.5},
    "rows": {"min": 1},
}


def block(start: int, rows: int, rng: np.random.Generator) -> pd.DataFrame:
    f3 = rng.normal(size=rows)
    f3[rng.random(rows) < 0.05] = np.nan
    return pd.DataFrame({
        "id": np.arange(start, start + rows),
        "f1": rng.uniform(-5, 5, rows).round(4),
        "f2": rng.normal(size=rows).round(4),
        "f3": f3.round(4),
        "f4": rng.exponential(size=rows).round(4),
        "n1": rng.integers(0, 100, rows),
        "n2": rng.integers(-1000, 1000, rows),
        "city": CITIES[rng.integers(0, len(CITIES), rows)],
        "note": np.where(rng.random(rows) < 0.1, "", "ok"),
        "species": SPECIES[rng.integers(0, 3, rows)],
    })


def generate(path: Path, rows: int, seed: int = 7) -> Path:
    """Write the CSV in blocks of 250,000 rows (bounded memory)."""
    rng = np.random.default_rng(seed)
    with path.open("w", encoding="utf-8") as handle:
        for start in range(0, rows, 250_000):
            block(start, min(250_000, rows - start), rng).to_csv(handle, index=False, header=start == 0)
    return path


def project(folder: Path, data: Path, chunk_rows: int) -> Path:
    (folder / "schema.yaml").write_text(yaml.safe_dump(SCHEMA))
    config = {"model": {"name": "bench"},
              "data": [{"path": str(data), "schema": "schema.yaml", "checks": CHECKS, "chunk_rows": chunk_rows}]}
    path = folder / "mlgate.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


def child(mode: str, target: str, chunk_rows: int) -> None:
    """Run one measurement in this (fresh) process and print {"seconds", "peak_rss_mb", ...} as JSON."""
    extra: dict[str, object] = {}
    start, cpu = time.perf_counter(), _cpu()
    if mode in ("pandas", "pandas-1"):
        extra["rows"] = plain_read(mode, target)
    elif mode == "pyarrow":
        import pyarrow.csv

        start, cpu = time.perf_counter(), _cpu()
        extra["rows"] = pyarrow.csv.read_csv(target).num_rows
    else:
        import pandera.pandas as pa

        from mlgate.commands.validate import run_validate
        from mlgate.config import load_config
        from mlgate.github.context import GitHubContext
        from mlgate.output import Output

        # pandera's one-time imports happen on first use (it imports hypothesis): timed apart
        pa.DataFrameSchema({"a": pa.Column(int)}).validate(pd.DataFrame({"a": [1]}))
        extra["startup_seconds"] = time.perf_counter() - start
        folder = Path(target).parent
        start, cpu = time.perf_counter(), _cpu()
        config = load_config(project(folder, Path(target), chunk_rows))
        with contextlib.redirect_stdout(io.StringIO()):
            code = run_validate(config, Output(), GitHubContext(), base_ref=None, all_datasets=True,
                                out=folder / ".mlgate")
        report = json.loads((folder / ".mlgate" / "validation.json").read_text())
        extra |= {"exit": code, "rows": report["datasets"][0]["rows"],
                  "failures": [f["check"] for f in report["datasets"][0]["failures"]]}
    seconds, cpu = time.perf_counter() - start, _cpu() - cpu
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "cpu_seconds": cpu, "peak_rss_mb": peak, **extra}))


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def measure(mode: str, path: Path, chunk_rows: int = 200_000) -> dict[str, float]:
    """One measurement in a fresh process."""
    done = subprocess.run(
        [sys.executable, __file__, "--child", mode, str(path), "--chunk-rows", str(chunk_rows)],
        capture_output=True, text=True, check=True,
    )
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def best_of(modes: tuple[str, ...], path: Path, repeat: int) -> dict[str, dict[str, float]]:
    """Each mode `repeat` times, interleaved; the fastest run of each (the least disturbed by noise)."""
    runs: dict[str, list[dict[str, float]]] = {mode: [] for mode in modes}
    for _ in range(repeat):
        for mode in modes:
            runs[mode].append(measure(mode, path))
    return {mode: min(found, key=lambda run: run["seconds"]) for mode, found in runs.items()}


def speed(folder: Path, rows: int, repeat: int) -> None:
    path = generate(folder / "bench.csv", rows)
    size_mb = path.stat().st_size / 2**20
    print(f"file: {rows:,} rows x 10 columns, {size_mb:.1f} MiB CSV")
    measure("pandas", path)  # warm the page cache so every run reads from memory alike
    modes = ("pandas", "pandas-1", "pyarrow", "validate") if threaded_pandas() else \
        ("pandas", "pyarrow", "validate")
    figures = best_of(modes, path, repeat)
    print(f"  (fastest of {repeat} interleaved runs each, every run in a fresh process)")
    for mode, label in (("validate", "mlgate validation"), ("pandas", "plain pandas.read_csv"),
                        ("pandas-1", "pandas.read_csv, one thread"), ("pyarrow", "plain pyarrow.csv.read_csv")):
        if mode not in figures:
            continue
        f = figures[mode]
        print(f"  {label:<28} {f['seconds']:7.2f} s  (CPU {f['cpu_seconds']:5.2f} s)"
              f"   peak RSS {f['peak_rss_mb']:7.1f} MiB")
    check = figures["validate"]
    assert check["rows"] == rows and check["exit"] == 0, check
    print(f"  (+ one-time imports of pandera and mlgate: {check['startup_seconds']:.2f} s per process)")
    print(f"  ratio validation / pandas read:  {check['seconds'] / figures['pandas']['seconds']:.2f}x "
          "(target <= 1.5x)")
    if "pandas-1" in figures:
        print(f"  ratio validation / pandas read on one thread: "
              f"{check['seconds'] / figures['pandas-1']['seconds']:.2f}x")
    print(f"  ratio validation / pyarrow read: {check['seconds'] / figures['pyarrow']['seconds']:.2f}x")
    print(f"  ratio incl. imports / pandas:    "
          f"{(check['seconds'] + check['startup_seconds']) / figures['pandas']['seconds']:.2f}x")


def plain_read(mode: str, target: str) -> int:
    """The rows of a plain `pandas.read_csv`; "pandas-1" reads on one thread (pandas >= 3.1 reads a large
    CSV path on several)."""
    if mode == "pandas-1":
        pd.set_option("mode.max_threads", 1)
    return len(pd.read_csv(target))


def threaded_pandas() -> bool:
    """Whether this pandas reads a CSV path on several threads (pandas >= 3.1: `mode.max_threads`)."""
    try:
        pd.get_option("mode.max_threads")
    except KeyError:
        return False
    return True


def growth(folder: Path, chunk_rows: int, sizes: list[int]) -> None:
    print(f"chunked mode, chunk_rows={chunk_rows:,}: peak RSS as the file grows")
    for rows in sizes:
        path = generate(folder / f"grow-{rows}.csv", rows)
        f = measure("validate", path, chunk_rows)
        print(f"  {rows:>10,} rows ({rows // chunk_rows:>3} chunks, {path.stat().st_size / 2**20:6.1f} MiB)"
              f"  validation {f['seconds']:6.2f} s   peak RSS {f['peak_rss_mb']:7.1f} MiB")
        path.unlink()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--chunk-rows", type=int, default=50_000)
    parser.add_argument("--growth", default="250000,1000000,2000000,4000000",
                        help="Row counts for the memory-flatness run.")
    parser.add_argument("--skip-growth", action="store_true")
    parser.add_argument("--repeat", type=int, default=5, help="Runs of each speed measurement.")
    parser.add_argument("--child", nargs=2, metavar=("MODE", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], args.child[1], args.chunk_rows)
        return
    with tempfile.TemporaryDirectory(prefix="mlgate-bench-") as tmp:
        speed(Path(tmp), args.rows, args.repeat)
        if not args.skip_growth:
            growth(Path(tmp), args.chunk_rows, [int(n) for n in args.growth.split(",")])


if __name__ == "__main__":
    main()
