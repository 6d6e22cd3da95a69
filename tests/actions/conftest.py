"""Fixtures for running our composite actions end to end on a copy of the example project.

`gate` gives: the example as a real git + DVC repository in tmp (main committed), the `mlflow_store`
(SQLite), the fake GitHub API, and a factory for runners whose `github` context and GITHUB_EVENT_PATH point
at a real webhook payload adjusted only where it must match the repository (head/base sha, refs).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from mlgate.commands.demo import copy_example, relabel
from tests.conftest import MlflowStore
from tests.support.action_runner import ActionResult, ActionRunner
from tests.support.github_server import WRITE_TOKEN, FakeGitHub

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "breast-cancer"
BIN = Path(sys.executable).parent
MODEL = "breast-cancer-classifier"
PR_NUMBER = 2  # the number in the pull_request payloads
GITIGNORE = ".mlgate/\nmetrics.json\nmodel/\n__pycache__/\n"


def run(repo: Path, *argv: str) -> str:
    done = subprocess.run(argv, cwd=repo, capture_output=True, text=True, check=False, timeout=300)
    assert done.returncode == 0, f"{argv}: {done.stdout}{done.stderr}"
    return done.stdout.strip()


@dataclass
class Gate:
    """The example project, the store, the fake GitHub, and how to run an action on them."""

    repo: Path
    tmp: Path
    store: MlflowStore
    github: FakeGitHub
    events: Path

    @property
    def main_sha(self) -> str:
        return run(self.repo, "git", "rev-parse", "main")

    def head(self) -> str:
        return run(self.repo, "git", "rev-parse", "HEAD")

    def pull_request(self, branch: str, *, c: str | None = None, relabel_every: int | None = None,
                     negative_row: int | None = None, drop_last: int | None = None) -> str:
        """Commit a PR branch off main: params C changed, labels flipped, a row made invalid. Its head sha."""
        run(self.repo, "git", "checkout", "-q", "-B", branch, "main")
        data = self.repo / "data" / "breast_cancer.csv"
        if c is not None:
            params = self.repo / "params.yaml"
            params.write_text(params.read_text().replace("C: 1.0", f"C: {c}"))
        if relabel_every is not None:
            relabel(data, every=relabel_every)
        if negative_row is not None:  # mean_radius (the first column) < 0: the schema forbids it
            lines = data.read_text().splitlines()
            lines[negative_row] = "-1" + lines[negative_row][lines[negative_row].index(","):]
            data.write_text("\n".join(lines) + "\n")
        if drop_last is not None:
            data.write_text("\n".join(data.read_text().splitlines()[:-drop_last]) + "\n")
        if relabel_every is not None or negative_row is not None or drop_last is not None:
            run(self.repo, sys.executable, "-m", "dvc", "add", "-q", "data/breast_cancer.csv")
        run(self.repo, "git", "add", "-A")
        run(self.repo, "git", "commit", "-q", "-m", f"{branch}: C={c}, relabel every {relabel_every}")
        self.github.add_pull(PR_NUMBER, head_sha=self.head(), head_ref=branch)
        return self.head()

    def pr_event(self, head_sha: str, branch: str) -> Path:
        """The real pull_request.synchronize payload with the sha and refs of this repository."""
        event = json.loads((self.events / "pull_request.synchronize.payload.json").read_text())
        event["pull_request"]["head"].update(sha=head_sha, ref=branch)
        event["pull_request"]["base"].update(sha=self.main_sha, ref="main")
        return self._write(f"pr-{head_sha[:8]}.json", event)

    def workflow_run_event(self, head_sha: str, branch: str) -> Path:
        """The real workflow_run.completed payload, for the run of the gate on this PR head."""
        event = json.loads((self.events / "workflow_run.completed.with-pull-requests.payload.json").read_text())
        event["repository"]["full_name"] = "Codertocat/Hello-World"
        run_ = event["workflow_run"]
        run_.update(head_sha=head_sha, head_branch=branch, event="pull_request")
        for pull in run_["pull_requests"]:
            pull["head"].update(sha=head_sha, ref=branch)
        return self._write(f"run-{head_sha[:8]}.json", event)

    def _write(self, name: str, event: Mapping[str, Any]) -> Path:
        path = self.tmp / "events" / name
        path.parent.mkdir(exist_ok=True)
        path.write_text(json.dumps(event))
        return path

    def runner(self, *, event_name: str = "push", event: Path | None = None, token: str = WRITE_TOKEN,
               sha: str | None = None) -> ActionRunner:
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("GITHUB_", "MLFLOW_", "MLGATE_", "RUNNER_"))}
        env["PATH"] = os.pathsep.join([str(BIN), env.get("PATH", "")])
        env["MLGATE_GITHUB_WRITE_INTERVAL"] = "0"
        env["DVC_NO_ANALYTICS"] = "1"
        context: dict[str, Any] = {
            "repository": "Codertocat/Hello-World", "event_name": event_name, "sha": sha or self.head(),
            "api_url": self.github.url, "server_url": self.github.html, "run_id": "4242",
            "run_attempt": "1", "token": token, "ref": "refs/heads/main",
        }
        if event is not None:
            context["event_path"] = str(event)
        return ActionRunner(self.repo, self.tmp / "runner", env=env, github=context)

    def out(self, name: str) -> str:
        return str(self.tmp / "out" / name)

    def seed_production(self) -> str:
        """Validate main's data, train its model, gate it and promote it, in this process (fast: mlflow is
        imported once)."""
        from click.testing import CliRunner

        from mlgate.cli import cli

        out = self.out("seed")
        config = str(self.repo / "mlgate.yaml")
        tracking = ["--tracking-uri", self.store.uri]
        commands = [["validate", "--all"], ["train", "--runtime", "local", *tracking],
                    ["compare", "--candidate-run", "RUN", *tracking], ["promote", "--version", "1", *tracking]]
        for command in commands:
            if "RUN" in command:
                lineage = json.loads((Path(out) / "lineage.json").read_text())
                command[command.index("RUN")] = lineage["run"]["run_id"]
            result = CliRunner().invoke(cli, ["--config", config, *command, "--out", out],
                                        catch_exceptions=False)
            assert result.exit_code == 0, f"{command}: {result.output}"
        version = self.store.client().get_model_version_by_alias(MODEL, "production").version
        assert str(version) == "1"
        return "1"


def example_repo(folder: Path) -> Path:
    """The breast-cancer example as a git + DVC repository in `folder/repo`, its data `dvc add`ed."""
    repo = folder / "repo"
    copy_example(EXAMPLE, repo)  # type: ignore[arg-type]  # a Path is a Traversable
    (repo / ".gitignore").write_text(GITIGNORE)
    run(repo, "git", "init", "-q")
    run(repo, "git", "symbolic-ref", "HEAD", "refs/heads/main")
    run(repo, "git", "config", "commit.gpgsign", "false")
    run(repo, sys.executable, "-m", "dvc", "init", "-q")
    run(repo, sys.executable, "-m", "dvc", "add", "-q", "data/breast_cancer.csv", "data/holdout.csv")
    run(repo, "git", "add", "-A")
    run(repo, "git", "commit", "-q", "-m", "breast-cancer example")
    return repo


@pytest.fixture
def gate(tmp_path: Path, mlflow_store: MlflowStore, github_server: FakeGitHub, events: Path,
         monkeypatch: pytest.MonkeyPatch) -> Gate:
    monkeypatch.setenv("PATH", os.pathsep.join([str(BIN), os.environ.get("PATH", "")]))
    monkeypatch.setenv("DVC_NO_ANALYTICS", "1")
    repo = example_repo(tmp_path)
    return Gate(repo=repo, tmp=tmp_path, store=mlflow_store, github=github_server, events=events)


def action(name: str) -> Path:
    return ROOT if name == "gate" else ROOT / "actions" / name


def explain(result: ActionResult) -> str:
    return f"exit {result.exit_code}, outputs {result.outputs}\n{result.log}"
