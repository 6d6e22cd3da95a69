"""Run one training job (train and reproduce share it) and check what it wrote."""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from mlgate.errors import BadInput
from mlgate.train.metrics import read_metrics
from mlgate.train.pins import model_files
from mlgate.train.runner import Invocation, Result, Runtime
from mlgate.train.secrets import Masker, passed_credentials, secret_values, without_registry

LOG_NAME = "train.log"


@dataclass(frozen=True)
class Job:
    """What to run, where, and what it must write. `host_env` is the host's environment, read once by the
    command that built the job (train/ reads none)."""

    runtime: Runtime
    command: str
    root: Path
    out: Path
    metrics_path: Path
    model_path: Path
    host_env: Mapping[str, str]
    env: Mapping[str, str] = field(default_factory=dict)
    mounts: tuple[Path, ...] = ()
    pass_credentials: bool = False  # train.tracking_credentials: pass

    @property
    def inherited(self) -> Mapping[str, str]:
        """What a local run inherits from the host: without the registry's variables unless passed."""
        return self.host_env if self.pass_credentials else without_registry(self.host_env)

    @cached_property
    def masker(self) -> Masker:
        """Masks the secrets the command gets (train.env, MLflow's and the host's credentials) in its log
        and in what mlgate says about it."""
        return Masker(secret_values(self.host_env, self.env))


@dataclass(frozen=True)
class Produced:
    """What a successful job wrote: its metrics, the names skipped as non-numbers, the model files; and what
    it logged to its throwaway MLflow run, read back by mlgate (`logged`, `logged_params`)."""

    metrics: dict[str, float]
    skipped: list[str]
    files: dict[str, str]
    logged: dict[str, float] = field(default_factory=dict)
    logged_params: dict[str, str] = field(default_factory=dict)


def job_env(*, seed: int | None, params_path: Path | None, metrics_path: Path, model_path: Path, out: Path,
            tracking_uri: str | None, run_id: str | None, experiment_id: str | None,
            user_env: Mapping[str, str], host_env: Mapping[str, str],
            sandbox: Mapping[str, str] | None = None, pass_credentials: bool = False) -> dict[str, str]:
    """The variables the training command gets: MLGATE_*, MLflow's, then train.env (which wins).

    MLflow's are by default the throwaway store's (`sandbox`: its URI and run); only `pass_credentials`
    (train.tracking_credentials: pass) gives the real tracking URI, run and the credentials from host_env."""
    env = {"MLGATE_METRICS": str(metrics_path), "MLGATE_MODEL": str(model_path), "MLGATE_OUT": str(out)}
    if seed is not None:
        env |= {"MLGATE_SEED": str(seed), "PYTHONHASHSEED": str(seed)}
    if params_path is not None:
        env["MLGATE_PARAMS"] = str(params_path)
    if run_id and experiment_id:
        env["MLGATE_RUN_ID"] = run_id
    if not pass_credentials:
        return {**env, **(sandbox or {}), **user_env}
    if tracking_uri:
        env["MLFLOW_TRACKING_URI"] = tracking_uri
    if run_id and experiment_id:
        env |= {"MLFLOW_RUN_ID": run_id, "MLFLOW_EXPERIMENT_ID": experiment_id}
    return {**env, **passed_credentials(host_env), **user_env}


def execute(job: Job) -> tuple[Result, float]:
    """Run the job with its log streamed; (result, wall-clock start) — the start tells fresh files."""
    for folder in (job.out, job.metrics_path.parent, job.model_path.parent):
        folder.mkdir(parents=True, exist_ok=True)
    invocation = Invocation(
        command=job.command,
        workdir=job.root,
        env=job.env,
        host_env=job.inherited,
        log_path=job.out / LOG_NAME,
        python_version_file=job.out / ".python-version.probe",
        mounts=(job.out, job.metrics_path.parent, job.model_path.parent, *job.mounts),
        masker=job.masker,
    )
    started = time.time()
    return job.runtime.run(invocation), started


def check_outputs(job: Job, started: float) -> Produced:
    """The metrics and model the command must have written during this run; BadInput otherwise."""
    if job.metrics_path.is_file() and job.metrics_path.stat().st_mtime < started - 1:
        raise BadInput(f"the metrics file {job.metrics_path} was not written by this training run",
                       "it is older than the run: the command wrote its metrics elsewhere, or not at all",
                       "make the command write train.metrics (its path is in $MLGATE_METRICS)",
                       file=str(job.metrics_path))
    metrics, skipped = read_metrics(job.metrics_path, job.command)
    if not job.model_path.exists():
        raise BadInput(f"the training command did not write its model at {job.model_path}",
                       "train.model names it",
                       "make the command save the model there (path in $MLGATE_MODEL)")
    files = model_files(job.model_path)
    if not files:
        raise BadInput(f"the model directory {job.model_path} is empty", "the command saved no model file",
                       "make the command save the model there (path in $MLGATE_MODEL)")
    if not _fresh(job.model_path, started):
        raise BadInput(f"no model file under {job.model_path} was written by this training run",
                       "every file there is older than the run", "make the command save the model there")
    return Produced(metrics=metrics, skipped=skipped, files=files)


def _fresh(path: Path, started: float) -> bool:
    paths = [path] if path.is_file() else [p for p in path.rglob("*") if p.is_file()]
    return any(p.stat().st_mtime >= started - 1 for p in paths)
