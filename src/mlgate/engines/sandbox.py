"""The throwaway MLflow store a training or scoring command logs to: PR code never holds the registry.

By default (`train.tracking_credentials: none`) the command gets `MLFLOW_TRACKING_URI` pointing at a file
store in a fresh temporary folder outside the repository (mounted into a container at the same path), and
`MLFLOW_RUN_ID` of a run mlgate made there, so a script that calls MLflow's `start_run()`, autologs or logs a
model still works. mlgate reads back that run's metrics and params from its own process and logs them to the
real run itself (`carried`): the store is what PR code wrote, so it is read as untrusted input — no symlink,
hard link or special file, bounded in files, bytes, names and values. Tags and artifacts are not carried.
"""

from __future__ import annotations

import math
import os
import re
import shutil
import stat
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mlgate.errors import ServiceError
from mlgate.train.secrets import throwaway_store_env

FOLDER_PREFIX = "mlgate-sandbox-"
MAX_FILES = 20_000
MAX_BYTES = 64 * 1024 * 1024
MAX_METRICS = 1000
MAX_PARAMS = 500
MAX_PARAM_VALUE = 6000  # MLflow's limit for a param's value
# MLflow's rule for a metric or param name: letters, digits, _ - . : / and spaces, at most 250 characters.
_NAME = re.compile(r"[A-Za-z0-9_\-.:/ ]{1,250}")
_ALLOW = "MLFLOW_ALLOW_FILE_STORE"  # MLflow 3 refuses a file store without it


@dataclass(frozen=True)
class Sandbox:
    """A throwaway store: its folder (removed by `close`), and the run mlgate made there (None: none)."""

    folder: Path
    run_id: str | None = None
    experiment_id: str | None = None

    @property
    def uri(self) -> str:
        return (self.folder / "mlruns").as_uri()

    def env(self) -> dict[str, str]:
        """What the command gets instead of the registry: this store's URI (and its run)."""
        env = throwaway_store_env(self.folder)
        if self.run_id and self.experiment_id:
            env |= {"MLFLOW_RUN_ID": self.run_id, "MLFLOW_EXPERIMENT_ID": self.experiment_id}
        return env

    def close(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


@dataclass(frozen=True)
class Carried:
    """What the command logged to the throwaway run that mlgate logs to the real one, and what was not."""

    metrics: dict[str, float] = field(default_factory=dict)
    params: dict[str, str] = field(default_factory=dict)
    problem: str | None = None  # why nothing was carried (a symlink, too big, unreadable)
    dropped: list[str] = field(default_factory=list)  # names left out (invalid, not finite, over the bounds)


def open_sandbox(*, with_run: bool) -> Sandbox:
    """A fresh throwaway store outside the repository; with a run for a training (`MLFLOW_RUN_ID`)."""
    try:
        folder = Path(tempfile.mkdtemp(prefix=FOLDER_PREFIX)).resolve()
    except OSError as exc:
        raise _cannot(exc) from exc
    if not with_run:
        return Sandbox(folder)
    try:
        with _file_store(folder) as store:
            run = store.create_run(experiment_id="0", user_id="mlgate", start_time=int(time.time() * 1000),
                                   tags=[], run_name="training")
    except OSError as exc:
        shutil.rmtree(folder, ignore_errors=True)
        raise _cannot(exc) from exc
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return Sandbox(folder, str(run.info.run_id), "0")


def _cannot(exc: OSError) -> ServiceError:
    return ServiceError("cannot make the throwaway MLflow store the training command logs to",
                        f"{exc.strerror or exc} ({tempfile.gettempdir()})",
                        "free space in the temporary folder, or point TMPDIR at a writable folder")


def carried(sandbox: Sandbox) -> Carried:
    """The metrics and params the command logged to the sandbox's run, checked as untrusted input."""
    if sandbox.run_id is None:
        return Carried()
    problem = unsafe_tree(sandbox.folder)
    if problem:
        return Carried(problem=problem)
    try:
        with _file_store(sandbox.folder) as store:
            data = store.get_run(sandbox.run_id).data
            metrics, params = dict(data.metrics), dict(data.params)
    except Exception as exc:  # whatever PR code made of the store: not carried, never fatal
        return Carried(problem=f"its throwaway store could not be read ({type(exc).__name__})")
    return _checked(metrics, params)


def unsafe_tree(folder: Path) -> str | None:
    """Why the store PR code wrote may not be read (None when it may): a symlink, a hard link or a
    special file would make mlgate read a host file; too many files or bytes would exhaust it."""
    files = size = 0
    for base, dirs, names in os.walk(folder, followlinks=False):
        for name in [*dirs, *names]:
            info = (Path(base) / name).lstat()
            rel = (Path(base) / name).relative_to(folder)
            if stat.S_ISLNK(info.st_mode):
                return f"it holds a symbolic link ({rel})"
            if stat.S_ISDIR(info.st_mode):
                continue
            if not stat.S_ISREG(info.st_mode):
                return f"it holds a special file ({rel})"
            if info.st_nlink > 1:
                return f"it holds a hard link ({rel})"
            files, size = files + 1, size + info.st_size
            if files > MAX_FILES or size > MAX_BYTES:
                return f"it is larger than {MAX_FILES} files or {MAX_BYTES // 2**20} MiB"
    return None


def _checked(metrics: dict[str, Any], params: dict[str, Any]) -> Carried:
    kept_metrics: dict[str, float] = {}
    kept_params: dict[str, str] = {}
    dropped: list[str] = []
    for name, value in sorted(metrics.items()):
        ok = (_valid_name(name) and isinstance(value, int | float) and math.isfinite(value)
              and len(kept_metrics) < MAX_METRICS)
        if ok:
            kept_metrics[name] = float(value)
        else:
            dropped.append(str(name)[:80])
    for name, value in sorted(params.items()):
        if _valid_name(name) and isinstance(value, str) and len(kept_params) < MAX_PARAMS:
            kept_params[name] = value[:MAX_PARAM_VALUE]
        else:
            dropped.append(str(name)[:80])
    return Carried(kept_metrics, kept_params, dropped=dropped)


def _valid_name(name: object) -> bool:
    return (isinstance(name, str) and _NAME.fullmatch(name) is not None and "//" not in name
            and not name.startswith("/") and ".." not in name)


@contextmanager
def _file_store(folder: Path) -> Iterator[Any]:
    """MLflow's file store at folder/mlruns (MLflow 3 builds one only when MLFLOW_ALLOW_FILE_STORE says so:
    set for the constructor's check, then restored)."""
    from mlflow.store.tracking.file_store import FileStore

    before = os.environ.get(_ALLOW)
    os.environ[_ALLOW] = "true"
    try:
        store = FileStore(str(folder / "mlruns"), (folder / "artifacts").as_uri())  # type: ignore[no-untyped-call]
    finally:
        if before is None:
            os.environ.pop(_ALLOW, None)
        else:
            os.environ[_ALLOW] = before
    yield store
