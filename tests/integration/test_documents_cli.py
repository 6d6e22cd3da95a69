"""A malformed or newer work-directory document is bad input (exit 2) naming the file, through the CLI.

`mlgate report` reads all three documents, `mlgate compare` the lineage.json train wrote (its run is the
candidate), `mlgate train` the validation.json (test_train_local.py), `mlgate publish` a bundle's
documents (test_publish.py). No MLflow store is needed: each command stops at the document.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from mlgate.cli import cli
from tests.support import report_documents as docs

FACTORIES: dict[str, Callable[[], dict[str, Any]]] = {
    "verdict.json": docs.verdict, "validation.json": docs.validation, "lineage.json": docs.lineage}


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project whose work directory holds the three documents as the stages write them."""
    root = tmp_path / "project"
    root.mkdir()
    docs.config_file(root)
    docs.write_workdir(root / ".mlgate", verdict_doc=docs.verdict(), validation_doc=docs.validation(),
                       lineage_doc=docs.lineage())
    monkeypatch.chdir(root)
    return root


def invoke(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def changed(name: str, **changes: Any) -> str:
    return json.dumps({**FACTORIES[name](), **changes})


def nested(name: str) -> str:
    """A field of the wrong type deep inside each document."""
    document = FACTORIES[name]()
    if name == "verdict.json":
        document["metrics"][0]["delta"] = "a lot"
    elif name == "validation.json":
        document["datasets"][0]["failures"] = [{"check": "x", "column": None, "message": "m",
                                                "failing_rows": "12", "samples": []}]
    else:
        document["environment"]["pinned"] = "yes"
    return json.dumps(document)


# one more than the newest version this mlgate reads (verdict.json is at 2: the same-data comparison)
NEWER = {"verdict.json": 3, "validation.json": 2, "lineage.json": 2}
WHERE = {"verdict.json": "metrics.0.delta", "validation.json": "datasets.0.failures.0.failing_rows",
         "lineage.json": "environment.pinned"}


def cases() -> list[Any]:
    found = []
    for name in FACTORIES:
        found += [
            pytest.param(name, "{not json", "is not valid JSON", id=f"{name}-not-json"),
            pytest.param(name, '["a list"]', "must hold a JSON object", id=f"{name}-not-an-object"),
            pytest.param(name, changed(name, schema_version=NEWER[name]),
                         f"has schema_version {NEWER[name]}; this mlgate reads up to {NEWER[name] - 1}",
                         id=f"{name}-newer"),
            pytest.param(name, changed(name, schema_version="one"), "has schema_version 'one'",
                         id=f"{name}-unknown-version"),
            pytest.param(name, changed(name, passed="yes") if name != "lineage.json" else
                         changed(name, reproducible="yes"), "Input should be a valid boolean",
                         id=f"{name}-wrong-type"),
            pytest.param(name, nested(name), WHERE[name], id=f"{name}-wrong-type-deep"),
            pytest.param(name, changed(name, surprise=1), "surprise: Extra inputs are not permitted",
                         id=f"{name}-unknown-key"),
        ]
    return found


@pytest.mark.parametrize(("name", "text", "words"), cases())
def test_report_refuses_a_bad_document(project: Path, name: str, text: str, words: str) -> None:
    path = project / ".mlgate" / name
    path.write_text(text)
    result = invoke("report", "--no-post")
    assert result.exit_code == 2, result.output
    assert words in result.output
    assert f".mlgate/{name}" in result.output
    assert not (project / ".mlgate" / "report.md").exists()


def test_report_of_a_training_that_failed_renders(project: Path) -> None:
    """A lineage as a failed training writes it (no model, an error and the log's tail) is a valid one."""
    failed = {**docs.lineage(), "status": "failed", "model": None, "metrics": {}, "registered": None,
              "error": "the training command failed with exit code 1", "log_tail": ["Traceback", "ValueError"]}
    (project / ".mlgate" / "lineage.json").write_text(json.dumps(failed))
    result = invoke("report", "--no-post")
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize(("text", "words"), [
    ("{not json", "is not valid JSON"),
    (changed("lineage.json", schema_version=3), "has schema_version 3"),
    (changed("lineage.json", run={"run_id": ["r"], "experiment_id": "1", "url": None}),
     "run.run_id: Input should be a valid string"),
    (changed("lineage.json", status="finished"), "status: Input should be 'running', 'succeeded' or 'failed'"),
])
def test_compare_refuses_a_bad_lineage(project: Path, text: str, words: str) -> None:
    """Without --candidate-run, compare reads the run from lineage.json: a bad one is not "no run"."""
    path = project / ".mlgate" / "lineage.json"
    path.write_text(text)
    result = invoke("compare")
    assert result.exit_code == 2, result.output
    assert words in result.output and ".mlgate/lineage.json" in result.output
    assert (project / ".mlgate" / "verdict.json").exists()  # refused before the stage began


def test_a_hostile_key_cannot_start_a_workflow_command(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Inside Actions the error is an annotation; the file's key is on one line in it, with no `##[`."""
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    key = "x\n::set-output name=passed::true\n##[error]owned\n"
    (project / ".mlgate" / "verdict.json").write_text(changed("verdict.json", **{key: 1}))
    result = invoke("report", "--no-post")
    assert result.exit_code == 2
    commands = [line for line in result.output.splitlines() if line.lstrip().startswith("::")]
    assert all(line.startswith("::error") for line in commands), commands
    assert "::set-output" not in "".join(line.split("::", 2)[1] for line in commands)
    assert "##[" not in result.output
