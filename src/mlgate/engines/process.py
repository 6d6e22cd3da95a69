"""Run a process with its output streamed to the console, saved to a log file, and its tail kept."""

from __future__ import annotations

import io
import secrets
import subprocess
import sys
import time
from collections import deque
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO, cast

from mlgate import safepath
from mlgate.train.runner import Outcome
from mlgate.train.secrets import Masker

TAIL_LINES = 40
MAX_LINE = 500


class _Tail:
    """The last lines of a byte stream, decoded leniently and cut to a readable length."""

    def __init__(self, lines: int = TAIL_LINES) -> None:
        self._lines: deque[str] = deque(maxlen=lines)
        self._partial = b""

    def feed(self, chunk: bytes) -> None:
        parts = (self._partial + chunk).split(b"\n")
        self._partial = parts.pop()[-(MAX_LINE * 4):]
        for part in parts:
            self._lines.append(_text(part))

    def lines(self) -> list[str]:
        rest = [_text(self._partial)] if self._partial.strip() else []
        return [*self._lines, *rest][-(self._lines.maxlen or TAIL_LINES):]


def _text(raw: bytes) -> str:
    line = raw.decode("utf-8", errors="replace").rstrip("\r")
    line = line.rsplit("\r", 1)[-1]  # a progress bar redrawn with \r: keep what was shown last
    return line if len(line) <= MAX_LINE else line[:MAX_LINE] + "…"


def stream(argv: Sequence[str], *, cwd: Path, env: Mapping[str, str], log_path: Path,
           console: BinaryIO | None = None, masker: Masker | None = None) -> Outcome:
    """Run argv; copy its stdout and stderr (merged) to the console and to log_path as they come, with the
    masker's secrets replaced by `***` in all three (console, log, tail).

    Inside GitHub Actions (`GITHUB_ACTIONS=true` in env, the environment it is given) the console copy is
    wrapped in `::stop-commands::<token>` … `::<token>::`: the runner then reads no workflow command
    (`::error::`, `::add-mask::`, `##[set-output]`) the program prints. The token is random, made here and
    never in the program's environment, so the program cannot end the wrapping early.

    Raises OSError when the program cannot be started (the caller turns that into a clear error).
    """
    if console is None:
        sys.stdout.flush()  # what was echoed before comes before the training log
        console = sys.stdout.buffer
    with _raw_output(console, actions=env.get("GITHUB_ACTIONS") == "true"):
        return _stream(argv, cwd=cwd, env=env, log_path=log_path, console=console, masker=masker)


@contextmanager
def _raw_output(console: BinaryIO, *, actions: bool) -> Iterator[None]:
    """Within Actions, what is written to console meanwhile is raw text to the runner (stop-commands)."""
    if not actions:
        yield
        return
    token = secrets.token_hex(16)
    console.write(f"::stop-commands::{token}\n".encode())
    console.flush()
    try:
        yield
    finally:  # on a line of its own, whether or not the program ended its last line
        console.write(f"\n::{token}::\n".encode())
        console.flush()


def _stream(argv: Sequence[str], *, cwd: Path, env: Mapping[str, str], log_path: Path,
            console: BinaryIO, masker: Masker | None) -> Outcome:
    tail = _Tail()
    masking = (masker or Masker()).stream()
    started = time.monotonic()
    log_path.parent.mkdir(parents=True, exist_ok=True)
    # never through a symlink (a committed .mlgate/train.log); a full disk is exit 3 naming the log
    with safepath.faults_as_errors(log_path), safepath.open_new(log_path) as log:
        proc = subprocess.Popen(list(argv), cwd=cwd, env=dict(env), stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        pipe = cast(io.BufferedReader, proc.stdout)
        try:
            while chunk := pipe.read1(65536):
                _copy(masking.feed(chunk), console, log, tail)
            _copy(masking.flush(), console, log, tail)
            returncode = proc.wait()
        except BaseException:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
            raise
    return Outcome(returncode=returncode, log_tail=tail.lines(), seconds=time.monotonic() - started)


def _copy(chunk: bytes, console: BinaryIO, log: BinaryIO, tail: _Tail) -> None:
    if not chunk:
        return
    console.write(chunk)
    console.flush()
    log.write(chunk)
    tail.feed(chunk)
