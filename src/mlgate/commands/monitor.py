"""`mlgate monitor`: profile a batch of production data on the reference's bins, measure drift, and keep
the model's monitoring issue on GitHub up to date.

Exit codes: 0 healthy (or warned, or too few rows to judge) · 1 drift beyond a fail threshold, a gated
metric of production that fell on a labelled batch (live performance, commands/live.py), or a batch
its `data:` entry refuses (a broken feed, not drift) · 2 bad input (no reference profile on production, an
empty batch, an unknown format, an unreadable file; on Spark, `--predictions` that cannot be joined to the
labelled rows: commands/spark_live.py) · 3 MLflow or GitHub failed.
monitor.json and monitor.md are written before anything is posted, so a GitHub failure leaves them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from mlgate.commands.profile import PROFILE_ARTIFACT, PROFILE_TAG, make_profile, match_dataset, profile_uri
from mlgate.config import Config, Dataset, FeatureThresholds
from mlgate.config import tracking_uri as resolve_uri
from mlgate.documents import (
    DatasetResult,
    FeedCheck,
    LivePerformance,
    Monitor,
    MonitoredFeature,
    MonitoredModel,
    MonitorStatus,
    NewValue,
    Profile,
    SchemaChanges,
    parse_document,
)
from mlgate.errors import EXIT_GATE_FAILED, EXIT_PASSED, BadInput, ServiceError
from mlgate.forge import CiContext, Forge, IssueSynced
from mlgate.output import Output, one_line
from mlgate.report.escape import safe_url
from mlgate.workdir import write_document, write_text

if TYPE_CHECKING:
    from mlgate.commands.spark_data import Engine, SparkBatch
    from mlgate.registry import Registry, VersionInfo
    from mlgate.report.monitor import RenderedMonitor

MONITOR = "monitor.json"
NAME_LIMIT = 80  # characters of a column name in messages (monitor.md cuts them the same)
MONITOR_MD = "monitor.md"
CURRENT_PROFILE = "current-profile.json"
ISSUE_STATUS: dict[MonitorStatus, Literal["fail", "warn", "ok"] | None] = {
    "drifted": "fail", "degraded": "fail", "invalid-data": "fail", "warned": "warn", "healthy": "ok",
    "not-judged": None}
DRIFT_STATUS: dict[str, MonitorStatus] = {"fail": "drifted", "warn": "warned", "ok": "healthy",
                                          "not-judged": "not-judged"}
NO_PROFILE_FIX = ("write one for the production run: `mlgate profile --run {run} --data TRAINING_DATA ...` "
                  "(the data it was trained on); models trained by this mlgate log it themselves")


@dataclass(frozen=True)
class Reference:
    version: VersionInfo
    run_id: str
    uri: str
    profile: Profile


def reference_profile(registry: Registry, config: Config) -> Reference:
    """Production's reference profile: the version tag mlgate.profile (set by promote), else its run's
    mlgate/profile.json. BadInput (exit 2) when production or its profile is missing."""
    model = config.model
    version = registry.version_by_alias(model.name, model.production_alias)
    if version is None:
        raise BadInput(f"{model.name}@{model.production_alias} is not set: no production model to monitor",
                       "monitor compares a batch with the production model's reference profile",
                       "promote a model first (`mlgate promote`), or check model.production_alias and "
                       "MLFLOW_TRACKING_URI")
    uri = version.tags.get(PROFILE_TAG) or (profile_uri(version.run_id) if version.run_id else "")
    run_id, _, path = uri.removeprefix("runs:/").partition("/")
    if not uri.startswith("runs:/") or not run_id or not path:
        raise BadInput(f"{model.name} version {version.version} has no reference profile",
                       f"its model-version tag {PROFILE_TAG} is {uri!r}, not runs:/RUN_ID/{PROFILE_ARTIFACT}",
                       NO_PROFILE_FIX.format(run=version.run_id or "RUN_ID"))
    data = registry.run_json(run_id, path, "the reference profile")
    if data is None:
        raise BadInput(f"{model.name} version {version.version} (@{model.production_alias}) has no reference "
                       "profile", f"its run {run_id} has no {path} artifact: it was trained before mlgate "
                       "profiled the training data, or profiling failed", NO_PROFILE_FIX.format(run=run_id))
    profile = parse_document(data, Profile, f"the reference profile {uri}",
                             fix=NO_PROFILE_FIX.format(run=run_id))
    return Reference(version, run_id, uri, profile)


def check_feed(config: Config, files: Sequence[Path], dataset: Dataset) -> FeedCheck:
    """The batch checked with its data: entry's schema and checks (as `mlgate validate` checks a file)."""
    from mlgate.commands.validate import _flat_error
    from mlgate.data.formats import detect_format, sniff
    from mlgate.data.result import ERROR, INVALID, VALID, FileResult
    from mlgate.data.schema import load_schemas
    from mlgate.data.validate import validate_file

    number = config.data.index(dataset)
    where = f"data[{number}]"
    schemas = load_schemas(config, dataset, where)
    results = []
    for path in files:
        rel = _shown(config, path)
        try:
            fmt = detect_format(path, dataset.format)
            sniff(path, fmt, rel)
            outcome = validate_file(path, rel, fmt, dataset, where, schemas)
            results.append(FileResult(dataset=dataset.path, path=rel, format=fmt, rows=outcome.rows,
                                      status=INVALID if outcome.failures else VALID,
                                      failures=outcome.failures))
        except BadInput as exc:
            results.append(FileResult(dataset=dataset.path, path=rel, status=ERROR,
                                      error=_flat_error(exc).message()))
    documents: list[DatasetResult] = [r.to_document() for r in results]
    return FeedCheck(dataset=dataset.path, passed=all(r.status == VALID for r in results), files=documents)


