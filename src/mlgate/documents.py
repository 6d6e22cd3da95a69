"""The work-directory documents and the publish bundle's metadata, as pydantic models.

Every writer and every reader uses these models; a malformed document, or one with an unknown or newer
`schema_version`, is bad input (exit 2) naming the file and the field (`read_document`, `parse_document`).

The models are a closed contract, versioned by `schema_version`: unknown keys are refused
(`extra="forbid"`), types are strict (no "1" for 1), and fields only some documents carry (`error`,
`details`, `dvc`, ...) are left out of the JSON when they are None. A change to the keys is a new
`schema_version`; a reader takes every version up to its own and refuses a newer one, with a message
that names the version rather than a field. No NaN or infinity: the files are strict JSON.
`mlgate.workdir.write_document` writes them.

The JSON Schemas in docs/schemas/ are generated from these models:

    python -m mlgate.documents --write docs/schemas
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal, TypeVar, Union

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    JsonValue,
    SerializerFunctionWrapHandler,
    ValidationError,
    ValidatorFunctionWrapHandler,
    WrapValidator,
    field_validator,
    model_serializer,
)
from pydantic_core import PydanticCustomError

from mlgate import __version__
from mlgate.errors import BadInput
from mlgate.parse import read_json

SCHEMA_VERSION = 1
VERDICT_VERSION = 2  # verdict.json: 2 since the same-data comparison (a reader takes 1 and 2)
REPOSITORY = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]*/(?!\.\.?$)[A-Za-z0-9_.-]+")



def _one_metric_error(value: object, handler: ValidatorFunctionWrapHandler) -> object:
    """One error for a bad metric value, not one per member of the union."""
    try:
        return handler(value)
    except ValidationError:
        message = "Input should be a finite number, a string, a boolean or null"
        raise PydanticCustomError("metric_value", message) from None


# A metric value as the documents hold it: a number, null, or a string ("nan", "inf", or a non-number).
MetricValue = Annotated[Union[float, int, str, bool, None], WrapValidator(_one_metric_error)]  # noqa: UP007
DatasetStatus = Literal["valid", "invalid", "deleted", "skipped", "error"]
# What validation said about the data a model was trained on (lineage.json, the tag mlgate.data.validation):
# passed; failed (training refuses it); forced (failed, trained anyway with --force); not-validated (no
# validation.json in the work directory, or it describes other data).
DataValidationStatus = Literal["passed", "failed", "forced", "not-validated"]


def _require_schema_version(schema: dict[str, Any]) -> None:
    """In the JSON Schema, `schema_version` is required: every file carries it (writers get it by default)."""
    schema["required"] = ["schema_version", *(k for k in schema.get("required", []) if k != "schema_version")]


class Part(BaseModel):
    """A part of a document: strict types, no unknown keys, no NaN or infinity, checked on assignment too."""

    model_config = ConfigDict(extra="forbid", strict=True, validate_assignment=True, allow_inf_nan=False)
    # Fields written only when set: left out of the JSON when None (as mlgate has always written them).
    omit_none: ClassVar[tuple[str, ...]] = ()

    @model_serializer(mode="wrap")
    def _leave_out_unset(self, handler: SerializerFunctionWrapHandler) -> Any:
        data = handler(self)
        if isinstance(data, dict):
            for name in self.omit_none:
                if name in data and data[name] is None:
                    del data[name]
        return data


class Document(Part):
    """A whole work-directory document: it starts with its `schema_version`."""

    model_config = ConfigDict(json_schema_extra=_require_schema_version)
    file_name: ClassVar[str] = ""
    newest: ClassVar[int] = SCHEMA_VERSION  # the newest schema_version of this document mlgate reads

    schema_version: int = Field(default=SCHEMA_VERSION, ge=1, le=SCHEMA_VERSION)


# --- validation.json --------------------------------------------------------------------------------


class DvcRef(Part):
    """Where DVC records a path: its metafile, the tracked output, and whether the workspace matches it."""

    metafile: str
    out: str
    in_sync: bool | None


class DataVersion(Part):
    """A data version: the DVC md5 where DVC tracks the data, else the sha256 of its bytes; for a dataset
    validated by Spark that DVC does not track, the sha256 of its file listing (`file-listing`: each file's
    path, size and modification time, not its content)."""

    omit_none = ("dvc",)

    kind: Literal["dvc-md5", "sha256", "file-listing"]
    value: str
    dvc: DvcRef | None = None


class Failure(Part):
    """One failed check of a data file, with up to 10 failing rows."""

    omit_none = ("details",)

    check: str
    column: str | None
    message: str
    failing_rows: int = Field(ge=0)
    samples: list[dict[str, JsonValue]]
    details: dict[str, JsonValue] | None = None


class DatasetResult(Part):
    """One data file of a declared dataset (a glob may match several)."""

    omit_none = ("error", "note")

    dataset: str
    path: str
    format: str | None
    status: DatasetStatus
    version: DataVersion | None
    rows: int | None
    bytes: int | None
    failures: list[Failure]
    error: str | None = None
    note: str | None = None  # e.g. the workspace differs from what DVC recorded (edited, not `dvc add`ed)


class Validation(Document):
    """validation.json, written by `mlgate validate`."""

    file_name = "validation.json"

    passed: bool
    mode: Literal["changed", "all", "none"]
    base: str | None
    base_sha: str | None
    datasets: list[DatasetResult]


# --- lineage.json -----------------------------------------------------------------------------------


class CodePin(Part):
    """The code pin: the git commit (None outside git), whether the tree differed, the diff's sha256."""

    commit: str | None
    dirty: bool | None
    diff_sha256: str | None


