"""The Verdict as the plain dict that becomes verdict.json (documented in docs/documents.md)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from mlgate.gate.model import FlipResult, MetricResult, Side, SliceResult, Verdict
from mlgate.gate.policy import summary
from mlgate.gate.values import json_value


def side_dict(side: Side | None) -> dict[str, Any] | None:
    if side is None:
        return None
    return {
        "role": side.role,
        "source": side.source,
        "run_id": side.run_id,
        "version": side.version,
        "url": side.url,
        "metrics": {k: json_value(v) for k, v in side.metrics.items()},
        "params": dict(side.params),
    }


def verdict_dict(verdict: Verdict) -> dict[str, Any]:
    """Everything a report or a later workflow needs, strict-JSON safe (NaN/inf become strings)."""
    return {
        "passed": verdict.passed,
        "status": verdict.status,
        "summary": summary(verdict),
        "model": verdict.model,
        "primary_metric": verdict.primary_metric,
        "candidate": side_dict(verdict.candidate),
        "production": side_dict(verdict.production),
        "baseline": side_dict(verdict.baseline),
        "notes": list(verdict.notes),
        "metrics": [metric_dict(m) for m in verdict.metrics],
        "params_diff": [asdict(p) for p in verdict.params_diff],
        "comparison": verdict.comparison,
        "evaluation_data": verdict.evaluation_data or None,
        "slices": [slice_dict(s) for s in verdict.slices],
        "flips": flips_dict(verdict.flips),
    }


def metric_dict(m: MetricResult) -> dict[str, Any]:
    return {**asdict(m), "candidate": json_value(m.candidate), "production": json_value(m.production),
            "baseline": json_value(m.baseline), "logged": json_value(m.logged), "reasons": list(m.reasons)}


def slice_dict(s: SliceResult) -> dict[str, Any]:
    return {"column": s.column, "value": s.value, "n": s.n, "judged": s.judged, "status": s.status,
            "metrics": [metric_dict(m) for m in s.metrics]}


def flips_dict(result: FlipResult | None) -> dict[str, Any] | None:
    if result is None:
        return None
    flips = result.flips
    return {"both_right": flips.both_right, "both_wrong": flips.both_wrong, "harmful": flips.harmful,
            "helpful": flips.helpful, "n": flips.n, "harmful_pct": flips.harmful_pct,
            "max_harmful_flip_pct": result.limit, "status": result.status, "reason": result.reason,
            "harmful_rows": [asdict(row) for row in flips.harmful_rows]}
