"""The composite actions run end to end, as GitHub would run them, on a copy of the example project.

Real parts: a git + DVC repository, a SQLite MLflow store, training with the local runtime, the fake GitHub
API (PyGithub talks HTTP to it), real webhook payloads. One test runs the stage actions on main
(validate-data → train → compare → promote); the others put a production model in place in-process (faster)
and run the root action on a pull request.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.actions.conftest import MODEL, PR_NUMBER, Gate, action, explain, run
from tests.support.github_server import READ_TOKEN

pytestmark = pytest.mark.slow
CONTEXT = f"mlgate/{MODEL}"


def test_the_stage_actions_put_the_first_model_in_production(gate: Gate) -> None:
    """main: validate-data → train → compare → promote with the stage actions."""
    runner = gate.runner(event_name="push")
    out = gate.out("main")
    common = {"out": out, "tracking-uri": gate.store.uri}

    validated = runner.run(action("validate-data"), {"out": out, "all": "true"})
    assert validated.exit_code == 0, explain(validated)
    assert validated.outputs["passed"] == "true"
    assert json.loads(Path(validated.outputs["validation-path"]).read_text())["schema_version"] == 1

    trained = runner.run(action("train"), {**common, "runtime": "local"})
    assert trained.exit_code == 0, explain(trained)
    assert trained.outputs["passed"] == "true" and trained.outputs["model-version"] == "1"
    lineage = json.loads(Path(trained.outputs["lineage-path"]).read_text())
    assert trained.outputs["run-id"] == lineage["run"]["run_id"]

    # candidate-run left empty: the compare action reads the run from the work directory's lineage.json
    compared = runner.run(action("compare"), common)
    assert compared.exit_code == 0, explain(compared)
    assert compared.outputs["passed"] == "true" and compared.outputs["verdict"] == "passed"
    verdict = json.loads(Path(compared.outputs["verdict-path"]).read_text())
    assert verdict["candidate"]["run_id"] == trained.outputs["run-id"]

    promoted = runner.run(action("promote"), {**common, "version": trained.outputs["model-version"]})
    assert promoted.exit_code == 0, explain(promoted)
    assert promoted.outputs["version"] == "1" and promoted.outputs["previous-version"] == ""
    client = gate.store.client()
    assert str(client.get_model_version_by_alias(MODEL, "production").version) == "1"


def test_setup_without_install_checks_mlgate_on_path(gate: Gate) -> None:
    result = gate.runner().run(action("setup"), {"install": "false"})
    assert result.exit_code == 0, explain(result)
    assert result.outputs["version"] == "0.1.0"
    assert [s.outcome for s in result.steps] == ["skipped", "skipped", "skipped", "skipped", "skipped", "success"]


@pytest.mark.parametrize("change", [
    pytest.param({"c": "0.5", "drop_last": 5}, id="data-and-params"),
    pytest.param({"c": "0.5"}, id="params-only"),  # the data unchanged: validate skips it, train pins it
])
def test_a_passing_pull_request(gate: Gate, change: dict[str, Any]) -> None:
    gate.seed_production()
    head = gate.pull_request("tune-c", **change)
    runner = gate.runner(event_name="pull_request", event=gate.pr_event(head, "tune-c"))

    result = runner.run(action("gate"), {"install": "false", "runtime": "local", "out": gate.out("pr"),
                                         "tracking-uri": gate.store.uri})

    assert result.exit_code == 0, explain(result)
    assert result.outputs["passed"] == "true"
    assert result.outputs["exit-code"] == "0"
    assert result.outputs["verdict"] in {"passed", "warned"}
    assert result.outputs["model-version"] == "2"
    comments = gate.github.comments(PR_NUMBER)
    assert len(comments) == 1
    assert result.outputs["comment-url"] == comments[0]["html_url"]
    assert f"mlgate-report: {MODEL}" in comments[0]["body"]
    [status] = gate.github.statuses(head)
    assert status["context"] == CONTEXT and status["state"] == "success"
    assert Path(result.outputs["report-path"]).read_text() in result.summary  # the job summary has it


def test_a_regressing_pull_request_fails_the_gate_and_still_reports(gate: Gate) -> None:
    gate.seed_production()
    head = gate.pull_request("relabel", c="0.01", relabel_every=2)  # worse on the same rows too
    runner = gate.runner(event_name="pull_request", event=gate.pr_event(head, "relabel"))

    result = runner.run(action("gate"), {"install": "false", "runtime": "local", "out": gate.out("pr"),
                                         "tracking-uri": gate.store.uri})

    assert result.exit_code == 1, explain(result)  # the step fails: the job and the check go red
    assert result.outputs["passed"] == "false"
    assert result.outputs["exit-code"] == "1"
    assert result.outputs["verdict"] == "failed"
    # `mlgate gate` ran every stage: compare failed, report still rendered and posted
    assert "mlgate train: run " in result.log and "mlgate compare: FAILED" in result.log
    assert "mlgate report: failed: wrote" in result.log and Path(result.outputs["report-path"]).is_file()
    assert "mlgate gate: passed=false exit-code=1" in result.log
    [comment] = gate.github.comments(PR_NUMBER)
    assert "roc" in comment["body"] and "fail" in comment["body"].lower()
    [status] = gate.github.statuses(head)
    assert status["context"] == CONTEXT and status["state"] == "failure"
    assert "::error" in result.log  # the regression is annotated

    # The stage actions on the same candidate: fail-on-regression false reports without failing the step;
    # report posts again and updates the one comment in place.
    common = {"out": gate.out("stages"), "tracking-uri": gate.store.uri}
    compared = runner.run(action("compare"), {**common, "candidate-run": result.outputs["run-id"],
                                              "fail-on-regression": "false"})
    assert compared.exit_code == 0, explain(compared)
    assert compared.outputs["passed"] == "false" and compared.outputs["verdict"] == "failed"
    reported = runner.run(action("report"), common)
    assert reported.exit_code == 0, explain(reported)
    assert reported.outputs["passed"] == "false"
    assert reported.outputs["comment-url"] == comment["html_url"]
    assert len(gate.github.comments(PR_NUMBER)) == 1  # sticky: one comment, updated in place
    assert [s["state"] for s in gate.github.statuses(head)] == ["failure", "failure"]

    # After a merge anyway, promote refuses the version whose gate failed; production stays.
    refused = gate.runner(event_name="push").run(action("promote"), {
        **common, "version": result.outputs["model-version"]})
    assert refused.exit_code == 1, explain(refused)
    assert "refusing to promote" in refused.log
    assert str(gate.store.client().get_model_version_by_alias(MODEL, "production").version) == "1"


def test_invalid_data_stops_before_training_and_is_reported(gate: Gate) -> None:
    gate.seed_production()
    head = gate.pull_request("broken-data", negative_row=6)
    runner = gate.runner(event_name="pull_request", event=gate.pr_event(head, "broken-data"))

    result = runner.run(action("gate"), {"install": "false", "runtime": "local", "out": gate.out("pr"),
                                         "tracking-uri": gate.store.uri})

    assert result.exit_code == 1, explain(result)
    # validate failed: train, evaluate and compare did not run; report did
    assert "mlgate train:" not in result.log and "mlgate compare:" not in result.log
    assert result.outputs["run-id"] == "" and result.outputs["verdict-path"] == ""
    assert Path(result.outputs["report-path"]).is_file()
    assert result.outputs["passed"] == "false" and result.outputs["exit-code"] == "1"
    [status] = gate.github.statuses(head)
    assert status["state"] == "failure"
    assert "breast_cancer.csv" in gate.github.comments(PR_NUMBER)[0]["body"]


def test_a_fork_pull_request_bundles_and_publish_posts_it(gate: Gate) -> None:
    gate.seed_production()
    head = gate.pull_request("fork-change", c="0.01", relabel_every=2)
    # The pull_request run of a fork: read-only token, the report goes into a bundle.
    gate_run = gate.runner(event_name="pull_request", event=gate.pr_event(head, "fork-change"), token=READ_TOKEN)
    bundle = str(gate.tmp / "bundle")
    result = gate_run.run(action("gate"), {"install": "false", "runtime": "local", "out": gate.out("pr"),
                                           "tracking-uri": gate.store.uri, "bundle": bundle})
    assert result.exit_code == 1, explain(result)
    assert result.outputs["bundle-path"] == bundle and Path(bundle).is_dir()
    assert gate.github.comments(PR_NUMBER) == [] and gate.github.statuses(head) == []
    assert gate.github.count("POST") == 0  # nothing written with the read-only token

    # The workflow_run job (write token, default branch): publish the downloaded bundle.
    publish_run = gate.runner(event_name="workflow_run", event=gate.workflow_run_event(head, "fork-change"))
    published = publish_run.run(action("publish"), {"bundle": bundle})
    assert published.exit_code == 0, explain(published)
    [comment] = gate.github.comments(PR_NUMBER)
    assert published.outputs["comment-url"] == comment["html_url"]
    assert published.outputs["passed"] == "false"
    [status] = gate.github.statuses(head)
    assert status["context"] == CONTEXT and status["state"] == "failure"


def test_the_monitor_action_opens_and_closes_the_models_issue(gate: Gate) -> None:
    """A scheduled run of actions/monitor on the example: a drifted batch opens the issue, a batch like the
    training data closes it; production's reference profile is the one `mlgate train` logged."""
    import pandas as pd
    from click.testing import CliRunner

    from mlgate.cli import cli

    # production: validated, trained (which logs the profile), its gate's verdict tag, promoted
    seed = ["--config", str(gate.repo / "mlgate.yaml")]
    tail = ["--out", gate.out("seed"), "--tracking-uri", gate.store.uri]
    for command in (["validate", "--all", "--out", gate.out("seed")], ["train", "--runtime", "local", *tail]):
        assert CliRunner().invoke(cli, [*seed, *command], catch_exceptions=False).exit_code == 0
    gate.store.client().set_model_version_tag(MODEL, "1", "mlgate.verdict", "passed")
    assert CliRunner().invoke(cli, [*seed, "promote", "--version", "1", *tail]).exit_code == 0
    data = pd.read_csv(gate.repo / "data" / "breast_cancer.csv")
    incoming = gate.repo / "incoming"
    incoming.mkdir()
    data.assign(mean_radius=data["mean_radius"] * 1.6).to_csv(incoming / "drifted.csv", index=False)
    data.to_csv(incoming / "healthy.csv", index=False)
    runner = gate.runner(event_name="schedule")
    common = {"out": gate.out("monitor"), "tracking-uri": gate.store.uri}

    drifted = runner.run(action("monitor"), {**common, "data": "incoming/drifted.csv"})
    assert drifted.exit_code == 1, explain(drifted)
    assert drifted.outputs["status"] == "drifted" and drifted.outputs["passed"] == "false"
    [issue] = gate.github.issues()
    assert drifted.outputs["issue-url"] == issue["html_url"] and issue["state"] == "open"
    assert "mean\\_radius" in issue["body"]
    monitor = json.loads(Path(drifted.outputs["monitor-path"]).read_text())
    assert [f["name"] for f in monitor["features"] if f["status"] == "fail"] == ["mean_radius"]

    healthy = runner.run(action("monitor"), {**common, "data": "incoming/healthy.csv"})
    assert healthy.exit_code == 0, explain(healthy)
    assert healthy.outputs["status"] == "healthy"
    assert gate.github.issue(issue["number"])["state"] == "closed"