class DataPin(Part):
    """One data path of the data pin, with its version."""

    omit_none = ("validation", "dvc")

    path: str
    version: DataVersion
    bytes: int | None
    rows: int | None
    source: Literal["validation", "computed"]
    validation: DatasetStatus | None = None  # its status in validation.json, when source is validation
    dvc: DvcRef | None = None


class EnvironmentPin(Part):
    """The environment pin: where the command ran, the image and its digest, the lockfile."""

    runtime: str
    image: str | None
    image_digest: str | None
    pinned: bool
    lockfile: str | None
    lockfile_sha256: str | None
    python_version: str | None


class Configuration(Part):
    """The configuration pin: the command, the params (file, sha256, content), the seed, train.env's names."""

    command: str
    metrics_file: str
    params_file: str | None
    params_sha256: str | None
    params: dict[str, JsonValue]
    seed: int | None
    env: list[str]
    # train.tracking_credentials: `pass` when the command got the registry's URI and credentials
    tracking_credentials: Literal["none", "pass"] | None = None
    omit_none: ClassVar[tuple[str, ...]] = ("tracking_credentials",)


class ModelFiles(Part):
    """The model the run wrote: relpath → sha256 of every file, and a sha256 over them all."""

    path: str
    files: dict[str, str]
    sha256: str


class RunRef(Part):
    """The MLflow run (`url` when the tracking store is a server)."""

    run_id: str
    experiment_id: str
    url: str | None


class Registered(Part):
    """The registered model version and the alias it got."""

    name: str
    version: str
    alias: str


class Ci(Part):
    """The CI context of the run: the pull (merge) request, its head, the run's (job's) page; on GitLab also
    the project (CI_PROJECT_PATH) and the pipeline's page."""

    omit_none = ("repository", "pipeline_url")

    pr: int | None
    head_sha: str | None
    run_url: str | None
    repository: str | None = None
    pipeline_url: str | None = None


class Lineage(Document):
    """lineage.json, written by `mlgate train` (also the MLflow artifact mlgate/lineage.json)."""

    file_name = "lineage.json"
    omit_none = ("log_tail", "error", "data_validation")

    status: Literal["running", "succeeded", "failed"]
    reproducible: bool
    not_reproducible_because: list[str]
    code: CodePin
    data: list[DataPin]
    data_validation: DataValidationStatus | None = None  # None: written by an mlgate that did not record it
    environment: EnvironmentPin
    configuration: Configuration
    model: ModelFiles | None
    metrics: dict[str, float]
    run: RunRef | None
    registered: Registered | None
    ci: Ci
    duration_seconds: float | None
    log_tail: list[str] | None = None  # failed: the last lines of the training log
    error: str | None = None  # failed: the message

    @property
    def run_id(self) -> str | None:
        """The MLflow run `mlgate train` recorded (the candidate `mlgate compare` reads by default)."""
        return self.run.run_id if self.run is not None and self.run.run_id else None


