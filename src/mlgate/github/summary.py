"""The job summary (GITHUB_STEP_SUMMARY, at most 1 MiB a step) and step outputs (GITHUB_OUTPUT)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from mlgate.github.workflow_commands import set_output
from mlgate.report.truncate import fit, utf8_bytes

SUMMARY_LIMIT = 1024 * 1024  # GitHub's limit for one step's summary, in bytes


def append_summary(markdown: str, where: str | None = None) -> Path | None:
    """Append the report to the step summary, cut to what is left of the 1 MiB. None outside Actions."""
    target = os.environ.get("GITHUB_STEP_SUMMARY")
    if not target:
        return None
    path = Path(target)
    used = path.stat().st_size if path.is_file() else 0
    budget = SUMMARY_LIMIT - used - 2
    if budget <= 0:
        return None
    text = fit(markdown, budget, where=where, measure=utf8_bytes)
    with path.open("a", encoding="utf-8") as handle:
        handle.write(("\n" if used else "") + text + ("" if text.endswith("\n") else "\n"))
    return path


def set_outputs(outputs: Mapping[str, str | None]) -> bool:
    """Write step outputs; values that are None are written as empty strings. False outside Actions."""
    written = False
    for name, value in outputs.items():
        written = set_output(name, value or "") or written
    return written