def _shown(config: Config, path: Path) -> str:
    try:
        return path.resolve().relative_to(config.root.resolve()).as_posix()
    except ValueError:
        return str(path)


def judge(config: Config, reference: Profile,
          current: Profile) -> tuple[list[MonitoredFeature], SchemaChanges, MonitorStatus, list[str]]:
    """Per feature drift (monitor/drift.py) as the document records it, the schema changes, the status,
    and notes.

    A column the batch may lack is no schema change: the label (`evaluate.label`: serving data has none),
    the row id (`evaluate.id`: an id is never a feature) and a feature with `ignore: true`; a note says the
    label is absent."""
    from mlgate.monitor.drift import drift

    settings = config.monitor
    row_id = config.evaluate.id if config.evaluate is not None else None
    if row_id is not None and row_id not in settings.features:  # an id is never a feature: not judged
        settings = settings.model_copy(update={"features": {**settings.features,
                                                            row_id: FeatureThresholds(ignore=True)}})
    result = drift(reference, current, settings)
    features = [MonitoredFeature(
        name=f.name, kind=f.kind, status=f.status, psi=f.psi, js=f.js, unseen_share=f.unseen,
        null_share_reference=f.null_reference, null_share_current=f.null_current, reasons=list(f.reasons),
        new_values=[NewValue(value=value, count=count) for value, count in f.new_values])
        for f in result.features]
    label = config.evaluate.label if config.evaluate is not None else None
    ignored = {name for name, limits in config.monitor.features.items() if limits.ignore}
    not_features = {label, row_id} | ignored
    changes = SchemaChanges(missing=[c for c in result.missing if c not in not_features],
                            new=[c for c in result.new if c != row_id],
                            changed_kind=list(result.changed_kind))
    notes = [f"the label column `{label}` is not in the batch: drift only (live performance needs it)"] \
        if label is not None and label in result.missing else []
    # a reference column missing from the batch (or of another kind) is a schema change: a warning here
    # (serving data lacks the label the training data had); a data: entry whose checks require the column
    # makes it a broken feed
    status = DRIFT_STATUS[result.status]
    if status in ("healthy", "not-judged") and (changes.missing or changes.changed_kind):
        status = "warned"
    return features, changes, status, notes


