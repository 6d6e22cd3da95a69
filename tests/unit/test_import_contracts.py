"""The import-linter contracts in pyproject.toml (docs/development.md#layers): the code keeps them, and a
forbidden import breaks them with its import chain, a lazy import inside a function included.

`.ci/run` runs `lint-imports` too; here it runs on the sources and on a copy with one forbidden import added.
Skipped where import-linter is not installed (it is in the dev extras).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LINT = Path(sys.executable).with_name("lint-imports")
LINT_IMPORTS = str(LINT) if LINT.exists() else shutil.which("lint-imports")

pytestmark = pytest.mark.skipif(LINT_IMPORTS is None, reason="import-linter is not installed (dev extras)")


def lint(src: Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    """lint-imports with pyproject.toml's contracts, on the mlgate package found in `src`."""
    assert LINT_IMPORTS is not None
    env = {**os.environ, "PYTHONPATH": str(src)}
    return subprocess.run([LINT_IMPORTS, "--no-cache", str(ROOT / "pyproject.toml")], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120, check=False)


def copy_of_sources(tmp_path: Path) -> Path:
    src = tmp_path / "src"
    shutil.copytree(ROOT / "src" / "mlgate", src / "mlgate", ignore=shutil.ignore_patterns("__pycache__"))
    return src


def test_the_code_keeps_every_contract(tmp_path: Path) -> None:
    done = lint(ROOT / "src", tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 broken" in done.stdout


@pytest.mark.parametrize(("module", "line", "chain"), [
    ("report/fmt.py", "from mlgate import registry", "mlgate.report.fmt -> mlgate.registry"),
    ("commands/demo.py", "from mlgate.cli import cli", "mlgate.commands.demo -> mlgate.cli"),
    ("gate/values.py", "import subprocess", "mlgate.gate.values -> subprocess"),
    ("github/status.py", "from mlgate.report import fmt", "mlgate.github.status -> mlgate.report.fmt"),
    ("train/execute.py", "from mlgate.engines import runtimes", "mlgate.train.execute -> mlgate.engines.runtimes"),
    ("monitor/drift.py", "import pandas", "mlgate.monitor.drift -> pandas"),
    ("monitor/drift.py", "from mlgate.data import profile", "mlgate.monitor.drift -> mlgate.data.profile"),
])
def test_a_lazy_forbidden_import_breaks_a_contract_with_its_chain(tmp_path: Path, module: str, line: str,
                                                                  chain: str) -> None:
    src = copy_of_sources(tmp_path)
    with (src / "mlgate" / module).open("a", encoding="utf-8") as file:
        file.write(f"\n\ndef _forbidden() -> None:\n    {line}  # noqa\n")
    done = lint(src, tmp_path)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "BROKEN" in done.stdout and chain in done.stdout
