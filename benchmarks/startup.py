"""How long `mlgate --help` and `mlgate --version` take, and that they import no heavy module.

Run: .venv/bin/python benchmarks/startup.py   (target: under 0.3 s each)
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time

RUNS = 10
HEAVY = ("mlflow", "pandas", "pandera", "dvc", "github", "pyarrow")


def timed(args: list[str]) -> float:
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "mlgate", *args], capture_output=True, check=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def heavy_imports(flag: str) -> list[str]:
    code = (f"import sys\nfrom mlgate.cli import cli\ntry:\n    cli.main([{flag!r}])\nexcept SystemExit:\n    pass\n"
            f"print('HEAVY=' + ','.join(m for m in {HEAVY!r} if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    line = next(x for x in out.splitlines() if x.startswith("HEAVY="))
    return [m for m in line.removeprefix("HEAVY=").split(",") if m]


def main() -> None:
    baseline = statistics.median(
        [_time_python() for _ in range(RUNS)]
    )
    print(f"python -c pass (interpreter start):  {baseline:.3f} s")
    for flag in ("--help", "--version"):
        median = timed([flag])
        print(f"mlgate {flag:<10} median of {RUNS}: {median:.3f} s  heavy imports: {heavy_imports(flag) or 'none'}"
              f"  {'OK' if median < 0.3 else 'OVER the 0.3 s target'}")


def _time_python() -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", "pass"], check=True)
    return time.perf_counter() - start


if __name__ == "__main__":
    main()
