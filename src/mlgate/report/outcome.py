"""The one outcome a reviewer, the commit status and the outputs share: from the verdict and the data."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from mlgate.documents import Lineage, Validation, Verdict
from mlgate.gate.policy import DATA_ROW
from mlgate.report.escape import clean

State = Literal["success", "failure", "error"]
MAX_DESCRIPTION = 140
FAILING_DATA = ("invalid", "error")


@dataclass(frozen=True)
class Outcome:
    state: State  # the commit status state
    passed: bool  # the `passed` output
    icon: str
    word: str  # "passed", "passed with warnings", "failed", "no verdict"
    summary: str  # plain text (escape it before it goes into markdown)

    def description(self) -> str:
        """The commit status description: plain text within GitHub's 140 characters."""
        return shorten(self.summary or self.word, MAX_DESCRIPTION)


def shorten(text: str, limit: int) -> str:
    text = clean(text, None)
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _data_failed(validation: Validation | None) -> int:
    """How many datasets failed validation (0 when there is no validation.json)."""
    if validation is None:
        return 0
    failed = sum(1 for d in validation.datasets if d.status in FAILING_DATA)
    if not validation.passed:
        return max(failed, 1)
    return failed


def training_failure(lineage: Lineage | None) -> str | None:
    """The headline of a training that failed (lineage.json's status and the first line of its error)."""
    if lineage is None or lineage.status != "failed":
        return None
    what = (lineage.error or "").strip().splitlines()
    return f"Training failed: {clean(what[0], 300)}" if what else "Training failed (see the training log)"


def decide(verdict: Verdict | None, validation: Validation | None, lineage: Lineage | None = None) -> Outcome:
    """Failed if the training failed, the verdict failed or any dataset failed validation; an error when
    there is no verdict. A failed training is named first: the verdict on a run without metrics says only
    that each metric is missing."""
    bad_data = _data_failed(validation)
    data_text = f"data validation failed for {bad_data} dataset{'s' if bad_data != 1 else ''}"
    training = training_failure(lineage)
    if training:
        return Outcome("failure", False, "❌", "failed", f"{training}; {data_text}" if bad_data else training)
    if verdict is None:
        if bad_data:
            return Outcome("failure", False, "❌", "failed", data_text.capitalize())
        return Outcome("error", False, "⚪", "no verdict",
                       "No verdict: the compare stage did not run or did not write verdict.json")
    status = verdict.status
    summary = clean(verdict.summary, 500)
    if bad_data:
        # a verdict whose row `data` failed already says so in its summary: said once
        said = any(m.name == DATA_ROW and m.direction is None and m.status == "fail" for m in verdict.metrics)
        text = summary if said and summary else "; ".join(s for s in (data_text.capitalize(), summary) if s)
        return Outcome("failure", False, "❌", "failed", text)
    if status == "failed":
        return Outcome("failure", False, "❌", "failed", summary or "The candidate regressed")
    if status == "warned":
        return Outcome("success", True, "⚠️", "passed with warnings", summary or "Passed with warnings")
    return Outcome("success", True, "✅", "passed",
                   summary or "The candidate is at least as good as production")