def summary(status: MonitorStatus, features: list[MonitoredFeature], changes: SchemaChanges, rows: int,
            min_rows: int, feed: FeedCheck | None, live: LivePerformance | None = None) -> str:
    failed = [f.name for f in features if f.status == "fail"]
    warned = [f.name for f in features if f.status == "warn"]
    if status == "not-judged" and rows < min_rows:
        return (f"{rows:,} rows: fewer than monitor.min_rows ({min_rows:,}); nothing is judged and nothing "
                "changes on GitHub")
    if status == "invalid-data":
        return (f"the batch fails the checks of its `data:` entry {feed.dataset if feed else ''}: a broken "
                "feed, not drift; fix the feed (drift is not judged on it)")
    parts = []
    fell = [m.reason for m in live.metrics if m.decision == "fell"] if live else []
    if fell:
        parts.append("; ".join(fell[:5]))
    undecided = [m.reason for m in (live.metrics if live else [])
                 if m.status == "warn" and m.decision != "fell"]
    if undecided:
        parts.append("; ".join(undecided[:5]))
    if failed:
        parts.append(f"{len(failed)} feature(s) drifted beyond a fail threshold: {_names(failed)}")
    if warned:
        parts.append(f"{len(warned)} beyond a warn threshold: {_names(warned)}")
    if changes.missing:
        parts.append(f"{len(changes.missing)} reference column(s) missing: {_names(changes.missing)}")
    if changes.changed_kind:
        parts.append(f"{len(changes.changed_kind)} column(s) changed kind: {_names(changes.changed_kind)}")
    if status == "not-judged":
        return "no feature could be judged (see the reasons per feature)"
    if not parts:
        kept = (f"; production's metrics held on {live.rows:,} labelled rows"
                if live and live.scored and any(m.decision == "ok" for m in live.metrics) else "")
        return f"no drift in {len(features)} feature(s) over {rows:,} rows{kept}"
    return "; ".join(parts)


def _name(column: str) -> str:
    """A column name as messages show it (a header-less CSV read as if it had one names columns by a row)."""
    return column if len(column) <= NAME_LIMIT else column[:NAME_LIMIT - 1] + "…"


def _names(columns: Sequence[str]) -> str:
    return ", ".join(_name(c) for c in columns[:10]) + (", …" if len(columns) > 10 else "")


