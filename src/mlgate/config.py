"""`mlgate.yaml` → frozen pydantic models, built once.

A wrong config names the file, the field and what is allowed, and exits 2 (BadInput).
Environment variables the user already has win over the file (`MLFLOW_TRACKING_URI`).
"""

from __future__ import annotations

import difflib
import types
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal, Union, get_args, get_origin

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    field_validator,
    model_validator,
)

from mlgate import safepath
from mlgate.errors import BadInput
from mlgate.parse import read_yaml

DEFAULT_CONFIG = "mlgate.yaml"
DEFAULT_OUT = ".mlgate"


class _Frozen(BaseModel):
    # allow_inf_nan=False: `min: .nan` would silently disable a check, `beat_baseline_by: .nan` always fail it
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True, allow_inf_nan=False)


class ModelSettings(_Frozen):
    name: str = Field(min_length=1)
    production_alias: str = "production"
    candidate_alias: str = "candidate"
    previous_alias: str = "previous-production"


class Framing(_Frozen):
    decision: str = ""
    primary_metric: str | None = None


class MetricPolicy(_Frozen):
    direction: Literal["maximize", "minimize"]
    max_regression: float | None = Field(default=None, ge=0)
    max_regression_pct: float | None = Field(default=None, ge=0)
    min: float | None = None
    max: float | None = None
    beat_baseline_by: float | None = None
    severity: Literal["fail", "warn"] = "fail"
    # same-data comparison (the `evaluate:` section): how a slice's decision counts, and a user function
    # `module:function` (y_true, y_pred or score) -> float computing this metric from the predictions
    slice_severity: Literal["fail", "warn"] = "warn"
    function: str | None = Field(default=None, pattern=r"^[A-Za-z_][\w.]*:[A-Za-z_]\w*$")


class Baseline(_Frozen):
    metrics: str | None = None
    alias: str | None = None
    run_id: str | None = None
    constant: bool = False  # the best constant prediction, scored by mlgate on the evaluation rows

    @model_validator(mode="after")
    def _exactly_one(self) -> Baseline:
        given = [k for k in ("metrics", "alias", "run_id", "constant") if getattr(self, k)]
        if len(given) != 1:
            raise ValueError("give exactly one of metrics (a file), alias, run_id, or constant: true")
        return self


# --- data (mlgate validate) -------------------------------------------------------------------------


class ColumnCheck(_Frozen):
    dtype: str | None = Field(default=None, alias="type")
    min: float | None = None
    max: float | None = None
    allowed: list[Any] | None = None
    nullable: bool = True
    required: bool = True


class ClassBalance(_Frozen):
    column: str
    min_fraction: float | None = Field(default=None, ge=0, le=1)
    max_ratio: float | None = Field(default=None, ge=1)


class RowBounds(_Frozen):
    min: int | None = Field(default=None, ge=0)
    max: int | None = Field(default=None, ge=0)


class DataChecks(_Frozen):
    columns: dict[str, ColumnCheck] = Field(default_factory=dict)
    max_null_fraction: dict[str, float] = Field(default_factory=dict)
    class_balance: ClassBalance | None = None
    rows: RowBounds | None = None
    unique: list[str | list[str]] = Field(default_factory=list)  # a column, or columns unique together

    @field_validator("max_null_fraction")
    @classmethod
    def _fractions(cls, value: dict[str, float]) -> dict[str, float]:
        for column, fraction in value.items():
            if not 0 <= fraction <= 1:
                raise ValueError(f"{column}: a fraction between 0 and 1 is allowed, got {fraction}")
        return value


class Dataset(_Frozen):
    path: str = Field(min_length=1)
    schema_path: str | None = Field(default=None, alias="schema")
    checks: DataChecks = Field(default_factory=DataChecks)
    format: Literal["auto", "csv", "parquet", "jsonl"] = "auto"
    delimiter: str = ","
    chunk_rows: int = Field(default=200_000, gt=0)
    header: bool = True  # CSV: whether the first row names the columns
    names: list[str] | None = None  # the column names, in order, of a CSV file without a header row

    # pandas: the chunked reader on this machine; spark: read and checked by Spark (the `spark:` section)
    engine: Literal["pandas", "spark"] = "pandas"


    @field_validator("names")
    @classmethod
    def _distinct_names(cls, value: list[str] | None) -> list[str] | None:
        seen: set[str] = set()
        for name in value or ():
            if not name:
                raise ValueError("a column name cannot be empty")
            if name in seen:
                raise ValueError(f"{name!r} is named twice: column names must be distinct")
            seen.add(name)
        return value

    @model_validator(mode="after")
    def _header_and_names(self) -> Dataset:
        if self.names is not None and self.header:
            raise ValueError("names: is for files without a header row: add `header: false`, or drop names:")
        if not self.header and self.format in ("parquet", "jsonl"):
            raise ValueError(f"header: false is for CSV files; a {self.format} file names its columns itself")
        if not self.header and not (self.names or self.schema_path or self.checks.columns):
            raise ValueError("header: false needs the column names: list them in order under `names:`, "
                             "or give a `schema:` (or `checks.columns`) whose columns are in file order")
        return self


