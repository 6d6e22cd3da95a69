"""Validate one data file: chunk by chunk through the pandera schemas (lazily: every failure, not the
first), while the dataset-level checks accumulate over the whole file."""

from __future__ import annotations

import functools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mlgate.config import Dataset
from mlgate.data.checks import ClassCounts, NullFractions, RowCount, Uniqueness
from mlgate.data.formats import Format, prefetch, read_chunks
from mlgate.data.result import Failure, json_value, record
from mlgate.data.schema import LoadedSchema
from mlgate.errors import BadInput

if TYPE_CHECKING:
    import pandas as pd


@dataclass
class Outcome:
    rows: int
    failures: list[Failure]
    warnings: list[str] = field(default_factory=list)


class PanderaFailures:
    """pandera's failure cases from every chunk, merged per (check, column) with up to 10 sample rows."""

    def __init__(self) -> None:
        self.found: dict[tuple[str, str | None], Failure] = {}

    def add(self, cases: pd.DataFrame, chunk: pd.DataFrame) -> None:
        typed = {str(c) for c, chk in zip(cases["column"], cases["check"], strict=True)
                 if str(chk).startswith(("dtype(", "coerce_dtype("))}
        for (check, column), group in cases.groupby(["check", "column"], dropna=False, sort=False):
            column_name = None if _missing(column) else str(column)
            if column_name in typed and group["index"].isna().all() and not str(check).startswith(
                    ("dtype(", "coerce_dtype(")):
                continue  # a check that could not run on a column of the wrong type: the type failure says it
            self._merge(str(check), column_name, group, chunk)

    def _merge(self, check: str, column: str | None, group: pd.DataFrame, chunk: pd.DataFrame) -> None:
        if check in ("column_in_dataframe", "column_in_schema"):
            column = str(group["failure_case"].iloc[0])
        failure = self.found.get((check, column))
        if failure is None:
            failure = self.found[(check, column)] = Failure(check, column, "")
            failure.details = {"first_case": json_value(group["failure_case"].iloc[0])}
        rows = group[group["index"].notna()]
        failure.failing_rows += int(rows["index"].nunique())
        for index, value in zip(rows["index"], rows["failure_case"], strict=True):
            if len(failure.samples) >= 10:
                break
            failure.add_sample(_sample(int(index), column, value, chunk))

    def failures(self) -> list[Failure]:
        for failure in self.found.values():
            failure.message = describe(failure)
            if failure.details and failure.failing_rows:
                failure.details = None
        return list(self.found.values())


def _sample(index: int, column: str | None, value: Any, chunk: pd.DataFrame) -> dict[str, Any]:
    """{"row": 1-based row, <failing column>: the failing value, <other columns>: the row's values}."""
    sample: dict[str, Any] = {"row": index + 1, column or "value": json_value(value)}
    if index in chunk.index:
        for key, cell in record(chunk.loc[index]).items():
            if key not in sample:
                sample[key] = cell
    return sample


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and value != value)


def describe(failure: Failure) -> str:
    """A sentence for a person, from pandera's check name."""
    check, column, rows = failure.check, failure.column, failure.failing_rows
    case = (failure.details or {}).get("first_case")
    examples = ", ".join(f"row {s['row']}: {s.get(column or 'value')!r}" for s in failure.samples[:3])
    tail = f" (e.g. {examples})" if examples else ""
    if check == "column_in_dataframe":
        return f"column {column} is missing (the schema requires it)"
    if check == "column_in_schema":
        return f"column {column} is not in the schema, which is strict"
    if check == "not_nullable":
        return f"{_rows(rows)} in column {column}: null, which the schema does not allow{tail}"
    if check.startswith("coerce_dtype("):
        return f"{_rows(rows)} in column {column}: cannot be read as {check[13:-1]}{tail}"
    if check.startswith("dtype("):
        if rows:
            return f"{_rows(rows)} in column {column}: not of type {check[6:-1]}{tail}"
        return f"column {column} has type {case}, expected {check[6:-1]}"
    if not rows and case is not None:
        return f"check {check} failed on column {column}: {case}"
    return f"{_rows(rows)} in column {column}: {_CHECK_WORDS.get(check.split('(')[0], f'fail {check}')}{tail}"


_CHECK_WORDS = {
    "greater_than_or_equal_to": "below the minimum", "greater_than": "not above the minimum",
    "less_than_or_equal_to": "above the maximum", "less_than": "not below the maximum",
    "in_range": "out of range", "isin": "not one of the allowed values",
    "notin": "a forbidden value", "equal_to": "not the required value",
    "str_matches": "not matching the pattern", "str_length": "of the wrong length",
}


def _rows(count: int) -> str:
    return "1 row" if count == 1 else f"{count:,} rows"


