"""The setup action's install path: uv (the pinned version, from PyPI) installs mlgate from the action's own
checkout into the job's Python, with uv's cache restored and saved by actions/cache.

The action is copied where GitHub puts a used action (`_actions/<owner>/<repo>/<ref>/`), and run with a
fresh virtualenv's `python` first on PATH. mlgate's dependencies are made visible to that virtualenv with a
.pth file (installing mlflow and friends again would take minutes), so `--no-deps` installs mlgate alone;
its build backend comes from the package index, as on GitHub. actions/cache is a stub that records its inputs.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import sysconfig
from collections.abc import Mapping
from pathlib import Path

import pytest

from tests.actions.conftest import ROOT, explain
from tests.support.action_runner import ActionRunner

pytestmark = pytest.mark.slow


def action_checkout(target: Path) -> Path:
    """The repository's files (tracked and new, not ignored) as GitHub downloads the action."""
    listed = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=ROOT, check=True,
                            capture_output=True).stdout.decode().split("\0")
    for name in filter(None, listed):
        source = ROOT / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    return target


def fresh_venv(folder: Path) -> Path:
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(folder)], check=True, timeout=300)
    python = folder / "bin" / "python"
    purelib = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                             check=True, capture_output=True, text=True).stdout.strip()
    # pip and mlgate's dependencies from the test environment; mlgate itself is not importable from there
    (Path(purelib) / "_test_deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return python


def test_setup_installs_mlgate_from_its_own_checkout(tmp_path: Path) -> None:
    checkout = action_checkout(tmp_path / "_actions" / "mlgate" / "mlgate" / "v0")
    python = fresh_venv(tmp_path / "venv")
    # PYTHONPATH=src (a worktree's sources first) must not make mlgate importable in the job's Python
    own = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    assert subprocess.run([str(python), "-c", "import mlgate"], capture_output=True, env=own).returncode != 0
    cached: list[Mapping[str, str]] = []

    def cache_stub(with_: Mapping[str, str]) -> Mapping[str, str]:
        cached.append(dict(with_))
        return {"cache-hit": "false"}

    env = {k: v for k, v in own.items() if not k.startswith(("GITHUB_", "MLGATE_", "VIRTUAL_ENV"))}
    env["PATH"] = os.pathsep.join([str(python.parent), env.get("PATH", "")])
    env["UV_CACHE_DIR"] = str(tmp_path / "uv-cache")
    workspace = tmp_path / "workspace"
    workspace.mkdir()
    runner = ActionRunner(workspace, tmp_path / "runner", env=env, remote={"actions/cache": cache_stub})

    result = runner.run(checkout / "actions" / "setup", {"python-version": "", "pip-args": "--no-deps"})

    assert result.exit_code == 0, explain(result)
    assert result.outputs["version"] == "0.1.0"
    assert result.outputs["python"] == str(python)
    outcomes = [s.outcome for s in result.steps]
    assert outcomes == ["skipped", "success", "success", "success", "success", "success"]  # no setup-python
    assert result.step("uv").outputs["version"] == uv_pin()
    [cache] = cached
    assert cache["key"].startswith(f"mlgate-uv-Linux-py3.11-uv{uv_pin()}-")
    assert cache["path"] == str(tmp_path / "uv-cache")
    assert any((tmp_path / "uv-cache").iterdir()), "uv did not use the cached directory"
    installed = subprocess.run([str(python), "-c", "import mlgate; print(mlgate.__file__)"],
                               capture_output=True, text=True, check=True, env=own).stdout
    assert installed.startswith(str(tmp_path / "venv")), installed
    assert (python.parent / "mlgate").is_file()


def uv_pin() -> str:
    """The uv version the setup action installs: one exact version, the same in the root action."""
    pins = {path: re.findall(r'MLGATE_UV_VERSION: "(.*)"', path.read_text())
            for path in (ROOT / "actions" / "setup" / "action.yml", ROOT / "action.yml")}
    versions = {version for found in pins.values() for version in found}
    assert all(pins.values()) and len(versions) == 1, pins
    [version] = versions
    assert re.fullmatch(r"\d+\.\d+\.\d+", version), version
    return version


def test_both_actions_pin_the_same_uv() -> None:
    assert uv_pin()
