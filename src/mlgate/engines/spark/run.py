"""`mlgate validate` for the datasets with `engine: spark`: which ones a pull request changed, and one
result per dataset (the whole dataset, however many files it has).

A local dataset (a file, a directory, a glob) is validated when a file under it changed since the base, or
a DVC output holding it did; with `--all` always. A URI (`s3a://...`) is validated on every run: git cannot
tell whether data in an object store changed.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from mlgate.config import Config, Dataset
from mlgate.data.changed import Changes
from mlgate.data.dvcmeta import DvcIndex
from mlgate.data.result import DELETED, ERROR, INVALID, SKIPPED, VALID, FileResult
from mlgate.data.schema import load_schemas
from mlgate.data.targets import could_hold, glob_regex, repo_pattern
from mlgate.data.versions import not_pulled
from mlgate.engines.spark.checks import validate_frame
from mlgate.engines.spark.listing import dvc_version, listing, listing_version
from mlgate.engines.spark.read import is_uri, read_frame, spark_format
from mlgate.engines.spark.session import spark_session
from mlgate.errors import BadInput, MlgateError, ServiceError
from mlgate.output import Output, one_line

VALIDATE = "validate"


def validate_spark_datasets(config: Config, root: Path, index: DvcIndex, changes: Changes | None,
                            master: str | None, output: Output) -> tuple[list[FileResult], list[BadInput]]:
    """Every `engine: spark` dataset: validated, skipped (unchanged) or deleted; the bad input found."""
    results: list[FileResult] = []
    errors: list[BadInput] = []
    session: Any = None
    for number, dataset in enumerate(config.data):
        if dataset.engine != "spark":
            continue
        where = f"data[{number}]"
        rel = dataset.path if is_uri(dataset.path) else repo_pattern(config, dataset, root)
        action = _action(root, index, changes, rel)
        if action != VALIDATE:
            results.append(FileResult(dataset.path, rel, action))
            continue
        schemas = load_schemas(config, dataset, where)  # a broken schema stops the run, as on pandas
        try:
            if session is None:
                session = spark_session(config.spark, master)
                output.line(f"mlgate validate: Spark {session.version}, master "
                            f"{one_line(session.sparkContext.master)}")
            result = check_dataset(session, root, index, dataset, where, rel, schemas)
            results.append(result)
            output.line(f"mlgate validate: {one_line(rel)} read by Spark: {_version_note(result)}")
        except BadInput as exc:
            errors.append(exc)
            results.append(FileResult(dataset.path, rel, ERROR, error=_one_line(exc)))
    return results, errors


def _version_note(result: FileResult) -> str:
    version = result.version or {}
    shown = f"version {version.get('kind')} {str(version.get('value'))[:16]}"
    if version.get("kind") == "file-listing":
        return f"{shown}, a digest of its files' paths, sizes and modification times (not of their content)"
    return f"{shown}, as DVC recorded it (not re-hashed)"


def _one_line(exc: MlgateError) -> str:
    return BadInput(one_line(exc.what), one_line(exc.why), one_line(exc.fix)).message()


def _action(root: Path, index: DvcIndex, changes: Changes | None, rel: str) -> str:
    """validate / skipped / deleted for a dataset, from the files and DVC outputs that changed."""
    if changes is None or is_uri(rel):
        return VALIDATE
    pattern = rel.rstrip("/")
    matcher = glob_regex(pattern)
    hit, present = False, _exists(root, pattern)
    for path in changes.files:
        if any(matcher.match(part) for part in _self_and_parents(path)):
            hit = True
    for out_path, change in changes.dvc.items():
        if could_hold(change.out, pattern, matcher) or change.out.contains(pattern):
            if not (root / out_path).exists() and change.status != "D":
                raise not_pulled(out_path, change.out)
            hit = True
    if not hit:
        return SKIPPED
    return VALIDATE if present else DELETED


def _self_and_parents(path: str) -> list[str]:
    parts = path.split("/")
    return ["/".join(parts[:i]) for i in range(len(parts), 0, -1)]


def _exists(root: Path, pattern: str) -> bool:
    return any(root.glob(pattern)) if any(c in pattern for c in "*?[") else (root / pattern).exists()


def check_dataset(spark: Any, root: Path, index: DvcIndex, dataset: Dataset, where: str, rel: str,
                  schemas: list[Any]) -> FileResult:
    """Read the dataset with Spark, validate it, and record its version, rows and bytes."""
    location = rel if is_uri(rel) else str(root / rel)
    out = None if is_uri(rel) else index.owner(rel.rstrip("/"))
    if out is not None and not _exists(root, rel.rstrip("/")):
        raise not_pulled(rel, out)
    fmt = spark_format(location, dataset.format)
    with _spark_errors(rel, fmt):
        frame = read_frame(spark, location, fmt, dataset.delimiter)
        outcome = validate_frame(frame, dataset, where, rel, schemas, root_uri=root.resolve().as_uri())
        files = listing(spark, frame, root)
    version = dvc_version(index, rel) or listing_version(files)
    return FileResult(
        dataset=dataset.path, path=rel, status=INVALID if outcome.failures else VALID, format=fmt,
        version=version, rows=outcome.rows, bytes=sum(size for _, size, _ in files),
        failures=outcome.failures,
    )


_BAD_INPUT = ("PATH_NOT_FOUND", "Path does not exist", "UNABLE_TO_INFER_SCHEMA", "Unable to infer schema",
              "Malformed records", "MALFORMED_RECORD", "No FileSystem for scheme", "UnsupportedFileSystem",
              "FileNotFoundException", "is not a Parquet file", "CANNOT_READ_FILE_FOOTER", "FAILED_READ_FILE")


@contextmanager
def _spark_errors(rel: str, fmt: str) -> Iterator[None]:
    """Spark's failures as mlgate's: a path or data problem is bad input (2), anything else Spark (3)."""
    try:
        yield
    except MlgateError:
        raise
    except Exception as exc:  # pyspark raises Py4JJavaError, AnalysisException, PySparkException...
        text = str(exc)
        first = next((line.strip() for line in text.splitlines() if line.strip()), type(exc).__name__)
        if any(marker in text for marker in _BAD_INPUT):
            raise BadInput(
                f"Spark cannot read {rel} as {fmt}", first[:500],
                _FIXES.get(_marker(text), "check the path (a file, directory, glob or URI), its format "
                           "(`format:`) and that the data is there"), file=rel,
            ) from exc
        raise ServiceError(f"Spark failed while validating {rel}", first[:500],
                           "see Spark's log above; check the cluster, its memory and the credentials for "
                           "the storage (spark.conf in mlgate.yaml)") from exc


def _marker(text: str) -> str:
    return next((m for m in ("No FileSystem for scheme", "Malformed records", "MALFORMED_RECORD")
                 if m in text), "")


_MALFORMED = ("fix the malformed rows (quotes, field counts, one JSON object per line), or set the right "
              "`format:` and `delimiter:`")
_FIXES: dict[str, str] = {
    "No FileSystem for scheme": "add the storage's Hadoop connector to Spark (for s3a://: spark.conf "
                                "spark.jars.packages: org.apache.hadoop:hadoop-aws:<Spark's Hadoop "
                                "version>), see docs/spark.md",
    "Malformed records": _MALFORMED,
    "MALFORMED_RECORD": _MALFORMED,
}
