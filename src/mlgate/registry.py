"""The MLflow edge: production/baseline lookup, runs, registration, aliases, history.

Everything mlflow-specific stays here; the rest of mlgate receives plain values (gate.model.Side, dicts).
mlflow is imported lazily: importing this module does not import mlflow.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from mlgate.documents import mlflow_run_url
from mlgate.errors import BadInput, ServiceError
from mlgate.gate.model import Side

Role = Literal["candidate", "production", "baseline"]

if TYPE_CHECKING:
    from mlflow.tracking import MlflowClient

T = TypeVar("T")

# An unreachable server is retried briefly, not for the minutes mlflow's defaults allow.
_HTTP_DEFAULTS = {
    "MLFLOW_HTTP_REQUEST_MAX_RETRIES": "2",
    "MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR": "1",
    "MLFLOW_HTTP_REQUEST_BACKOFF_JITTER": "0",
    "MLFLOW_HTTP_REQUEST_TIMEOUT": "10",
}


def redact(uri: str) -> str:
    """A tracking URI fit to print: user, password and token-like query values removed, the rest as given."""
    return scrub(uri)


def connect(tracking_uri: str) -> MlflowClient:
    """An MlflowClient for the URI, with brief HTTP retries unless the user configured their own."""
    for name, value in _HTTP_DEFAULTS.items():
        os.environ.setdefault(name, value)
    from mlflow.exceptions import MlflowException
    from mlflow.tracking import MlflowClient

    try:
        return MlflowClient(tracking_uri=tracking_uri, registry_uri=tracking_uri)
    except MlflowException as exc:  # an unsupported scheme fails here, before any request
        raise BadInput(
            f"cannot use the MLflow tracking URI {redact(tracking_uri)}",
            _first_line(scrub(str(exc))),
            "use an http(s)://, sqlite:///, postgresql://, mysql:// or databricks URI in --tracking-uri, "
            "MLFLOW_TRACKING_URI or tracking_uri in mlgate.yaml",
        ) from exc


@contextmanager
def service(tracking_uri: str, doing: str) -> Iterator[None]:
    """Turn MLflow and network failures into a ServiceError (exit 3) naming the redacted URI."""
    from mlflow.exceptions import MlflowException

    try:
        yield
    except (BadInput, ServiceError):
        raise
    except (MlflowException, OSError, ConnectionError) as exc:
        text = str(exc)
        unreachable = not isinstance(exc, MlflowException) or any(m in text for m in _UNREACHABLE)
        what = (f"cannot reach the MLflow tracking server at {redact(tracking_uri)} while {doing}"
                if unreachable else f"MLflow failed while {doing} at {redact(tracking_uri)}")
        raise ServiceError(
            what,
            _cause(scrub(text)),
            "check that the tracking server is running and reachable, and MLFLOW_TRACKING_URI is right",
        ) from exc


_UNREACHABLE = ("Max retries exceeded", "Connection refused", "Failed to establish", "timed out")
# The low-level reasons buried in urllib3's long messages, as a person would say them.
_CAUSES = {
    "Connection refused": "connection refused (nothing listens on that host and port)",
    "Name or service not known": "the host name does not resolve",
    "Temporary failure in name resolution": "the host name does not resolve",
    "No route to host": "no route to the host",
    "timed out": "the connection timed out",
    "CERTIFICATE_VERIFY_FAILED": "the server's TLS certificate was not trusted",
}


def _cause(text: str) -> str:
    """The reason a person needs from mlflow's message: a known low-level cause, else its first line."""
    found = [words for marker, words in _CAUSES.items() if marker in text]
    if found:
        return found[0]
    return _first_line(text)


def scrub(text: str) -> str:
    """Remove credentials from any URL inside a message (mlflow's errors repeat the full URI)."""
    text = re.sub(r"(?<=//)[^/@\s]+@", "***@", text)
    return re.sub(r"(?i)((?:token|password|secret|key)[^=&\s]*=)[^&\s]*", r"\1***", text)


def call(tracking_uri: str, doing: str, func: Callable[[], T]) -> T:
    """Run one MLflow call under `service`."""
    with service(tracking_uri, doing):
        return func()


def _first_line(text: str) -> str:
    line = text.strip().splitlines()[0] if text.strip() else ""
    return line if len(line) <= 300 else line[:300].rsplit(" ", 1)[0] + " …"


