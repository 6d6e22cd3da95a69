"""`mlgate monitor` on a labelled batch: production scored in its own environment (its commit in a git
worktree, the local runtime, its model artifacts) and its gated metrics judged against the metrics its run
logged. A real SQLite MLflow store and a real git repository; the training and the scorer of
tests/support/eval_project.py (score = x / 10, prediction = score >= 0.5)."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from tests.conftest import MlflowStore
from tests.support.eval_project import make_eval_project
from tests.support.train_project import git, invoke, lineage, train_args

ROWS = 1200
# production's run logs these (its training wrote them); the batch from the same distribution scores about
# the same: accuracy 1 - 1/11 = 0.909, its interval about +-0.016
RECORDED = {"accuracy": 0.91, "roc_auc": 0.91}


def rows(n: int, *, flip: int = 11, wrong: int = 1, label: bool = True, row_id: bool = True) -> list[dict[str, Any]]:
    """x: 0..9, y: x >= 5, except `wrong` of every `flip` groups of ten rows, whose labels are flipped."""
    out = []
    for i in range(n):
        x = i % 10
        row: dict[str, Any] = {"sample_id": f"b{i}"} if row_id else {}
        row |= {"x": x, "sex": "fm"[i % 2]}
        if label:
            row["y"] = int((x >= 5) != ((i // 10) % flip < wrong))
        out.append(row)
    return out


def write(path: Path, data: list[dict[str, Any]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(data[0]))
        writer.writeheader()
        writer.writerows(data)
    return path


@pytest.fixture
def project(git_repo: Path, mlflow_store: MlflowStore) -> Path:
    """The eval project, trained on data like the batches, whose training logs RECORDED; in production."""
    config = make_eval_project(git_repo)
    write(git_repo / "data" / "train.csv", rows(ROWS, row_id=False))
    # the evaluation rows are like the batches: production's metrics there are the live reference
    write(git_repo / "data" / "holdout.csv", rows(ROWS))
    train_sh = (git_repo / "train.sh").read_text().replace(
        """printf '{"accuracy": 0.91, "test": {"auc": 0.87}, "note": "n/a"}'""",
        f"printf '{json.dumps(RECORDED)}'")
    (git_repo / "train.sh").write_text(train_sh)
    settings = yaml.safe_load(config.read_text())
    settings["metrics"] = {"accuracy": {"direction": "maximize", "max_regression": 0.05},
                           "roc_auc": {"direction": "maximize", "max_regression_pct": 5},
                           "log_loss": {"direction": "minimize", "max_regression": 0.5, "severity": "warn"},
                           "latency_ms": {"direction": "minimize"}}
    config.write_text(yaml.safe_dump(settings, sort_keys=False))
    git(git_repo, "commit", "-qam", "training data like production's, metrics")
    out = git_repo / ".mlgate"
    result = invoke(config, *train_args(out))
    assert result.exit_code == 0, result.output
    mlflow_store.client().set_registered_model_alias("churn", "production", lineage(out)["registered"]["version"])
    # later commits change the scorer: production is scored with its own commit's
    (git_repo / "score.py").write_text("raise SystemExit('the PR scorer must not run for production')\n")
    git(git_repo, "commit", "-qam", "a newer scorer")
    return config


def monitor(config: Path, out: Path, *files: Path) -> tuple[Any, dict[str, Any]]:
    args = ["monitor", "--out", str(out), "--no-post"]
    for path in files:
        args += ["--data", str(path)]
    result = invoke(config, *args)
    document = json.loads((out / "monitor.json").read_text()) if (out / "monitor.json").is_file() else {}
    return result, document


def schema_check(document: dict[str, Any]) -> None:
    schema = json.loads((Path(__file__).parents[2] / "docs/schemas/monitor.schema.json").read_text())
    jsonschema.validate(document, schema, cls=jsonschema.Draft202012Validator)


def by_name(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {m["name"]: m for m in document["live"]["metrics"]}


def test_a_labelled_batch_like_the_training_data_holds(project: Path, git_repo: Path) -> None:
    out = git_repo / ".mlgate"
    # two files, one with unlabelled rows (labels arrive late): scored as one table
    first, second = rows(ROWS)[:700], rows(ROWS)[700:]
    for row in second[:40]:
        row["y"] = ""
    result, document = monitor(project, out, write(git_repo / "in" / "a.csv", first),
                               write(git_repo / "in" / "b.csv", second))
    assert result.exit_code == 0, result.output
    assert "scoring v1:" in result.output  # production's own scorer, at its commit
    assert document["status"] == "healthy" and document["passed"] is True
    live = document["live"]
    assert (live["label"], live["scored"], live["rows"], live["unlabelled"]) == ("y", True, ROWS - 40, 40)
    metrics = by_name(document)
    accuracy = metrics["accuracy"]
    # the reference is production's accuracy on the evaluation rows (1 - 11/120 wrong groups), not the 0.91
    # its run logged
    assert accuracy["reference"] == "evaluation-rows" and accuracy["recorded"] == pytest.approx(109 / 120)
    assert accuracy["recorded_low"] < accuracy["recorded"] < accuracy["recorded_high"]
    assert accuracy["decision"] == "ok" and accuracy["status"] == "pass"
    assert accuracy["low"] < accuracy["current"] < accuracy["high"] and accuracy["low"] >= 0.86
    assert accuracy["method"] == "bootstrap" and accuracy["n"] == ROWS - 40
    assert metrics["latency_ms"]["status"] == "not-judged"
    assert "cannot compute latency_ms from predictions" in metrics["latency_ms"]["reason"]
    # production's run logged no log_loss: on the evaluation rows mlgate has its value, so it is judged
    assert metrics["log_loss"]["reference"] == "evaluation-rows" and metrics["log_loss"]["status"] == "pass"
    assert document["schema_changes"] == {"missing": [], "new": [], "changed_kind": []}
    assert "Live performance" in (out / "monitor.md").read_text()
    schema_check(document)
    assert git(git_repo, "worktree", "list").count("\n") == 0


def test_a_batch_whose_labels_are_corrupted_fell_exit_1(project: Path, git_repo: Path) -> None:
    out = git_repo / ".mlgate"
    result, document = monitor(project, out, write(git_repo / "in" / "bad.csv", rows(ROWS, flip=5, wrong=2)))
    assert result.exit_code == 1, result.output
    assert document["status"] == "degraded" and document["passed"] is False
    accuracy = by_name(document)["accuracy"]
    assert accuracy["decision"] == "fell" and accuracy["status"] == "fail"
    assert accuracy["high"] < 0.86
    assert accuracy["reason"].startswith("accuracy fell from 0.908 [")
    assert "on the evaluation rows to 0.6 [0." in accuracy["reason"]
    assert "accuracy fell from 0.908 [" in result.output
    assert "accuracy fell from 0.908" in document["summary"]
    report = (out / "monitor.md").read_text()
    assert "Live performance" in report and "accuracy fell from 0.908 \\[" in report
    assert report.splitlines()[1] == "## ❌ mlgate monitor · churn: performance fell"
    schema_check(document)


def test_monitor_on_the_evaluation_rows_themselves_is_healthy(project: Path, git_repo: Path) -> None:
    # the one measure: the evaluation rows as a batch are production's reference itself, no drift, no fall
    out = git_repo / ".mlgate"
    result, document = monitor(project, out, git_repo / "data" / "holdout.csv")
    assert result.exit_code == 0, result.output
    assert document["status"] == "healthy", document["summary"]
    metrics = by_name(document)
    for name in ("accuracy", "roc_auc"):
        assert metrics[name]["reference"] == "evaluation-rows" and metrics[name]["decision"] == "ok"
        assert metrics[name]["current"] == pytest.approx(metrics[name]["recorded"])
    assert not (git_repo / "mlflow.db").exists()


def test_serving_data_without_label_or_id_is_drift_only(project: Path, git_repo: Path) -> None:
    """The evaluation data's id column (profiled with it) is no missing reference column: an id is never
    a feature; the label's absence is a note."""
    out = git_repo / ".mlgate"
    result, document = monitor(project, out, write(git_repo / "in" / "serving.csv",
                                                   rows(ROWS, label=False, row_id=False)))
    assert result.exit_code == 0, result.output
    assert document["schema_changes"]["missing"] == []
    assert document["status"] == "healthy" and document.get("live") is None
    assert any("the label column `y` is not in the batch" in note for note in document["notes"])