# --- verdict.json -----------------------------------------------------------------------------------


class ModelRef(Part):
    """The registered model the verdict is about, and its production alias."""

    name: str
    production_alias: str


class Framing(Part):
    """The decision the model serves and its primary metric (mlgate.yaml's framing)."""

    decision: str
    primary_metric: str | None


class Side(Part):
    """One model compared: where its metrics came from, the metrics and params themselves."""

    role: Literal["candidate", "production", "baseline"]
    source: str
    run_id: str | None
    version: str | None
    url: str | None
    metrics: dict[str, MetricValue]
    params: dict[str, str]


class Interval(Part):
    """A confidence interval on the same evaluation rows: of the difference candidate - production
    (`interval`), or of the candidate's own value (`value_interval`, a first model judged alone)."""

    low: float
    high: float
    confidence: float = Field(gt=0, lt=1)
    method: Literal["bootstrap", "delong", "mcnemar", "asymptotic"]
    n: int = Field(ge=0)
    left_out: int = Field(default=0, ge=0)  # bootstrap resamples left out: empty, or the metric undefined


class MetricResult(Part):
    """The decision for one gated metric (or the row `data`: the validation of the data; the row
    `evaluation`: production could not be re-scored), with reasons. The same-data comparison adds the
    non-inferiority `decision`, the `interval` it rests on, the `rows_to_decide` an inconclusive one, and
    `comparison` (same-data, or logged-metrics for a metric mlgate does not compute from predictions).
    With `evaluate:`, `logged` is the value the training logged (information: no rule reads it), and
    `value_interval` the interval of a candidate's own value judged alone (no production yet)."""

    omit_none = ("decision", "interval", "rows_to_decide", "comparison", "logged", "value_interval",
                 "tolerance", "sensitivity")

    name: str
    direction: Literal["maximize", "minimize"] | None  # None for the row `data`, which is no metric
    severity: Literal["fail", "warn"]
    candidate: MetricValue
    production: MetricValue
    baseline: MetricValue
    delta: float | None
    delta_pct: float | None
    baseline_delta: float | None
    status: Literal["pass", "warn", "fail"]
    reasons: list[str]
    decision: Literal["pass", "fail", "inconclusive"] | None = None
    interval: Interval | None = None
    rows_to_decide: int | None = Field(default=None, ge=0)
    comparison: Literal["same-data", "logged-metrics"] | None = None
    logged: MetricValue = None
    value_interval: Interval | None = None
    tolerance: float | None = Field(default=None, ge=0)
    sensitivity: float | None = Field(default=None, ge=0)


class SliceResult(Part):
    """The rows where `column` == `value`: its metrics decided on the same rows, at slice_severity; a
    slice with fewer than evaluate.min_slice_rows rows is listed, not judged (`status` null, no metrics)."""

    column: str
    value: str
    n: int = Field(ge=0)
    judged: bool
    status: Literal["pass", "warn", "fail"] | None
    metrics: list[MetricResult]


class FlipRow(Part):
    """A harmful flip: production was right on this row, the candidate is wrong."""

    id: str
    label: str
    production: str
    candidate: str


class Flips(Part):
    """Classification: how the rows' correctness changed from production to the candidate."""

    both_right: int = Field(ge=0)
    both_wrong: int = Field(ge=0)
    harmful: int = Field(ge=0)  # production right, candidate wrong
    helpful: int = Field(ge=0)  # production wrong, candidate right
    n: int = Field(ge=0)
    harmful_pct: float = Field(ge=0, le=100)
    max_harmful_flip_pct: float | None
    status: Literal["pass", "warn", "fail"]
    reason: str
    harmful_rows: list[FlipRow]  # at most 10, in row order


class ParamChange(Part):
    """A param whose value differs between the candidate and production."""

    name: str
    candidate: str | None
    production: str | None


class HistoryPoint(Part):
    """The primary metric of one version that was in production."""

    version: str
    run_id: str | None
    value: MetricValue
    created_at: int  # milliseconds since the epoch
    aliases: list[str]


class RuleChange(Part):
    """A rule of mlgate.yaml the pull request changes: its key and both values, as shown."""

    key: str = Field(max_length=500)
    base: str = Field(max_length=2000)
    pr: str = Field(max_length=2000)


