"""Metric values: flattening nested metric documents, and telling usable numbers from the rest."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from mlgate.gate.model import RawValue


def flatten(document: Mapping[str, Any], prefix: str = "") -> dict[str, RawValue]:
    """Flatten nested metrics (`{"test": {"auc": 0.9}}` → `{"test.auc": 0.9}`).

    The shape `dvc metrics show --json` prints (`{"": {"data": {"metrics.json": {"data": {...}}}}}`) is
    unwrapped to the metrics themselves, so a file from either source reads the same.
    """
    unwrapped = _unwrap_dvc(document)
    flat: dict[str, RawValue] = {}
    for key, value in unwrapped.items():
        name = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, Mapping):
            flat.update(flatten(value, name))
        elif isinstance(value, (list, tuple)):
            flat[name] = str(value)
        else:
            flat[name] = value
    return flat


def _unwrap_dvc(document: Mapping[str, Any]) -> Mapping[str, Any]:
    """`dvc metrics show --json`: {rev: {"data": {file: {"data": metrics}}}} → the merged metrics."""
    if not document or not all(isinstance(v, Mapping) and "data" in v for v in document.values()):
        return document
    merged: dict[str, Any] = {}
    for rev in document.values():
        files = rev["data"]
        if not isinstance(files, Mapping):
            return document
        for content in files.values():
            if isinstance(content, Mapping) and isinstance(content.get("data"), Mapping):
                merged.update(content["data"])
    return merged or document


def as_number(value: RawValue) -> float | None:
    """A finite float, or None when the value is missing, not a number, NaN or infinite."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        number = float(value)
    else:
        try:
            number = float(value)
        except ValueError:
            return None
    return number if math.isfinite(number) else None


def describe_unusable(value: RawValue) -> str:
    """Why a value cannot be compared, in words."""
    if value is None:
        return "is missing"
    if isinstance(value, bool) or (isinstance(value, str) and _not_float(value)):
        return f"is not a number ({value!r})"
    number = float(value)
    if math.isnan(number):
        return "is NaN"
    return "is infinite"


def _not_float(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return True
    return False


def json_value(value: RawValue) -> RawValue:
    """A value safe for strict JSON: finite numbers stay numbers; NaN/inf become their names."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    return value