class SparkSettings(_Frozen):
    """Where datasets with `engine: spark` are validated: a Spark master URL and Spark settings."""

    master: str | None = None  # None: SPARK_MASTER, else what spark-submit set, else local[*]
    conf: dict[str, str | int | float | bool] = Field(default_factory=dict)


# --- train (mlgate train / reproduce / promote) -----------------------------------------------------


class TrainSettings(_Frozen):
    image: str | None = None
    command: str = Field(min_length=1)
    runtime: Literal["auto", "docker", "podman", "local"] = "auto"
    params: str | None = None
    seed: int | None = None
    metrics: str = "metrics.json"
    model: str = "model/"
    lockfile: str | None = None
    runtime_args: list[str] = Field(default_factory=list)
    allow_unpinned: bool = False
    deps: list[str] = Field(default_factory=list)
    env: dict[str, str] = Field(default_factory=dict)
    experiment: str | None = None
    # `none`: the command logs to a throwaway store; `pass`: it gets the registry's URI and credentials
    tracking_credentials: Literal["none", "pass"] = "none"


# --- evaluate (mlgate evaluate: the same-data, paired comparison) -------------------------------------


class EvaluateSettings(_Frozen):
    """A fixed evaluation file both models are scored on, and how the paired comparison decides."""

    data: str = Field(min_length=1)
    label: str = Field(min_length=1)
    id: str | None = None  # a row id shown for flips; default: the row number
    predictions: str = "predictions.csv"  # what `command` writes (CSV or Parquet)
    command: str = Field(min_length=1)  # scores $MLGATE_MODEL on $MLGATE_EVAL_DATA into $MLGATE_PREDICTIONS
    task: Literal["binary", "multiclass", "regression"]
    confidence: float = Field(default=0.95, gt=0.5, lt=1)
    resamples: int = Field(default=2000, ge=100, le=100_000)
    seed: int = 0
    inconclusive: Literal["warn", "fail", "pass"] = "warn"
    slices: list[str] = Field(default_factory=list)
    min_slice_rows: int = Field(default=50, ge=1)
    max_harmful_flip_pct: float | None = Field(default=None, ge=0, le=100)
    on_production_error: Literal["fail", "logged"] = "fail"
    positive_class: str | int | None = None  # binary: the class `score` is the probability of; default 1


# --- monitor (mlgate monitor: drift and live performance of production) ------------------------------


class FeatureThresholds(_Frozen):
    """Drift thresholds of one feature (or of all, under `monitor.default`): effect sizes, not p-values."""

    psi_warn: float = Field(default=0.1, ge=0)
    psi_fail: float = Field(default=0.25, ge=0)
    js_warn: float | None = Field(default=None, ge=0, le=1)
    js_fail: float | None = Field(default=None, ge=0, le=1)
    unseen_warn: float | None = Field(default=None, ge=0, le=1)  # share of values never seen in the reference
    unseen_fail: float | None = Field(default=None, ge=0, le=1)
    # the change of the null share (of the rows), up or down: 5 points warn, 20 fail (null to switch off)
    null_change_warn: float | None = Field(default=0.05, ge=0, le=1)
    null_change_fail: float | None = Field(default=0.2, ge=0, le=1)
    ignore: bool = False


class MonitorSettings(_Frozen):
    default: FeatureThresholds = Field(default_factory=FeatureThresholds)
    features: dict[str, FeatureThresholds] = Field(default_factory=dict)
    min_rows: int = Field(default=500, ge=1)
    bins: int = Field(default=10, ge=2, le=100)  # histogram bins of a numeric column in a profile
    top_categories: int = Field(default=50, ge=1, le=1000)  # category frequencies kept; the rest is "other"
    retrain_workflow: str | None = None  # a workflow file dispatched (workflow_dispatch) when monitor fails
    retrain_ref: str | None = None  # the ref it is dispatched on; default: the repository's default branch
    labels: list[str] = Field(default_factory=lambda: ["mlgate", "drift"])


# --- report -----------------------------------------------------------------------------------------


class ReportSettings(_Frozen):
    template: str | None = None
    history: int = Field(default=10, ge=0, le=100)