class RulesUsed(Part):
    """Which rules judged a pull request (mlgate.rules): the base commit's mlgate.yaml (`base`), or the PR's
    own when the base has none (`pr-first`) or cannot be used (`pr-base-invalid`), and what the PR changes."""

    omit_none = ("note", "problem")

    source: Literal["base", "pr-first", "pr-base-invalid"]
    ref: str | None
    commit: str | None = Field(pattern=r"^[0-9a-f]{40}$")
    path: str | None
    changes: list[RuleChange] = Field(default_factory=list)
    note: str | None = None  # what the report and the log say about them
    problem: str | None = Field(default=None, max_length=500)  # pr-base-invalid: why the base's is not used


class Verdict(Document):
    """verdict.json, written by `mlgate compare`. Version 2 added the same-data comparison (`comparison`,
    `evaluation_data`, `slices`, `flips`, and per metric `decision`, `interval`, `rows_to_decide`,
    `comparison`); a version 1 file reads as a comparison of logged metrics."""

    file_name = "verdict.json"
    omit_none = ("evaluation_data", "flips", "rules")
    newest = VERDICT_VERSION

    schema_version: int = Field(default=VERDICT_VERSION, ge=1, le=VERDICT_VERSION)

    passed: bool
    status: Literal["passed", "warned", "failed"]
    summary: str
    model: ModelRef
    framing: Framing
    primary_metric: str | None
    candidate: Side | None
    production: Side | None
    baseline: Side | None
    notes: list[str]
    metrics: list[MetricResult]
    params_diff: list[ParamChange]
    history: list[HistoryPoint]
    # same-data: candidate and production scored on the same evaluation rows (evaluate:); logged-metrics:
    # each model's logged metrics, possibly on different data (a verdict without these keys is the latter)
    comparison: Literal["same-data", "logged-metrics"] = "logged-metrics"
    evaluation_data: str | None = None
    slices: list[SliceResult] = Field(default_factory=list)
    flips: Flips | None = None
    rules: RulesUsed | None = None  # in a pull request: the rules it was judged by (mlgate.rules)


# --- profile.json -----------------------------------------------------------------------------------


class Histogram(Part):
    """Counts of a numeric column's values in fixed bins: `edges` has one more entry than there are bins;
    `counts` has two more: [below edges[0], bin 1, ..., bin n, above edges[-1]]. Bin i holds
    edges[i-1] <= x < edges[i]; the last bin is closed (it holds edges[-1]). Infinities count below or
    above."""

    edges: list[float] = Field(min_length=2, max_length=101)
    counts: list[int] = Field(min_length=3, max_length=102)


class NumericSummary(Part):
    """A numeric column: exact min, max and mean (of finite values), approximate quantiles, a histogram."""

    min: float | None
    max: float | None
    mean: float | None  # rounded to 12 significant digits, so that chunking does not change it
    quantiles: dict[str, float]  # "p1", "p5", "p25", "p50", "p75", "p95", "p99"
    relative_error: float = Field(ge=0)  # bound of a quantile's error, relative to its value
    non_numeric: int = Field(ge=0)  # text in a numeric column (counted in the column's nulls too)
    histogram: Histogram | None  # None when the column has no finite value (and no reference bins)


class Categories(Part):
    """A categorical column: the most frequent values with their counts; the rest summed in `other`."""

    counts: dict[str, int]  # most frequent first (ties by value); values longer than 200 characters cut
    other: int = Field(ge=0)  # values not listed in counts
    distinct: int | None = Field(ge=0)  # None: more distinct values than distinct_limit (none listed)
    distinct_limit: int = Field(ge=1)


class ColumnProfile(Part):
    """One column: how many values, how many null, and a numeric or a categorical summary."""

    omit_none = ("numeric", "categories")

    kind: Literal["numeric", "categorical"]
    values: int = Field(ge=0)  # non-null values
    nulls: int = Field(ge=0)  # null values (and the rows of files that lack the column)
    numeric: NumericSummary | None = None
    categories: Categories | None = None


class ProfiledFile(Part):
    """One data file the profile read."""

    path: str
    format: Literal["csv", "parquet", "jsonl"]
    rows: int = Field(ge=0)


