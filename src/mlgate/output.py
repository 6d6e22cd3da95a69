"""The one output port: console lines, warnings, annotations, step outputs and the step summary.

Built once per command (`Output.from_env()` in cli.py) and passed in. Inside GitHub Actions it writes
workflow commands (`::warning title=...::text`), `$GITHUB_OUTPUT` and `$GITHUB_STEP_SUMMARY`; elsewhere
plain text. It is the one place that makes untrusted text safe for the log: the runner reads `::cmd::` at
the start of a line (after leading spaces) and the legacy `##[cmd]` anywhere in a line, so no line printed
here starts a `::` and no `##[` survives. A closed stdout (`mlgate compare | head -1`) silences the
console and the command goes on: it is not an error.
"""

from __future__ import annotations

import logging
import os
import re
import sys
import uuid
import warnings
from collections.abc import Callable, Mapping
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

import click

SUMMARY_LIMIT = 1024 * 1024  # GitHub's limit for one step's summary, in bytes
ZWSP = "\u200b"
# A line starts after \n and after \r too (the runner splits on both), then blanks other than those.
# (and after the other breaks Python's splitlines knows, in case a reader splits there too)
_BREAKS = "\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
_COMMAND_START = re.compile(rf"(?:^|(?<=[{_BREAKS}]))([^\S{_BREAKS}]*):(?=:)")
# The user (and password) of a URL: `https://user:password@host` is printed `https://***@host`.
_URL_USER = re.compile(r"(?<=//)[^/@\s]+@")
Shorten = Callable[[str, int], str]


def escape_data(value: str) -> str:
    """Escape a workflow-command message (the runner decodes %25, %0D, %0A)."""
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(value: str) -> str:
    """Escape a workflow-command property value (file=, title=, ...)."""
    return escape_data(value).replace(":", "%3A").replace(",", "%2C")


def command(name: str, message: str, properties: Mapping[str, str | int | None] | None = None) -> str:
    """Format one workflow command line, e.g. `::error file=a.csv,line=3::bad`."""
    props = ",".join(
        f"{key}={escape_property(_no_legacy(str(value)))}"
        for key, value in (properties or {}).items()
        if value is not None and value != ""
    )
    head = f"::{name} {props}" if props else f"::{name}"
    return f"{head}::{escape_data(_no_legacy(redact_urls(message)))}"


def defuse(text: str) -> str:
    """Text that cannot start a workflow command: no line (split on \n or \r) begins with `::`, no `##[`
    anywhere; and no URL's credentials."""
    return _no_legacy(_COMMAND_START.sub(lambda m: f"{m.group(1)}:{ZWSP}", redact_urls(text)))


def redact_urls(text: str) -> str:
    """Text without the user and password of any URL in it (a tracking URI with `user:password@`)."""
    return _URL_USER.sub("***@", text)


def _no_legacy(text: str) -> str:
    """The runner reads the legacy `##[command]` anywhere in a line."""
    return text.replace("##[", f"##{ZWSP}[")


def guard_stray_text() -> None:
    """Route what other libraries print through warnings and logging (MLflow's, pandas', ...) through
    `defuse` as well: their messages may quote untrusted text (a column, a run name, a URI)."""
    warnings.showwarning = _show_warning
    if logging.getLogRecordFactory() is not _DefusedRecord:
        logging.setLogRecordFactory(_DefusedRecord)
    # a handler that fails (its stream closed) makes logging print the record's raw message and arguments to
    # stderr ("--- Logging error ---"), past `defuse`: a forged command or a URI's password with it
    logging.raiseExceptions = False


class _DefusedRecord(logging.LogRecord):
    def getMessage(self) -> str:
        return defuse(super().getMessage())


def _show_warning(message: Warning | str, category: type[Warning], filename: str, lineno: int,
                  file: TextIO | None = None, line: str | None = None) -> None:
    text = defuse(warnings.formatwarning(message, category, filename, lineno, line))
    with suppress(OSError, ValueError, AttributeError):
        (file or sys.stderr).write(text)


