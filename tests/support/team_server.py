"""A team's MLflow, started by the tests: PostgreSQL 15 + an S3 stand-in (moto) + a real `mlflow server`.

`postgres(folder)` runs `initdb` and `pg_ctl` from PostgreSQL 15's binaries in a temporary directory (as an
unprivileged user when the tests run as root: initdb refuses root) and yields a `postgresql://` URI of an
empty database; `s3(folder)` runs moto's server mode and yields its endpoint with a bucket made;
`team_server(folder)` starts both and `mlflow server --backend-store-uri postgresql://...
--artifacts-destination s3://...` on them, and yields a `TeamServer`. Nothing is mocked: MLflow's own SQL
store talks to PostgreSQL through psycopg2, and its S3 artifact repository to moto through boto3.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.actions.conftest import BIN, run
from tests.actions.conftest import example_repo as example_repo  # the team tests and benchmark use it here
from tests.conftest import EVENTS
from tests.support.github_server import FakeGitHub
from tests.support.mlflow_server import free_port

PG_BIN = Path(os.environ.get("MLGATE_TEST_PG_BIN", "/usr/lib/postgresql/15/bin"))
BUCKET = "mlgate-team"
S3_ENV = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1"}


def available() -> str | None:
    """Why the team server cannot run here, or None when it can."""
    if not (PG_BIN / "initdb").exists():
        return f"PostgreSQL's binaries are not in {PG_BIN} (set MLGATE_TEST_PG_BIN)"
    for module in ("psycopg2", "moto", "boto3"):
        try:
            __import__(module)
        except ImportError:
            return f"{module} is not installed (pip install -e '.[dev]')"
    return None


@dataclass(frozen=True)
class TeamServer:
    url: str  # the tracking server, for MLFLOW_TRACKING_URI
    database: str  # postgresql://... the server's backend store
    s3_endpoint: str  # moto's endpoint, for MLFLOW_S3_ENDPOINT_URL
    bucket: str
    log: Path

    def s3_keys(self, prefix: str = "") -> list[str]:
        """Every object key in the bucket under `prefix`: what the server really stored in S3."""
        import boto3

        client = boto3.client("s3", endpoint_url=self.s3_endpoint, **_boto_kwargs())
        keys: list[str] = []
        for page in client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=prefix):
            keys += [item["Key"] for item in page.get("Contents", [])]
        return keys


def _boto_kwargs() -> dict[str, str]:
    return {"aws_access_key_id": S3_ENV["AWS_ACCESS_KEY_ID"], "aws_secret_access_key": S3_ENV["AWS_SECRET_ACCESS_KEY"],
            "region_name": S3_ENV["AWS_DEFAULT_REGION"]}


def _as_postgres_user() -> list[str]:
    """A prefix that runs PostgreSQL's commands as an unprivileged user when we are root."""
    if os.geteuid() != 0:
        return []
    return ["runuser", "-u", "nobody", "--"]


