"""The MLflow edge: production/baseline lookup, runs, registration, aliases, history.

Everything mlflow-specific stays here; the rest of mlgate receives plain values (gate.model.Side, dicts).
mlflow is imported lazily: importing this module does not import mlflow.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

from mlgate.errors import BadInput, ServiceError

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


def _unused(_: Any) -> None:  # keeps Any imported for the sections below
    return None


# --- lookup: production, baseline, candidate, history (compare, report) -----------------------------


# --- runs, registration, aliases, promotion (train, reproduce, promote) -----------------------------
