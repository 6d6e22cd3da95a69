"""Credentials to the tracking server: a real `mlflow server --app-name basic-auth` started by the tests.

Basic auth (MLFLOW_TRACKING_USERNAME/PASSWORD) and token auth (MLFLOW_TRACKING_TOKEN, sent by MLflow's client
as `Authorization: Bearer`: the server here accepts nothing else, so a passing gate proves mlgate passed it
through; to the training's process too, with `train.tracking_credentials: pass`) carry the whole gate: validate, train, compare, report, promote.
The credential appears in none of stdout/stderr, train.log, lineage.json, verdict.json, report.md and the
bundle, even though the training command prints it; wrong or missing credentials are exit 3 naming the
server and saying authentication failed, never the credential.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.mlflow_server import BasicAuth, basic_auth, basic_auth_missing, mlflow_server
from tests.support.train_project import git, lineage, make_project

PASSWORD = "pw-Basic.Auth*4c9e(1)"
TOKEN = "bearer-token-7d2f90c1e6"
WRONG = "not-the-Password-91b3"

pytestmark = pytest.mark.skipif(basic_auth_missing() is not None, reason=basic_auth_missing() or "")

LEAKY_SH = """\
#!/bin/sh
echo "password=$MLFLOW_TRACKING_PASSWORD token=$MLFLOW_TRACKING_TOKEN"
echo "again: $MLFLOW_TRACKING_PASSWORD$MLFLOW_TRACKING_TOKEN" >&2
sh train.sh
"""


@pytest.fixture(scope="module")
def basic_server(_mlflow_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, BasicAuth]]:
    folder = tmp_path_factory.mktemp("mlflow-basic-auth")
    auth = basic_auth(folder, password=PASSWORD)
    with mlflow_server(_mlflow_template, folder, auth=auth) as url:
        yield url, auth


@pytest.fixture(scope="module")
def token_server(_mlflow_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("mlflow-token-auth")
    with mlflow_server(_mlflow_template, folder, auth=basic_auth(folder, password=PASSWORD, bearer=TOKEN)) as url:
        yield url


def project(repo: Path) -> Path:
    # the training is given the credentials (the opt-in): it prints them, and they are masked everywhere
    config = make_project(repo, train={"command": "sh leaky.sh", "tracking_credentials": "pass"}, commit=False)
    (repo / "leaky.sh").write_text(LEAKY_SH)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "a training that prints the credentials")
    return config


def environment(url: str, **credentials: str) -> dict[str, str]:
    src = str(Path(__file__).resolve().parents[2] / "src")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MLFLOW_TRACKING_", "GITHUB_"))}
    return {**env, **credentials, "MLFLOW_TRACKING_URI": url,
            "PYTHONPATH": os.pathsep.join([src, os.environ.get("PYTHONPATH", "")])}


def mlgate(config: Path, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "mlgate", "--config", str(config), *args], env=env,
                          cwd=config.parent, capture_output=True, text=True, timeout=300, check=False)


def files_under(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): p.read_text(errors="replace") for p in folder.rglob("*") if p.is_file()}


def assert_no_secret(where: str, text: str, secrets: tuple[str, ...]) -> None:
    leaked = [secret for secret in secrets if secret in text]
    assert not leaked, f"{where} holds {leaked}"


def the_whole_gate(config: Path, tmp_path: Path, env: dict[str, str], secrets: tuple[str, ...]) -> None:
    """validate → train → compare → report (bundle) → promote against the server; no secret anywhere."""
    out = config.parent / ".mlgate"
    printed = []
    for args in (["validate", "--all"], ["train", "--runtime", "local"], ["compare"]):
        done = mlgate(config, *args, "--out", str(out), env=env)
        assert done.returncode == 0, done.stdout + done.stderr
        printed.append(done.stdout + done.stderr)
    assert "again: ***\n" in (out / "train.log").read_text()  # the training got it, masked
    bundle = tmp_path / "bundle"
    reported = mlgate(config, "report", "--out", str(out), "--bundle", str(bundle),
                      env={**env, "GITHUB_REPOSITORY": "octo/churn", "GITHUB_SHA": "a" * 40})
    assert reported.returncode == 0, reported.stderr
    version = str(lineage(out)["registered"]["version"])
    promoted = mlgate(config, "promote", "--version", version, "--out", str(out), env=env)
    assert promoted.returncode == 0, promoted.stdout + promoted.stderr
    assert f"promoted churn version {version} to @production" in promoted.stdout
    for name, text in [("output", "\n".join([*printed, reported.stdout, reported.stderr, promoted.stdout,
                                             promoted.stderr])),
                       *((f"work dir {k}", v) for k, v in files_under(out).items()),
                       *((f"bundle {k}", v) for k, v in files_under(bundle).items())]:
        assert_no_secret(name, text, secrets)
    assert {"train.log", "lineage.json", "verdict.json", "report.md"} <= set(files_under(out))


def test_the_gate_with_basic_auth_leaks_no_password(git_repo: Path, tmp_path: Path,
                                                    basic_server: tuple[str, BasicAuth]) -> None:
    url, auth = basic_server
    env = environment(url, MLFLOW_TRACKING_USERNAME=auth.username, MLFLOW_TRACKING_PASSWORD=auth.password)
    the_whole_gate(project(git_repo), tmp_path, env, (PASSWORD,))


def test_the_gate_with_a_bearer_token_leaks_no_token(git_repo: Path, tmp_path: Path, token_server: str) -> None:
    the_whole_gate(project(git_repo), tmp_path, environment(token_server, MLFLOW_TRACKING_TOKEN=TOKEN), (TOKEN,))


@pytest.mark.parametrize("stage", [["train", "--runtime", "local"], ["compare", "--candidate-metrics", "m.json"],
                                   ["promote", "--version", "1"]])
@pytest.mark.parametrize("credentials", [{"MLFLOW_TRACKING_USERNAME": "admin", "MLFLOW_TRACKING_PASSWORD": WRONG},
                                         {}], ids=["wrong-password", "none"])
def test_wrong_or_missing_basic_credentials_are_exit_3_naming_the_server(
        git_repo: Path, basic_server: tuple[str, BasicAuth], stage: list[str], credentials: dict[str, str]) -> None:
    url, _ = basic_server
    config = project(git_repo)
    (git_repo / "m.json").write_text('{"accuracy": 0.9}')
    done = mlgate(config, *stage, env=environment(url, **credentials))
    text = done.stdout + done.stderr
    assert done.returncode == 3, text
    assert "authentication failed" in text and url.removeprefix("http://") in text
    assert "MLFLOW_TRACKING_USERNAME" in text and "Traceback" not in text
    assert_no_secret("output", text, (WRONG, PASSWORD))


def test_a_wrong_token_is_exit_3_naming_the_server(git_repo: Path, token_server: str) -> None:
    config = project(git_repo)
    done = mlgate(config, "promote", "--version", "1", env=environment(token_server, MLFLOW_TRACKING_TOKEN=WRONG))
    text = done.stdout + done.stderr
    assert done.returncode == 3, text
    assert "authentication failed" in text and token_server.removeprefix("http://") in text
    assert_no_secret("output", text, (WRONG, TOKEN))


def test_a_user_without_the_permission_is_exit_3_saying_so(git_repo: Path, basic_server: tuple[str, BasicAuth],
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """A user who may read (the server's default_permission) but not manage the model cannot promote."""
    import requests
    from mlflow.tracking import MlflowClient

    url, auth = basic_server
    monkeypatch.setenv("MLFLOW_TRACKING_USERNAME", auth.username)
    monkeypatch.setenv("MLFLOW_TRACKING_PASSWORD", auth.password)
    client = MlflowClient(url)
    name = f"churn-{git_repo.parent.name}"[:60]
    client.create_registered_model(name)
    run = client.create_run(client.create_experiment(name)).info
    version = client.create_model_version(name, source=f"{run.artifact_uri}/model", run_id=run.run_id).version
    reader_password = "reader-Pass.7e1b"
    created = requests.post(f"{url}/api/2.0/mlflow/users/create", timeout=30,
                            json={"username": "reader", "password": reader_password},
                            auth=(auth.username, auth.password))
    assert created.status_code == 200 or "already exists" in created.text, created.text
    config = project(git_repo)
    config.write_text(config.read_text().replace("name: churn", f"name: {name}"))
    done = mlgate(config, "promote", "--version", str(version), "--force",
                  env=environment(url, MLFLOW_TRACKING_USERNAME="reader", MLFLOW_TRACKING_PASSWORD=reader_password))
    text = done.stdout + done.stderr
    assert done.returncode == 3, text
    assert "denied permission" in text and "403" in text and url.removeprefix("http://") in text
    assert_no_secret("output", text, (reader_password, PASSWORD))