class Profile(Document):
    """profile.json (the MLflow artifact `mlgate/profile.json`): a summary of data, no raw rows.

    A reference profile (of the training and evaluation data) and a current one (of a batch, made on the
    reference's bins) are what `mlgate monitor` compares."""

    file_name = "profile.json"

    rows: int = Field(ge=0)
    bins: int = Field(ge=1)
    top_categories: int = Field(ge=1)
    reference_bins: bool  # the numeric bins are a reference profile's (else: made from this data)
    files: list[ProfiledFile]
    columns: dict[str, ColumnProfile]
# --- monitor.json -----------------------------------------------------------------------------------

MonitorStatus = Literal["healthy", "warned", "drifted", "degraded", "invalid-data", "not-judged"]
FeatureStatus = Literal["ok", "warn", "fail", "ignored", "not-judged"]


class MonitoredModel(Part):
    """The production model monitored and the reference profile its drift is measured against."""

    name: str
    alias: str
    version: str | None
    run_id: str | None
    reference: str | None  # the reference profile: `runs:/RUN_ID/mlgate/profile.json`


class NewValue(Part):
    """A category value of the batch the reference never listed, and how often it occurs."""

    value: str
    count: int = Field(ge=0)


class MonitoredFeature(Part):
    """One feature's drift between the reference profile and the batch: effect sizes, not p-values."""

    name: str
    kind: Literal["numeric", "categorical"] | None
    status: FeatureStatus
    psi: float | None  # population stability index on the reference's bins (or categories)
    js: float | None  # Jensen-Shannon distance (base 2: 0 same, 1 disjoint)
    unseen_share: float | None  # share of the batch's values never seen in the reference
    null_share_reference: float | None
    null_share_current: float | None
    reasons: list[str]  # the thresholds reached, or why the feature was not judged
    new_values: list[NewValue]  # the most frequent values the reference never listed


class SchemaChanges(Part):
    """Columns of the reference missing from the batch, columns the reference never had, and columns whose
    kind (numeric, categorical) differs."""

    missing: list[str]
    new: list[str]
    changed_kind: list[str]


class FeedCheck(Part):
    """The batch checked with the schema and checks of its `data:` entry: a broken feed is not drift."""

    dataset: str  # the entry's `path:`
    passed: bool
    files: list[DatasetResult]


class LiveMetric(Part):
    """One gated metric of production on the labelled batch, judged against production's own recorded value.

    `current`: computed from production's predictions on the batch; `low`/`high`: the bootstrap interval of
    its value (over the batch's rows); `decision`: ok (the interval's worse bound is within the tolerance of
    `recorded`), fell (the whole interval is beyond it), inconclusive; None when not judged (`reason` says
    why: no recorded value, a metric mlgate cannot compute from predictions, undefined on the batch)."""

    name: str
    direction: Literal["maximize", "minimize"]
    severity: Literal["fail", "warn"]
    recorded: float | None  # production's run's logged metric
    current: float | None
    low: float | None
    high: float | None
    confidence: float = Field(gt=0, lt=1)
    method: Literal["bootstrap"]
    n: int = Field(ge=0)
    decision: Literal["ok", "fell", "inconclusive"] | None
    status: Literal["pass", "warn", "fail", "not-judged"]
    reason: str
    # what `recorded` is: production's value on the evaluation rows (mlgate scored it there, with its
    # interval recorded_low/high; the decision is on the unpaired difference), or the value its run logged
    reference: Literal["evaluation-rows", "logged"] = "logged"
    recorded_low: float | None = None
    recorded_high: float | None = None


class LivePerformance(Part):
    """Production's performance on the batch's labelled rows (`evaluate.label`), scored in its own
    environment. `scored` False: it could not be scored (`error` says why) and no metric is judged."""

    label: str
    rows: int = Field(ge=0)  # labelled rows scored
    unlabelled: int = Field(ge=0)  # rows without a label, left out
    sampled_from: int | None  # the batch's rows when more than mlgate scores: `rows` are a random sample
    scored: bool
    error: str | None
    metrics: list[LiveMetric]


