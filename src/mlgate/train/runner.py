"""What training needs from the place its command runs: the port the engines in `mlgate.engines` implement.

train/ knows only these types; `mlgate.commands` builds an engine (docker, podman, the host) and passes it in.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from mlgate.train.secrets import Masker


@dataclass(frozen=True)
class Outcome:
    """How a process ended: its exit code, the last lines of its output, and how long it took."""

    returncode: int
    log_tail: list[str]
    seconds: float


@dataclass(frozen=True)
class Invocation:
    """One training run: the command, where it runs, the variables it gets, where its log goes.

    `env` is what the command gets from mlgate (MLGATE_*, MLflow's, train.env); `host_env` is the host's
    environment, read once by the command that built the job: a local run inherits it, an engine runs in it.
    `masker` masks the secrets among them in the output the engine streams (console, log, tail).
    """

    command: str
    workdir: Path
    env: Mapping[str, str]
    host_env: Mapping[str, str]
    log_path: Path
    python_version_file: Path
    mounts: tuple[Path, ...] = ()
    masker: Masker = field(default_factory=Masker)


@dataclass(frozen=True)
class Result:
    """How the run went, and the Python version found where it ran (None when there was none)."""

    outcome: Outcome
    python_version: str | None


class Runtime(Protocol):
    """Where the training command runs (an engine of `mlgate.engines`)."""

    @property
    def name(self) -> str:
        """`local`, `docker` or `podman`: recorded in the environment pin."""
        ...

    @property
    def pinned(self) -> bool:
        """Whether the environment can be pinned here (a container image by digest; never the host)."""
        ...

    def run(self, inv: Invocation) -> Result:
        """Run the command with its output streamed to the console and inv.log_path."""
        ...

    def image_digest(self, image: str | None) -> str | None:
        """The digest of the image the run used, when the engine can tell (None otherwise)."""
        ...
