"""Schemas: a pandera schema from YAML/JSON or `file.py:Name`, and one built from the declarative checks.

Uniqueness cannot be checked chunk by chunk, so `unique` settings are taken out of a pandera schema
and checked over the whole file by mlgate (see checks.Uniqueness).
"""

from __future__ import annotations

import copy
import importlib.util
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mlgate.config import ColumnCheck, Config, Dataset
from mlgate.errors import BadInput
from mlgate.parse import read_json, read_yaml

_TYPE_NAMES = {
    "int": "int64", "integer": "int64", "float": "float64", "number": "float64", "str": "str",
    "string": "str", "bool": "bool", "boolean": "bool", "datetime": "datetime64[ns]",
    "date": "datetime64[ns]", "category": "category",
}


@dataclass(frozen=True)
class LoadedSchema:
    """A pandera DataFrameSchema (Any: pandera is imported lazily) and the unique keys taken out of it."""

    schema: Any
    unique: tuple[tuple[str, ...], ...]
    source: str


def load_schemas(config: Config, dataset: Dataset, where: str) -> list[LoadedSchema]:
    """The user's pandera schema (if any) and the declarative column checks, ready to validate chunks."""
    loaded = []
    if dataset.schema_path:
        loaded.append(_strip_unique(load_pandera(config, dataset.schema_path, where), dataset.schema_path))
    if dataset.checks.columns:
        loaded.append(LoadedSchema(declarative_schema(dataset.checks.columns, where), (), f"{where}.checks"))
    return loaded


def load_pandera(config: Config, spec: str, where: str) -> Any:
    """Load `schemas/x.yaml` (pandera YAML), `x.json`, or `path/to/file.py:SchemaName`."""
    file_part, name = spec, ""
    head, colon, tail = spec.rpartition(":")
    if colon and head.endswith(".py"):
        file_part, name = head, tail
    path = config.resolve(file_part)
    if not path.is_file():
        raise BadInput(
            f"schema file {file_part} not found ({where}.schema)",
            f"looked for {path}",
            "fix the path (relative to mlgate.yaml) or create the schema", file=file_part,
        )
    if path.suffix == ".py":
        return _python_schema(path, name, file_part)
    if name:
        raise BadInput(f"{spec}: a `:Name` suffix is only for Python schema files", "", "drop the suffix")
    return _serialized_schema(path, file_part)


def _serialized_schema(path: Path, shown: str) -> Any:
    from pandera.io.pandas_io import deserialize_schema

    fix = "write it in pandera's YAML format (a DataFrameSchema's `schema.to_yaml()` writes one)"
    read = read_json if path.suffix == ".json" else read_yaml
    serialized = read(path, f"schema {shown}", fix, file=shown)  # bounded: pandera's own reader is not
    _no_ignored_keys(serialized, shown)
    try:
        schema = deserialize_schema(serialized)  # type: ignore[no-untyped-call]
    except Exception as exc:  # pandera raises many kinds for a bad file: all mean "invalid schema"
        raise BadInput(
            f"schema {shown} is not a valid pandera schema",
            f"{type(exc).__name__}: {exc}".strip().splitlines()[0][:500], fix, file=shown,
        ) from exc
    return _check_is_schema(schema, shown)


# What pandera reads in a column's (or an index's) mapping besides the names of checks (`Check.<name>`); it
# skips any other key in silence (pandera/io/_flat_checks.py), so a misspelt check would check nothing.
_COMPONENT_KEYS = frozenset({
    "title", "description", "dtype", "nullable", "checks", "name", "unique", "coerce", "required", "regex",
    "default", "report_duplicates", "drop_invalid_rows", "metadata", "dims", "alias", "ordered_dims", "sizes",
    "shape", "coords", "schema_type", "version",
})


def _no_ignored_keys(serialized: Any, shown: str) -> None:
    """Refuse a column or index key that pandera would skip: an unknown key (a misspelt check), or a check
    written flat beside a `checks:` list (pandera then reads the list only)."""
    from pandera.api.checks import Check

    if not isinstance(serialized, dict):
        return
    columns, index = serialized.get("columns"), serialized.get("index")
    columns = columns.items() if isinstance(columns, dict) else ()
    parts = [*((f"column {name!r}", spec) for name, spec in columns),
             *((f"index level {i}", spec) for i, spec in enumerate(index if isinstance(index, list) else ()))]
    for part, spec in parts:
        if not isinstance(spec, dict):
            continue
        others = [key for key in spec if key not in _COMPONENT_KEYS]
        flat = [key for key in others if callable(getattr(Check, str(key), None))]
        unknown = [key for key in others if key not in flat]
        where = f"schema {shown}: {part}"
        if unknown:
            raise BadInput(f"{where} has the key {unknown[0]!r}, which pandera does not know",
                           "pandera skips a key it does not know in silence: a misspelt check would check "
                           "nothing", "spell the check as pandera names it (`greater_than_or_equal_to`, "
                           "`isin`, `str_matches`, ...: pandera's Check API) or remove the key", file=shown)
        if flat and spec.get("checks") is not None:
            raise BadInput(f"{where} has both a `checks:` list and the check {flat[0]!r} beside it",
                           "pandera then reads the `checks:` list only, and the other check is skipped",
                           f"move {flat[0]!r} into the `checks:` list, or write every check flat", file=shown)


