"""`mlgate.yaml` → frozen pydantic models, built once.

A wrong config names the file, the field and what is allowed, and exits 2 (BadInput).
Environment variables the user already has win over the file (`MLFLOW_TRACKING_URI`).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from mlgate.errors import BadInput

DEFAULT_CONFIG = "mlgate.yaml"
DEFAULT_OUT = ".mlgate"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)


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


class Baseline(_Frozen):
    metrics: str | None = None
    alias: str | None = None
    run_id: str | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> Baseline:
        given = [k for k in ("metrics", "alias", "run_id") if getattr(self, k)]
        if len(given) != 1:
            raise ValueError("give exactly one of metrics (a file), alias, or run_id")
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
    train: TrainSettings | None = None
    report: ReportSettings = Field(default_factory=ReportSettings)

    # Where the file was read from; paths in the config are relative to its folder.
    root: Path = Field(default=Path("."), exclude=True)

    @model_validator(mode="after")
    def _primary_is_gated(self) -> Config:
        primary = self.framing.primary_metric
        if primary and self.metrics and primary not in self.metrics:
            raise ValueError(
                f"framing.primary_metric {primary!r} is not one of the gated metrics "
                f"({', '.join(sorted(self.metrics))})"
            )
        return self

    def resolve(self, relative: str) -> Path:
        """A path from the config, made absolute against the config's folder."""
        path = Path(relative)
        return path if path.is_absolute() else self.root / path

    def primary_metric(self) -> str | None:
        return self.framing.primary_metric or next(iter(self.metrics), None)


def load_config(path: Path) -> Config:
    """Read and validate a config file. Every failure is a BadInput naming the file and the field."""
    if not path.is_file():
        raise BadInput(
            f"config file {path} not found",
            "mlgate reads its settings from mlgate.yaml at the repository root",
            "create mlgate.yaml (see the README's config reference) or pass --config PATH",
            file=str(path),
        )
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise BadInput(f"{path} is not valid YAML", str(exc), "fix the YAML syntax", file=str(path)) from exc
    if not isinstance(raw, Mapping):
        raise BadInput(
            f"{path} must be a mapping of settings", f"got {type(raw).__name__}", "see the config reference",
            file=str(path),
        )
    return parse_config(dict(raw), source=str(path), root=path.resolve().parent)


def parse_config(raw: Mapping[str, Any], *, source: str, root: Path) -> Config:
    """Validate already-parsed settings."""
    try:
        return Config.model_validate({**raw, "root": root})
    except ValidationError as exc:
        raise BadInput(
            f"{source}: invalid config",
            _describe(exc),
            "fix the fields named above (see the README's config reference)",
            file=source,
        ) from exc


def _describe(exc: ValidationError) -> str:
    parts = []
    for error in exc.errors():
        field = ".".join(str(p) for p in error["loc"]) or "(top level)"
        message = error["msg"]
        if error["type"] == "extra_forbidden":
            message = "unknown field (check the spelling)"
        elif error["type"] == "missing":
            message = "required field is missing"
        parts.append(f"{field}: {message}")
    return "; ".join(parts)


def tracking_uri(config: Config | None, out: Path, override: str | None = None) -> str:
    """The MLflow tracking URI: --tracking-uri, else MLFLOW_TRACKING_URI, else the config, else SQLite.

    The embedded SQLite store is `.mlgate/mlflow.db` beside the config file (not under `--out`), so every
    stage finds the same store whatever work directory it uses.
    """
    if override:
        return override
    env = os.environ.get("MLFLOW_TRACKING_URI")
    if env:
        return env
    if config is not None and config.tracking_uri:
        return config.tracking_uri
    folder = config.root / DEFAULT_OUT if config is not None else out
    folder.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{(folder / 'mlflow.db').resolve()}"
