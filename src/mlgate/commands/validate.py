"""`mlgate validate`: find the changed datasets, validate each, write validation.json, annotate, summarize.

Exit codes: 0 every validated file is valid · 1 a file is invalid · 2 bad input (a file could not be
read, a schema is broken, a glob matches nothing, the base ref is missing, DVC data was not pulled).
A file that cannot be read is recorded with status "error" and the other files are still validated;
validation.json is written before the BadInput is raised.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from mlgate.config import Config
from mlgate.data.changed import Changes, find_changes, repo_root
from mlgate.data.dvcmeta import DvcIndex, load_index
from mlgate.data.formats import detect_format, sniff
from mlgate.data.result import DELETED, ERROR, INVALID, SKIPPED, VALID, Failure, FileResult
from mlgate.data.schema import LoadedSchema, load_schemas
from mlgate.data.targets import DELETED as DELETE_ACTION
from mlgate.data.targets import SKIPPED as SKIP_ACTION
from mlgate.data.targets import Target, edited_note, select_targets
from mlgate.data.validate import validate_file
from mlgate.data.versions import dataset_version
from mlgate.documents import Validation
from mlgate.errors import EXIT_GATE_FAILED, EXIT_PASSED, BadInput
from mlgate.forge import CiContext
from mlgate.output import Output, one_line
from mlgate.workdir import VALIDATION, begin, write_document


def run_validate(config: Config, output: Output, github: CiContext, *, base_ref: str | None,
                 all_datasets: bool, out: Path, spark_master: str | None = None) -> int:
    begin(out, VALIDATION)  # no older result (nor a later stage's file) may pass for this run's
    root = repo_root(config.root)
    if not config.data:
        output.wrote("validation", write_document(out / VALIDATION, Validation(
            passed=True, base=None, base_sha=None, mode="none", datasets=[])))
        output.line("mlgate validate: no datasets declared under `data:` in the config; nothing to validate")
        return EXIT_PASSED
    index = load_index(root)
    changes = None if all_datasets else find_changes(root, base_ref, github.base_ref())
    targets = select_targets(config, root, index, changes)
    schemas: dict[int, list[LoadedSchema]] = {}
    results: list[FileResult] = []
    errors: list[BadInput] = []
    for target in targets:
        result = _run_target(config, root, index, target, schemas, errors)
        results.append(result)
    if any(dataset.engine == "spark" for dataset in config.data):  # the Spark edge, imported only then
        from mlgate.engines.spark.run import validate_spark_datasets

        spark_results, spark_errors = validate_spark_datasets(config, root, index, changes, spark_master,
                                                                 output)
        results += spark_results
        errors += spark_errors
    passed = not errors and all(r.status in (VALID, DELETED, SKIPPED) for r in results)
    output.wrote("validation", write_document(out / VALIDATION, _document(passed, changes, results)))
    output.set_output("passed", str(passed).lower())
    _summarize(output, results, changes, out)
    if errors:
        raise _combined(errors)
    return EXIT_PASSED if passed else EXIT_GATE_FAILED


def _run_target(config: Config, root: Path, index: DvcIndex, target: Target,
                schemas: dict[int, list[LoadedSchema]], errors: list[BadInput]) -> FileResult:
    if target.action == SKIP_ACTION:
        return FileResult(target.dataset.path, target.rel, SKIPPED)
    if target.action == DELETE_ACTION:
        return FileResult(target.dataset.path, target.rel, DELETED)
    if target.number not in schemas:  # a broken schema is a config error: it stops the run
        schemas[target.number] = load_schemas(config, target.dataset, target.where)
    try:
        return check_file(root, index, target, schemas[target.number])
    except BadInput as exc:
        errors.append(exc)
        return FileResult(target.dataset.path, target.rel, ERROR, error=_flat_error(exc).message())


def check_file(root: Path, index: DvcIndex, target: Target, schemas: list[LoadedSchema]) -> FileResult:
    """Validate one file and record its version, rows and bytes."""
    path = root / target.rel
    fmt = detect_format(path, target.dataset.format)
    sniff(path, fmt, target.rel)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="mlgate-version") as pool:
        hashing = pool.submit(dataset_version, path, root, index=index)  # overlaps with validation
        outcome = validate_file(path, target.rel, fmt, target.dataset, target.where, schemas)
        version = hashing.result()
    if outcome.rows == 0 and not outcome.failures:  # a header alone: nothing was checked, nothing to train on
        outcome.failures.append(Failure("rows", None, "the file holds no data rows (a header alone)"))
    dvc = version.get("dvc") or {}
    note = target.note or (edited_note(dvc["metafile"]) if dvc.get("in_sync") is False else None)
    return FileResult(
        dataset=target.dataset.path, path=target.rel, status=INVALID if outcome.failures else VALID,
        format=fmt, version={k: v for k, v in version.items() if k not in ("bytes", "rows")},
        rows=outcome.rows, bytes=int(version["bytes"]), failures=outcome.failures, note=note,
        warnings=outcome.warnings,
    )


def _document(passed: bool, changes: Changes | None, results: list[FileResult]) -> Validation:
    return Validation(
        passed=passed,
        mode="all" if changes is None else "changed",
        base=changes.base if changes else None,
        base_sha=changes.base_sha if changes else None,
        datasets=[result.to_document() for result in results],
    )


def _summarize(output: Output, results: list[FileResult], changes: Changes | None, out: Path) -> None:
    scope = "every declared dataset" if changes is None else \
        f"data changed since {changes.base} ({changes.base_sha[:12]})"
    output.line(f"mlgate validate: {one_line(scope)}")
    marks = {VALID: "ok", INVALID: "INVALID", DELETED: "deleted", SKIPPED: "unchanged", ERROR: "ERROR"}
    for result in results:
        rows = f"  {result.rows:,} rows" if result.rows is not None else ""
        output.line(f"  {marks[result.status]:<9} {one_line(result.path)}{rows}")
        if result.error:
            output.line("      " + result.error.replace("\n", "\n      "))
        for warning in result.warnings:
            output.warn(warning, file=result.path, title="mlgate validate: header")
        if result.note:
            output.line(f"      note: {one_line(result.note)}")
            if output.actions:
                output.annotate("warning", f"{result.path}: {result.note}", file=result.path,
                                title="mlgate validate: note")
        for failure in result.failures:
            where = f" [{one_line(failure.column)}]" if failure.column else ""
            output.line(f"      - {one_line(failure.check)}{where}: {one_line(failure.message)}")
            if output.actions:
                output.annotate("error", f"{result.path}: {failure.message}", file=result.path,
                                title=f"mlgate validate: {failure.check}{where}")
    invalid = sum(r.status == INVALID for r in results)
    checked = sum(r.status in (VALID, INVALID) for r in results)
    output.line(f"{checked} file(s) validated, {invalid} invalid; details in {out / VALIDATION}")


def _flat_error(exc: BadInput) -> BadInput:
    return BadInput(one_line(exc.what), one_line(exc.why), one_line(exc.fix), file=exc.file)


def _combined(errors: list[BadInput]) -> BadInput:
    if len(errors) == 1:
        return _flat_error(errors[0])
    return _flat_error(BadInput(
        f"{len(errors)} data files could not be read",
        "; ".join(e.what for e in errors),
        "fix each file (the messages above say how); details in validation.json",
        file=errors[0].file,
    ))