class Config(_Frozen):
    model: ModelSettings
    framing: Framing = Field(default_factory=Framing)
    tracking_uri: str | None = None
    metrics: dict[str, MetricPolicy] = Field(default_factory=dict)
    baseline: Baseline | None = None
    data: list[Dataset] = Field(default_factory=list)
    spark: SparkSettings = Field(default_factory=SparkSettings)
    train: TrainSettings | None = None
    evaluate: EvaluateSettings | None = None
    monitor: MonitorSettings = Field(default_factory=MonitorSettings)
    report: ReportSettings = Field(default_factory=ReportSettings)

    # Where the file was read from; paths in the config are relative to its folder.
    root: Path = Field(default=Path("."), exclude=True)
    # The base commit whose rules this config carries (mlgate.rules); None: its own. Never read from a file.
    _rules_commit: str | None = PrivateAttr(default=None)
    # the base commit's baseline metrics file, copied under --out by mlgate (mlgate.rules): mlgate's own file
    _baseline_file: Path | None = PrivateAttr(default=None)
    # folders of files mlgate wrote itself (monitor's live batch under --out): read as they are, not confined
    _own: tuple[Path, ...] = PrivateAttr(default=())

    @model_validator(mode="after")
    def _primary_is_gated(self) -> Config:
        primary = self.framing.primary_metric
        if primary and self.metrics and primary not in self.metrics:
            raise ValueError(
                f"framing.primary_metric {primary!r} is not one of the gated metrics "
                f"({', '.join(sorted(self.metrics))})"
            )
        return self

    def resolve(self, relative: str, key: str = "a path in mlgate.yaml") -> Path:
        """A path from the config, made absolute against the config's folder; BadInput (exit 2) when it
        leads outside the repository, lexically or through a symlink (checked again at every use: the
        training command may have made a link since the config was read)."""
        path = Path(relative)
        path = path if path.is_absolute() else self.root / path
        if any(path == own or own in path.parents for own in self._own):
            return path  # a file mlgate wrote itself (with_own_files)
        return safepath.inside(path, safepath.repository(self.root), key, relative)

    def with_own_files(self, folder: Path) -> Config:
        """A copy that reads paths under `folder` as they are: files mlgate wrote there itself (the monitor's
        labelled batch under --out), which is the workflow's choice and may lie outside the repository."""
        copy = self.model_copy()
        copy._own = (*self._own, folder.resolve())
        return copy

    def paths(self) -> list[tuple[str, str]]:
        """Every path-typed setting, as (key, the path as written): each must stay inside the repository.
        A dataset given as a URL (`s3://…`, read by Spark) is no local path."""
        found: list[tuple[str, str | None]] = []
        for i, dataset in enumerate(self.data):
            if "://" not in dataset.path:
                found.append((f"data[{i}].path", dataset.path))
            if dataset.schema_path:
                found.append((f"data[{i}].schema", _file_part(dataset.schema_path)))
        if self.baseline:
            found.append(("baseline.metrics", self.baseline.metrics))
        if self.train:
            train = self.train
            found += [("train.params", train.params), ("train.metrics", train.metrics),
                      ("train.model", train.model), ("train.lockfile", train.lockfile)]
            found += [(f"train.deps[{i}]", dep) for i, dep in enumerate(train.deps)]
        if self.evaluate:
            found += [("evaluate.data", self.evaluate.data),
                      ("evaluate.predictions", self.evaluate.predictions)]
        found.append(("report.template", self.report.template))
        return [(key, value) for key, value in found if value]

    def check_paths(self) -> None:
        """Refuse (BadInput, exit 2, naming the key and the path) any path setting leading outside the
        repository (the git work tree holding mlgate.yaml, else its folder)."""
        for key, value in self.paths():
            self.resolve(value, key)

    def with_rules_commit(self, commit: str | None) -> Config:
        """A copy that says its rules are those of mlgate.yaml at the base `commit` (see mlgate.rules)."""
        copy = self.model_copy()
        copy._rules_commit = commit
        return copy

    @property
    def rules_commit(self) -> str | None:
        return self._rules_commit

    def with_baseline_file(self, path: Path) -> Config:
        """A copy whose baseline metrics are read from `path`: the base commit's file, which mlgate wrote."""
        copy = self.model_copy()
        copy._baseline_file = path
        return copy

    def baseline_file(self) -> Path | None:
        """The baseline metrics file: the base commit's copy (rules from the base), else baseline.metrics
        resolved inside the repository; None without one."""
        if self._baseline_file is not None:
            return self._baseline_file
        if self.baseline is None or not self.baseline.metrics:
            return None
        return self.resolve(self.baseline.metrics, "baseline.metrics")

    def primary_metric(self) -> str | None:
        return self.framing.primary_metric or next(iter(self.metrics), None)


