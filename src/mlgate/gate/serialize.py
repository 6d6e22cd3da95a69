"""The Verdict as the document that becomes verdict.json (`mlgate.documents.Verdict`)."""

from __future__ import annotations

from collections.abc import Sequence

from mlgate import documents
from mlgate.gate.model import Side, Verdict
from mlgate.gate.policy import summary
from mlgate.gate.values import json_value


def side_document(side: Side | None) -> documents.Side | None:
    if side is None:
        return None
    return documents.Side(
        role=side.role,
        source=side.source,
        run_id=side.run_id,
        version=side.version,
        url=side.url,
        metrics={k: json_value(v) for k, v in side.metrics.items()},
        params=dict(side.params),
    )


def verdict_document(verdict: Verdict, *, model: documents.ModelRef, framing: documents.Framing,
                     history: Sequence[documents.HistoryPoint] = ()) -> documents.Verdict:
    """Everything a report or a later workflow needs, strict-JSON safe (NaN/inf become strings)."""
    return documents.Verdict(
        passed=verdict.passed,
        status=verdict.status,
        summary=summary(verdict),
        model=model,
        framing=framing,
        primary_metric=verdict.primary_metric,
        candidate=side_document(verdict.candidate),
        production=side_document(verdict.production),
        baseline=side_document(verdict.baseline),
        notes=list(verdict.notes),
        metrics=[
            documents.MetricResult(
                name=m.name, direction=m.direction, severity=m.severity, candidate=json_value(m.candidate),
                production=json_value(m.production), baseline=json_value(m.baseline), delta=m.delta,
                delta_pct=m.delta_pct, baseline_delta=m.baseline_delta, status=m.status,
                reasons=list(m.reasons))
            for m in verdict.metrics
        ],
        params_diff=[documents.ParamChange(name=p.name, candidate=p.candidate, production=p.production)
                     for p in verdict.params_diff],
        history=list(history),
    )
