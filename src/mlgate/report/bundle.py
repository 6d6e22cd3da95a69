"""The report bundle: what the unprivileged job of a fork PR hands to the privileged `mlgate publish`.

A bundle is a flat directory with `mlgate-bundle.json` (what to post where) and the work-directory
documents the report is rendered from (`verdict.json`, `validation.json`, `lineage.json`, whichever exist)
plus `report.md` for people to read. `mlgate publish` treats all of it as untrusted data: it checks the
schema, sizes and hashes, refuses anything else in the directory (other names, subdirectories, symlinks),
and renders the comment itself with the packaged template, never a template or code from the bundle.
Its documents are validated with the same models as the work directory's (`mlgate.documents`).
"""

from __future__ import annotations

import hashlib
import json
import stat
from pathlib import Path
from typing import TypeVar

from pydantic import ValidationError

from mlgate.documents import (
    BundleMeta,
    Document,
    Lineage,
    Validation,
    Verdict,
    describe_errors,
    read_document,
)
from mlgate.errors import BadInput
from mlgate.parse import read_json
from mlgate.report.truncate import fit, utf8_bytes
from mlgate.report.view import Documents
from mlgate.workdir import LINEAGE, REPORT, VALIDATION, VERDICT, write_document, write_text

META = "mlgate-bundle.json"
DOCUMENTS = (VERDICT, VALIDATION, LINEAGE)
ALLOWED = {META, REPORT, *DOCUMENTS}
MAX_FILE = 1024 * 1024
MAX_TOTAL = 4 * MAX_FILE
KIND = "mlgate-report-bundle"
UNTRUSTED_FIX = ("publish only what `mlgate report --bundle` wrote, with the same mlgate version in both "
                 "workflows")
D = TypeVar("D", bound=Document)


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _by_name(docs: Documents) -> dict[str, Document | None]:
    return {VERDICT: docs.verdict, VALIDATION: docs.validation, LINEAGE: docs.lineage}


def write_bundle(directory: Path, meta: BundleMeta, docs: Documents, report: str) -> Path:
    """Write the bundle into `directory` (created; files of an earlier bundle there are replaced)."""
    if directory.is_symlink() or (directory.exists() and not directory.is_dir()):
        raise BadInput(f"--bundle {directory} is not a directory", "the bundle is a folder of files",
                       "pass a new or empty folder")
    directory.mkdir(parents=True, exist_ok=True)
    stray = [p.name for p in directory.iterdir() if p.name not in ALLOWED]
    if stray:
        raise BadInput(f"--bundle {directory} holds other files ({', '.join(sorted(stray)[:5])})",
                       "a bundle may hold only the files mlgate writes, so publish can check it",
                       "pass a new or empty folder")
    hashes: dict[str, str] = {}
    for name, document in _by_name(docs).items():
        (directory / name).unlink(missing_ok=True)
        if document is not None:
            path = write_document(directory / name, document)
            size = path.stat().st_size
            if size > MAX_FILE:
                raise BadInput(f"{name} is {size} bytes, over the {MAX_FILE} a bundle may hold",
                               "`mlgate publish` refuses larger bundle files",
                               "validate fewer or smaller datasets per run, or post directly (--post)")
            hashes[name] = _sha256(path)
    # publish ignores report.md (it renders its own): cut it between sections to the size publish accepts
    hashes[REPORT] = _sha256(write_text(directory / REPORT, fit(report, MAX_FILE, measure=utf8_bytes)))
    body = meta.model_copy(update={"files": hashes}).model_dump()
    return write_text(directory / META, json.dumps(body, indent=2) + "\n")


def _entries(directory: Path) -> dict[str, Path]:
    """The bundle's files, after refusing anything but regular files with known names."""
    if directory.is_symlink() or not directory.is_dir():
        raise BadInput(f"bundle {directory} is not a directory", "`mlgate report --bundle DIR` writes one",
                       "download the bundle artifact into a folder and pass that folder")
    entries: dict[str, Path] = {}
    total = 0
    for path in directory.iterdir():
        info = path.lstat()
        if path.name not in ALLOWED or not stat.S_ISREG(info.st_mode):
            raise BadInput(f"bundle {directory} holds an unexpected entry {path.name!r}",
                           "a bundle holds only regular files named " + ", ".join(sorted(ALLOWED)),
                           "publish only what `mlgate report --bundle` wrote")
        if info.st_size > MAX_FILE:
            raise BadInput(f"bundle file {path.name} is {info.st_size} bytes, over the {MAX_FILE} allowed",
                           "bundle files are small JSON documents", "publish only what mlgate wrote")
        total += info.st_size
        entries[path.name] = path
    if total > MAX_TOTAL:
        raise BadInput(f"bundle {directory} is {total} bytes, over the {MAX_TOTAL} allowed",
                       "bundle files are small JSON documents", "publish only what mlgate wrote")
    if META not in entries:
        raise BadInput(f"bundle {directory} has no {META}", "`mlgate report --bundle DIR` writes it",
                       "check that the artifact was uploaded and downloaded whole")
    return entries


def read_bundle(directory: Path) -> tuple[BundleMeta, Documents]:
    """Validate a bundle and return its metadata and documents; anything wrong is BadInput (exit 2)."""
    entries = _entries(directory)
    raw = read_json(entries[META], f"{META} in {directory}", "re-run the report job")
    try:
        meta = BundleMeta.model_validate(raw)
    except ValidationError as exc:
        # field names come from the bundle (extra keys): one line, cut, so they cannot start a `::` command
        raise BadInput(f"{META} in {directory} is not a valid mlgate bundle", describe_errors(exc),
                       "use the same mlgate version in both workflows") from exc
    unlisted = set(entries) - set(meta.files) - {META}
    if unlisted or not set(meta.files) <= ALLOWED - {META}:
        raise BadInput(f"bundle {directory}: files and {META} disagree",
                       f"unlisted: {sorted(unlisted)}, listed: {sorted(meta.files)}",
                       "publish only what `mlgate report --bundle` wrote")
    for name, digest in meta.files.items():
        path = entries.get(name)
        if path is None or _sha256(path) != digest:
            raise BadInput(f"bundle file {name} is missing or was changed after the bundle was written",
                           "its sha256 does not match mlgate-bundle.json",
                           "upload and download the bundle folder whole")

    def document(name: str, model: type[D]) -> D | None:
        """A listed document, validated with its model as the work directory's are (it is untrusted)."""
        return read_document(entries[name], model, fix=UNTRUSTED_FIX) if name in meta.files else None

    return meta, Documents(verdict=document(VERDICT, Verdict), validation=document(VALIDATION, Validation),
                           lineage=document(LINEAGE, Lineage))