def validate_file(path: Path, rel: str, fmt: Format, dataset: Dataset, where: str,
                  schemas: Sequence[LoadedSchema], *, hash_limit: int | None = None) -> Outcome:
    """Read the file once in chunks, validate each, accumulate the dataset-level checks."""
    checks = dataset.checks
    delimiter = dataset.delimiter
    if "delimiter" not in dataset.model_fields_set and path.name.lower().endswith((".tsv", ".tsv.gz")):
        delimiter = "\t"

    names, names_from = _headerless_names(dataset, fmt, where, rel, schemas)

    def chunks(columns: Sequence[str] | None = None) -> Iterator[pd.DataFrame]:
        return read_chunks(path, fmt, rel, chunk_rows=dataset.chunk_rows, delimiter=delimiter,
                           columns=columns, names=names, names_from=names_from)

    keys = [((k,) if isinstance(k, str) else tuple(k)) for k in checks.unique]
    keys += [key for schema in schemas for key in schema.unique if key not in keys]
    uniques = [Uniqueness(key, hash_limit) if hash_limit else Uniqueness(key) for key in keys]
    nulls = NullFractions(checks.max_null_fraction)
    balance = ClassCounts(checks.class_balance) if checks.class_balance else None
    pandera = PanderaFailures()
    rows, first, warnings = 0, True, []
    for chunk in prefetch(chunks()):
        if first:
            _require_columns(chunk, dataset, where, rel, keys)
            if fmt == "csv" and names is None:
                warnings += _numeric_header(chunk, rel, where)
            nulls.start(str(c) for c in chunk.columns)
            first = False
        for schema in schemas:
            _validate_chunk(schema, chunk, pandera, rel)
        nulls.update(chunk)
        if balance:
            balance.update(chunk)
        for unique in uniques:
            unique.update(chunk)
        rows += len(chunk)
    failures = pandera.failures()
    failures += RowCount(checks.rows).finish(rows) + nulls.finish(rows)
    failures += balance.finish() if balance else []
    for unique in uniques:
        failures += unique.finish(chunks)
    return Outcome(rows, failures, warnings)


def _headerless_names(dataset: Dataset, fmt: Format, where: str, rel: str,
                      schemas: Sequence[LoadedSchema]) -> tuple[list[str] | None, str]:
    """The column names of a file without a header row (`header: false`): `names:`, else the schema's
    columns in order; (None, "") for a file whose first row names its columns."""
    if dataset.header:
        return None, ""
    if fmt != "csv":
        raise BadInput(f"{rel}: {where}.header is false, but the file is {fmt}",
                       f"header: false is for CSV files; a {fmt} file names its columns itself",
                       f"drop `header: false` from {where}, or give the dataset a glob of CSV files",
                       file=rel)
    if dataset.names:
        return list(dataset.names), f"{where}.names"
    for schema in schemas:
        columns = schema.schema.columns
        if columns and not any(getattr(column, "regex", False) for column in columns.values()):
            return [str(name) for name in columns], f"schema {schema.source}"
    raise BadInput(f"{where}: header: false, but no column names for {rel}",
                   "the schema names its columns by patterns (regex), which cannot name the file's columns",
                   f"list the columns in file order under {where}.names", file=rel)


def _numeric_header(chunk: pd.DataFrame, rel: str, where: str) -> list[str]:
    """A warning when every column name is a number: the file likely has no header row, and its first
    row of data was read as the names (so the rows are one short and that row is never checked)."""
    names = [str(column) for column in chunk.columns]
    if not names or not all(_is_number(name) for name in names):
        return []
    shown = (", ".join(names[:5]) + (", …" if len(names) > 5 else ""))[:200]
    return [f"every column name of {rel} is a number ({shown}): the file may have no header row, so its "
            f"first row of data was read as the column names and is not validated; if so, set "
            f"`header: false` (and `names:`) on {where} in mlgate.yaml"]


def _is_number(text: str) -> bool:
    try:
        value = float(text)
    except ValueError:
        return False
    return value == value and value not in (float("inf"), float("-inf"))


def _validate_chunk(schema: LoadedSchema, chunk: pd.DataFrame, found: PanderaFailures, rel: str) -> None:
    from pandera.errors import SchemaDefinitionError, SchemaErrors

    if chunk.empty:  # no rows (a header-only file): no types to check, only the columns
        _missing_columns(schema, chunk, found)
        return
    try:
        if _copy_on_write():  # a coercion changes the shallow copy only; pandera's deep copy is skipped
            schema.schema.validate(chunk.copy(deep=False), lazy=True, inplace=True)
        else:
            schema.schema.validate(chunk, lazy=True)
    except SchemaErrors as exc:
        found.add(exc.failure_cases, chunk)
    except SchemaDefinitionError as exc:
        raise BadInput(f"schema {schema.source} cannot be applied to {rel}", str(exc),
                       "fix the schema", file=schema.source) from exc


@functools.cache
def _copy_on_write() -> bool:
    """pandas >= 3 always copies on write; pandas 2 when its option is set."""
    import pandas as pd

    if int(pd.__version__.split(".")[0]) >= 3:
        return True
    return bool(pd.get_option("mode.copy_on_write") is True)


def _missing_columns(schema: LoadedSchema, chunk: pd.DataFrame, found: PanderaFailures) -> None:
    present = {str(c) for c in chunk.columns}
    for name, column in schema.schema.columns.items():
        key = ("column_in_dataframe", str(name))
        if getattr(column, "required", True) and str(name) not in present and key not in found.found:
            found.found[key] = Failure("column_in_dataframe", str(name), "")


def _require_columns(chunk: pd.DataFrame, dataset: Dataset, where: str, rel: str,
                     keys: list[tuple[str, ...]]) -> None:
    """Columns that mlgate.yaml names in its checks must exist: otherwise the check cannot run."""
    named: dict[str, str] = {}
    for column in dataset.checks.max_null_fraction:
        if column != "*":
            named.setdefault(column, "checks.max_null_fraction")
    if dataset.checks.class_balance:
        named.setdefault(dataset.checks.class_balance.column, "checks.class_balance.column")
    for key in keys:
        for column in key:
            named.setdefault(column, "unique")
    present = {str(c) for c in chunk.columns}
    missing = {column: field for column, field in named.items() if column not in present}
    if missing:
        column, field = next(iter(missing.items()))
        raise BadInput(
            f"{rel}: missing column {column!r} (named in {where}.{field})",
            f"the file has the columns {', '.join(sorted(present))[:400]}",
            "fix the column name in mlgate.yaml, or restore the column in the data", file=rel,
        )