def _python_schema(path: Path, name: str, shown: str) -> Any:
    if not name:
        raise BadInput(
            f"schema {shown}: name the schema object in the file",
            "a Python schema file can hold several schemas",
            f"write `schema: {shown}:SchemaName` (a DataFrameSchema or DataFrameModel)", file=shown,
        )
    module_name = f"mlgate_user_schema_{abs(hash(str(path)))}"
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        raise BadInput(f"schema {shown} cannot be imported", "not a Python module", "check the file",
                       file=shown)
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    try:
        spec.loader.exec_module(module)
    except Exception as exc:  # the user's code failed while importing: report it as their input
        raise BadInput(
            f"schema {shown} failed to import", f"{type(exc).__name__}: {exc}", "fix the Python file",
            file=shown,
        ) from exc
    finally:
        sys.modules.pop(module_name, None)
    if not hasattr(module, name):
        found = sorted(k for k in vars(module) if not k.startswith("_"))
        raise BadInput(f"schema {shown} has no {name!r}", f"names in the file: {', '.join(found)[:300]}",
                       "fix the name after the colon", file=shown)
    obj = getattr(module, name)
    if isinstance(obj, type) and hasattr(obj, "to_schema"):
        obj = obj.to_schema()
    return _check_is_schema(obj, shown)


def _check_is_schema(obj: Any, shown: str) -> Any:
    from pandera.api.pandas.container import DataFrameSchema

    if not isinstance(obj, DataFrameSchema):
        raise BadInput(
            f"schema {shown} is not a pandera DataFrameSchema", f"got {type(obj).__name__}",
            "use a pandas DataFrameSchema or DataFrameModel", file=shown,
        )
    if not obj.columns and not obj.checks and obj.index is None:
        raise BadInput(
            f"schema {shown} defines no columns, checks or index", "it would pass any data",
            "describe the columns in pandera's format (top-level `columns:`; a DataFrameSchema's "
            "`schema.to_yaml()` writes one)", file=shown,
        )
    return obj


def _strip_unique(schema: Any, source: str) -> LoadedSchema:
    """Move uniqueness out of the schema: it is checked over the whole file, not per chunk."""
    keys: list[tuple[str, ...]] = []
    updates = {}
    for name, column in schema.columns.items():
        if getattr(column, "unique", False):
            keys.append((str(name),))
            updates[name] = {"unique": False}
    if updates:
        schema = schema.update_columns(updates)
    frame_unique = schema.unique
    if frame_unique:
        keys.append(tuple([frame_unique] if isinstance(frame_unique, str) else frame_unique))
        schema = copy.deepcopy(schema)
        schema.unique = None
    return LoadedSchema(schema, tuple(keys), source)


def declarative_schema(columns: dict[str, ColumnCheck], where: str) -> Any:
    """A pandera schema from `checks.columns`: type, min, max, allowed values, nullable, required."""
    import pandera.pandas as pa

    built = {}
    for name, spec in columns.items():
        checks = []
        if spec.min is not None:
            checks.append(pa.Check.ge(spec.min))
        if spec.max is not None:
            checks.append(pa.Check.le(spec.max))
        if spec.allowed is not None:
            checks.append(pa.Check.isin(spec.allowed))
        dtype = _dtype(spec.dtype, f"{where}.checks.columns.{name}.type") if spec.dtype else None
        built[name] = pa.Column(dtype, checks=checks, nullable=spec.nullable, required=spec.required,
                                coerce=dtype is not None)
    return pa.DataFrameSchema(built)


def _dtype(name: str, where: str) -> Any:
    import pandera.pandas as pa

    dtype = _TYPE_NAMES.get(name.lower(), name)
    try:
        pa.Column(dtype)
    except Exception as exc:  # pandera: TypeError/ValueError for an unknown type name
        raise BadInput(
            f"{where}: unknown type {name!r}", str(exc).splitlines()[0] if str(exc) else "",
            f"use one of {', '.join(sorted(_TYPE_NAMES))} or a pandas dtype name",
        ) from exc
    return dtype
