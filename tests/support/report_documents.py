"""Work-directory documents for report tests, shaped as the stages write them (docs/documents.md).

`verdict()`, `validation()`, `lineage()` return fresh dicts (mutate freely) that the models of
mlgate.documents accept; `documents()` validates them into the report's `Documents`; `write_workdir` writes
them with their models, as the real stages do.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mlgate.documents import Lineage, Validation, Verdict
from mlgate.report.view import Documents
from mlgate.workdir import LINEAGE, VALIDATION, VERDICT, write_document

HEAD_SHA = "ec26c3e57ca3a959ca5aad62de7213c562f8c821"  # the head of PR #2 in the webhook payloads
HOSTILE = "<img src=x onerror=alert(1)> | @octocat </details> [x](javascript:alert(1)) ``` #1 **b**"
# What GitHub links or cross-references by itself: bare URLs, `www.` hosts, emails, GH-n, owner/repo#n.
LINKS = "[x](https://evil.example/login) www.evil.example a@evil.example GH-1 acme/churn#2 @acme/team"


def metric(name: str, candidate: Any, production: Any, *, status: str = "pass", direction: str = "maximize",
           baseline: Any = None, delta: float | None = None, delta_pct: float | None = None,
           reasons: list[str] | None = None, severity: str = "fail") -> dict[str, Any]:
    return {"name": name, "direction": direction, "severity": severity, "candidate": candidate,
            "production": production, "baseline": baseline, "delta": delta, "delta_pct": delta_pct,
            "baseline_delta": None, "status": status, "reasons": reasons or []}


def side(role: str, metrics: dict[str, Any], *, run_id: str | None = None, version: str | None = None,
         source: str = "", url: str | None = None, params: dict[str, str] | None = None) -> dict[str, Any]:
    return {"role": role, "source": source or role, "run_id": run_id, "version": version, "url": url,
            "metrics": metrics, "params": params or {}}


def verdict(status: str = "failed") -> dict[str, Any]:
    failed = status == "failed"
    return {
        "schema_version": 2,
        "passed": not failed,
        "status": status,
        "summary": ("roc_auc fell 0.031 below production (0.912 → 0.881; at most 0.01 allowed)" if failed
                    else "All 3 gated metrics are at least as good as production"),
        "model": {"name": "churn", "production_alias": "production"},
        "framing": {"decision": "Ship the churn model when it ranks churners at least as well as production",
                    "primary_metric": "roc_auc"},
        "primary_metric": "roc_auc",
        "candidate": side("candidate", {"roc_auc": 0.881 if failed else 0.921, "f1": 0.71, "latency_ms": 12.5},
                          run_id="5f1c0ffee0ddba11d00d5f1c0ffee0dd", version="7",
                          source="MLflow run 5f1c0ffee0dd",
                          url="http://mlflow.example:5000/#/experiments/3/runs/5f1c0ffee0ddba11d00d5f1c0ffee0dd",
                          params={"max_depth": "8", "n_estimators": "300"}),
        "production": side("production", {"roc_auc": 0.912, "f1": 0.70, "latency_ms": 11.0},
                           run_id="0123456789abcdef0123456789abcdef", version="6",
                           source="churn@production (version 6)"),
        "baseline": side("baseline", {"roc_auc": 0.75}, source="metrics file baseline.json"),
        "notes": ["latency_ms is only warned about (severity warn)"],
        "metrics": [
            metric("roc_auc", 0.881 if failed else 0.921, 0.912, baseline=0.75,
                   delta=-0.031 if failed else 0.009, delta_pct=-3.4 if failed else 0.99,
                   status="fail" if failed else "pass",
                   reasons=["fell 0.031 below production (at most 0.01 allowed)"] if failed else []),
            metric("f1", 0.71, 0.70, delta=0.01, delta_pct=1.43),
            metric("latency_ms", 12.5, 11.0, direction="minimize", delta=1.5, delta_pct=13.6, status="warn",
                   severity="warn", reasons=["rose 13.6% above production (at most 10% allowed)"]),
        ],
        "params_diff": [{"name": "max_depth", "candidate": "8", "production": "6"},
                        {"name": "n_estimators", "candidate": "300", "production": None}],
        "history": [
            {"version": "4", "run_id": "a" * 32, "value": 0.894, "created_at": 1700000000000,
             "aliases": ["previous-production"]},
            {"version": "5", "run_id": "b" * 32, "value": 0.905, "created_at": 1700100000000, "aliases": []},
            {"version": "6", "run_id": "c" * 32, "value": 0.912, "created_at": 1700200000000,
             "aliases": ["production"]},
        ],
        "comparison": "logged-metrics",
        "slices": [],
    }


def validation(passed: bool = False) -> dict[str, Any]:
    datasets = [
        {"dataset": "train", "path": "data/train.csv", "format": "csv", "status": "valid",
         "version": {"kind": "dvc-md5", "value": "3f2a9c1d0b8e7f6a5d4c3b2a19081726"}, "rows": 12000,
         "bytes": 480000, "failures": []},
    ]
    if not passed:
        datasets.append(
            {"dataset": "eval", "path": "data/eval.parquet", "format": "parquet", "status": "invalid",
             "version": {"kind": "sha256", "value": "9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b"}, "rows": 3000,
             "bytes": 91000, "failures": [
                 {"check": "in_range", "column": "age", "message": "age must be between 0 and 120",
                  "failing_rows": 2, "samples": [{"row": 17, "age": -3, "country": "FR"},
                                                  {"row": 912, "age": 430, "country": "DE"}]},
                 {"check": "not_null", "column": "country", "message": "country has 1 null value",
                  "failing_rows": 1, "samples": [{"row": 44, "age": 31, "country": None}]},
             ]})
    return {"schema_version": 1, "passed": passed, "mode": "changed", "base": "origin/main",
            "base_sha": "9ef901a5d7ea729fe352d99f6a6771758355c57a", "datasets": datasets}


def lineage() -> dict[str, Any]:
    return {
        "schema_version": 1,
        "status": "succeeded",
        "reproducible": True,
        "not_reproducible_because": [],
        "code": {"commit": HEAD_SHA, "dirty": False, "diff_sha256": None},
        "data": [{"path": "data/train.csv", "version": {"kind": "dvc-md5", "value": "3f2a9c1d0b8e7f6a"},
                  "bytes": 480000, "rows": 12000, "source": "validation"}],
        "environment": {"runtime": "podman", "image": "ghcr.io/acme/train:1.4",
                        "image_digest": "sha256:4b7c1f0e9d8c7b6a5f4e3d2c1b0a99887766554433221100ffeeddccbbaa9988",
                        "pinned": True, "lockfile": "requirements.lock",
                        "lockfile_sha256": "aa11bb22cc33dd44ee55ff66", "python_version": "3.11.9"},
        "configuration": {"command": "python train.py", "metrics_file": "metrics.json",
                          "params_file": "params.yaml", "params_sha256": "77aa88bb99cc00dd", "params": {},
                          "seed": 42, "env": []},
        "model": {"path": "model/", "files": {"model.pkl": "0d3f" * 16}, "sha256": "e5c2" * 16},
        "metrics": {"roc_auc": 0.881, "f1": 0.71, "latency_ms": 12.5},
        "run": {"run_id": "5f1c0ffee0ddba11d00d5f1c0ffee0dd", "experiment_id": "3", "url": None},
        "registered": {"name": "churn", "version": "7", "alias": "candidate"},
        "ci": {"pr": 2, "head_sha": HEAD_SHA, "run_url": "https://github.com/acme/churn/actions/runs/42"},
        "duration_seconds": 41.2,
    }


# The last lines of a training that failed, with what a hostile log could print: backtick fences, HTML that
# would close our <details>, a line like our section boundaries, mentions and links, a very long line.
FAILED_LOG = [
    *(f"epoch {i}: loss {1 / (i + 1):.3f}" for i in range(14)),
    "````` a fence of five backticks",
    "</code></pre></details><img src=x onerror=alert(1)>",
    "<!-- section: footer -->",
    "@octocat see #1 and https://evil.example/x and www.evil.example",
    "x" * 1200,
    "Traceback (most recent call last):",
    '  File "train.py", line 41, in <module>',
    "    model.fit(X, y)",
    *(f"  step {i}: grad norm inf" for i in range(21)),
    "\x1b[31mRuntimeError: loss exploded at step 3\x1b[0m",
]


def failed_training_verdict() -> dict[str, Any]:
    """verdict.json as `mlgate compare` writes it for a run whose training failed: no candidate metrics."""
    doc = verdict("failed")
    doc["summary"] = "failed: roc_auc candidate value is missing; f1 candidate value is missing"
    doc["candidate"].update(metrics={}, params={}, version=None)
    doc["metrics"] = [metric(name, None, value, status="fail", reasons=["candidate value is missing"])
                      for name, value in (("roc_auc", 0.912), ("f1", 0.70))]
    doc["params_diff"] = []
    doc["notes"] = ["the training of this run failed (the training command failed with exit code 1), so it has "
                    "no metrics: fix the training (log: .mlgate/train.log) and run mlgate train again"]
    return doc


def failed_lineage() -> dict[str, Any]:
    """lineage.json of a training whose command failed: status, error and the log's tail."""
    doc = lineage()
    doc.update(status="failed", model=None, metrics={}, registered=None, log_tail=list(FAILED_LOG),
               error="the training command failed with exit code 1\n  why: \x1b[31mRuntimeError: loss exploded "
                     "at step 3\x1b[0m\n  fix: read the training log above (also in .mlgate/train.log; its tail "
                     "is in lineage.json)")
    return doc


