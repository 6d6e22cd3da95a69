"""Metrics files, read one way: JSON or YAML; flat, nested, or as `dvc metrics show --json` prints them.

`read_metrics_file` is the one reader (the training's metrics file, and compare's candidate and baseline
files); `read_metrics` is what training needs from it: at least one finite number.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mlgate.errors import BadInput
from mlgate.gate.model import RawValue
from mlgate.gate.values import as_number, flatten
from mlgate.parse import read_json, read_yaml

# (what, why, fix) of the error when the file is not there: it depends on who named the file.
Missing = tuple[str, str, str]


def read_metrics_file(path: Path, *, missing: Missing, fix: str) -> dict[str, RawValue]:
    """The file's metrics, flattened, values as written. `.json` (in any case) is JSON; any other name YAML.

    `fix` says how to repair malformed content. Every failure is BadInput (exit 2) naming the file.
    """
    if not path.is_file():
        raise BadInput(*missing, file=str(path))
    read = read_json if path.suffix.lower() == ".json" else read_yaml
    data: Any = read(path, f"metrics file {path}", fix)
    if not isinstance(data, dict):
        got = "nothing (the file is empty)" if data is None else f"a {type(data).__name__}"
        raise BadInput(f"metrics file {path} must hold a mapping of metric names to values",
                       f"it holds {got}", fix, file=str(path))
    return flatten(data)


def read_metrics(path: Path, command: str) -> tuple[dict[str, float], list[str]]:
    """The training's metrics: (name → finite number, names skipped because their value is not one).

    A missing file, malformed content or no usable number at all is BadInput (exit 2).
    """
    fix = (f"make the training command write {path.name} (train.metrics): a JSON or YAML mapping of metric "
           f"names to numbers")
    raw = read_metrics_file(path, fix=fix, missing=(
        f"the training command did not write its metrics file {path}",
        f"train.metrics names it and `{command}` finished without creating it", fix))
    metrics: dict[str, float] = {}
    skipped: list[str] = []
    for name, value in raw.items():
        number = as_number(value)
        if number is None:
            skipped.append(name)
        else:
            metrics[name] = number
    if not metrics:
        raise BadInput(f"metrics file {path} holds no numeric metric",
                       "every value is missing or not a number", fix, file=str(path))
    return metrics, skipped
