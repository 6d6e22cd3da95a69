"""A real `mlflow server` process on 127.0.0.1, for tests that need the REST tracking API.

`basic_auth(folder, ...)` gives what `mlflow server --app-name basic-auth` needs (its own config file and
user database, an admin password, a Flask secret key); with `bearer=TOKEN` the server authenticates requests
by `Authorization: Bearer TOKEN` (what the MLflow client sends for MLFLOW_TRACKING_TOKEN) through
`bearer_token_auth` below, mlflow's hook for a custom authorization function. The basic-auth app needs
`mlflow[auth]` (Flask-WTF); `basic_auth_missing()` says why it cannot start without it.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[2]
BEARER_ENV = "MLGATE_TEST_BEARER_TOKEN"  # the token the server accepts (read in the server process)


@dataclass(frozen=True)
class BasicAuth:
    """A basic-auth server's admin credentials and the environment `mlflow server` needs for them."""

    username: str
    password: str
    env: Mapping[str, str] = field(default_factory=dict)


def basic_auth_missing() -> str | None:
    """Why `mlflow server --app-name basic-auth` cannot start here, or None."""
    if importlib.util.find_spec("flask_wtf") is None:
        return "mlflow's basic-auth app needs Flask-WTF (pip install 'mlflow[auth]')"
    return None


def basic_auth(folder: Path, *, password: str, bearer: str | None = None) -> BasicAuth:
    """The config of the basic-auth app in `folder`: admin `admin` with `password`, its own user database;
    with `bearer`, requests authenticate with that token instead (as the admin)."""
    function = ("tests.support.mlflow_server:bearer_token_auth" if bearer
                else "mlflow.server.auth:authenticate_request_basic_auth")
    ini = folder / "basic_auth.ini"
    ini.write_text("[mlflow]\ndefault_permission = READ\n"
                   f"database_uri = sqlite:///{folder / 'basic_auth.db'}\n"
                   f"admin_username = admin\nadmin_password = {password}\n"
                   f"authorization_function = {function}\n")
    env = {"MLFLOW_AUTH_CONFIG_PATH": str(ini), "MLFLOW_FLASK_SERVER_SECRET_KEY": "test-secret-key-" + folder.name,
           "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")]))}
    if bearer:
        env[BEARER_ENV] = bearer
    return BasicAuth("admin", password, env)


def bearer_token_auth() -> Any:
    """mlflow's authorization_function hook, run inside the server: `Authorization: Bearer TOKEN` with the
    token in $MLGATE_TEST_BEARER_TOKEN authenticates as the admin; anything else is 401."""
    from flask import Response, request
    from werkzeug.datastructures import Authorization

    header = request.headers.get("Authorization", "")
    if header == f"Bearer {os.environ[BEARER_ENV]}":
        return Authorization("bearer", {"username": "admin"})
    return Response("token required", 401, {"WWW-Authenticate": "Bearer"})


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def mlflow_server(template_db: Path, folder: Path, timeout: float = 120.0,
                  auth: BasicAuth | None = None) -> Iterator[str]:
    """Start `mlflow server` on a copy of a migrated SQLite store; yield its URL; stop it afterwards.
    With `auth`, the server is `--app-name basic-auth` configured by it."""
    db = folder / "server.db"
    shutil.copy(template_db, db)
    port = free_port()
    log = (folder / "server.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "mlflow", "server", "--backend-store-uri", f"sqlite:///{db}",
         "--artifacts-destination", (folder / "artifacts").as_uri(),
         "--host", "127.0.0.1", "--port", str(port), "--workers", "1",
         *(["--app-name", "basic-auth"] if auth else [])],
        stdout=log, stderr=subprocess.STDOUT, env={**os.environ, **(auth.env if auth else {})},
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait(url, process, timeout, folder / "server.log")
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


def _wait(url: str, process: subprocess.Popen[bytes], timeout: float, log: Path) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"mlflow server exited early:\n{log.read_text(errors='replace')[-3000:]}")
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise RuntimeError(f"mlflow server did not answer within {timeout}s:\n{log.read_text(errors='replace')[-3000:]}")
