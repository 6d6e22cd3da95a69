"""Run the real CLI (or a Python snippet) in a subprocess with a timeout and a memory limit.

For inputs built to exhaust memory or the stack (YAML alias bombs, deep nesting): a regression must fail
the test, not hang or run the machine out of memory. RLIMIT_AS caps the child's address space (`mlgate
validate`, with pandas, pyarrow, pandera and its reader threads, takes about 1.5 GB of it), the timeout its time.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

MEMORY = 2 << 30  # bytes of address space for the child
TIMEOUT = 60  # seconds


def limited(memory: int = MEMORY) -> None:
    """preexec_fn: cap the child's address space."""
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))


def run_python(args: Sequence[str], cwd: Path, env: Mapping[str, str] | None = None, *,
               timeout: float = TIMEOUT, memory: int = MEMORY) -> subprocess.CompletedProcess[str]:
    """`python ARGS` in `cwd` with the test's environment plus `env`, bounded in time and memory.

    A child past the timeout is killed and the test fails with TimeoutExpired.
    """
    return subprocess.run([sys.executable, *args], cwd=cwd, env={**os.environ, **(env or {})},
                          capture_output=True, text=True, timeout=timeout, preexec_fn=lambda: limited(memory),
                          stdin=subprocess.DEVNULL, check=False)


def run_mlgate(args: Sequence[str], cwd: Path, env: Mapping[str, str] | None = None, *,
               timeout: float = TIMEOUT, memory: int = MEMORY) -> subprocess.CompletedProcess[str]:
    """`python -m mlgate ARGS`, bounded as run_python is."""
    return run_python(["-m", "mlgate", *args], cwd, env, timeout=timeout, memory=memory)
