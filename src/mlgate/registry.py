"""The MLflow edge: a `Registry` — production/baseline lookup, runs, registration, aliases, history.

Everything mlflow-specific stays here; the rest of mlgate receives plain values (gate.model.Side, VersionInfo,
dicts). Only commands/ builds a Registry (`Registry.connect(uri)`) and passes it on.
mlflow is imported lazily: importing this module does not import mlflow.
"""

from __future__ import annotations

import importlib.util
import json
import logging
import os
import re
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TypeVar, overload

from mlgate import safepath
from mlgate.documents import mlflow_run_url
from mlgate.errors import BadInput, ServiceError
from mlgate.gate.model import Side
from mlgate.parse import MAX_JSON_BYTES, read_json
from mlgate.train.recorded import relative_inside

Role = Literal["candidate", "production", "baseline"]

if TYPE_CHECKING:
    from mlflow.tracking import MlflowClient

T = TypeVar("T")

LINEAGE_ARTIFACT = "mlgate/lineage.json"

# An unreachable server is retried briefly, not for the minutes mlflow's defaults allow. The timeout is the
# read's as well as the connect's: a busy server's write can take seconds, and a write that times out is
# retried (or, without retries, leaves a promote holding its lease), so it is not cut short at 10 s.
_HTTP_DEFAULTS = {
    "MLFLOW_HTTP_REQUEST_MAX_RETRIES": "2",
    "MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR": "1",
    "MLFLOW_HTTP_REQUEST_BACKOFF_JITTER": "0",
    "MLFLOW_HTTP_REQUEST_TIMEOUT": "30",
}
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
# A refusal of the credentials (401) or of the user's rights (403): in MLflow's error code, or in the
# message its client writes for a non-JSON answer ("failed with error code 401 != 200").
_UNAUTHENTICATED = frozenset({"UNAUTHENTICATED"})
_DENIED = frozenset({"PERMISSION_DENIED"})
_HTTP_STATUS = re.compile(r"error code (\d{3}) != 200")
_MIGRATION_LOGGERS = ("alembic", "mlflow.store.db.utils")
_CREDENTIALS = ("MLFLOW_TRACKING_USERNAME", "MLFLOW_TRACKING_PASSWORD", "MLFLOW_TRACKING_TOKEN")
# MLflow's error codes for a missing run, version, alias or model.
_NOT_FOUND = frozenset({"RESOURCE_DOES_NOT_EXIST", "INVALID_PARAMETER_VALUE", "NOT_FOUND"})


def redact(uri: str) -> str:
    """A tracking URI fit to print: user, password and token-like query values removed, the rest as given."""
    return scrub(uri)


def scrub(text: str) -> str:
    """Remove credentials from any URL inside a message (mlflow's errors repeat the full URI)."""
    text = re.sub(r"(?<=//)[^/@\s]+@", "***@", text)
    return re.sub(r"(?i)((?:token|password|secret|key)[^=&\s]*=)[^&\s]*", r"\1***", text)


def _cause(text: str) -> str:
    """The reason a person needs from mlflow's message: a known low-level cause, else its first line."""
    return next((words for marker, words in _CAUSES.items() if marker in text), None) or _first_line(text)


def s3_client_missing(doing: str, artifact_uri: str = "") -> BadInput:
    """Artifacts on S3 but no boto3 (MLflow's S3 client): bad input naming the `mlgate[s3]` extra."""
    where = f" at {scrub(artifact_uri)}" if artifact_uri else ""
    return BadInput(f"cannot reach the run's artifacts on S3{where} while {doing}",
                    "MLflow's S3 client (boto3) is not installed; mlgate's base install leaves it out",
                    "install the s3 extra: pip install 'mlgate[s3]' (or uv pip install 'mlgate[s3]')")


