"""N `mlgate promote` processes at once against one registry: the harness of the promotion race tests and of
benchmarks/bad_inputs.py's race kinds.

`prepare(uri, n)` registers model `churn` with version 1 as @production and n candidate versions whose gate
passed against version 1 (as `mlgate compare` tags them); `race(uri, folder, versions)` starts one real
`mlgate promote --version V` process per version, each with mlflow imported already and waiting for the same
instant, so that they hit the registry together (the import time would otherwise spread them by a second).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SRC = Path(__file__).resolve().parents[2] / "src"
GATED_AGAINST = "mlgate.verdict.production_version"
PASSED = {"mlgate.verdict": "passed", "mlgate.data.validation": "passed", GATED_AGAINST: "1"}
# Imports first, then sleeps until the shared start time, then runs the real CLI in this process.
_STARTER = """
import sys, time
import mlflow.tracking, mlflow.store.model_registry.sqlalchemy_store  # noqa: F401 (the slow imports)
from mlgate.cli import main
start = float(sys.argv[1])
time.sleep(max(0.0, start - time.time()))
sys.argv = ["mlgate", *sys.argv[2:]]
main()
"""


@dataclass(frozen=True)
class Outcome:
    version: str
    code: int
    output: str


def client(uri: str) -> Any:
    from mlflow.tracking import MlflowClient

    return MlflowClient(tracking_uri=uri, registry_uri=uri)


def prepare(uri: str, n: int, name: str = "churn") -> list[str]:
    """Model `name`: version 1 @production, and n candidates gated against it; the candidates' versions."""
    mlflow = client(uri)
    mlflow.create_registered_model(name)
    first = mlflow.create_model_version(name, source="s3://mlgate-race/model", tags=PASSED).version
    mlflow.set_registered_model_alias(name, "production", first)
    return [str(mlflow.create_model_version(name, source="s3://mlgate-race/model", tags=PASSED).version)
            for _ in range(n)]


def project(folder: Path) -> Path:
    """A folder with the smallest mlgate.yaml promote needs; its path."""
    folder.mkdir(parents=True, exist_ok=True)
    config = folder / "mlgate.yaml"
    config.write_text("model:\n  name: churn\n")
    return config


def race(uri: str, folder: Path, versions: list[str], *, lead: float = 6.0, src: Path = SRC,
         env: dict[str, str] | None = None) -> list[Outcome]:
    """One `mlgate promote --version V` process per version, all starting `lead` seconds from now; `src`:
    the mlgate sources they run. Requests wait as long as MLflow's own default (120 s): on a loaded CI machine the
single-worker test server can take longer than mlgate's 30 s to answer, and these tests are about the lease,
not about a slow server."""
    config = project(folder)
    start = time.time() + lead
    base = {**os.environ, "MLFLOW_TRACKING_URI": uri, "PYTHONPATH": os.pathsep.join(
        filter(None, [str(src), os.environ.get("PYTHONPATH")])),
        "GITHUB_ACTOR": "racer", "MLFLOW_HTTP_REQUEST_TIMEOUT": "120", **(env or {})}
    for name in ("GITHUB_ACTIONS", "PYTEST_CURRENT_TEST"):
        base.pop(name, None)
    processes = [(version, subprocess.Popen(
        [sys.executable, "-c", _STARTER, str(start), "--config", str(config), "promote", "--version", version,
         "--out", str(folder / f"out-{version}")],
        cwd=folder, env={**base, "GITHUB_ACTOR": f"racer-{version}"}, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True)) for version in versions]
    found = []
    for version, process in processes:
        output, _ = process.communicate(timeout=180)
        found.append(Outcome(version, process.returncode, output))
    return found


def state(uri: str, versions: list[str], name: str = "churn") -> tuple[dict[str, str], dict[str, dict[str, str]]]:
    """The model's aliases, and each version's mlgate.promoted_* tags."""
    mlflow = client(uri)
    aliases = {k: str(v) for k, v in mlflow.get_registered_model(name).aliases.items()}
    tags = {v: {k: t for k, t in mlflow.get_model_version(name, v).tags.items() if k.startswith("mlgate.promoted")}
            for v in versions}
    return aliases, tags
