"""The work directory (`--out`, default `.mlgate/`): its JSON files, written atomically, read with checks."""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any, TypeVar

from mlgate.documents import SCHEMA_VERSION, Document, check_schema_version, parse_document
from mlgate.errors import BadInput

VALIDATION = "validation.json"
LINEAGE = "lineage.json"
VERDICT = "verdict.json"
REPORT = "report.md"
# The files in the order the stages write them: a stage's result makes every later one stale.
STAGE_FILES = (VALIDATION, LINEAGE, VERDICT, REPORT)


def begin(out: Path, name: str) -> None:
    """Start the stage that writes `name`: remove it and the later stages' files from the work directory.

    A run stopped by bad input then leaves no older result behind, and a report never mixes a new
    validation with the verdict of an earlier model.
    """
    for later in STAGE_FILES[STAGE_FILES.index(name):]:
        # a folder in the way is not ours to remove; writing there later names the problem
        with contextlib.suppress(IsADirectoryError, NotADirectoryError):
            (out / later).unlink(missing_ok=True)


def write_text(path: Path, text: str) -> Path:
    """Write a file atomically: a crash or bad input never leaves it half-written.

    The file gets the usual permissions (0666 less the umask), not mkstemp's 0600.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    except (NotADirectoryError, FileExistsError, PermissionError) as exc:
        raise BadInput(f"cannot write {path}", f"{type(exc).__name__}: {exc.strerror or exc}",
                       "pass an --out directory you can write to (not a file, nor inside one)") from exc
    try:
        os.chmod(tmp, 0o666 & ~_umask())
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def _umask() -> int:
    current = os.umask(0o022)
    os.umask(current)
    return current


def write_json(path: Path, payload: dict[str, Any]) -> Path:
    """Write one of the work-directory JSON files, with its schema_version first."""
    body = {"schema_version": SCHEMA_VERSION, **{k: v for k, v in payload.items() if k != "schema_version"}}
    return write_text(path, json.dumps(body, indent=2, sort_keys=False, allow_nan=False) + "\n")


def write_document(path: Path, document: Document) -> Path:
    """Write a work-directory document from its model (schema_version first; strict JSON)."""
    body = document.model_dump(mode="json")
    return write_text(path, json.dumps(body, indent=2, sort_keys=False, allow_nan=False) + "\n")


D = TypeVar("D", bound=Document)


def read_document(path: Path, model: type[D],
                  fix: str = "re-run the stage that writes it, with the same mlgate version") -> D:
    """Read a work-directory document with its model. Missing, not JSON, not an object, a missing or newer
    schema_version, or a field of the wrong type: BadInput (exit 2) naming the file (and the field)."""
    return parse_document(read_json(path), model, str(path), fix=fix)


def read_json(path: Path) -> dict[str, Any]:
    """Read a work-directory JSON file; a missing, malformed or newer file is BadInput."""
    if not path.is_file():
        raise BadInput(f"{path} not found", "an earlier stage writes it",
                       "run that stage first, or pass --out")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise BadInput(f"{path} is not valid JSON", str(exc), "re-run the stage that writes it") from exc
    except RecursionError as exc:
        raise BadInput(f"{path} is nested too deeply to read", "no file mlgate writes nests like this",
                       "re-run the stage that writes it") from exc
    if not isinstance(data, dict):
        raise BadInput(f"{path} must hold a JSON object", f"got {type(data).__name__}", "re-run the stage")
    check_schema_version(data, str(path))
    return data
