"""The throwaway MLflow store (engines/sandbox.py): made outside the repository, read back as untrusted input."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from mlgate.engines.sandbox import carried, open_sandbox, unsafe_tree
from mlgate.errors import ServiceError

LOG = """\
import math, sys
import mlflow
with mlflow.start_run():
    mlflow.log_metric("good", 0.5)
    mlflow.log_metric("nan_metric", math.nan)
    mlflow.log_param("p", "v" * 7000)
"""


def run_in(sandbox_env: dict[str, str], code: str) -> None:
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("MLFLOW_")}, **sandbox_env}
    subprocess.run([sys.executable, "-c", code], env=env, check=True, capture_output=True, timeout=300)


def test_what_a_script_logs_is_carried_checked(tmp_path: Path) -> None:
    sandbox = open_sandbox(with_run=True)
    try:
        assert sandbox.folder.name.startswith("mlgate-sandbox-") and sandbox.uri.startswith("file:///")
        run_in(sandbox.env(), LOG)
        found = carried(sandbox)
        assert found.problem is None
        assert found.metrics == {"good": 0.5}
        assert found.dropped == ["nan_metric"]
        assert found.params == {"p": "v" * 6000}  # MLflow's limit
    finally:
        sandbox.close()
    assert not sandbox.folder.exists()


@pytest.mark.parametrize("kind", ["hard link", "fifo", "too many bytes"])
def test_a_store_with_a_hard_link_a_fifo_or_too_much_is_not_read(tmp_path: Path, kind: str,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    sandbox = open_sandbox(with_run=True)
    try:
        params = sandbox.folder / "mlruns" / "0" / str(sandbox.run_id) / "params"
        params.mkdir(parents=True, exist_ok=True)
        if kind == "hard link":
            secret = sandbox.folder / "elsewhere.txt"  # a hard link needs the same file system
            secret.write_text("host secret")
            os.link(secret, params / "leak")
        elif kind == "fifo":
            os.mkfifo(params / "blocks")  # reading it would hang mlgate
        else:
            monkeypatch.setattr("mlgate.engines.sandbox.MAX_BYTES", 10)
            (params / "big").write_text("x" * 11)
        problem = unsafe_tree(sandbox.folder)
        assert problem is not None and carried(sandbox).problem == problem
        assert carried(sandbox).params == {}
    finally:
        sandbox.close()


def test_no_temporary_folder_is_exit_3_saying_what_to_do(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path / "missing"))
    with pytest.raises(ServiceError) as caught:
        open_sandbox(with_run=True)
    assert caught.value.exit_code == 3 and "TMPDIR" in caught.value.message()
