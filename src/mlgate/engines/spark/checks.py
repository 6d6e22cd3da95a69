"""A dataset validated by Spark: the same checks, the same failures as the chunked pandas path.

- The pandera schema (`schema:` in mlgate.yaml, the same YAML file) is validated by pandera's PySpark
  backend: its verdict says which checks failed. That backend reports no failing rows, so each failed
  check's condition is counted with one Spark aggregation and a few failing rows are taken with a filter.
- The declarative checks of `checks:` (columns: type, min, max, allowed, nullable, required;
  max_null_fraction, class_balance, rows, unique) are Spark aggregations and group-bys.

Nothing collects the data to the driver: the driver receives one row of counts, the classes of a label
column (at most MAX_CLASSES + 1), and at most MAX_SAMPLES rows per failure. Failures carry the same check
names (pandera's), columns and counts as on pandas; a sample has no row number (Spark has no row order)
but names the file it came from.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlparse

from mlgate.config import Dataset
from mlgate.data.checks import MAX_CLASSES, ClassCounts, NullFractions, RowCount
from mlgate.data.result import MAX_RECORD_COLUMNS, MAX_SAMPLES, Failure, json_value
from mlgate.data.schema import LoadedSchema
from mlgate.data.validate import Outcome, _require_columns, describe
from mlgate.errors import BadInput

# A pandas dtype (as pandera's pandas engine names it) → the Spark SQL type that holds the same values.
SPARK_TYPES = {
    "int64": "bigint", "Int64": "bigint", "int32": "int", "Int32": "int", "int16": "smallint",
    "Int16": "smallint", "int8": "tinyint", "Int8": "tinyint", "float64": "double", "Float64": "double",
    "float32": "float", "Float32": "float", "bool": "boolean", "boolean": "boolean", "str": "string",
    "string": "string", "string[python]": "string", "string[pyarrow]": "string", "category": "string",
    "datetime64[ns]": "timestamp", "date": "date",
}
_SAME = {"timestamp_ntz": "timestamp"}
_ANY_TYPE = ("object", "None")


@dataclass
class Rule:
    """A condition a row can fail: the failure it adds to, the Spark condition (true on a failing row),
    and the value shown first in a sample (the value as checked)."""

    failure: Failure
    failing: Any  # a pyspark Column
    shown: Any  # a pyspark Column
    reported: bool = False  # pandera's verdict: failed (kept even when no row is counted)


def column(name: str) -> Any:
    """A top-level column by its exact name (dots and backticks in a name are not paths)."""
    from pyspark.sql import functions as F

    return F.col("`" + name.replace("`", "``") + "`")


def validate_frame(frame: Any, dataset: Dataset, where: str, rel: str, schemas: Sequence[LoadedSchema],
                   *, root_uri: str = "") -> Outcome:
    """Validate a Spark DataFrame (already read and normalized, see read.py) as `validate_file` does."""
    from pyspark.sql import functions as F

    checks = dataset.checks
    keys = [((k,) if isinstance(k, str) else tuple(k)) for k in checks.unique]
    keys += [key for schema in schemas for key in schema.unique if key not in keys]
    _require_columns(frame, dataset, where, rel, keys)  # the same message as pandas: a check cannot run

    failures: list[Failure] = []
    rules: list[Rule] = []
    for schema in schemas:
        if schema.source == f"{where}.checks":  # mlgate's own column checks: computed, not by pandera
            static, planned = plan(schema.schema, frame, schema.source)
        else:
            static, planned = pandera_verdict(schema, frame)
        failures += static
        rules += planned
    nulls = NullFractions(checks.max_null_fraction)
    nulls.start(frame.columns)
    null_rules = {name: Rule(Failure("max_null_fraction", name, ""), column(name).isNull(), column(name))
                  for name in nulls.columns}

    counted = [rule.failing for rule in rules] + [rule.failing for rule in null_rules.values()]
    totals = frame.agg(F.count(F.lit(1)).alias("rows"),
                       *[F.sum(F.when(c, 1).otherwise(0)).alias(f"c{i}") for i, c in enumerate(counted)]
                       ).first()
    rows = int(totals["rows"])
    counts = [int(totals[f"c{i}"] or 0) for i in range(len(counted))]
    for rule, count in zip(rules, counts, strict=False):
        rule.failure.failing_rows = count
        if count:
            rule.failure.samples = samples(frame, rule, root_uri)
    for name, count in zip(null_rules, counts[len(rules):], strict=True):
        nulls.nulls[name] = count

    failures += [rule.failure for rule in rules if rule.failure.failing_rows or rule.reported]
    for failure in failures:
        if not failure.message:
            failure.message = _message(failure)
    failures += RowCount(checks.rows).finish(rows)
    for failure in nulls.finish(rows):
        failure.samples = samples(frame, null_rules[str(failure.column)], root_uri)
        failures.append(failure)
    if checks.class_balance:
        failures += class_balance(frame, ClassCounts(checks.class_balance))
    for key in keys:
        failures += duplicates(frame, key)
    return Outcome(rows, failures)


def _message(failure: Failure) -> str:
    """pandas' sentence for the failure; examples are the failing values (a Spark sample has no row)."""
    shown = failure.samples
    failure.samples = []
    text = describe(failure)
    failure.samples = shown
    values = [repr(s.get(failure.column or "value")) for s in shown[:3]]
    return text + (f" (e.g. {', '.join(values)})" if values else "")