@contextmanager
def postgres(timeout: float = 60.0) -> Iterator[str]:
    """A PostgreSQL 15 server on 127.0.0.1 and a random port, in a temp dir; yields the URI of database `mlflow`."""
    root = Path(tempfile.mkdtemp(prefix="mlgate-pg-"))  # not under pytest's tmp: an unprivileged user needs it
    data, sockets = root / "data", root / "sock"
    sockets.mkdir()
    if os.geteuid() == 0:
        import pwd

        user = pwd.getpwnam("nobody")
        for path in (root, sockets):
            os.chown(path, user.pw_uid, user.pw_gid)
    prefix = _as_postgres_user()
    port = free_port()
    run = lambda *argv: subprocess.run([*prefix, *argv], check=True, capture_output=True,  # noqa: E731
                                       text=True, timeout=timeout, cwd=root)
    try:
        run(str(PG_BIN / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8",
            "--no-sync")
        run(str(PG_BIN / "pg_ctl"), "-D", str(data), "-l", str(root / "postgres.log"), "-w", "-t", str(int(timeout)),
            "-o", f"-p {port} -k {sockets} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200",
            "start")
    except subprocess.CalledProcessError as exc:
        log = root / "postgres.log"
        raise RuntimeError(f"PostgreSQL did not start: {exc.stdout}{exc.stderr}"
                           f"{log.read_text(errors='replace') if log.exists() else ''}") from exc
    try:
        import psycopg2

        connection = psycopg2.connect(host="127.0.0.1", port=port, user="postgres", dbname="postgres")
        connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute("CREATE DATABASE mlflow")
        connection.close()
        # SQLAlchemy 2.1 picks psycopg (3) for a bare postgresql://: name the driver the dev extras install
        yield f"postgresql+psycopg2://postgres@127.0.0.1:{port}/mlflow"
    finally:
        subprocess.run([*prefix, str(PG_BIN / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"],
                       capture_output=True, check=False, timeout=timeout, cwd=root)
        shutil.rmtree(root, ignore_errors=True)


@contextmanager
def s3(folder: Path, bucket: str = BUCKET, timeout: float = 60.0) -> Iterator[str]:
    """moto's S3 server mode on 127.0.0.1 and a random port, with `bucket` created; yields the endpoint URL."""
    port = free_port()
    log_path = folder / "moto.log"
    log = log_path.open("wb")
    process = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                               stdout=log, stderr=subprocess.STDOUT, env={**os.environ, **S3_ENV})
    endpoint = f"http://127.0.0.1:{port}"
    try:
        _wait_http(f"{endpoint}/moto-api/", process, timeout, log_path, "moto")
        import boto3

        boto3.client("s3", endpoint_url=endpoint, **_boto_kwargs()).create_bucket(Bucket=bucket)
        yield endpoint
    finally:
        _stop(process)
        log.close()


@contextmanager
def team_server(folder: Path, timeout: float = 180.0, workers: int = 2) -> Iterator[TeamServer]:
    """PostgreSQL + moto S3 + `mlflow server` on them (artifacts proxied by the server to s3://BUCKET/mlflow)."""
    with ExitStack() as stack:
        database = stack.enter_context(postgres())
        endpoint = stack.enter_context(s3(folder))
        port = free_port()
        log_path = folder / "mlflow-server.log"
        log = stack.enter_context(log_path.open("wb"))
        env = {**os.environ, **S3_ENV, "MLFLOW_S3_ENDPOINT_URL": endpoint}
        process = subprocess.Popen(
            [sys.executable, "-m", "mlflow", "server", "--backend-store-uri", database,
             "--artifacts-destination", f"s3://{BUCKET}/mlflow", "--host", "127.0.0.1", "--port", str(port),
             "--workers", str(workers)],
            stdout=log, stderr=subprocess.STDOUT, env=env,
        )
        stack.callback(_stop, process)
        url = f"http://127.0.0.1:{port}"
        _wait_http(f"{url}/health", process, timeout, log_path, "mlflow server")
        yield TeamServer(url=url, database=database, s3_endpoint=endpoint, bucket=BUCKET, log=log_path)


def _wait_http(url: str, process: subprocess.Popen[bytes], timeout: float, log: Path, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited early:\n{log.read_text(errors='replace')[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"{what} did not answer within {timeout}s:\n{log.read_text(errors='replace')[-3000:]}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


# --- the gate of a PR, as CI runs it: `mlgate` processes in a checkout of the breast-cancer example ---------


def make_repo(example: Path, root: Path, c: str) -> Path:
    """A PR's checkout: a copy of the example with params C changed, committed."""
    repo = root / "repo"
    shutil.copytree(example, repo, symlinks=True)
    params = repo / "params.yaml"
    params.write_text(params.read_text().replace("C: 1.0", f"C: {c}"))
    run(repo, "git", "commit", "-q", "-am", f"C={c}")
    return repo


def pr_event(folder: Path, number: int, head_sha: str, base_sha: str) -> Path:
    """The real pull_request.synchronize payload, as PR `number` at `head_sha` off `base_sha` (the gate reads
    its rules from mlgate.yaml there)."""
    event = json.loads((EVENTS / "pull_request.synchronize.payload.json").read_text())
    event["number"] = number
    event["pull_request"].update(number=number)
    event["pull_request"]["head"].update(sha=head_sha, ref=f"pr-{number}")
    event["pull_request"]["base"].update(sha=base_sha, ref="main")
    path = folder / f"event-{number}.json"
    path.write_text(json.dumps(event))
    return path


def environment(tracking_uri: str, github: FakeGitHub | None = None, event: Path | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("GITHUB_", "MLFLOW_", "MLGATE_", "RUNNER_", "AWS_"))}
    env.update(PATH=os.pathsep.join([str(BIN), env.get("PATH", "")]), DVC_NO_ANALYTICS="1",
               MLFLOW_TRACKING_URI=tracking_uri, MLGATE_GITHUB_WRITE_INTERVAL="0")
    if github is not None and event is not None:
        env.update(github.env(), GITHUB_EVENT_NAME="pull_request", GITHUB_EVENT_PATH=str(event))
    return env


def mlgate(repo: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "mlgate", *args], cwd=repo, env=env, capture_output=True,
                          text=True, timeout=600, check=False)


GATE = (("train", "--runtime", "local"), ("compare",), ("report", "--post"))


def pr_gate(example: Path, root: Path, number: int, tracking_uri: str, github: FakeGitHub,
            steps: tuple[tuple[str, ...], ...] = GATE) -> dict[str, Any]:
    """One PR's job: train, compare, report (validate first when asked), each a `mlgate` process, as CI
    runs them. Its documents and logs."""
    repo = make_repo(example, root, c=f"0.{number}")
    head = run(repo, "git", "rev-parse", "HEAD")
    github.add_pull(number, head_sha=head, head_ref=f"pr-{number}")
    base = run(repo, "git", "rev-parse", "HEAD~1")
    env = environment(tracking_uri, github, pr_event(root, number, head, base))
    logs = []
    for command in steps:
        done = mlgate(repo, env, *command)
        logs.append(f"$ mlgate {' '.join(command)} -> {done.returncode}\n{done.stdout}{done.stderr}")
        if done.returncode != 0:
            break
    out = repo / ".mlgate"
    read = lambda name: json.loads((out / name).read_text()) if (out / name).exists() else {}  # noqa: E731
    return {"number": number, "head": head, "repo": repo, "log": "\n".join(logs),
            "exit": done.returncode, "lineage": read("lineage.json"), "verdict": read("verdict.json")}
