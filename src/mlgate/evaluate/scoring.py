"""Run a model's scoring command (`evaluate.command`) in a runtime, and say how it went.

The command gets MLGATE_MODEL (the model folder as training wrote it), MLGATE_EVAL_DATA (the evaluation
file), MLGATE_PREDICTIONS (where to write) and MLGATE_SEED; it runs in the runtime the model was trained in
(the engines implement train.runner.Runtime; `mlgate.commands` builds one and passes it in).
"""

from __future__ import annotations

import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from mlgate.train.runner import Invocation, Outcome, Runtime
from mlgate.train.secrets import (
    Masker,
    passed_credentials,
    secret_values,
    throwaway_store_env,
    without_registry,
)

SCORE_LOG = "score.log"


@dataclass(frozen=True)
class ScoringJob:
    """One scoring run: the command, where it runs (`root`, the working directory), what it reads and
    writes. `host_env` is the host's environment, read once by the command that built the job."""

    runtime: Runtime
    command: str
    root: Path
    model_path: Path
    data_path: Path
    predictions_path: Path
    seed: int
    log_path: Path
    host_env: Mapping[str, str]
    user_env: Mapping[str, str] = field(default_factory=dict)
    mounts: tuple[Path, ...] = ()
    pass_credentials: bool = False  # train.tracking_credentials: pass (the candidate's scoring only)

    @cached_property
    def masker(self) -> Masker:
        return Masker(secret_values(self.host_env, self.env))

    @property
    def inherited(self) -> Mapping[str, str]:
        """What a local run inherits from the host: without the registry's variables unless passed."""
        return self.host_env if self.pass_credentials else without_registry(self.host_env)

    @property
    def env(self) -> dict[str, str]:
        return self.env_with(None)

    def env_with(self, store: Path | None) -> dict[str, str]:
        """The variables the command gets: MLGATE_*, the throwaway store's URI in `store` (or, passed,
        MLflow's credentials), then the user's (which win)."""
        env = {"MLGATE_MODEL": str(self.model_path), "MLGATE_EVAL_DATA": str(self.data_path),
               "MLGATE_PREDICTIONS": str(self.predictions_path), "MLGATE_SEED": str(self.seed),
               "PYTHONHASHSEED": str(self.seed)}
        if self.pass_credentials:
            env |= passed_credentials(self.host_env)
        elif store is not None:
            env |= throwaway_store_env(store)
        return {**env, **self.user_env}


@dataclass(frozen=True)
class Scoring:
    """How a scoring went: the process's outcome, and what was wrong (None when the file is there)."""

    outcome: Outcome
    problem: str | None

    @property
    def ok(self) -> bool:
        return self.problem is None

    def tail(self) -> str:
        """The last lines of its log, for a message."""
        return "\n".join(self.outcome.log_tail[-20:]) or "(it printed nothing)"


def run_scoring(job: ScoringJob) -> Scoring:
    """Run the scoring command with its log streamed to the console and `job.log_path`.

    An older predictions file is removed first, so a file found afterwards was written by this run.
    Raises what the runtime raises when it cannot run at all (ServiceError: the engine, the image).
    """
    job.predictions_path.unlink(missing_ok=True)
    for folder in (job.predictions_path.parent, job.log_path.parent):
        folder.mkdir(parents=True, exist_ok=True)
    # a throwaway MLflow store outside the repository: a stray mlflow call logs there, not to the registry
    with tempfile.TemporaryDirectory(prefix="mlgate-sandbox-", ignore_cleanup_errors=True) as tmp:
        store = Path(tmp).resolve()
        invocation = Invocation(
            command=job.command, workdir=job.root, env=job.env_with(store), host_env=job.inherited,
            log_path=job.log_path, python_version_file=job.log_path.parent / ".python-version.score",
            mounts=(job.model_path.parent, job.data_path.parent, job.predictions_path.parent,
                    job.log_path.parent, store, *job.mounts),
            masker=job.masker,
        )
        outcome = job.runtime.run(invocation).outcome
    problem = None
    if outcome.returncode != 0:
        problem = f"the scoring command `{job.command}` failed with exit code {outcome.returncode}"
    elif not job.predictions_path.is_file():
        problem = (f"the scoring command `{job.command}` wrote no predictions at {job.predictions_path} "
                   "($MLGATE_PREDICTIONS)")
    return Scoring(outcome, problem)
