"""The uv cache steps of the setup and root actions when uv's cache is disabled (UV_NO_CACHE)."""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import Path

import pytest

from tests.actions.conftest import ROOT, action, explain
from tests.support.action_runner import ActionRunner


@pytest.mark.parametrize("name", ["setup", "gate"])
def test_a_disabled_uv_cache_skips_caching_instead_of_failing(tmp_path: Path, name: str) -> None:
    cached: list[Mapping[str, str]] = []

    def cache_stub(with_: Mapping[str, str]) -> Mapping[str, str]:
        cached.append(dict(with_))
        return {"cache-hit": "false"}

    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "MLGATE_"))}
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    env["UV_NO_CACHE"] = "1"
    runner = ActionRunner(tmp_path, tmp_path / "runner", env=env, remote={"actions/cache": cache_stub})
    # uv only reports what it would do: the steps under test are the ones before it
    inputs = {"python-version": "", "pip-args": "--dry-run --no-deps --no-build-isolation --no-index"}
    if name == "gate":
        inputs["post"] = "false"
    result = runner.run(action(name) if name == "gate" else ROOT / "actions" / "setup", inputs)
    assert result.step("uv-cache").outcome == "success", explain(result)
    assert "uv's cache is disabled" in result.log, explain(result)
    assert cached == []
    assert result.step("uv-cache").outputs.get("dir", "") == ""
