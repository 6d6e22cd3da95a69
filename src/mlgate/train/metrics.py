"""The metrics file the training command writes: JSON or YAML, flat or nested."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from mlgate.errors import BadInput
from mlgate.gate.values import as_number, flatten


def read_metrics(path: Path, command: str) -> tuple[dict[str, float], list[str]]:
    """(name → finite number, names skipped because their value is not a finite number).

    A missing file, malformed content or no usable number at all is BadInput (exit 2).
    """
    fix = f"make the training command write {path.name} (train.metrics), a JSON object of numbers"
    if not path.is_file():
        raise BadInput(f"the training command did not write its metrics file {path}",
                       f"train.metrics names it and `{command}` finished without creating it", fix,
                       file=str(path))
    text = path.read_text(encoding="utf-8", errors="replace")
    try:
        raw = json.loads(text) if path.suffix.lower() == ".json" else yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        raise BadInput(f"metrics file {path} is malformed", str(exc).splitlines()[0], fix,
                       file=str(path)) from exc
    if not isinstance(raw, dict):
        raise BadInput(f"metrics file {path} must hold an object of metric names and numbers",
                       f"got {type(raw).__name__}", fix, file=str(path))
    metrics: dict[str, float] = {}
    skipped: list[str] = []
    for name, value in flatten(raw).items():
        number = as_number(value)
        if number is None:
            skipped.append(name)
        else:
            metrics[name] = number
    if not metrics:
        raise BadInput(f"metrics file {path} holds no numeric metric",
                       "every value is missing or not a number", fix, file=str(path))
    return metrics, skipped
