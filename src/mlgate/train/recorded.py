"""Lineage read back from a run is untrusted input: what the tracking store returns is checked before use.

Anyone with write access to the registry (and a training given its credentials) can rewrite a run's
`mlgate/lineage.json`. mlgate acts on it (`mlgate evaluate` checks out the recorded commit, places the model
files at the recorded path, `mlgate reproduce` re-runs the training), so every value it acts on is held to
what `mlgate train` writes: paths relative and inside their root, commits full hexadecimal SHAs, sha256 values
64 hex digits, counts bounded. A lineage that breaks one is refused (`TamperedLineage`, exit 2) naming the
run and the field; it is never repaired, never skipped.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path, PurePosixPath

from mlgate.documents import Lineage
from mlgate.errors import BadInput

MAX_MODEL_FILES = 10_000  # files of one model recorded in lineage
MAX_PATH_CHARS = 1_000  # one recorded path
_COMMIT = re.compile(r"[0-9a-f]{40}|[0-9a-f]{64}")  # SHA-1 or SHA-256 object names, lower case, in full
_SHA256 = re.compile(r"[0-9a-f]{64}")


class TamperedLineage(BadInput):
    """A lineage read back from a run holds a value `mlgate train` never writes (exit 2)."""


def is_commit(value: str) -> bool:
    """A full git object name (40 hex digits; 64 in a SHA-256 repository); never a ref such as HEAD."""
    return _COMMIT.fullmatch(value) is not None


def relative_inside(value: str) -> str | None:
    """Why `value` is not a relative path that stays inside its root, or None when it is one."""
    if not value or value.strip() in ("", "."):
        return "is empty (it would name the root itself)"
    if len(value) > MAX_PATH_CHARS:
        return f"is {len(value)} characters long (at most {MAX_PATH_CHARS})"
    if "\x00" in value or "\\" in value:
        return "holds a NUL byte or a backslash"
    pure = PurePosixPath(value)
    if pure.is_absolute() or re.match(r"^[A-Za-z]:", value) or value.startswith("~"):
        return "is an absolute path (mlgate records paths relative to the repository)"
    if ".." in pure.parts:
        return "climbs out of its folder with `..`"
    if all(part == "." for part in pure.parts):
        return "names the root itself"
    return None


def inside(root: Path, relative: str) -> Path | None:
    """`root / relative` when it resolves (symlinks followed) inside `root`; None when it leaves it."""
    base = root.resolve()
    target = (base / relative).resolve()
    return target if target == base or base in target.parents else None


def _problems(lineage: Lineage) -> Iterator[tuple[str, str]]:
    """(field, what is wrong) for every value mlgate would act on."""
    commit = lineage.code.commit
    if commit is not None and not is_commit(commit):
        yield "code.commit", (f"is {_shown(commit)}, not a full 40-hex commit SHA (mlgate records the "
                              "commit's full SHA, never a ref such as HEAD or a branch)")
    model = lineage.model
    if model is not None:
        why = relative_inside(model.path)
        if why:
            yield "model.path", f"{_shown(model.path)} {why}"
        if len(model.files) > MAX_MODEL_FILES:
            yield "model.files", f"lists {len(model.files)} files (at most {MAX_MODEL_FILES})"
        else:
            for name, sha in model.files.items():
                why = relative_inside(name)
                if why:
                    yield "model.files", f"{_shown(name)} {why}"
                elif not _SHA256.fullmatch(sha):
                    yield "model.files", f"the sha256 of {_shown(name)} is {_shown(sha)}, not 64 hex digits"
        if not _SHA256.fullmatch(model.sha256):
            yield "model.sha256", f"is {_shown(model.sha256)}, not 64 hex digits"
    conf = lineage.configuration
    for field, value in (("configuration.metrics_file", conf.metrics_file),
                         ("configuration.params_file", conf.params_file)):
        why = relative_inside(value) if value is not None else None
        if why:
            yield field, f"{_shown(value or '')} {why}"
    for position, pin in enumerate(lineage.data):
        why = relative_inside(pin.path)
        if why:
            yield f"data[{position}].path", f"{_shown(pin.path)} {why}"


def _shown(value: str) -> str:
    return repr(value if len(value) <= 80 else value[:60] + "…")


def checked_lineage(lineage: Lineage, run_id: str) -> Lineage:
    """The lineage, when every value mlgate acts on is one `mlgate train` writes; else TamperedLineage."""
    found = list(_problems(lineage))
    if not found:
        return lineage
    field, what = found[0]
    more = f" (and {len(found) - 1} more)" if len(found) > 1 else ""
    raise TamperedLineage(
        f"the lineage logged with MLflow run {run_id} cannot be trusted: {field} {what}{more}",
        "what the tracking store returns is checked like any input: anyone with write access to the registry "
        "(or a training given its credentials) can change a run's mlgate/lineage.json, and mlgate never acts "
        "on a value `mlgate train` does not write",
        f"find out who changed run {run_id} (the MLflow UI shows its artifacts); point the alias at a "
        "version trained by `mlgate train`, or train again",
    )