def is_not_found(exc: BaseException) -> bool:
    """True for MLflow's RESOURCE_DOES_NOT_EXIST / INVALID_PARAMETER_VALUE on a missing alias or run."""
    code = getattr(exc, "error_code", "")
    return code in {"RESOURCE_DOES_NOT_EXIST", "INVALID_PARAMETER_VALUE", "NOT_FOUND"}


# --- lookup: production, baseline, candidate, history (compare, report) -----------------------------


def run_url(tracking_uri: str, experiment_id: str, run_id: str) -> str | None:
    """A link to the run in the MLflow web UI, when the tracking store is a server that has one."""
    if not tracking_uri.startswith(("http://", "https://")):
        return None
    return mlflow_run_url(redact(tracking_uri), experiment_id, run_id)


def run_side(client: MlflowClient, tracking_uri: str, run_id: str, role: Role) -> Side:
    """A run's metrics and params as one side of the comparison; a missing run is BadInput."""
    from mlflow.exceptions import MlflowException

    try:
        with service(tracking_uri, f"reading run {run_id}"):
            run = _get_run(client, run_id)
    except ServiceError as exc:
        if isinstance(exc.__cause__, MlflowException) and is_not_found(exc.__cause__):
            raise BadInput(
                f"MLflow run {run_id!r} not found at {redact(tracking_uri)}",
                "the run id is wrong, or the run lives in another tracking store",
                "check the run id (mlflow runs list) and MLFLOW_TRACKING_URI",
            ) from exc
        raise
    return _side_from_run(run, tracking_uri, role, source=f"MLflow run {run_id}")


def _get_run(client: MlflowClient, run_id: str) -> Any:
    return client.get_run(run_id)


def _side_from_run(
    run: Any, tracking_uri: str, role: Role, *, source: str, version: str | None = None
) -> Side:
    return Side(
        role=role,
        source=source,
        metrics=dict(run.data.metrics),
        params={str(k): str(v) for k, v in run.data.params.items()},
        run_id=run.info.run_id,
        version=version,
        url=run_url(tracking_uri, run.info.experiment_id, run.info.run_id),
    )


def alias_side(client: MlflowClient, tracking_uri: str, model: str, alias: str, role: Role) -> Side | None:
    """The model version behind `model@alias` and its run's metrics; None when the alias is not set."""
    from mlflow.exceptions import MlflowException

    try:
        with service(tracking_uri, f"looking up {model}@{alias}"):
            found = client.get_model_version_by_alias(model, alias)
    except ServiceError as exc:
        if isinstance(exc.__cause__, MlflowException) and is_not_found(exc.__cause__):
            return None
        raise
    source = f"{model}@{alias} (version {found.version})"
    if not found.run_id:
        return Side(role=role, source=source, metrics={}, version=str(found.version))
    with service(tracking_uri, f"reading the run of {model} version {found.version}"):
        run = _get_run(client, found.run_id)
    return _side_from_run(run, tracking_uri, role, source=source, version=str(found.version))


def version_for_run(client: MlflowClient, tracking_uri: str, model: str, run_id: str) -> str | None:
    """The newest version of `model` registered from `run_id`, if any."""
    with service(tracking_uri, f"finding the version of {model} from run {run_id}"):
        versions = client.search_model_versions(f"name='{_quote(model)}' and run_id='{_quote(run_id)}'")
    numbers = sorted((int(v.version) for v in versions), reverse=True)
    return str(numbers[0]) if numbers else None


def set_version_tags(client: MlflowClient, tracking_uri: str, model: str, version: str,
                     tags: dict[str, str]) -> None:
    """Write tags on a model version (e.g. the verdict, read later by promote)."""
    with service(tracking_uri, f"tagging {model} version {version}"):
        for key, value in tags.items():
            client.set_model_version_tag(model, version, key, value)


