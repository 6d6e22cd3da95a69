"""A training command that prints the secrets mlgate passes it: none is stored, posted or printed.

`mlgate train --runtime local` runs as a subprocess (its real stdout and stderr), with the credentials in
its environment and a secret-looking `train.env` entry; then `mlgate report --bundle` bundles what it wrote.
The secret must appear in none of stdout/stderr, train.log, lineage.json, the MLflow run's artifacts
(downloaded), report.md and the bundle.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import MlflowStore
from tests.support.train_project import git, lineage, make_project

SECRETS = {
    "MLFLOW_TRACKING_PASSWORD": "pa55-w0rd.with*regex+chars(1)",
    "MLFLOW_TRACKING_TOKEN": "mlflow-token-0123456789",
    "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    "AWS_SESSION_TOKEN": "FwoGZXIvYXdzEXAMPLESESSIONTOKEN",
    "GITHUB_TOKEN": "ghs_github0token0value0000000000000",
    "GH_TOKEN": "gho_gh0token0value00000000000000000",
}
FROM_CONFIG = "api-key-from-mlgate-yaml"  # train.env MY_API_KEY: a user entry whose name looks secret
EVERY_SECRET = [*SECRETS.values(), FROM_CONFIG]

LEAKY_SH = """\
#!/bin/sh
echo "password=$MLFLOW_TRACKING_PASSWORD token=$MLFLOW_TRACKING_TOKEN"
echo "aws: $AWS_SECRET_ACCESS_KEY $AWS_SESSION_TOKEN" >&2
echo "github: $GITHUB_TOKEN and $GH_TOKEN; config: $MY_API_KEY; plain: $PLAIN"
# one secret written in two pieces, so it reaches mlgate in two reads
printf 'split: %s' "$(printf %s "$MLFLOW_TRACKING_TOKEN" | cut -c1-6)"; sleep 0.5
printf '%s done\\n' "$(printf %s "$MLFLOW_TRACKING_TOKEN" | cut -c7-)"
if [ "$MODE" = fail ]; then echo "cannot log in with $MLFLOW_TRACKING_PASSWORD" >&2; exit 3; fi
sh train.sh
"""


def run_mlgate(config: Path, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "mlgate", "--config", str(config), *args], env=env,
                          capture_output=True, text=True, timeout=300, check=False)


def project(repo: Path, mode: str) -> Path:
    # with the opt-in, the registry's credentials reach the command too (by default it gets none of them)
    config = make_project(repo, train={"command": "sh leaky.sh", "tracking_credentials": "pass",
                                       "env": {"MY_API_KEY": FROM_CONFIG, "PLAIN": "plain-visible-value",
                                               "MODE": mode}},
                          commit=False)
    (repo / "leaky.sh").write_text(LEAKY_SH)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "leaky training")
    return config


def environment(store: MlflowStore) -> dict[str, str]:
    src = str(Path(__file__).resolve().parents[2] / "src")
    return {**os.environ, **SECRETS, "MLFLOW_TRACKING_URI": store.uri,
            "PYTHONPATH": os.pathsep.join([src, os.environ.get("PYTHONPATH", "")])}


def files_under(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): p.read_text(errors="replace") for p in folder.rglob("*") if p.is_file()}


def assert_no_secret(where: str, text: str) -> None:
    leaked = [secret for secret in EVERY_SECRET if secret in text]
    assert not leaked, f"{where} holds {leaked}"


@pytest.mark.parametrize("mode", ["ok", "fail"])
def test_the_secrets_passed_to_training_are_masked_everywhere(git_repo: Path, mlflow_store: MlflowStore,
                                                               tmp_path: Path, mode: str) -> None:
    config = project(git_repo, mode)
    out = git_repo / ".mlgate"
    env = environment(mlflow_store)
    trained = run_mlgate(config, "train", "--runtime", "local", "--out", str(out), env=env)
    assert trained.returncode == (0 if mode == "ok" else 1), trained.stderr
    assert_no_secret("stdout", trained.stdout)
    assert_no_secret("stderr", trained.stderr)
    # what was masked is still there around the mask, and what is no secret is untouched
    assert "password=*** token=***" in trained.stdout and "split: *** done" in trained.stdout
    assert "config: ***; plain: plain-visible-value" in trained.stdout
    log = (out / "train.log").read_text()
    assert_no_secret("train.log", log)
    assert "aws: *** ***" in log and "github: *** and ***" in log

    doc = lineage(out)
    assert_no_secret("lineage.json", (out / "lineage.json").read_text())
    if mode == "fail":
        assert doc["log_tail"][-1] == "cannot log in with ***"
        assert "the training command failed with exit code 3" in doc["error"]
        assert "cannot log in with ***" in trained.stderr  # mlgate's own error names the masked line
    else:
        assert doc["status"] == "succeeded"

    downloaded = tmp_path / "artifacts"
    downloaded.mkdir()
    mlflow_store.client().download_artifacts(doc["run"]["run_id"], "", str(downloaded))
    artifacts = files_under(downloaded)
    assert "mlgate/train.log" in artifacts and "mlgate/lineage.json" in artifacts
    for name, text in artifacts.items():
        assert_no_secret(f"MLflow artifact {name}", text)

    bundle = tmp_path / "bundle"
    report_env = {**env, "GITHUB_REPOSITORY": "octo/churn", "GITHUB_SHA": "a" * 40}
    reported = run_mlgate(config, "report", "--out", str(out), "--bundle", str(bundle), env=report_env)
    assert reported.returncode == 0, reported.stderr
    assert_no_secret("report output", reported.stdout + reported.stderr)
    assert_no_secret("report.md", (out / "report.md").read_text())
    written = files_under(bundle)
    assert "lineage.json" in written and "report.md" in written
    for name, text in written.items():
        assert_no_secret(f"bundle file {name}", text)


def test_short_values_are_not_masked(git_repo: Path, mlflow_store: MlflowStore) -> None:
    """A value under four characters would mask ordinary words of the log: it is left as it is."""
    config = make_project(git_repo, train={"command": 'echo "short: $SHORT_TOKEN" && sh train.sh',
                                           "env": {"SHORT_TOKEN": "ab1"}})
    out = git_repo / ".mlgate"
    trained = run_mlgate(config, "train", "--out", str(out), env=environment(mlflow_store))
    assert trained.returncode == 0, trained.stderr
    assert "short: ab1" in trained.stdout