def test_a_labelled_batch_without_evaluate_gets_a_note(project: Path, git_repo: Path) -> None:
    settings = yaml.safe_load(project.read_text())
    del settings["evaluate"]
    settings["monitor"] = {"features": {"sample_id": {"ignore": True}}}  # no evaluate.id says it is an id
    project.write_text(yaml.safe_dump(settings, sort_keys=False))
    out = git_repo / ".mlgate"
    result, document = monitor(project, out, write(git_repo / "in" / "b.csv", rows(ROWS)))
    assert result.exit_code == 0, result.output
    assert document.get("live") is None
    assert any("live performance (production's metrics on labelled rows) needs an `evaluate:` section" in note
               for note in document["notes"])


def test_production_not_scored_still_writes_the_drift_then_exits_3(
        project: Path, git_repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Production's scorer failing (a service of the monitor, exit 3) does not lose the run's drift: monitor.json
    and monitor.md are written, with a note, before the exit."""
    monkeypatch.setenv("SCORE_MODE", "fail")  # the scorer of production's commit reads it and crashes
    out = git_repo / ".mlgate"
    result, document = monitor(project, out, write(git_repo / "in" / "batch.csv", rows(ROWS)))
    assert result.exit_code == 3, result.output
    assert document["status"] == "healthy" and document.get("live") is None
    assert any(note.startswith("live performance not measured: production could not be scored")
               for note in document["notes"])
    assert "live performance not measured" in (out / "monitor.md").read_text()
    schema_check(document)
