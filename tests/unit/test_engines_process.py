"""Streaming a process's output: console, log file, and the tail kept for lineage.json."""

from __future__ import annotations

import io
from pathlib import Path

from mlgate.engines.process import MAX_LINE, TAIL_LINES, stream
from mlgate.train.secrets import Masker


def run(tmp_path: Path, script: str) -> tuple[int, list[str], bytes, bytes]:
    console = io.BytesIO()
    outcome = stream(["/bin/sh", "-c", script], cwd=tmp_path, env={"PATH": "/usr/bin:/bin"},
                     log_path=tmp_path / "log" / "train.log", console=console)
    return outcome.returncode, outcome.log_tail, console.getvalue(), (tmp_path / "log" / "train.log").read_bytes()


def test_output_goes_to_console_and_log_and_the_tail_keeps_the_last_lines(tmp_path: Path) -> None:
    code, tail, console, log = run(tmp_path, "i=0; while [ $i -lt 100 ]; do echo line $i; i=$((i+1)); done; "
                                             "echo oops >&2; exit 3")
    assert code == 3
    assert console == log
    assert b"line 0\n" in console and b"oops" in console  # stderr is merged
    assert len(tail) == TAIL_LINES
    assert tail[-1] == "oops"
    assert tail[0] == f"line {100 - TAIL_LINES + 1}"


def test_progress_bars_long_lines_and_bad_bytes_stay_readable(tmp_path: Path) -> None:
    script = (f"printf '10%%\\r50%%\\r100%%\\n'; printf '\\377\\376 bytes\\n'; "
              f"head -c {MAX_LINE * 3} /dev/zero | tr '\\0' x; echo; printf 'last without newline'")
    code, tail, _, _ = run(tmp_path, script)
    assert code == 0
    assert tail[0] == "100%"
    assert tail[1].endswith(" bytes") and "\ufffd" in tail[1]
    assert tail[2].startswith("x") and tail[2].endswith("…") and len(tail[2]) == MAX_LINE + 1
    assert tail[-1] == "last without newline"


def test_a_masked_secret_reaches_neither_console_nor_log_nor_tail(tmp_path: Path) -> None:
    console = io.BytesIO()
    script = "printf 'key=hun'; sleep 0.3; printf 'ter22 end\\n'; printf 'last hunter2'"
    outcome = stream(["/bin/sh", "-c", script], cwd=tmp_path, env={"PATH": "/usr/bin:/bin"},
                     log_path=tmp_path / "train.log", console=console, masker=Masker(["hunter22"]))
    assert console.getvalue() == (tmp_path / "train.log").read_bytes() == b"key=*** end\nlast hunter2"
    assert outcome.log_tail == ["key=*** end", "last hunter2"]  # a held-back beginning is flushed at the end