class Monitor(Document):
    """monitor.json, written by `mlgate monitor`."""

    file_name = "monitor.json"

    passed: bool  # False: drift beyond a fail threshold, or a batch its data: entry refuses (exit 1)
    status: MonitorStatus
    summary: str
    model: MonitoredModel
    files: list[str]
    rows: int = Field(ge=0)
    min_rows: int = Field(ge=1)
    features: list[MonitoredFeature]
    schema_changes: SchemaChanges
    feed: FeedCheck | None  # None: no data: entry matches the batch
    notes: list[str]
    live: LivePerformance | None = None  # None: the batch has no label column, or no evaluate: section


# --- reproduce.json ---------------------------------------------------------------------------------


class Reproduction(Document):
    """reproduce.json, written by `mlgate reproduce`: whether the model files came out byte for byte."""

    file_name = "reproduce.json"

    run_id: str
    identical: bool
    changed: list[str]
    missing: list[str]
    extra: list[str]
    metrics: dict[str, float]
    recorded_metrics: dict[str, float]


# --- evaluation.json --------------------------------------------------------------------------------


class EvaluationData(Part):
    """The evaluation file both models were scored on, and its version (the key of the predictions cache)."""

    path: str
    version: DataVersion
    rows: int = Field(ge=0)


class EvaluatedModel(Part):
    """One model's predictions on the evaluation data: where they came from, and where they are.

    `source`: scored (its scoring command ran now: by `mlgate train` for the candidate, by `mlgate evaluate`
    in the model's own environment otherwise), cached (the predictions logged on its run for this data
    version), artifact (the candidate's, downloaded from its run), unavailable (it could not be scored:
    `error` says why, and compare falls back to the logged metrics)."""

    omit_none = ("error", "sha256")

    run_id: str | None
    version: str | None
    source: Literal["scored", "cached", "artifact", "unavailable"]
    file: str | None  # relative to the work directory: predictions/<role>.<ext>; None when unavailable
    error: str | None = None
    sha256: str | None = None  # of the predictions file, when mlgate wrote or checked it (scored, cached)


class Evaluation(Document):
    """evaluation.json, written by `mlgate evaluate`: every model's predictions on the same rows."""

    file_name = "evaluation.json"
    omit_none = ("rules_commit",)

    data: EvaluationData
    task: Literal["binary", "multiclass", "regression"]
    candidate: EvaluatedModel
    production: EvaluatedModel | None  # None: no model holds the production alias yet
    baseline: EvaluatedModel | None  # None: no baseline, or a baseline metrics file (nothing to score)
    # the base commit whose rules chose what to score (mlgate.rules); None: the config's own
    rules_commit: str | None = Field(default=None, pattern=r"^[0-9a-f]{40}$")


# --- the report bundle ------------------------------------------------------------------------------


class BundleMeta(BaseModel):
    """mlgate-bundle.json: what `mlgate publish` posts where, and the sha256 of every file of the bundle."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    schema_version: Literal[1] = 1
    kind: Literal["mlgate-report-bundle"] = "mlgate-report-bundle"
    mlgate_version: str = Field(default=__version__, max_length=40)
    repository: str = Field(max_length=200)
    pr_number: int | None = Field(default=None, gt=0, lt=10**9)
    head_sha: str = Field(pattern=r"^[0-9a-f]{40}$")
    model: str = Field(min_length=1, max_length=200, pattern=r"^[^\x00-\x1f\x7f]+$")
    decision: str = Field(default="", max_length=2000)
    primary_metric: str | None = Field(default=None, max_length=200)
    tracking_url: str | None = Field(default=None, max_length=500, pattern=r"^https?://\S+$")
    files: dict[str, str] = Field(default_factory=dict)  # name -> sha256 of its bytes

    @field_validator("repository")
    @classmethod
    def _owner_name(cls, value: str) -> str:
        if not REPOSITORY.fullmatch(value):
            raise ValueError("must be owner/name")
        return value


def mlflow_run_url(server: str, experiment_id: str, run_id: str) -> str:
    """A run's page in the MLflow web UI of `server` (an http(s) address without credentials)."""
    return f"{server.rstrip('/')}/#/experiments/{experiment_id}/runs/{run_id}"


# --- reading ----------------------------------------------------------------------------------------

D = TypeVar("D", bound=BaseModel)
RERUN = "re-run the stage that writes it, with the same mlgate version"
MAX_ERRORS = 5
MAX_NAME = 80
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")