def load_config(path: Path) -> Config:
    """Read and validate a config file. Every failure is a BadInput naming the file and the field."""
    if not path.is_file():
        raise BadInput(
            f"config file {path} not found",
            "mlgate reads its settings from mlgate.yaml at the repository root",
            "create mlgate.yaml (see docs/config.md) or pass --config PATH",
            file=str(path),
        )
    raw = read_yaml(path, str(path), "fix the YAML syntax at that line")
    if raw is None:
        raise BadInput(f"{path} is empty", "mlgate needs at least the model's name and the gated metrics",
                       "start from the config reference, docs/config.md (model: {name: ...}, metrics: ...)",
                       file=str(path))
    if not isinstance(raw, Mapping):
        raise BadInput(
            f"{path} must be a mapping of settings", f"got {type(raw).__name__}", "see the config reference",
            file=str(path),
        )
    return parse_config(dict(raw), source=str(path), root=path.resolve().parent)


def parse_config(raw: Mapping[str, Any], *, source: str, root: Path) -> Config:
    """Validate already-parsed settings."""
    try:
        config = Config.model_validate({**raw, "root": root})
    except ValidationError as exc:
        raise BadInput(
            f"{source}: invalid config",
            _describe(exc),
            "fix the fields named above (see docs/config.md)",
            file=source,
        ) from exc
    config.check_paths()
    return config


def _file_part(spec: str) -> str:
    """The file of a schema given as `path/to/file.py:Name` (as mlgate.data.schema reads it)."""
    head, sep, _ = spec.rpartition(":")
    return head if sep and head.endswith(".py") else spec


def _describe(exc: ValidationError) -> str:
    parts = []
    for error in exc.errors():
        field = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error["loc"]).lstrip(".")
        message = error["msg"].removeprefix("Value error, ")
        if error["type"] == "extra_forbidden":
            message = _unknown_field(error["loc"])
        elif error["type"] == "missing":
            message = "required field is missing"
        elif error["type"] == "finite_number":
            message = f"should be a finite number, not {error.get('input')!r}"
        elif error["type"] in ("model_type", "dict_type"):
            message = _not_a_block(error["loc"], error.get("input"))
        parts.append(f"{field}: {message}" if field else message)
    return "; ".join(parts)


def _unknown_field(loc: tuple[int | str, ...]) -> str:
    """`unknown field`, with the closest allowed name and every allowed one where the loc points."""
    allowed = _fields_at(loc[:-1])
    if not allowed:
        return "unknown field (check the spelling)"
    close = difflib.get_close_matches(str(loc[-1]), allowed, n=1, cutoff=0.6)
    hint = f"did you mean '{close[0]}'? " if close else ""
    return f"unknown field ({hint}allowed here: {', '.join(allowed)})"


def _not_a_block(loc: tuple[int | str, ...], value: Any) -> str:
    """A scalar or list where a block of settings belongs."""
    allowed = _fields_at(loc)
    fields = f" with {', '.join(allowed)}" if allowed else ""
    return f"should be a mapping{fields} (e.g. `key: value` lines indented below it), not {value!r}"


def _fields_at(loc: tuple[int | str, ...]) -> list[str]:
    """The field names (as written in mlgate.yaml) of the settings block at `loc`, or [] if not a block."""
    node: Any = Config
    for part in loc:
        node = _unwrap(node)
        if isinstance(node, type) and issubclass(node, BaseModel):
            fields = node.model_fields.items()
            node = next((f.annotation for name, f in fields if part in (name, f.alias)), None)
        else:  # a list or dict of blocks: the part is an index or a key
            args = get_args(node)
            node = args[-1] if args else None
    node = _unwrap(node)
    if not (isinstance(node, type) and issubclass(node, BaseModel)):
        return []
    return [f.alias or name for name, f in node.model_fields.items() if not f.exclude]


def _unwrap(node: Any) -> Any:
    """`X | None` → X."""
    if get_origin(node) in (Union, types.UnionType):
        args = [a for a in get_args(node) if a is not type(None)]
        return args[0] if len(args) == 1 else node
    return node


def tracking_uri(config: Config | None, out: Path, override: str | None = None) -> str:
    """The MLflow tracking URI: `override`, else the config, else the embedded SQLite store.

    The CLI passes --tracking-uri as `override`, which click fills from MLGATE_TRACKING_URI, else
    MLFLOW_TRACKING_URI: the user's environment wins over the file. The embedded SQLite store is
    `.mlgate/mlflow.db` beside the config file (not under `--out`), so every stage finds the same
    store whatever work directory it uses.
    """
    if override:
        return override
    if config is not None and config.tracking_uri:
        return config.tracking_uri
    folder = config.root / DEFAULT_OUT if config is not None else out
    folder.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{(folder / 'mlflow.db').resolve()}"
