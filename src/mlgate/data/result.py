"""What validation found, as plain values, and their form in validation.json (`mlgate.documents`)."""

from __future__ import annotations

import contextlib
import datetime as dt
import math
from dataclasses import dataclass, field
from typing import Any

from mlgate import documents

MAX_SAMPLES = 10
MAX_RECORD_COLUMNS = 30
MAX_TEXT = 200

VALID, INVALID, DELETED, SKIPPED, ERROR = "valid", "invalid", "deleted", "skipped", "error"


@dataclass
class Failure:
    """One failed check: on which column, how many rows fail, and up to 10 of them (1-based rows)."""

    check: str
    column: str | None
    message: str
    failing_rows: int = 0
    samples: list[dict[str, Any]] = field(default_factory=list)
    details: dict[str, Any] | None = None

    def add_sample(self, sample: dict[str, Any]) -> None:
        if len(self.samples) < MAX_SAMPLES:
            self.samples.append(sample)

    def to_document(self) -> documents.Failure:
        return documents.Failure(check=self.check, column=self.column, message=self.message,
                                 failing_rows=self.failing_rows, samples=self.samples,
                                 details=self.details or None)


@dataclass
class FileResult:
    """One data file of a declared dataset (a glob may match several files)."""

    dataset: str
    path: str
    status: str
    format: str | None = None
    version: dict[str, Any] | None = None
    rows: int | None = None
    bytes: int | None = None
    failures: list[Failure] = field(default_factory=list)
    error: str | None = None
    warnings: list[str] = field(default_factory=list)  # printed by `mlgate validate`, not in the document
    note: str | None = None  # e.g. the workspace differs from what DVC recorded

    def to_document(self) -> documents.DatasetResult:
        return documents.DatasetResult.model_validate({
            "dataset": self.dataset, "path": self.path, "format": self.format, "status": self.status,
            "version": self.version, "rows": self.rows, "bytes": self.bytes,
            "failures": [failure.to_document() for failure in self.failures], "error": self.error or None,
            "note": self.note or None,
        })


def json_value(value: Any) -> Any:
    """A cell value as JSON: numbers, strings (cut to 200 characters), booleans, or null for missing."""
    if value is None:
        return None
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        with contextlib.suppress(ValueError, AttributeError):
            value = value.item()
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return None if math.isnan(value) or math.isinf(value) else value
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    if _is_missing(value):
        return None
    text = str(value)
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1] + "…"


def _is_missing(value: Any) -> bool:
    try:
        import pandas as pd

        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def record(row: Any) -> dict[str, Any]:
    """A row (pandas Series) as a JSON object, at most 30 columns (the samples of a failure)."""
    items = list(row.items())[:MAX_RECORD_COLUMNS]
    return {str(key): json_value(value) for key, value in items}
