"""The MLflow edge: production/baseline lookup, runs, registration, aliases, history.

Everything mlflow-specific stays here; the rest of mlgate receives plain values (gate.model.Side, dicts).
mlflow is imported lazily: importing this module does not import mlflow.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Literal, TypeVar
from urllib.parse import urlsplit, urlunsplit

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
    """A tracking URI fit to print: user, password and token query values removed."""
    try:
        parts = urlsplit(uri)
    except ValueError:
        return "<unparseable tracking URI>"
    netloc = parts.netloc
    if "@" in netloc:
        netloc = "***@" + netloc.rsplit("@", 1)[1]
    query = re.sub(r"(?i)((?:token|password|secret|key)[^=&]*=)[^&]*", r"\1***", parts.query)
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def connect(tracking_uri: str) -> MlflowClient:
    """An MlflowClient for the URI, with brief HTTP retries unless the user configured their own."""
    for name, value in _HTTP_DEFAULTS.items():
        os.environ.setdefault(name, value)
    from mlflow.tracking import MlflowClient

    return MlflowClient(tracking_uri=tracking_uri, registry_uri=tracking_uri)


@contextmanager
def service(tracking_uri: str, doing: str) -> Iterator[None]:
    """Turn MLflow and network failures into a ServiceError (exit 3) naming the redacted URI."""
    from mlflow.exceptions import MlflowException

    try:
        yield
    except (BadInput, ServiceError):
        raise
    except MlflowException as exc:
        raise ServiceError(
            f"MLflow failed while {doing} at {redact(tracking_uri)}",
            _first_line(str(exc)),
            "check that the tracking server is running and reachable, and MLFLOW_TRACKING_URI is right",
        ) from exc
    except (OSError, ConnectionError) as exc:
        raise ServiceError(
            f"cannot reach the MLflow tracking server at {redact(tracking_uri)} while {doing}",
            _first_line(str(exc)),
            "check that the tracking server is running and reachable, and MLFLOW_TRACKING_URI is right",
        ) from exc


def call(tracking_uri: str, doing: str, func: Callable[[], T]) -> T:
    """Run one MLflow call under `service`."""
    with service(tracking_uri, doing):
        return func()


def _first_line(text: str) -> str:
    line = text.strip().splitlines()[0] if text.strip() else ""
    return line[:300]


def is_not_found(exc: BaseException) -> bool:
    """True for MLflow's RESOURCE_DOES_NOT_EXIST / INVALID_PARAMETER_VALUE on a missing alias or run."""
    code = getattr(exc, "error_code", "")
    return code in {"RESOURCE_DOES_NOT_EXIST", "INVALID_PARAMETER_VALUE", "NOT_FOUND"}


# --- lookup: production, baseline, candidate, history (compare, report) -----------------------------


def run_url(tracking_uri: str, experiment_id: str, run_id: str) -> str | None:
    """A link to the run in the MLflow web UI, when the tracking store is a server that has one."""
    if not tracking_uri.startswith(("http://", "https://")):
        return None
    return f"{redact(tracking_uri).rstrip('/')}/#/experiments/{experiment_id}/runs/{run_id}"


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
            versions = list(client.search_model_versions(f"name='{_quote(model)}'"))
    except ServiceError as exc:
        if isinstance(exc.__cause__, MlflowException) and is_not_found(exc.__cause__):
            return []
        raise
    shipped = [v for v in versions if "mlgate.promoted_at" in (v.tags or {}) or alias in (v.aliases or [])]
    shipped.sort(key=lambda v: int(v.version))
    points = []
    for version in shipped[-limit:] if limit else []:
        value = None
        if version.run_id:
            with service(tracking_uri, f"reading the run of {model} version {version.version}"):
                value = _get_run(client, version.run_id).data.metrics.get(metric)
        points.append({
            "version": str(version.version), "run_id": version.run_id, "value": value,
            "created_at": int(version.creation_timestamp or 0), "aliases": list(version.aliases or []),
        })
    return points


def _quote(value: str) -> str:
    return value.replace("'", "\\'")


# --- runs, registration, aliases, promotion (train, reproduce, promote) -----------------------------