def one_line(text: object, limit: int = MAX_NAME) -> str:
    """Text from a file (a key, a message) on one line without control characters, cut at `limit`."""
    flat = _CONTROL.sub(" ", str(text)).strip()
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def describe_errors(exc: ValidationError) -> str:
    """Which fields are wrong and why, on one line: `datasets.0.status: Input should be ...; ...`.

    The field names come from the file (unknown keys, metric names): each is kept on one line and cut,
    so a hostile key can neither start a workflow command nor flood the log.
    """
    errors = exc.errors(include_url=False, include_input=False)
    parts = [f"{one_line('.'.join(str(p) for p in error['loc'])) or '(the whole document)'}: "
             f"{one_line(error['msg'], 200)}" for error in errors[:MAX_ERRORS]]
    if len(errors) > MAX_ERRORS:
        parts.append(f"and {len(errors) - MAX_ERRORS} more")
    return "; ".join(parts)


def check_schema_version(data: Mapping[str, Any], source: str, newest: int = SCHEMA_VERSION) -> None:
    """BadInput unless `schema_version` is a version this mlgate reads (1 to `newest`, the document's)."""
    version = data.get("schema_version")
    if type(version) is int and 1 <= version <= newest:
        return
    raise BadInput(
        f"{source} has schema_version {one_line(repr(version))}; this mlgate reads up to {newest}",
        "the file was written by another mlgate version" if type(version) is int and version > 1
        else "a document mlgate writes starts with its schema_version (a whole number from 1)",
        "use the same mlgate version for every stage", file=source)


def read_document(path: Path, model: type[D], fix: str = RERUN) -> D:
    """Read a work-directory document (or a bundle's copy) with its model.

    Missing, not JSON, not an object, a missing or newer `schema_version`, or a field of the wrong type:
    BadInput (exit 2) naming the file, and for a field its path.
    """
    if not path.is_file():
        raise BadInput(f"{path} not found", "an earlier stage writes it",
                       "run that stage first, or pass --out")
    data = read_json(path, str(path), fix)
    return parse_document(data, model, str(path), fix=fix)


def parse_document(data: object, model: type[D], source: str, *, fix: str = RERUN) -> D:
    """Validate a document read from `source` (a file, or what a service returned) with its model.

    Not an object, a `schema_version` that is missing, unknown or newer than this mlgate reads, or a field
    of the wrong type: each is BadInput (exit 2) naming `source` and, for a field, its path.
    """
    if not isinstance(data, Mapping):
        raise BadInput(f"{source} must hold a JSON object", f"got {type(data).__name__}", fix, file=source)
    newest = model.newest if issubclass(model, Document) else SCHEMA_VERSION
    check_schema_version(data, source, newest)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise BadInput(f"{source} is not a valid {getattr(model, 'file_name', '') or model.__name__}",
                       describe_errors(exc), fix, file=source) from exc


# --- JSON Schemas -----------------------------------------------------------------------------------

SCHEMAS: Mapping[str, type[BaseModel]] = {
    "validation": Validation,
    "monitor": Monitor,
    "lineage": Lineage,
    "verdict": Verdict,
    "reproduce": Reproduction,
    "evaluation": Evaluation,
    "profile": Profile,
    "bundle-meta": BundleMeta,
}
REGENERATE = "python -m mlgate.documents --write docs/schemas"


def json_schemas() -> dict[str, str]:
    """`<name>.schema.json` → its text: the JSON Schema (draft 2020-12) of what a reader accepts."""
    texts = {}
    for name, model in SCHEMAS.items():
        schema = {"$schema": "https://json-schema.org/draft/2020-12/schema",
                  "$comment": f"Generated from mlgate.documents.{model.__name__}: {REGENERATE}",
                  **model.model_json_schema(mode="validation")}
        texts[f"{name}.schema.json"] = json.dumps(schema, indent=2, ensure_ascii=False) + "\n"
    return texts


def write_schemas(folder: Path) -> list[Path]:
    """Write every JSON Schema into `folder`; the paths written."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in json_schemas().items():
        path = folder / name
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m mlgate.documents --write DIR`: regenerate the JSON Schemas (docs/schemas/)."""
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 2 or args[0] != "--write":
        print(f"usage: {REGENERATE}", file=sys.stderr)
        return 2
    for path in write_schemas(Path(args[1])):
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