def _schema_mismatch(uri: str, exc: Exception) -> ServiceError:
    """The store's tables were migrated by another MLflow version than the one installed here."""
    import mlflow

    return ServiceError(
        f"the MLflow store {redact(uri)} was written by another MLflow version than this environment's "
        f"(mlflow {mlflow.__version__})",
        _first_line(scrub(str(exc))),
        "install the MLflow version that last wrote the store where mlgate runs (a newer store: "
        "pip install -U mlflow-skinny); if this environment's MLflow is the newer one, back the database "
        f"up and run `mlflow db upgrade {redact(uri)}`. Every process that uses one store needs one MLflow",
    )


def _first_line(text: str) -> str:
    line = text.strip().splitlines()[0] if text.strip() else ""
    return line if len(line) <= 300 else line[:300].rsplit(" ", 1)[0] + " …"


def sqlite_path(tracking_uri: str) -> Path | None:
    """The database file of a `sqlite:` tracking URI (`sqlite:////abs/x.db`, `sqlite:///rel.db`)."""
    if not tracking_uri.startswith("sqlite:///"):
        return None
    rest = tracking_uri[len("sqlite:///"):].split("?", 1)[0]
    return Path(rest).resolve() if rest else None


@contextmanager
def _file_lock(path: Path | None) -> Iterator[None]:
    """An exclusive advisory lock on `path` (created if missing); none for None or where fcntl is missing."""
    try:
        import fcntl
    except ImportError:  # Windows: no advisory locks
        yield
        return
    if path is None or not path.parent.is_dir():  # MLflow reports a missing folder itself
        yield
        return
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


_NAME_FIX = {
    "metric": "rename it in the metrics file (train.metrics; a nested key becomes outer.inner): MLflow takes "
              "letters, digits, _ - . : / and spaces, at most 250 characters, no // and no leading / or ..",
    "param": "rename it in the params file (train.params; a nested key becomes outer.inner): MLflow takes "
             "letters, digits, _ - . : / and spaces, at most 250 characters, no // and no leading / or ..",
}


@contextmanager
def _names_checked(kind: Literal["metric", "param"], names: list[str]) -> Iterator[None]:
    """MLflow's INVALID_PARAMETER_VALUE for a batch of names: BadInput naming the name and the rule."""
    from mlflow.exceptions import MlflowException

    try:
        yield
    except MlflowException as exc:
        if getattr(exc, "error_code", "") != "INVALID_PARAMETER_VALUE":
            raise
        text = str(exc)
        named = [n for n in names if json.dumps(n) in text or repr(n) in text]
        named = named or [n for n in names if len(n) > 250]
        shown = (repr(named[0]) if len(named[0]) <= 80 else repr(named[0][:60] + "…")) if named else None
        what = f"MLflow rejects the {kind} {shown}" if shown else f"MLflow rejects a {kind} name of this run"
        raise BadInput(what, _first_line(text.split(" supplied: ", 1)[-1]), _NAME_FIX[kind]) from exc


def _quote(value: str) -> str:
    return value.replace("'", "\\'")


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