def interval(low: float, high: float, *, method: str = "bootstrap", n: int = 569) -> dict[str, Any]:
    return {"low": low, "high": high, "confidence": 0.95, "method": method, "n": n}


def paired_metric(name: str, candidate: float, production: float, low: float, high: float, *, status: str,
                  decision: str, reasons: list[str], method: str = "bootstrap", n: int = 569,
                  direction: str = "maximize", severity: str = "fail", rows_to_decide: int | None = None,
                  baseline: float | None = None, tolerance: float | None = None) -> dict[str, Any]:
    """A same-data row; with `tolerance`, as this mlgate writes it (the tolerance and the sensitivity, the
    interval's half-width); without, as an older verdict.json has it."""
    delta = round(candidate - production, 6)
    row = metric(name, candidate, production, status=status, direction=direction, baseline=baseline,
                 delta=delta, delta_pct=round(delta / production * 100, 4), reasons=reasons, severity=severity)
    row.update(decision=decision, interval=interval(low, high, method=method, n=n), comparison="same-data")
    if rows_to_decide is not None:
        row["rows_to_decide"] = rows_to_decide
    if tolerance is not None:
        row.update(tolerance=tolerance, sensitivity=round((high - low) / 2, 9))
    return row


def same_data_verdict(*, slice_fails: bool = True) -> dict[str, Any]:
    """verdict.json of a same-data comparison (evaluate:), as `mlgate compare` writes it: roc_auc passes on
    its DeLong interval, accuracy is inconclusive (warn), latency_ms stays logged; slices by sex (one
    regressing when `slice_fails`, one too small to judge) and the flips with their harmful rows."""
    doc = verdict("passed")
    doc.update(status="failed" if slice_fails else "warned", passed=not slice_fails,
               comparison="same-data", evaluation_data="data/holdout.csv (dvc-md5 3f2a9c1d)")
    doc["summary"] = ("failed: roc_auc on sex=F 0.861 is lower than production (0.902) by more than the "
                      "tolerated 0.01" if slice_fails else
                      "passed with warnings on accuracy: roc_auc 0.921 (-0.001 [-0.009, +0.006] vs production "
                      "on the same 569 rows)")
    doc["metrics"] = [
        paired_metric("roc_auc", 0.921, 0.922, -0.009, 0.006, status="pass", decision="pass", method="delong",
                      baseline=0.75, tolerance=0.01, reasons=["non-inferior: its 95% interval (delong, 569 rows) rules out a "
                                              "regression beyond the tolerated 0.01"]),
        paired_metric("accuracy", 0.912, 0.916, -0.018, 0.011, status="warn", decision="inconclusive",
                      method="mcnemar", rows_to_decide=2310, tolerance=0.005,
                      reasons=["inconclusive: the difference -0.004 [-0.018, +0.011] (95% mcnemar, 569 rows) "
                               "neither rules out nor shows a regression beyond the tolerated 0.005; about "
                               "2,310 evaluation rows would decide it"]),
        {**metric("latency_ms", 12.5, 11.0, direction="minimize", delta=1.5, delta_pct=13.6, status="pass",
                  severity="warn", reasons=["logged: compared on the metrics each model logged, possibly on "
                                            "different data"]), "comparison": "logged-metrics"},
    ]
    female = (paired_metric("roc_auc", 0.861, 0.902, -0.07, -0.015, status="fail", decision="fail", n=212,
                            reasons=["0.861 is lower than production (0.902) by more than the tolerated "
                                     "0.01: the difference -0.041 [-0.07, -0.015] (95% bootstrap, 212 rows)"],
                            severity="fail", tolerance=0.01)
              if slice_fails else
              paired_metric("roc_auc", 0.9, 0.902, -0.006, 0.004, status="pass", decision="pass", n=212,
                            reasons=["non-inferior"], severity="warn", tolerance=0.01))
    doc["slices"] = [
        {"column": "sex", "value": "F", "n": 212, "judged": True, "status": female["status"], "metrics": [female]},
        {"column": "sex", "value": "M", "n": 345, "judged": True, "status": "pass", "metrics": [
            paired_metric("roc_auc", 0.93, 0.929, -0.004, 0.007, status="pass", decision="pass", n=345,
                          reasons=["non-inferior"], severity="warn", tolerance=0.01)]},
        {"column": "sex", "value": "(missing)", "n": 12, "judged": False, "status": None, "metrics": []},
    ]
    doc["flips"] = {"both_right": 510, "both_wrong": 37, "harmful": 13, "helpful": 9, "n": 569,
                    "harmful_pct": 13 / 569 * 100, "max_harmful_flip_pct": 5.0, "status": "pass",
                    "reason": "13 of 569 rows (2.28%) flip from right (production) to wrong (candidate), 9 from "
                              "wrong to right: within the tolerated 5%",
                    "harmful_rows": [{"id": f"p-{i:04d}", "label": "1", "production": "1", "candidate": "0"}
                                     for i in (3, 17, 42)]}
    return doc