def one_line(text: str) -> str:
    """Untrusted text (file and column names, values) kept on one line of the log."""
    return text.replace("\r", "\\r").replace("\n", "\\n")


@dataclass
class Output:
    """Where a command's words go. `actions` is True inside GitHub Actions."""

    actions: bool = False
    output_file: Path | None = None
    summary_file: Path | None = None
    outputs: dict[str, str] = field(default_factory=dict)  # the step outputs set so far
    _closed: bool = False

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Output:
        env = os.environ if environ is None else environ
        return cls(
            actions=env.get("GITHUB_ACTIONS") == "true",
            output_file=Path(env["GITHUB_OUTPUT"]) if env.get("GITHUB_OUTPUT") else None,
            summary_file=Path(env["GITHUB_STEP_SUMMARY"]) if env.get("GITHUB_STEP_SUMMARY") else None,
        )

    # --- the console ------------------------------------------------------------------------------

    def line(self, text: str = "", *, err: bool = False, bold: bool = False) -> None:
        """One or more lines for a person; untrusted parts cannot start a workflow command."""
        self._echo(defuse(text), err=err, bold=bold)

    def _echo(self, text: str, *, err: bool = False, bold: bool = False) -> None:
        if self._closed and not err:
            return
        try:
            click.secho(text, err=err, bold=bold or None)
        except BrokenPipeError:  # the reader went away: stop printing, keep working
            if err:
                return
            self._closed = True
            silence_stdout()

    def warn(self, message: str, *, title: str | None = None, file: str | None = None) -> None:
        """A warning: an annotation inside Actions, `warning: ...` on stderr elsewhere."""
        self.annotate("warning", message, title=title, file=file)

    def error(self, message: str, *, title: str | None = None, file: str | None = None,
              line: int | None = None) -> None:
        """A failure: `error: ...` on stderr always, and an `::error::` annotation inside Actions."""
        self._echo(f"error: {defuse(message)}", err=True)
        if self.actions:
            self._echo(command("error", message, {"title": title, "file": file, "line": line}))

    def annotate(self, level: str, message: str, *, title: str | None = None, file: str | None = None,
                 line: int | None = None) -> None:
        """An annotation (error, warning, notice) inside Actions; `level: message` on stderr elsewhere."""
        if self.actions:
            self._echo(command(level, message, {"file": file, "line": line, "title": title}))
        else:
            self._echo(f"{level}: {defuse(message)}", err=True)

    # --- step outputs and the summary -----------------------------------------------------------

    def set_output(self, name: str, value: str | None) -> bool:
        """Append `name=value` to $GITHUB_OUTPUT (multi-line safe, random delimiter). False outside."""
        self.outputs[name] = value or ""
        if self.output_file is None:
            return False
        delimiter = f"ghadelimiter_{uuid.uuid4()}"
        with self.output_file.open("a", encoding="utf-8") as handle:
            handle.write(f"{name}<<{delimiter}\n{value or ''}\n{delimiter}\n")
        return True

    def set_outputs(self, outputs: Mapping[str, str | None]) -> None:
        for name, value in outputs.items():
            self.set_output(name, value)

    def wrote(self, name: str, path: Path) -> Path:
        """Record a file this command wrote: the step output `<name>-path` is its absolute path."""
        self.set_output(f"{name}-path", str(path.resolve()))
        return path

    def summary(self, markdown: str, shorten: Shorten | None = None) -> Path | None:
        """Append to the step summary, cut by `shorten(text, bytes_left)` to what is left of 1 MiB."""
        if self.summary_file is None:
            return None
        path = self.summary_file
        used = path.stat().st_size if path.is_file() else 0
        budget = SUMMARY_LIMIT - used - 2
        if budget <= 0:
            return None
        text = shorten(markdown, budget) if shorten else markdown
        if len(text.encode("utf-8")) > budget:
            return None
        with path.open("a", encoding="utf-8") as handle:
            handle.write(("\n" if used else "") + text + ("" if text.endswith("\n") else "\n"))
        return path


def silence_stdout() -> None:
    """Point stdout at /dev/null (after a broken pipe), so no later write and no flush at exit fails."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):
        pass