# --- the schema's rules --------------------------------------------------------------------------------


def spark_type(dtype: Any, name: str, source: str) -> str | None:
    """The Spark SQL type a pandera (pandas) dtype asks for; None for any type; BadInput if Spark has none."""
    if dtype is None or str(dtype) in _ANY_TYPE:
        return None
    found = SPARK_TYPES.get(str(dtype))
    if found is None:
        raise BadInput(
            f"{source}: column {name}: type {dtype} has no Spark equivalent",
            f"with engine: spark the types are checked as Spark types ({', '.join(sorted(SPARK_TYPES))})",
            "use one of those types, or engine: pandas for this dataset", file=source,
        )
    return found


def plan(schema: Any, frame: Any, source: str) -> tuple[list[Failure], list[Rule]]:
    """What a pandas DataFrameSchema asks of a Spark frame: failures known from the frame's columns and
    types alone, and one rule per condition a row can fail (counted later, in one aggregation)."""
    from pyspark.sql import functions as F

    types = {f.name: f.dataType.simpleString() for f in frame.schema.fields}
    static: list[Failure] = []
    rules: list[Rule] = []
    for key, spec in schema.columns.items():
        name = str(key)
        if name not in types:
            if getattr(spec, "required", True):
                static.append(Failure("column_in_dataframe", name, ""))
            continue
        value = column(name)
        expected = spark_type(spec.dtype, name, source)
        if expected is not None and _SAME.get(types[name], types[name]) != expected:
            label = str(spec.dtype)
            if not spec.coerce:  # checks cannot run on a column of the wrong type: the type failure says it
                if types[name] == "string":  # pandas' object column: pandera fails it value by value
                    rules.append(Rule(Failure(f"dtype('{label}')", name, ""), column(name).isNotNull(),
                                      column(name)))
                else:
                    static.append(Failure(f"dtype('{label}')", name, "", details={"first_case": types[name]}))
                continue
            value = F.expr(f"try_cast(`{name.replace('`', '``')}` AS {expected})")
            uncast = column(name).isNotNull() & value.isNull()  # as pandas: these fail the type check too
            rules.append(Rule(Failure(f"coerce_dtype('{label}')", name, ""), uncast, column(name)))
            rules.append(Rule(Failure(f"dtype('{label}')", name, ""), uncast, column(name)))
        if not spec.nullable:
            rules.append(Rule(Failure("not_nullable", name, ""), column(name).isNull(), column(name)))
        for check in spec.checks:
            failing = check_failing(check, value)
            label = check_label(check)
            if failing is None:
                static.append(Failure(label, name, f"check {label} on column {name} has no Spark form in "
                                                   "mlgate: its failing rows are not counted"))
            else:
                rules.append(Rule(Failure(label, name, ""), value.isNotNull() & failing, value))
    if schema.strict is True:
        for name in types:
            if name not in {str(k) for k in schema.columns}:
                static.append(Failure("column_in_schema", name, ""))
    return static, rules


def check_label(check: Any) -> str:
    """The check's name as pandera reports it (`greater_than_or_equal_to(0)`, `isin(['a', 'b'])`)."""
    return str(check.error) if check.error else str(check.name)


