"""One error hierarchy. Each known failure carries what failed, why, how to fix it, and its exit code.

Exit codes (the contract): 0 passed · 1 the gate failed · 2 bad input ·
3 an outside service or runtime failed · 4 an internal error of mlgate (a bug: please report it).
A regression is a result (a Verdict), not an exception.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

EXIT_PASSED = 0
EXIT_GATE_FAILED = 1
EXIT_BAD_INPUT = 2
EXIT_SERVICE = 3
EXIT_INTERNAL = 4

E = TypeVar("E", bound="MlgateError")


class MlgateError(Exception):
    """A known failure. Subclasses fix the exit code."""

    exit_code = EXIT_SERVICE
    title = "mlgate failed"

    def __init__(self, what: str, why: str = "", fix: str = "", *, file: str | None = None) -> None:
        super().__init__(what)
        self.what = what
        self.why = why
        self.fix = fix
        self.file = file

    def message(self) -> str:
        """The text a person reads: what, why, and how to fix."""
        lines = [self.what]
        if self.why:
            lines.append(f"  why: {self.why}")
        if self.fix:
            lines.append(f"  fix: {self.fix}")
        return "\n".join(lines)

    def redact(self: E, mask: Callable[[str], str]) -> E:
        """This error with `mask` applied to its texts (secrets a failed command printed); returns self."""
        self.what, self.why, self.fix = mask(self.what), mask(self.why), mask(self.fix)
        self.args = (self.what,)
        return self


class GateFailed(MlgateError):
    """The gate itself failed: training failed, or a stage cannot produce its result. Exit 1."""

    exit_code = EXIT_GATE_FAILED
    title = "mlgate: gate failed"


class BadInput(MlgateError):
    """Config, arguments, or files the user gave are missing or wrong. Exit 2."""

    exit_code = EXIT_BAD_INPUT
    title = "mlgate: bad input"


class ServiceError(MlgateError):
    """An outside service or runtime failed (MLflow, GitHub, the container engine). Exit 3."""

    exit_code = EXIT_SERVICE
    title = "mlgate: service failed"


class InternalError(MlgateError):
    """A bug of mlgate (an unexpected exception). Exit 4, so a workflow that retries on 3 retries no bug."""

    exit_code = EXIT_INTERNAL
    title = "mlgate: internal error"


ISSUES_URL = "https://github.com/mlgate/mlgate/issues"


def crashed(exc: BaseException) -> InternalError:
    """An unexpected exception as the internal error a person reads (print the traceback first)."""
    return InternalError(
        f"mlgate crashed unexpectedly: {type(exc).__name__}: {exc}",
        "this is a bug in mlgate, not in your project",
        f"please report it at {ISSUES_URL} with the traceback above",
    )
