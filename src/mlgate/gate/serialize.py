"""The Verdict as the plain dict that becomes verdict.json (documented in docs/documents.md)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from mlgate.gate.model import Side, Verdict
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
        "metrics": [
            {**asdict(m), "candidate": json_value(m.candidate), "production": json_value(m.production),
             "baseline": json_value(m.baseline), "reasons": list(m.reasons)}
            for m in verdict.metrics
        ],
        "params_diff": [asdict(p) for p in verdict.params_diff],
    }