def check_failing(check: Any, value: Any) -> Any:
    """The Spark condition true on a row that fails a pandera built-in check (as pandera's PySpark backend
    tests it); None for a check without a Spark form here (a custom check)."""
    from pyspark.sql import functions as F

    stats = dict(check.statistics or {})
    name = check.name
    if name == "greater_than_or_equal_to":
        return value < stats["min_value"]
    if name == "greater_than":
        return value <= stats["min_value"]
    if name == "less_than_or_equal_to":
        return value > stats["max_value"]
    if name == "less_than":
        return value >= stats["max_value"]
    if name == "equal_to":
        return value != stats["value"]
    if name == "not_equal_to":
        return value == stats["value"]
    if name == "in_range":
        low = value >= stats["min_value"] if stats.get("include_min", True) else value > stats["min_value"]
        high = value <= stats["max_value"] if stats.get("include_max", True) else value < stats["max_value"]
        return ~(low & high)
    if name == "isin":
        return ~value.isin(list(stats["allowed_values"]))
    if name == "notin":
        return value.isin(list(stats["forbidden_values"]))
    if name == "str_matches":
        pattern = str(getattr(stats["pattern"], "pattern", stats["pattern"]))
        return ~value.rlike(pattern if pattern.startswith("^") else f"^{pattern}")
    if name == "str_contains":
        return ~value.rlike(getattr(stats["pattern"], "pattern", stats["pattern"]))
    if name == "str_startswith":
        return ~value.startswith(stats["string"])
    if name == "str_endswith":
        return ~value.endswith(stats["string"])
    if name == "str_length":
        length = F.length(value)
        if stats.get("exact_value") is not None:
            return length != stats["exact_value"]
        low, high = stats.get("min_value"), stats.get("max_value")
        too_short = length < low if low is not None else F.lit(False)
        too_long = length > high if high is not None else F.lit(False)
        return too_short | too_long
    return None


# --- pandera's PySpark backend ---------------------------------------------------------------------------


def pandera_verdict(loaded: LoadedSchema, frame: Any) -> tuple[list[Failure], list[Rule]]:
    """Validate with pandera's PySpark backend; keep the failures and rules of the checks it reports."""
    from pandera.config import ValidationDepth, config_context
    from pandera.errors import SchemaDefinitionError, SchemaInitError

    static, rules = plan(loaded.schema, frame, loaded.source)
    try:
        schema = to_pyspark(loaded.schema, frame, loaded.source)
        with config_context(validation_depth=ValidationDepth.SCHEMA_AND_DATA):
            validated = schema.validate(frame)
    except (SchemaDefinitionError, SchemaInitError) as exc:
        raise BadInput(f"schema {loaded.source} cannot be applied by pandera's PySpark backend",
                       str(exc).strip().splitlines()[0][:500] if str(exc).strip() else type(exc).__name__,
                       "fix the schema, or use engine: pandas for this dataset", file=loaded.source) from exc
    reported = reported_errors(validated.pandera.errors)
    wrong_type = {f.column for f in static + [r.failure for r in rules] if f.check.startswith("dtype(")}
    kept: list[Failure] = []
    for failure in static:
        kind = "dtype" if failure.check.startswith("dtype(") else failure.check
        if (kind, failure.column) in reported:
            reported.pop((kind, failure.column))
            kept.append(failure)
    kept_rules = []
    for rule in rules:
        kind = "dtype" if rule.failure.check.startswith("dtype(") else rule.failure.check
        key = (kind, rule.failure.column)
        if key in reported:
            reported.pop(key)
            rule.reported = True
            kept_rules.append(rule)
    for (check, name), error in reported.items():  # what mlgate cannot count: reported as pandera says it
        if name in wrong_type:
            continue
        kept.append(Failure(check, name, f"check {check} failed on column {name}: {error}"[:500]))
    return kept, kept_rules


def reported_errors(errors: dict[str, Any]) -> dict[tuple[str, str | None], str]:
    """(check, column) → pandera's message, from the PySpark backend's error report; a wrong type is
    keyed `dtype` (pandera names Spark's type, mlgate the schema's)."""
    found: dict[tuple[str, str | None], str] = {}
    for category in errors.values():
        for reason, items in category.items():
            for item in items:
                check = "dtype" if reason == "WRONG_DATATYPE" else str(item.get("check"))
                name = item.get("column")
                found.setdefault((check, None if name is None else str(name)), str(item.get("error", "")))
    return found