def run_monitor(config: Config, output: Output, github: CiContext, *, data: Sequence[str],
                dataset: str | None, post: bool | None, out: Path, tracking_uri: str | None,
                config_name: str = "mlgate.yaml", forge: Forge | None = None, engine: Engine = "auto",
                spark_master: str | None = None, predictions: Sequence[str] = ()) -> int:
    """The `mlgate monitor` command (see the module docstring for the exit codes)."""
    from mlgate.commands.spark_data import batch_entry, profile_batch
    from mlgate.commands.spark_live import check_option
    from mlgate.data.profile import expand
    from mlgate.registry import Registry

    for name in (MONITOR, MONITOR_MD):  # no older result may pass for this run's
        (out / name).unlink(missing_ok=True)
    named = match_dataset(config, [], dataset) if dataset is not None else None
    on_spark, spark_entry = batch_entry(config, data, named, engine)  # Spark reads it where it lies
    check_option(config, on_spark, predictions)
    files = [] if on_spark else expand(list(data))
    registry = Registry.connect(resolve_uri(config, out, tracking_uri))
    reference = reference_profile(registry, config)
    spark = profile_batch(config, output, data, spark_entry, reference.profile, spark_master) if on_spark \
        else None
    entry = spark_entry if spark is not None else match_dataset(config, files, dataset)
    current = spark.profile if spark is not None else make_profile(config, files, entry,
                                                                   reference=reference.profile)
    shown = list(data) if spark is not None else [_shown(config, f) for f in files]
    write_document(out / CURRENT_PROFILE, current)
    if current.rows == 0:
        raise BadInput("the batch holds no rows", f"{', '.join(shown[:5])}: "
                       "a header alone, or empty files", "pass the files of a batch that has data")
    feed = spark.feed if spark is not None else (check_feed(config, files, entry) if entry is not None
                                                 else None)
    min_rows = config.monitor.min_rows
    features: list[MonitoredFeature] = []
    changes = SchemaChanges(missing=[], new=[], changed_kind=[])
    notes: list[str] = []
    if current.rows < min_rows:
        status: MonitorStatus = "not-judged"
    elif feed is not None and not feed.passed:
        status = "invalid-data"
    else:
        features, changes, status, notes = judge(config, reference.profile, current)
    live, unscored = None, None
    if status not in ("not-judged", "invalid-data"):
        try:
            live, status = _live(config, output, registry, reference, files, entry, current, out, config_name,
                                 status, notes, spark, predictions, spark_master)
        except ServiceError as exc:  # drift is still judged, written and posted; then exit 3
            unscored = exc
            notes.append("live performance not measured: production could not be scored "
                         f"({one_line(exc.what)}); the drift above is judged without it")
    document = Monitor(
        passed=status not in ("drifted", "degraded", "invalid-data"), status=status,
        summary=summary(status, features, changes, current.rows, min_rows, feed, live),
        model=MonitoredModel(name=config.model.name, alias=config.model.production_alias,
                             version=reference.version.version, run_id=reference.run_id,
                             reference=reference.uri),
        files=shown, rows=current.rows, min_rows=min_rows, features=features,
        schema_changes=changes, feed=feed, notes=notes, live=live)
    output.wrote("monitor", write_document(out / MONITOR, document))
    rendered = _render(document, github)
    output.wrote("monitor-md", write_text(out / MONITOR_MD, rendered.text))
    output.summary(rendered.text, rendered.fit_summary(where=str(out / MONITOR_MD)))
    _print(output, document, out)
    output.set_outputs({"status": status, "passed": str(document.passed).lower(), "issue-url": None})
    if post if post is not None else output.actions:
        _post(config, output, github, document, rendered, forge)
    if unscored is not None:
        raise unscored
    return EXIT_PASSED if document.passed else EXIT_GATE_FAILED


def _live(config: Config, output: Output, registry: Registry, reference: Reference, files: Sequence[Path],
          entry: Dataset | None, current: Profile, out: Path, config_name: str, status: MonitorStatus,
          notes: list[str], spark: SparkBatch | None = None, predictions: Sequence[str] = (),
          spark_master: str | None = None) -> tuple[LivePerformance | None, MonitorStatus]:
    """Live performance on a labelled batch, and the status with it: degraded when a metric fell at
    severity fail (over drift too: it is what the model's users feel), warned for a warning. On a batch
    Spark reads, from production's predictions at `predictions` (commands/spark_live.py)."""
    from mlgate.commands.live import live_performance, needs_evaluate_note
    from mlgate.commands.spark_live import missing_note, spark_live_performance

    note = needs_evaluate_note(config, reference.profile, current)
    if note is not None:
        notes.append(note)
    labelled = config.evaluate is not None and config.evaluate.label in current.columns
    if spark is not None and labelled and not predictions:
        notes.append(missing_note(config))
        return None, status
    if spark is not None:
        live = spark_live_performance(config, output, registry, run_id=reference.run_id,
                                      version=reference.version.version, locations=spark.locations,
                                      entry=spark.entry, predictions=predictions, current=current, out=out,
                                      config_name=config_name, master=spark_master)
    else:
        live = live_performance(config, output, registry, run_id=reference.run_id,
                                version=reference.version.version, files=files, entry=entry,
                                reference=reference.profile, current=current, out=out,
                                config_name=config_name)
    if live is None:
        return None, status
    if not live.scored:
        notes.append(f"live performance not measured: {live.error}")
    statuses = {m.status for m in live.metrics}
    if "fail" in statuses:
        return live, "degraded"
    if "warn" in statuses and status == "healthy":
        return live, "warned"
    return live, status