def history(client: MlflowClient, tracking_uri: str, model: str, metric: str, alias: str,
            limit: int) -> list[dict[str, Any]]:
    """The metric over the last versions that were in production (promoted, or holding the alias now)."""
    from mlflow.exceptions import MlflowException

    try:
        with service(tracking_uri, f"reading the versions of {model}"):
            aliases: dict[str, Any] = dict(client.get_registered_model(model).aliases or {})
            versions = list(client.search_model_versions(f"name='{_quote(model)}'"))
    except ServiceError as exc:
        if isinstance(exc.__cause__, MlflowException) and is_not_found(exc.__cause__):
            return []
        raise
    by_version: dict[str, list[str]] = {}
    for name, number in aliases.items():
        by_version.setdefault(str(number), []).append(name)
    current = str(aliases.get(alias, ""))
    shipped = [v for v in versions if "mlgate.promoted_at" in (v.tags or {}) or str(v.version) == current]
    shipped.sort(key=lambda v: int(v.version))
    points = []
    for version in shipped[-limit:] if limit else []:
        value = None
        if version.run_id:
            with service(tracking_uri, f"reading the run of {model} version {version.version}"):
                value = _get_run(client, version.run_id).data.metrics.get(metric)
        points.append({
            "version": str(version.version), "run_id": version.run_id, "value": value,
            "created_at": int(version.creation_timestamp or 0),
            "aliases": sorted(by_version.get(str(version.version), [])),
        })
    return points


def _quote(value: str) -> str:
    return value.replace("'", "\\'")


# --- runs, registration, aliases, promotion (train, reproduce, promote) -----------------------------

LINEAGE_ARTIFACT = "mlgate/lineage.json"


@dataclass(frozen=True)
class VersionInfo:
    """A registered model version as plain values."""

    name: str
    version: str
    run_id: str | None
    tags: dict[str, str]
    aliases: tuple[str, ...]


def _version_info(found: Any) -> VersionInfo:
    return VersionInfo(name=str(found.name), version=str(found.version), run_id=found.run_id or None,
                       tags={str(k): str(v) for k, v in (found.tags or {}).items()},
                       aliases=tuple(found.aliases or ()))


def sqlite_path(tracking_uri: str) -> Path | None:
    """The database file of a `sqlite:` tracking URI (`sqlite:////abs/x.db`, `sqlite:///rel.db`)."""
    if not tracking_uri.startswith("sqlite:///"):
        return None
    rest = tracking_uri[len("sqlite:///"):].split("?", 1)[0]
    return Path(rest).resolve() if rest else None


def ensure_experiment(client: MlflowClient, tracking_uri: str, name: str) -> str:
    """The experiment's id, created when missing; with SQLite its artifacts go next to the database."""
    with service(tracking_uri, f"finding experiment {name!r}"):
        found = client.get_experiment_by_name(name)
        if found is not None:
            if found.lifecycle_stage == "deleted":
                client.restore_experiment(found.experiment_id)
            return str(found.experiment_id)
        db = sqlite_path(tracking_uri)
        location = None
        if db is not None:
            safe = re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._") or "experiment"
            location = (db.parent / "mlartifacts" / safe).as_uri()
        return str(client.create_experiment(name, artifact_location=location))


def start_run(client: MlflowClient, tracking_uri: str, experiment_id: str, run_name: str,
              tags: dict[str, str]) -> tuple[str, str]:
    """Create a run; (run_id, artifact_uri)."""
    with service(tracking_uri, "creating the training run"):
        run = client.create_run(experiment_id, tags=tags, run_name=run_name)
    return str(run.info.run_id), str(run.info.artifact_uri)


def log_run(client: MlflowClient, tracking_uri: str, run_id: str, *, params: dict[str, str],
            metrics: dict[str, float], tags: dict[str, str]) -> None:
    """Log params, metrics and tags in batches (MLflow takes at most 100 params and 1000 metrics a call)."""
    import time

    from mlflow.entities import Metric, Param, RunTag

    now = int(time.time() * 1000)
    with service(tracking_uri, f"logging to run {run_id}"):
        # A script inside the container may have logged params into this run already (MLFLOW_RUN_ID):
        # MLflow refuses to change a param's value, so those keep the script's value.
        logged = client.get_run(run_id).data.params if params else {}
        items = [Param(k, v[:6000]) for k, v in params.items() if k not in logged]
        for start in range(0, len(items), 100):
            client.log_batch(run_id, params=items[start:start + 100])
        values = [Metric(k, v, now, 0) for k, v in metrics.items()]
        for start in range(0, len(values), 1000):
            client.log_batch(run_id, metrics=values[start:start + 1000])
        labels = [RunTag(k, v) for k, v in tags.items()]
        for start in range(0, len(labels), 100):
            client.log_batch(run_id, tags=labels[start:start + 100])


def log_artifact(client: MlflowClient, tracking_uri: str, run_id: str, local: Path,
                 artifact_path: str | None = None) -> None:
    """Upload a file, or a directory's content, to the run's artifacts."""
    with service(tracking_uri, f"uploading {local.name} to run {run_id}"):
        if local.is_dir():
            client.log_artifacts(run_id, str(local), artifact_path)
        else:
            client.log_artifact(run_id, str(local), artifact_path)


