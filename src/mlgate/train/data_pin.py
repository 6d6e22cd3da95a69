"""The data pin: the version of every declared dataset and every `train.deps` path.

Versions come from `mlgate.data.versions.dataset_version` (DVC md5 where DVC tracks the data, else sha256).
Rows and the validation status are taken from validation.json when it describes the same version.
`data_validation` says whether the data may be trained on: what validation.json says of it.
A dataset with `engine: spark` is one entry whose version is the one validation recorded (Spark listed its
files, or DVC recorded its md5): it may live in an object store, out of reach here.
"""

from __future__ import annotations

import glob
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mlgate.config import Config
from mlgate.documents import (
    DataPin,
    DatasetResult,
    DataValidationStatus,
    DataVersion,
    DvcRef,
    Validation,
    read_document,
)
from mlgate.errors import BadInput
from mlgate.train.pins import relative_to_root
from mlgate.workdir import VALIDATION

_GLOB = re.compile(r"[*?\[]")


def declared_paths(config: Config) -> list[str]:
    """Every dataset path (globs expanded to the files they match), train.deps path and the evaluation file
    (evaluate.data: the verdict rests on it too), once each."""
    paths: list[str] = []
    deps = list(config.train.deps) if config.train else []
    evaluation = [config.evaluate.data] if config.evaluate else []
    for pattern in [d.path for d in config.data] + deps + evaluation:
        if not _GLOB.search(pattern) or pattern in _spark_paths(config):  # a Spark dataset is one entry
            paths.append(pattern)
            continue
        found = glob.glob(str(config.resolve(pattern)), recursive=True)
        paths += sorted(relative_to_root(Path(p), config.root) for p in found if Path(p).is_file())
    return list(dict.fromkeys(paths))


def validated(out: Path, root: Path) -> dict[str, DatasetResult]:
    """path (relative to the root) → its entry in validation.json, or {} when there is none.

    A malformed validation.json is BadInput (exit 2): the data pin must not silently lose what
    validation found.
    """
    path = out / VALIDATION
    if not path.is_file():
        return {}
    document = read_document(path, Validation)
    return {relative_to_root(_absolute(entry.path, root), root): entry for entry in document.datasets}


@dataclass(frozen=True)
class DataValidation:
    """What validation said of the data about to be trained on: its status, the failing files, and why."""

    status: DataValidationStatus
    invalid: tuple[str, ...] = ()
    why: str = ""


FAILING = ("invalid", "error")


def data_validation(out: Path) -> DataValidation:
    """passed or failed as validation.json in the work directory says; not-validated without one.

    A malformed validation.json is BadInput (exit 2), as for the data pin.
    """
    path = out / VALIDATION
    if not path.is_file():
        return DataValidation("not-validated", why=f"there is no {VALIDATION} in {out}")
    document = read_document(path, Validation)
    if document.passed:
        return DataValidation("passed")
    invalid = tuple(d.path for d in document.datasets if d.status in FAILING)
    what = ", ".join(invalid[:10]) + (", …" if len(invalid) > 10 else "") if invalid else "the data"
    return DataValidation("failed", invalid, f"{path} says {what} failed validation")


def stale_validation(pin: Sequence[DataPin], out: Path, root: Path) -> list[str]:
    """The data paths validation.json validated at another version than the one about to be trained on
    (edited after `mlgate validate`): the validation does not describe them."""
    known = validated(out, root)
    stale = []
    for entry in pin:
        checked = known.get(entry.path)
        if checked and checked.version is not None and checked.version.value != entry.version.value:
            stale.append(entry.path)
    return stale


def _absolute(path: str, root: Path) -> Path:
    candidate = Path(path)
    return candidate if candidate.is_absolute() else root / candidate


def version_of(path: Path, root: Path) -> dict[str, Any]:
    """The current version of one data path (BadInput when it is missing or not pulled)."""
    from mlgate.data.versions import dataset_version

    return dataset_version(path, root)


def data_pin(config: Config, out: Path) -> list[DataPin]:
    """One entry per data path: {path, version: {kind, value}, bytes, rows, source, validation?, dvc?}."""
    known = validated(out, config.root)
    entries = []
    for rel in declared_paths(config):
        if rel in _spark_paths(config):
            entries.append(_spark_pin(config, rel, out))
            continue
        absolute = config.resolve(rel)
        key = relative_to_root(absolute, config.root)
        current = version_of(absolute, config.root)
        entry = DataPin(path=key, version=DataVersion(kind=current["kind"], value=current["value"]),
                        bytes=current.get("bytes"), rows=current.get("rows"), source="computed",
                        dvc=DvcRef.model_validate(current["dvc"]) if "dvc" in current else None)
        checked = known.get(key)
        # an unchanged dataset has no version in validation.json: its version is computed here
        if checked and checked.version is not None and checked.version.value == current["value"]:
            entry.source = "validation"
            entry.rows = entry.rows if entry.rows is not None else checked.rows
            entry.validation = checked.status
        entries.append(entry)
    return entries


def _spark_paths(config: Config) -> set[str]:
    return {dataset.path for dataset in config.data if dataset.engine == "spark"}


def _spark_pin(config: Config, path: str, out: Path) -> DataPin:
    """A Spark dataset's pin, from its entry in validation.json (found by the dataset's path as declared)."""
    document = read_document(out / VALIDATION, Validation) if (out / VALIDATION).is_file() else None
    for entry in document.datasets if document else []:
        if entry.dataset == path and entry.version is not None:
            return DataPin(path=entry.path, version=entry.version, bytes=entry.bytes, rows=entry.rows,
                           source="validation", validation=entry.status, dvc=entry.version.dvc)
    if "://" not in path and config.resolve(path).exists():  # unchanged, so not validated: hash it here
        current = version_of(config.resolve(path), config.root)
        return DataPin(path=relative_to_root(config.resolve(path), config.root),
                       version=DataVersion(kind=current["kind"], value=current["value"]),
                       bytes=current.get("bytes"), rows=current.get("rows"), source="computed",
                       dvc=DvcRef.model_validate(current["dvc"]) if "dvc" in current else None)
    raise BadInput(
        f"the Spark dataset {path} has no version in {out / VALIDATION}",
        "its version is taken by Spark when mlgate validate reads it; training cannot reach it",
        "run mlgate validate (with the same --out) before mlgate train",
    )


def current_paths(config: Config) -> list[str]:
    """The data paths the config declares now, relative to the root as the lineage records them."""
    return [relative_to_root(config.resolve(rel), config.root) for rel in declared_paths(config)]


def data_differences(recorded: Sequence[DataPin], root: Path, current: Sequence[str] = ()) -> list[str]:
    """For reproduce: which recorded data paths differ from the workspace now (or are missing), and which
    data files the workspace has now that the run did not record (a file added to a dataset's glob)."""
    known = {entry.path for entry in recorded}
    problems = [f"{rel}: not in the recorded data (a file added since)"
                for rel in current if rel not in known]
    for entry in recorded:
        rel = entry.path
        want = entry.version.value
        if entry.version.kind == "file-listing":  # only Spark lists a Spark dataset: not taken again here
            continue
        try:
            now = version_of(_absolute(rel, root), root)["value"]
        except BadInput as exc:
            problems.append(f"{rel}: {exc.what}")
            continue
        if now != want:
            problems.append(f"{rel}: recorded {want}, workspace has {now}")
    return problems