def _render(document: Monitor, github: CiContext) -> RenderedMonitor:
    from mlgate.report.monitor import render_monitor

    return render_monitor(document, safe_url(github.run_url()))


def _print(output: Output, document: Monitor, out: Path) -> None:
    words = {"healthy": "healthy", "warned": "drift below the fail thresholds", "drifted": "DRIFTED",
             "degraded": "DEGRADED (a gated metric fell on the labelled batch)",
             "invalid-data": "INVALID DATA (a broken feed, not drift)", "not-judged": "not judged"}
    output.line(f"mlgate monitor: {config_name(document)}: {words[document.status]}: "
                f"{one_line(document.summary)}")
    for feature in document.features:
        if feature.status in ("warn", "fail"):
            psi = f"psi {feature.psi:.3f}" if feature.psi is not None else "psi —"
            output.line(f"  {feature.status:<4} {one_line(_name(feature.name))}: {psi}; "
                        f"{one_line('; '.join(feature.reasons))}")
    if document.live is not None:
        for metric in document.live.metrics:
            output.line(f"  live {metric.status:<4} {one_line(metric.reason)}")
    for column in document.schema_changes.missing:
        output.line(f"  schema: column {one_line(_name(column))} of the reference is missing from the batch")
    for column in document.schema_changes.new:
        output.line(f"  schema: new column {one_line(_name(column))}")
    if document.feed is not None and not document.feed.passed:
        for result in document.feed.files:
            for failure in result.failures:
                output.line(f"  feed: {one_line(result.path)}: {one_line(failure.message)}")
            if result.error:
                output.line(f"  feed: {one_line(result.path)}: {one_line(result.error)}")
    output.line(f"details in {out / MONITOR} and {out / MONITOR_MD}")


def config_name(document: Monitor) -> str:
    return one_line(document.model.name)


def _post(config: Config, output: Output, github: CiContext, document: Monitor,
          rendered: RenderedMonitor, forge: Forge | None = None) -> None:
    from mlgate.commands.forge import forge_from_env
    from mlgate.github.issue import Wanted, room
    from mlgate.report.monitor import comment

    status = ISSUE_STATUS[document.status]
    if status is None:
        output.line("mlgate monitor: not judged: the monitoring issue is left as it is")
        return
    run_url = safe_url(github.run_url())
    where = f"the job summary of [the workflow run]({run_url}) and its `monitor.md`" if run_url else None
    settings = config.monitor
    body = rendered.body(room(rendered.marker), where)
    want = Wanted(marker=rendered.marker, title=rendered.title, body=body,
                  status=status, labels=tuple(settings.labels),
                  retrain_workflow=(settings.retrain_workflow if document.status in ("drifted", "degraded")
                                    else None),
                  retrain_ref=settings.retrain_ref,
                  change_comment=lambda old, new: comment(old, new, run_url))
    synced = (forge or forge_from_env()).sync_issue(want, output.warn)
    _announce(output, synced)
    if synced.dispatch_error is not None:
        raise synced.dispatch_error


def _announce(output: Output, synced: IssueSynced) -> None:
    output.set_output("issue-url", synced.url)
    said = {"opened": "opened", "updated": "updated", "unchanged": "left unchanged", "closed": "closed",
            "reopened": "reopened"}
    if synced.action == "none":
        output.line("mlgate monitor: no open monitoring issue, and none is needed")
    else:
        output.line(f"mlgate monitor: {said[synced.action]} the monitoring issue {synced.url}")
    if synced.dispatched:
        output.line(f"mlgate monitor: dispatched the retraining workflow {one_line(synced.dispatched)}")