def finish_run(client: MlflowClient, tracking_uri: str, run_id: str, status: str) -> None:
    """End the run as FINISHED, FAILED or KILLED."""
    with service(tracking_uri, f"ending run {run_id}"):
        client.set_terminated(run_id, status)


def register_version(client: MlflowClient, tracking_uri: str, name: str, *, source: str, run_id: str,
                     tags: dict[str, str], alias: str) -> str:
    """A new version of `name` (created when missing) from the run's model artifacts, with `alias`."""
    from mlflow.exceptions import MlflowException

    with service(tracking_uri, f"registering a version of {name}"):
        try:
            client.create_registered_model(name)
        except MlflowException as exc:
            if getattr(exc, "error_code", "") != "RESOURCE_ALREADY_EXISTS":
                raise
        created = client.create_model_version(name, source=source, run_id=run_id, tags=tags)
        version = str(created.version)
        client.set_registered_model_alias(name, alias, version)
    return version


def _not_found(exc: ServiceError) -> bool:
    from mlflow.exceptions import MlflowException

    return isinstance(exc.__cause__, MlflowException) and is_not_found(exc.__cause__)


def run_lineage(client: MlflowClient, tracking_uri: str, run_id: str) -> dict[str, Any]:
    """The lineage.json `mlgate train` logged with the run; BadInput when the run or the file is missing."""
    import json
    import tempfile

    fix = "pass the run id `mlgate train` printed (lineage.json: run.run_id), and check MLFLOW_TRACKING_URI"
    missing = BadInput(f"MLflow run {run_id!r} at {redact(tracking_uri)} has no mlgate lineage "
                       f"({LINEAGE_ARTIFACT})", "only runs made by `mlgate train` record their pins", fix)
    try:
        with service(tracking_uri, f"reading run {run_id}"):
            client.get_run(run_id)
    except ServiceError as exc:
        if _not_found(exc):
            raise BadInput(f"MLflow run {run_id!r} not found at {redact(tracking_uri)}",
                           "no run has this id in this tracking store", fix) from exc
        raise
    os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")
    with tempfile.TemporaryDirectory(prefix="mlgate-lineage-") as folder:
        try:
            with service(tracking_uri, f"downloading the lineage of run {run_id}"):
                local = client.download_artifacts(run_id, LINEAGE_ARTIFACT, folder)
            data = json.loads(Path(local).read_text(encoding="utf-8"))
        except (ServiceError, ValueError) as exc:
            raise missing from exc
    if not isinstance(data, dict):
        raise missing
    return data


def get_version(client: MlflowClient, tracking_uri: str, name: str, version: str) -> VersionInfo:
    """One model version; BadInput when it does not exist."""
    try:
        with service(tracking_uri, f"reading {name} version {version}"):
            found = client.get_model_version(name, version)
    except ServiceError as exc:
        if _not_found(exc):
            raise BadInput(f"{name} version {version} not found at {redact(tracking_uri)}",
                           "no such version is registered",
                           "check --version and MLFLOW_TRACKING_URI") from exc
        raise
    return _version_info(found)


def version_by_alias(client: MlflowClient, tracking_uri: str, name: str, alias: str) -> VersionInfo | None:
    """The version behind `name@alias`, or None when the alias (or the model) does not exist."""
    try:
        with service(tracking_uri, f"looking up {name}@{alias}"):
            found = client.get_model_version_by_alias(name, alias)
    except ServiceError as exc:
        if _not_found(exc):
            return None
        raise
    return _version_info(found)


def versions_tagged(client: MlflowClient, tracking_uri: str, name: str, tag: str,
                    value: str) -> list[VersionInfo]:
    """Versions of `name` whose tag equals value, newest first."""
    query = f"name='{_quote(name)}' and tags.`{tag}` = '{_quote(value)}'"
    with service(tracking_uri, f"searching versions of {name} by {tag}"):
        found = list(client.search_model_versions(query))
    return sorted((_version_info(v) for v in found), key=lambda v: int(v.version), reverse=True)


def set_alias(client: MlflowClient, tracking_uri: str, name: str, alias: str, version: str) -> None:
    with service(tracking_uri, f"pointing {name}@{alias} at version {version}"):
        client.set_registered_model_alias(name, alias, version)