class Registry:
    """One MLflow tracking store and model registry (both at `uri`), reached through one client.

    Every call turns MLflow and network failures into a ServiceError (exit 3) naming the redacted URI.
    A read that can miss (a run, a version, an alias, a model) goes through `_lookup`, the one place where
    MLflow's not-found becomes None or a BadInput (exit 2).
    """

    def __init__(self, client: MlflowClient, uri: str) -> None:
        self._client = client
        self._repos: dict[str, Any] = {}  # run id -> the artifact repository of its artifact location
        self.uri = uri  # as given: the training command logs to it; never print it, print `shown`
        self.shown = redact(uri)

    @classmethod
    def connect(cls, uri: str) -> Registry:
        """A Registry for the URI, with brief HTTP retries unless the user configured their own."""
        for name, value in _HTTP_DEFAULTS.items():
            os.environ.setdefault(name, value)
        # MLflow prints "View run ... at: <URI>" (with the URI's user:password@) when a run ends: never
        os.environ["MLFLOW_SUPPRESS_PRINTING_URL_TO_STDOUT"] = "true"
        from mlflow.exceptions import MlflowException
        from mlflow.tracking import MlflowClient

        db = sqlite_path(uri)
        # an older MLflow (3.9) logs its schema check at INFO each time it opens a database store (alembic's
        # "Context impl SQLiteImpl."): lines of the gate's log that are not the gate's
        for name in _MIGRATION_LOGGERS:
            logging.getLogger(name).setLevel(logging.WARNING)
        # MLflow creates an embedded SQLite store's tables when it first opens it (the client's constructor
        # does); two processes doing that at once collide ("table experiments already exists"), so the
        # first use is serialised by a file lock beside the database.
        with _file_lock(db.with_name(db.name + ".lock") if db is not None else None):
            try:
                registry = cls(MlflowClient(tracking_uri=uri, registry_uri=uri), uri)
            except MlflowException as exc:  # an unsupported scheme fails here, before any request
                if "database schema" in str(exc):
                    raise _schema_mismatch(uri, exc) from exc
                raise BadInput(
                    f"cannot use the MLflow tracking URI {redact(uri)}",
                    _first_line(scrub(str(exc))),
                    "use an http(s)://, sqlite:///, postgresql://, mysql:// or databricks URI in "
                    "--tracking-uri, MLFLOW_TRACKING_URI or tracking_uri in mlgate.yaml",
                ) from exc
            if db is not None:
                with registry._service("opening the MLflow store"):  # the model registry's tables too
                    registry._client.search_registered_models(max_results=1)
        return registry

    def __repr__(self) -> str:
        return f"Registry({self.shown!r})"

    # --- failures: a ServiceError for the service, None or BadInput for what is not there -------------

    @contextmanager
    def _service(self, doing: str) -> Iterator[None]:
        """Turn MLflow and network failures into a ServiceError (exit 3) naming the redacted URI."""
        from mlflow.exceptions import MlflowException

        try:
            yield
        except (BadInput, ServiceError):
            raise
        except ModuleNotFoundError as exc:  # MLflow imports boto3 on the first upload to s3://
            if exc.name not in ("boto3", "botocore"):
                raise
            raise s3_client_missing(doing) from exc
        except (MlflowException, OSError, ConnectionError) as exc:
            text = str(exc)
            refused = self._refused(doing, exc) if isinstance(exc, MlflowException) else None
            if refused is not None:
                raise refused from exc
            unreachable = not isinstance(exc, MlflowException) or any(m in text for m in _UNREACHABLE)
            what = (f"cannot reach the MLflow tracking server at {self.shown} while {doing}"
                    if unreachable else f"MLflow failed while {doing} at {self.shown}")
            raise ServiceError(
                what,
                _cause(scrub(text)),
                "check that the tracking server is running and reachable, and MLFLOW_TRACKING_URI is right",
            ) from exc

    def _refused(self, doing: str, exc: Exception) -> ServiceError | None:
        """The error for a server that refused the credentials (401) or the user's rights (403), else None.
        It names which credential variables are set, never their values."""
        code = str(getattr(exc, "error_code", ""))
        found = _HTTP_STATUS.search(str(exc))
        status = int(found.group(1)) if found else None
        given = [name for name in _CREDENTIALS if os.environ.get(name)]
        shown = ", ".join(given) + (" is set" if len(given) == 1 else " are set") if given else (
            "none of MLFLOW_TRACKING_USERNAME/MLFLOW_TRACKING_PASSWORD or MLFLOW_TRACKING_TOKEN is set")
        if code in _UNAUTHENTICATED or status == 401:
            return ServiceError(
                f"authentication failed at the MLflow tracking server {self.shown} while {doing}",
                f"the server answered 401 Unauthorized: it refused the credentials, or needs some ({shown})",
                "set MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD (basic auth) or "
                "MLFLOW_TRACKING_TOKEN (a bearer token) to credentials the server accepts; in GitHub Actions "
                "pass them from secrets in the step's env")
        if code in _DENIED or status == 403:
            return ServiceError(
                f"the MLflow tracking server {self.shown} denied permission while {doing}",
                f"the server answered 403 Permission denied: the user of the credentials ({shown}) lacks the "
                "permission",
                "grant the user EDIT on the experiment and MANAGE on the registered model (promote sets its "
                "aliases), or use credentials of a user who has them")
        return None

    @overload
    def _lookup(self, doing: str, read: Callable[[MlflowClient], T], *, missing: BadInput) -> T: ...

    @overload
    def _lookup(self, doing: str, read: Callable[[MlflowClient], T], *, missing: None = None) -> T | None: ...

    def _lookup(self, doing: str, read: Callable[[MlflowClient], T], *,
                missing: BadInput | None = None) -> T | None:
        """`read(client)`, where MLflow's not-found raises `missing`, or gives None when there is none."""
        from mlflow.exceptions import MlflowException

        with self._service(doing):
            try:
                return read(self._client)
            except MlflowException as exc:
                if getattr(exc, "error_code", "") not in _NOT_FOUND:
                    raise
                if missing is not None:
                    raise missing from exc
                return None

    # --- reads: production, baseline, candidate, history, lineage, versions (compare, promote, reproduce)

    def run_url(self, experiment_id: str, run_id: str) -> str | None:
        """A link to the run in the MLflow web UI, when the tracking store is a server that has one."""
        if not self.uri.startswith(("http://", "https://")):
            return None
        return mlflow_run_url(self.shown, experiment_id, run_id)

    def _run(self, run_id: str, why: str, fix: str) -> Any:
        """The run; BadInput when no run has this id."""
        return self._lookup(f"reading run {run_id}", lambda client: client.get_run(run_id),
                            missing=BadInput(f"MLflow run {run_id!r} not found at {self.shown}", why, fix))

    def run_side(self, run_id: str, role: Role) -> Side:
        """A run's metrics and params as one side of the comparison; a missing run is BadInput."""
        run = self._run(run_id, "the run id is wrong, or the run lives in another tracking store",
                        "check the run id (mlflow runs list) and MLFLOW_TRACKING_URI")
        return self._side(run, role, source=f"MLflow run {run_id}")

    def alias_side(self, model: str, alias: str, role: Role) -> Side | None:
        """The model version behind `model@alias` and its run's metrics; None when the alias is not set."""
        found = self.version_by_alias(model, alias)
        if found is None:
            return None
        source = f"{model}@{alias} (version {found.version})"
        if not found.run_id:
            return Side(role=role, source=source, metrics={}, version=found.version)
        with self._service(f"reading the run of {model} version {found.version}"):
            run = self._client.get_run(found.run_id)
        return self._side(run, role, source=source, version=found.version)

    def _side(self, run: Any, role: Role, *, source: str, version: str | None = None) -> Side:
        return Side(role=role, source=source, metrics=dict(run.data.metrics),
                    params={str(k): str(v) for k, v in run.data.params.items()}, run_id=run.info.run_id,
                    version=version, url=self.run_url(run.info.experiment_id, run.info.run_id))

    def run_tag(self, run_id: str, name: str) -> str | None:
        """One tag of a run (e.g. `mlgate.data.validation`), None when the run does not carry it."""
        run = self._run(run_id, "the run id is wrong, or the run lives in another tracking store",
                        "check the run id (mlflow runs list) and MLFLOW_TRACKING_URI")
        value = run.data.tags.get(name)
        return None if value is None else str(value)

    def version_for_run(self, model: str, run_id: str) -> str | None:
        """The newest version of `model` registered from `run_id`, if any."""
        with self._service(f"finding the version of {model} from run {run_id}"):
            query = f"name='{_quote(model)}' and run_id='{_quote(run_id)}'"
            versions = self._client.search_model_versions(query)
        numbers = sorted((int(v.version) for v in versions), reverse=True)
        return str(numbers[0]) if numbers else None

    def history(self, model: str, metric: str, alias: str, limit: int) -> list[dict[str, Any]]:
        """The metric over the last versions that were in production (promoted, or holding the alias now)."""
        def read(client: MlflowClient) -> tuple[dict[str, Any], list[Any]]:
            return (dict(client.get_registered_model(model).aliases or {}),
                    list(client.search_model_versions(f"name='{_quote(model)}'")))

        found = self._lookup(f"reading the versions of {model}", read)
        if found is None:  # no such model yet
            return []
        aliases, versions = found
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
                with self._service(f"reading the run of {model} version {version.version}"):
                    value = self._client.get_run(version.run_id).data.metrics.get(metric)
            points.append({
                "version": str(version.version), "run_id": version.run_id, "value": value,
                "created_at": int(version.creation_timestamp or 0),
                "aliases": sorted(by_version.get(str(version.version), [])),
            })
        return points

    def run_lineage(self, run_id: str) -> dict[str, Any]:
        """The lineage.json `mlgate train` logged with the run; BadInput if the run or the file is missing.
        Parsed only: the caller checks it (commands/reproduce.recorded_lineage, train/recorded.py)."""
        fix = ("pass the run id `mlgate train` printed (lineage.json: run.run_id), and check "
               "MLFLOW_TRACKING_URI")
        self._run(run_id, "no run has this id in this tracking store", fix)
        missing = BadInput(f"MLflow run {run_id!r} at {self.shown} has no mlgate lineage "
                           f"({LINEAGE_ARTIFACT})", "only runs made by `mlgate train` record their pins", fix)
        with tempfile.TemporaryDirectory(prefix="mlgate-lineage-") as folder:
            try:
                local = self.download_artifact(run_id, LINEAGE_ARTIFACT, Path(folder),
                                               max_bytes=MAX_JSON_BYTES)
            except ServiceError as exc:
                raise missing from exc
            if local is None or not local.is_file():
                raise missing
            data = read_json(local, f"the lineage of MLflow run {run_id} ({LINEAGE_ARTIFACT})",
                             "re-run `mlgate train`; this artifact is written by mlgate",
                             file=LINEAGE_ARTIFACT)
        if not isinstance(data, dict):
            raise missing
        return data

    def get_version(self, name: str, version: str) -> VersionInfo:
        """One model version; BadInput when it does not exist."""
        found = self._lookup(f"reading {name} version {version}",
                             lambda client: client.get_model_version(name, version), missing=BadInput(
                                 f"{name} version {version} not found at {self.shown}",
                                 "no such version is registered", "check --version and MLFLOW_TRACKING_URI"))
        return _version_info(found)

    def version_by_alias(self, name: str, alias: str) -> VersionInfo | None:
        """The version behind `name@alias`, or None when the alias (or the model) does not exist."""
        found = self._lookup(f"looking up {name}@{alias}",
                             lambda client: client.get_model_version_by_alias(name, alias))
        return None if found is None else _version_info(found)

    def versions_tagged(self, name: str, tag: str, value: str) -> list[VersionInfo]:
        """Versions of `name` whose tag equals value, newest first."""
        query = f"name='{_quote(name)}' and tags.`{tag}` = '{_quote(value)}'"
        with self._service(f"searching versions of {name} by {tag}"):
            found = list(self._client.search_model_versions(query))
        return sorted((_version_info(v) for v in found), key=lambda v: int(v.version), reverse=True)

    # --- writes: experiments, runs, artifacts, registration, tags, aliases (train, compare, promote) ----

    def ensure_experiment(self, name: str) -> str:
        """The experiment's id, created when missing; with SQLite its artifacts go next to the database.

        Two trainings may both find it missing: the one whose create loses reads the winner's experiment."""
        from mlflow.exceptions import MlflowException

        with self._service(f"finding experiment {name!r}"):
            found = self._client.get_experiment_by_name(name)
            if found is not None:
                if found.lifecycle_stage == "deleted":
                    self._client.restore_experiment(found.experiment_id)
                return str(found.experiment_id)
            db = sqlite_path(self.uri)
            location = None
            if db is not None:
                safe = re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._") or "experiment"
                location = (db.parent / "mlartifacts" / safe).as_uri()
            try:
                return str(self._client.create_experiment(name, artifact_location=location))
            except MlflowException as exc:
                if getattr(exc, "error_code", "") != "RESOURCE_ALREADY_EXISTS":
                    raise
            found = self._client.get_experiment_by_name(name)  # another training created it meanwhile
            if found is None:
                raise ServiceError(f"MLflow says experiment {name!r} exists at {self.shown} but finds none",
                                   "it may have been deleted for good while this training started",
                                   "re-run the job")
            return str(found.experiment_id)

    def start_run(self, experiment_id: str, run_name: str, tags: dict[str, str]) -> tuple[str, str]:
        """Create a run; (run_id, artifact_uri)."""
        with self._service("creating the training run"):
            run = self._client.create_run(experiment_id, tags=tags, run_name=run_name)
        return str(run.info.run_id), str(run.info.artifact_uri)

    def log_run(self, run_id: str, *, params: dict[str, str], metrics: dict[str, float],
                tags: dict[str, str]) -> None:
        """Log params, metrics and tags in batches (MLflow takes at most 100 params, 1000 metrics a call)."""
        from mlflow.entities import Metric, Param, RunTag

        now = int(time.time() * 1000)
        client = self._client
        with self._service(f"logging to run {run_id}"):
            # A script inside the container may have logged params into this run already (MLFLOW_RUN_ID):
            # MLflow refuses to change a param's value, so those keep the script's value.
            logged = client.get_run(run_id).data.params if params else {}
            items = [Param(k, v[:6000]) for k, v in params.items() if k not in logged]
            for start in range(0, len(items), 100):
                with _names_checked("param", [p.key for p in items[start:start + 100]]):
                    client.log_batch(run_id, params=items[start:start + 100])
            values = [Metric(k, v, now, 0) for k, v in metrics.items()]
            for start in range(0, len(values), 1000):
                with _names_checked("metric", [m.key for m in values[start:start + 1000]]):
                    client.log_batch(run_id, metrics=values[start:start + 1000])
            labels = [RunTag(k, v) for k, v in tags.items()]
            for start in range(0, len(labels), 100):
                client.log_batch(run_id, tags=labels[start:start + 100])

    def log_artifact(self, run_id: str, local: Path, artifact_path: str | None = None) -> None:
        """Upload a file, or a directory's content, to the run's artifacts."""
        safepath.check_tree(local)  # nothing a symlink leads to outside the repository is uploaded
        with self._service(f"uploading {local.name} to run {run_id}"):
            if local.is_dir():
                self._client.log_artifacts(run_id, str(local), artifact_path)
            else:
                self._client.log_artifact(run_id, str(local), artifact_path)

    def finish_run(self, run_id: str, status: str) -> None:
        """End the run as FINISHED, FAILED or KILLED."""
        with self._service(f"ending run {run_id}"):
            self._client.set_terminated(run_id, status)

    def register_version(self, name: str, *, source: str, run_id: str, tags: dict[str, str],
                         alias: str) -> str:
        """A new version of `name` (created when missing) from the run's model artifacts, with `alias`."""
        from mlflow.exceptions import MlflowException

        with self._service(f"registering a version of {name}"):
            try:
                self._client.create_registered_model(name)
            except MlflowException as exc:
                if getattr(exc, "error_code", "") != "RESOURCE_ALREADY_EXISTS":
                    raise
            created = self._client.create_model_version(name, source=source, run_id=run_id, tags=tags)
            version = str(created.version)
            self._client.set_registered_model_alias(name, alias, version)
        return version

    def set_version_tags(self, model: str, version: str, tags: dict[str, str]) -> None:
        """Write tags on a model version (e.g. the verdict, read later by promote)."""
        with self._service(f"tagging {model} version {version}"):
            tagger = self._version_tagger()
            for key, value in tags.items():
                tagger.set_model_version_tag(model, version, key, value)

    def _version_tagger(self) -> Any:
        """The client's model-registry client where MLflow has one (2.x, 3.x): MlflowClient's own
        set_model_version_tag reads the whole registered model first on each call, to refuse a prompt's name
        (MLflow 3), which costs ~15 ms a tag on SQLite; mlgate tags versions it registered itself."""
        registry = getattr(self._client, "_get_registry_client", None)
        return registry() if callable(registry) else self._client

    def set_alias(self, name: str, alias: str, version: str) -> None:
        """Point `name@alias` at the version."""
        with self._service(f"pointing {name}@{alias} at version {version}"):
            self._client.set_registered_model_alias(name, alias, version)

    # --- markers: registered models used as named locks (promote's lease, commands/lease.py) ----------
    # Creating a registered model is atomic on every store: its name is unique (a primary key on SQL stores,
    # the same on a tracking server), so of any number of processes creating one name exactly one succeeds.

    def create_marker(self, name: str, tags: dict[str, str], description: str) -> bool:
        """Create the registered model `name` with its tags in one call; False when it exists already."""
        from mlflow.exceptions import MlflowException

        with self._service(f"creating the registered model {name}"):
            try:
                self._client.create_registered_model(name, tags=tags, description=description)
            except MlflowException as exc:
                if getattr(exc, "error_code", "") != "RESOURCE_ALREADY_EXISTS":
                    raise
                return False
        return True

    def marker(self, name: str) -> dict[str, str] | None:
        """The tags of the registered model `name`, None when there is none."""
        found = self._lookup(f"reading the registered model {name}",
                             lambda client: client.get_registered_model(name))
        return None if found is None else {str(k): str(v) for k, v in (found.tags or {}).items()}

    def markers(self, prefix: str) -> dict[str, dict[str, str]]:
        """The registered models whose name starts with `prefix`, and their tags."""
        query = f"name LIKE '{_quote(prefix)}%'"
        with self._service(f"searching registered models named {prefix}*"):
            found = list(self._client.search_registered_models(filter_string=query, max_results=100))
        return {str(m.name): {str(k): str(v) for k, v in (m.tags or {}).items()} for m in found
                if str(m.name).startswith(prefix)}

    def delete_marker(self, name: str) -> bool:
        """Delete the registered model `name`; False when it was not there."""
        found = self._lookup(f"deleting the registered model {name}",
                             lambda client: client.delete_registered_model(name) or True)
        return bool(found)

    # --- artifacts: the predictions cache and production's model files (evaluate) --------------------
    #
    # Every read goes to the run's OWN artifact location through an artifact repository built with this
    # store's URI, never through `runs:/<id>/<path>` (the client's download_artifacts/list_artifacts):
    # MLflow 3 resolves `runs:/<id>/<name>` to the run's LoggedModel of that name as well (a user's
    # `log_model(..., "model")`), merges its files into the download, and looks it up with a client built
    # without the tracking URI (an empty mlflow.db in the working directory).

    def _artifacts(self, run_id: str, doing: str) -> Any:
        """The artifact repository of the run's artifact location (cached per run)."""
        cached = self._repos.get(run_id)
        if cached is not None:
            return cached
        run = self._run(run_id, "the run id is wrong, or the run lives in another tracking store",
                        "check the run id (mlflow runs list) and MLFLOW_TRACKING_URI")
        location = str(run.info.artifact_uri)
        if location.startswith("s3://") and importlib.util.find_spec("boto3") is None:
            # MLflow's download hides the ImportError behind "Failed to download artifacts"
            raise s3_client_missing(doing, location)
        from mlflow.store.artifact.artifact_repository_registry import get_artifact_repository

        with self._service(doing):
            repo = get_artifact_repository(location, tracking_uri=self.uri, registry_uri=self.uri)
        self._repos[run_id] = repo
        return repo

    def _listing(self, run_id: str, folder: str | None) -> list[Any]:
        """The FileInfo entries directly in a run's artifact folder (the root for None)."""
        doing = f"listing the artifacts of run {run_id}"
        repo = self._artifacts(run_id, doing)
        with self._service(doing):
            return list(repo.list_artifacts(folder or None))

    def artifact_size(self, run_id: str, artifact_path: str) -> int | None:
        """The size in bytes the store gives for a run's artifact file (0 when it gives none; -1 for a
        folder); None when the run has nothing at `artifact_path`."""
        parent, _, _name = artifact_path.rstrip("/").rpartition("/")
        for info in self._listing(run_id, parent):
            if str(info.path).rstrip("/") == artifact_path.rstrip("/"):
                return -1 if info.is_dir else int(info.file_size or 0)
        return None

    def has_artifact(self, run_id: str, artifact_path: str) -> bool:
        """Whether the run has a file or folder at `artifact_path` (e.g. `mlgate/predictions/x.csv`)."""
        return self.artifact_size(run_id, artifact_path) is not None

    def download_artifact(self, run_id: str, artifact_path: str, dest: Path, *,
                          max_bytes: int | None = None) -> Path | None:
        """Download a run's artifact (a file or a folder) into the folder `dest`; the local path, or None
        when the run has no such artifact. A file over `max_bytes` (as listed, and as downloaded) is
        BadInput, before or right after its download."""
        doing = f"downloading {artifact_path} of run {run_id}"
        why = relative_inside(artifact_path)
        if why:  # a path read back from the registry (a tag, lineage) never leaves the run's artifacts
            raise BadInput(f"the artifact path {artifact_path[:200]!r} of MLflow run {run_id} {why}",
                           "mlgate reads only artifacts inside the run's own artifact location",
                           f"find out who changed run {run_id} or the tag that names this path")
        size = self.artifact_size(run_id, artifact_path)
        if size is None:
            return None
        if max_bytes is not None and size > max_bytes:
            raise _too_large(run_id, artifact_path, size, max_bytes)
        os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")
        dest.mkdir(parents=True, exist_ok=True)
        repo = self._artifacts(run_id, doing)
        with self._service(doing):
            local = Path(repo.download_artifacts(artifact_path, str(dest)))
        if max_bytes is not None and local.is_file() and local.stat().st_size > max_bytes:
            raise _too_large(run_id, artifact_path, local.stat().st_size, max_bytes)
        return local

    def artifact_names(self, run_id: str, folder: str) -> list[str]:
        """The names of the files directly in a run's artifact folder ([] when there is none)."""
        found = self._listing(run_id, folder)
        return [str(info.path).rsplit("/", 1)[-1] for info in found if not info.is_dir]

    def run_json(self, run_id: str, path: str, what: str) -> Any | None:
        """The JSON artifact `path` of a run, parsed (bounded, as every JSON file); None when missing."""
        with tempfile.TemporaryDirectory(prefix="mlgate-artifact-") as folder:
            local = self.download_artifact(run_id, path, Path(folder), max_bytes=MAX_JSON_BYTES)
            if local is None:
                return None
            return read_json(local, f"{what} of MLflow run {run_id} ({path})",
                             "write it again: `mlgate profile --run RUN_ID --data ...`", file=path)


def _too_large(run_id: str, artifact_path: str, size: int, limit: int) -> BadInput:
    return BadInput(f"the artifact {artifact_path} of MLflow run {run_id} is {size:,} bytes, over the "
                    f"{limit:,} bytes mlgate reads there",
                    "what the tracking store returns is bounded like any input: mlgate never wrote a file "
                    "this large there", f"find out who changed run {run_id}; train or score it again",
                    file=artifact_path)
