"""Flips between production and the candidate, row by row (classification): which rows each gets right.

Harmful: production right, the candidate wrong; helpful: the reverse. Labels are compared as text
(`metrics.label_key`), the same way the metrics compare them. Pure.
"""

from __future__ import annotations

import numpy as np

from mlgate.evaluate.metrics import encode, label_key
from mlgate.evaluate.model import EvalSet, Flip, Flips, Scored


def flips(evalset: EvalSet, candidate: Scored, production: Scored, top: int = 10) -> Flips:
    """The four counts and the first `top` harmful rows (in row order): id, label and both predictions."""
    if evalset.task == "regression":
        raise ValueError("flips are counted for classification only")
    enc = encode(evalset)
    right_c = enc.prediction(candidate) == enc.y
    right_p = enc.prediction(production) == enc.y
    harmful = right_p & ~right_c
    rows = np.flatnonzero(harmful)[: max(top, 0)]
    ids, y = np.asarray(evalset.ids), np.asarray(evalset.y_true)
    pc, pp = np.asarray(candidate.prediction), np.asarray(production.prediction)
    shown = tuple(Flip(id=label_key(ids[i]), label=label_key(y[i]), production=label_key(pp[i]),
                       candidate=label_key(pc[i])) for i in rows.tolist())
    return Flips(both_right=int(np.sum(right_c & right_p)), both_wrong=int(np.sum(~right_c & ~right_p)),
                 harmful=int(harmful.sum()), helpful=int(np.sum(right_c & ~right_p)), harmful_rows=shown)