def test_production_not_rescored_still_gets_a_verdict_and_a_report(gate: Gate) -> None:
    """The PR makes the scorer robust to a missing value and adds an evaluation row with one; production's
    own scorer (its commit's) crashes on it: evaluate exits 3, compare still writes the verdict whose
    `evaluation` row fails, and the comment says production could not be re-scored."""
    gate.seed_production()
    run(gate.repo, "git", "checkout", "-q", "-B", "robust-scorer", "main")
    holdout = gate.repo / "data" / "holdout.csv"
    lines = holdout.read_text().splitlines()
    header, last = lines[0].split(","), lines[-1].split(",")
    last[0], last[header.index("mean_smoothness")] = "fna-999", ""
    holdout.write_text("\n".join([*lines, ",".join(last)]) + "\n")
    score = gate.repo / "score.py"
    score.write_text(score.read_text().replace("features = frame[list(model.feature_names_in_)]",
                                               "features = frame[list(model.feature_names_in_)].fillna(0.1)"))
    run(gate.repo, sys.executable, "-m", "dvc", "add", "-q", "data/holdout.csv")
    run(gate.repo, "git", "add", "-A")
    run(gate.repo, "git", "commit", "-q", "-m", "robust scorer, a row with a missing value")
    gate.github.add_pull(PR_NUMBER, head_sha=gate.head(), head_ref="robust-scorer")
    runner = gate.runner(event_name="pull_request", event=gate.pr_event(gate.head(), "robust-scorer"))
    result = runner.run(action("gate"), {"install": "false", "runtime": "local", "out": gate.out("pr"),
                                         "tracking-uri": gate.store.uri})
    assert result.exit_code == 3, explain(result)
    # evaluate exited 3, compare still ran (after evaluate's exit 3) and report rendered
    assert Path(result.outputs["verdict-path"]).is_file() and Path(result.outputs["report-path"]).is_file()
    verdict = json.loads((Path(gate.out("pr")) / "verdict.json").read_text())
    assert verdict["passed"] is False
    assert any(m["name"] == "evaluation" and m["status"] == "fail" for m in verdict["metrics"])
    [comment] = gate.github.comments(PR_NUMBER)
    assert "re-scored" in comment["body"] or "could not be scored" in comment["body"], comment["body"]
