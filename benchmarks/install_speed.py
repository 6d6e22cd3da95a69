"""A fresh install of mlgate (this checkout, base dependencies): pip vs uv, cold and warm download cache.

Each measurement installs into a new virtual environment. Cold: an empty cache directory (pip's
`--cache-dir`, uv's `UV_CACHE_DIR`); warm: the same directory again, as filled by the cold run (what the
setup action's actions/cache restores). Only the install is timed, not the creation of the environment.
uv is the version the setup action pins (installed from PyPI into a temporary folder unless `--uv` names
one). pip and uv read no configuration of this machine (PIP_CONFIG_FILE=/dev/null, UV_NO_CONFIG=1).

    python benchmarks/install_speed.py [--repeat N] [--uv PATH] [--tools pip,uv,uv-compile] [--source DIR]

`--source` installs another checkout (e.g. a `git worktree` of an older commit: the venv's size before a
change of the dependencies). Besides the times it prints the venv's size after each install and the ratio of
uv's cold install to pip's (the README's first command uses uv).

Prints a markdown table (median seconds of N runs, packages installed). pip compiles every module to
bytecode while installing and uv does not (a module is compiled on its first import instead): `uv-compile`
is uv with `--compile-bytecode`, the like-for-like figure.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def pinned_uv() -> str:
    text = (ROOT / "actions" / "setup" / "action.yml").read_text()
    match = re.search(r"MLGATE_UV_VERSION: \"?([0-9.]+)", text)
    if match is None:
        raise SystemExit("no MLGATE_UV_VERSION in actions/setup/action.yml")
    return match.group(1)


def clean_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "UV_", "VIRTUAL_ENV", "PYTHON"))}
    env.update(PIP_CONFIG_FILE=os.devnull, PIP_DISABLE_PIP_VERSION_CHECK="1", UV_NO_CONFIG="1")
    return env


def timed(argv: list[str], env: dict[str, str]) -> tuple[float, str]:
    start = time.perf_counter()
    done = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{argv} failed:\n{done.stdout}{done.stderr}")
    return elapsed, done.stdout + done.stderr


SIZES: dict[str, int] = {}


def venv_bytes(venv: Path) -> int:
    return sum(p.lstat().st_size for p in venv.rglob("*") if p.is_file() and not p.is_symlink())


def pip_install(work: Path, cache: Path, env: dict[str, str]) -> tuple[float, int]:
    venv = work / "venv-pip"
    shutil.rmtree(venv, ignore_errors=True)
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, env=env)
    seconds, log = timed([str(venv / "bin" / "python"), "-m", "pip", "install", "--cache-dir", str(cache),
                          str(ROOT)], env)
    SIZES["pip"] = venv_bytes(venv)
    installed = re.search(r"Successfully installed (.*)", log)
    return seconds, len(installed.group(1).split()) if installed else 0


def uv_install(work: Path, cache: Path, uv: str, env: dict[str, str], *compile_: str) -> tuple[float, int]:
    venv = work / "venv-uv"
    shutil.rmtree(venv, ignore_errors=True)
    subprocess.run([uv, "venv", "-q", "--python", sys.executable, str(venv)], check=True, env=env)
    seconds, log = timed([uv, "pip", "install", *compile_, "--python", str(venv / "bin" / "python"), str(ROOT)],
                         {**env, "UV_CACHE_DIR": str(cache)})
    SIZES["uv-compile" if compile_ else "uv"] = venv_bytes(venv)
    installed = re.search(r"Installed (\d+) packages?", log)
    return seconds, int(installed.group(1)) if installed else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--uv", help="a uv binary (default: the pinned version, from PyPI)")
    parser.add_argument("--tools", default="pip,uv,uv-compile", help="which installers, comma-separated")
    parser.add_argument("--source", type=Path, default=None, help="the checkout to install (default: this one)")
    args = parser.parse_args()
    global ROOT
    ROOT = (args.source or ROOT).resolve()
    env = clean_env()
    tools = args.tools.split(",")
    with tempfile.TemporaryDirectory(prefix="mlgate-install-") as tmp:
        work = Path(tmp)
        uv = args.uv
        if uv is None:
            version = pinned_uv()
            subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--target", str(work / "uv"),
                            f"uv=={version}"], check=True, env=env)
            uv = str(work / "uv" / "bin" / "uv")
        uv_version = subprocess.run([uv, "--version"], capture_output=True, text=True, check=True).stdout.strip()
        pip_version = subprocess.run([sys.executable, "-m", "pip", "--version"], capture_output=True, text=True,
                                     check=True, env=env).stdout.split()[1]
        rows: dict[str, list[float]] = {}
        counts: dict[str, int] = {}
        for i in range(args.repeat):
            for tool in tools:
                cache = work / f"cache-{tool}-{i}"
                for state in ("cold", "warm"):
                    if tool == "pip":
                        seconds, count = pip_install(work, cache, env)
                    else:
                        compile_ = ["--compile-bytecode"] if tool == "uv-compile" else []
                        seconds, count = uv_install(work, cache, uv, env, *compile_)
                    rows.setdefault(f"{tool} {state}", []).append(seconds)
                    counts[tool] = count
                    print(f"# {tool} {state} run {i + 1}: {seconds:.1f} s, {count} packages", file=sys.stderr)
        print(f"mlgate base install, Python {sys.version.split()[0]}, pip {pip_version}, {uv_version}, "
              f"{os.cpu_count()} cores, median of {args.repeat}\n")
        print(f"source: {ROOT}\n")
        print("| installer | cold cache | warm cache | packages | venv size |")
        print("|---|---|---|---|---|")
        for tool in tools:
            cold = statistics.median(rows[f"{tool} cold"])
            warm = statistics.median(rows[f"{tool} warm"])
            size = SIZES.get(tool, 0) / 1e6
            print(f"| {tool} | {cold:.1f} s | {warm:.1f} s | {counts[tool]} | {size:.0f} MB |")
        if "pip" in tools and "uv" in tools:
            ratio = statistics.median(rows["uv cold"]) / statistics.median(rows["pip cold"])
            print(f"\nuv cold / pip cold: {ratio:.2f} (target <= 0.25)")


if __name__ == "__main__":
    main()
