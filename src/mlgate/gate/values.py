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
        elif value is None or isinstance(value, (str, int, float, bool)):
            flat[name] = value
        else:  # a list, or what YAML reads as a date, bytes or a set: text, never a number
            flat[name] = str(value)
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


def as_number(value: object) -> float | None:
    """A finite float from a number or a numeric string (`"0.93"`); None for anything else: missing, a
    bool, text, another type, NaN, infinite, or too large for a float. The one coercion of metric values
    (the policy, the training's metrics file and the report all use it).
    """
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        return None
    try:
        number = float(value)
    except (ValueError, OverflowError):
        return None
    return number if math.isfinite(number) else None


def describe_unusable(value: RawValue) -> str:
    """Why a value cannot be compared (as_number gave None), in words."""
    if value is None:
        return "is missing"
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        return f"is not a number ({value!r})"
    try:
        number = float(value)
    except ValueError:
        return f"is not a number ({value!r})"
    except OverflowError:
        return "is too large for a number"
    if math.isnan(number):
        return "is NaN"
    return "is infinite"


def json_value(value: RawValue) -> RawValue:
    """A value safe for strict JSON: finite numbers stay numbers; NaN/inf become their names."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    return value


def plain(value: float, digits: int = 4) -> str:
    """`value` to `digits` significant digits in positional notation, never with an exponent (`6.136e-05`
    reads 0.00006136; 12345.6 reads 12346); trailing zeros dropped, as `g` does."""
    if value == 0 or not math.isfinite(value):
        return "0" if value == 0 else str(value)
    magnitude = math.floor(math.log10(abs(value)))
    decimals = max(0, digits - 1 - magnitude)
    text = f"{value:.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def signed_plain(value: float, digits: int = 4) -> str:
    """plain() with its sign: `+0.0123`, `-0.004`, `0`."""
    text = plain(value, digits)
    return text if text.startswith("-") or text == "0" else f"+{text}"
