"""The example shipped in the package (src/mlgate/demo_data/breast-cancer) equals examples/breast-cancer.

The package must carry the example so that an installed mlgate (a wheel, not only `pip install -e .`) can
run `mlgate demo`; examples/ is where people read it. After editing the example, sync the copy:

    .venv/bin/python tests/unit/test_demo_data.py --sync
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "breast-cancer"
PACKAGED = ROOT / "src" / "mlgate" / "demo_data" / "breast-cancer"
GENERATED = {"__pycache__", ".mlgate", "metrics.json", "model", "predictions.csv", "mlruns", "mlartifacts"}


def shipped(root: Path) -> dict[str, bytes]:
    """The files the package ships: hidden files are left out (setuptools' globs skip them too)."""
    files = {}
    for path in sorted(root.rglob("*")):
        parts = path.relative_to(root).parts
        if path.is_file() and not any(p.startswith(".") or p in GENERATED for p in parts):
            files["/".join(parts)] = path.read_bytes()
    return files


def sync() -> None:
    shutil.rmtree(PACKAGED, ignore_errors=True)
    for name, data in shipped(EXAMPLE).items():
        target = PACKAGED / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)


def test_the_packaged_example_equals_examples_breast_cancer() -> None:
    example, packaged = shipped(EXAMPLE), shipped(PACKAGED)
    assert sorted(packaged) == sorted(example), "run: .venv/bin/python tests/unit/test_demo_data.py --sync"
    changed = [name for name in example if example[name] != packaged[name]]
    assert not changed, f"{changed} differ; run: .venv/bin/python tests/unit/test_demo_data.py --sync"


def test_the_example_has_what_the_demo_needs() -> None:
    files = shipped(PACKAGED)
    for name in ("mlgate.yaml", "params.yaml", "train.py", "baseline.json", "Dockerfile", "requirements.lock",
                 "schemas/breast_cancer.yaml", "data/breast_cancer.csv", "data/breast_cancer.csv.dvc"):
        assert name in files, name
    assert b"C: 1.0" in files["params.yaml"]  # the demo's pull request changes it


if __name__ == "__main__" and sys.argv[1:] == ["--sync"]:
    sync()
    print(f"synced {PACKAGED.relative_to(ROOT)} from {EXAMPLE.relative_to(ROOT)}")