def documents(*, verdict_doc: dict[str, Any] | None = None, validation_doc: dict[str, Any] | None = None,
              lineage_doc: dict[str, Any] | None = None) -> Documents:
    """The dicts validated with their models, as `mlgate report` reads them."""
    return Documents(
        verdict=Verdict.model_validate(verdict_doc) if verdict_doc is not None else None,
        validation=Validation.model_validate(validation_doc) if validation_doc is not None else None,
        lineage=Lineage.model_validate(lineage_doc) if lineage_doc is not None else None,
    )


def write_workdir(out: Path, *, verdict_doc: dict[str, Any] | None = None,
                  validation_doc: dict[str, Any] | None = None,
                  lineage_doc: dict[str, Any] | None = None) -> Path:
    found = documents(verdict_doc=verdict_doc, validation_doc=validation_doc, lineage_doc=lineage_doc)
    for name, doc in ((VERDICT, found.verdict), (VALIDATION, found.validation), (LINEAGE, found.lineage)):
        if doc is not None:
            write_document(out / name, doc)
    return out


def config_file(root: Path, *, template: str | None = None) -> Path:
    """A minimal mlgate.yaml for the report stage."""
    lines = ["model:", "  name: churn", "framing:", "  decision: Ship the churn model when it ranks churners "
             "at least as well as production", "  primary_metric: roc_auc", "metrics:",
             "  roc_auc: {direction: maximize, max_regression: 0.01}", "  f1: {direction: maximize}",
             "  latency_ms: {direction: minimize, max_regression_pct: 10, severity: warn}"]
    if template:
        lines += ["report:", f"  template: {template}"]
    path = root / "mlgate.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