def to_pyspark(schema: Any, frame: Any, source: str) -> Any:
    """The pandas DataFrameSchema as pandera's PySpark schema: the same checks, Spark's types."""
    import pandera.pyspark as ps
    import pyspark.sql.types as T

    classes = {"bigint": T.LongType, "int": T.IntegerType, "smallint": T.ShortType, "tinyint": T.ByteType,
               "double": T.DoubleType, "float": T.FloatType, "boolean": T.BooleanType,
               "string": T.StringType, "timestamp": T.TimestampType, "date": T.DateType}
    types = {f.name: f.dataType for f in frame.schema.fields}
    columns = {}
    for key, spec in schema.columns.items():
        name = str(key)
        expected = spark_type(spec.dtype, name, source)
        dtype: Any = classes[expected]() if expected else None
        if expected == "timestamp" and name in types and types[name].simpleString() == "timestamp_ntz":
            dtype = types[name]
        columns[name] = ps.Column(dtype, checks=list(spec.checks), nullable=spec.nullable, coerce=spec.coerce,
                                  required=getattr(spec, "required", True), name=name)
    return ps.DataFrameSchema(columns, checks=list(schema.checks or []), strict=schema.strict,
                              coerce=schema.coerce, name=schema.name)


# --- counted over the whole dataset --------------------------------------------------------------------


def samples(frame: Any, rule: Rule, root_uri: str = "") -> list[dict[str, Any]]:
    """Up to MAX_SAMPLES failing rows: the checked value first, the row's other columns, and its file."""
    from pyspark.sql import functions as F

    name = rule.failure.column or "value"
    others = [c for c in frame.columns if c != name][: MAX_RECORD_COLUMNS - 1]
    shown = [column(c).alias(f"__c{i}") for i, c in enumerate(others)]
    picked = (frame.where(rule.failing)
              .select(rule.shown.alias("__mlgate_value"), *shown, F.input_file_name().alias("__mlgate_file"))
              .limit(MAX_SAMPLES).collect())
    found = []
    for row in picked:
        sample = {name: json_value(row["__mlgate_value"])}
        sample.update({c: json_value(row[f"__c{i}"]) for i, c in enumerate(others)})
        sample["file"] = short_file(row["__mlgate_file"], root_uri)
        found.append(sample)
    return found


def short_file(uri: str, root_uri: str) -> str:
    """A sample's file: relative to the repository for a local file, else the URI."""
    if root_uri and uri.startswith(root_uri):
        return unquote(uri[len(root_uri):].lstrip("/"))
    parsed = urlparse(uri)
    return unquote(parsed.path) if parsed.scheme == "file" else uri


def class_balance(frame: Any, counts: ClassCounts) -> list[Failure]:
    """Rows per class of the label column: one group-by; the driver receives the classes only."""
    name = counts.spec.column
    grouped = frame.where(column(name).isNotNull()).groupBy(column(name).alias("label")).count()
    found = grouped.limit(MAX_CLASSES + 1).collect()
    for row in found:
        counts.counts[json_value(row["label"])] += int(row["count"])
    if len(found) > MAX_CLASSES:  # too many to be a label: the message says how many
        return [Failure("class_balance", name, f"column {name} has {grouped.count():,} classes: "
                        "is it really a label column?", details={"classes": grouped.count()})]
    return counts.finish()


def duplicates(frame: Any, key: Iterable[str]) -> list[Failure]:
    """Rows that repeat a value of the key (nulls skipped), counted as on pandas: every occurrence after
    the first. Samples are repeated values with how often they occur."""
    from pyspark.sql import functions as F

    names = list(key)
    present = frame
    for name in names:
        present = present.where(column(name).isNotNull())
    repeated = (present.groupBy(*[column(n).alias(f"__k{i}") for i, n in enumerate(names)]).count()
                .where(F.col("count") > 1))
    extra = repeated.agg(F.sum(F.col("count") - 1).alias("extra")).first()
    count = int(extra["extra"] or 0) if extra is not None else 0
    if not count:
        return []
    label = ", ".join(names)
    failure = Failure("unique", label, (
        f"{count:,} {'row repeats' if count == 1 else 'rows repeat'} a value of {label} seen earlier in the "
        "dataset (it must be unique)"), count)
    for row in repeated.limit(MAX_SAMPLES).collect():
        failure.add_sample({**{n: json_value(row[f"__k{i}"]) for i, n in enumerate(names)},
                            "occurrences": int(row["count"])})
    return [failure]
