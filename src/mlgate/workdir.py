"""The work directory (`--out`, default `.mlgate/`): its files, written atomically; stale files removed.

Its JSON documents are models of `mlgate.documents` (which reads them back with `read_document`).
"""

from __future__ import annotations

import contextlib
import json
from pathlib import Path

from pydantic import BaseModel

from mlgate import safepath
from mlgate.errors import BadInput

VALIDATION = "validation.json"
LINEAGE = "lineage.json"
EVALUATION = "evaluation.json"
VERDICT = "verdict.json"
REPORT = "report.md"
# The files in the order the stages write them: a stage's result makes every later one stale.
STAGE_FILES = (VALIDATION, LINEAGE, EVALUATION, VERDICT, REPORT)


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
    """Write a file atomically and never through a symlink (mlgate.safepath.write_atomic): a crash, bad
    input, a full disk or a size limit never leaves it half-written.

    The file gets the usual permissions (0666 less the umask), not mkstemp's 0600.
    """
    try:
        return safepath.write_atomic(path, text.encode("utf-8"))
    except (NotADirectoryError, FileExistsError, PermissionError) as exc:
        raise BadInput(f"cannot write {path}", f"{type(exc).__name__}: {exc.strerror or exc}",
                       "pass an --out directory you can write to (not a file, nor inside one)") from exc


def write_document(path: Path, document: BaseModel) -> Path:
    """Write a work-directory document (a model of `mlgate.documents`): schema_version first, strict JSON.

    A NaN or infinity anywhere is a ValueError (the file is left as it was), never a silent null.
    """
    body = document.model_dump(mode="python")
    return write_text(path, json.dumps(body, indent=2, sort_keys=False, allow_nan=False) + "\n")

