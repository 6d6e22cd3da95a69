"""evaluate/slices.py and evaluate/flips.py: metrics per slice value (as text, NaN as "(missing)", small
slices not judged) and the rows each model gets right."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn import metrics as skm

from mlgate.evaluate.flips import flips
from mlgate.evaluate.metrics import metric_spec
from mlgate.evaluate.model import EvalSet, Flip, Scored
from mlgate.evaluate.paired import paired_metrics
from mlgate.evaluate.slices import slice_metrics

KW = {"confidence": 0.95, "resamples": 200, "seed": 1}


def case(n: int = 600) -> tuple[EvalSet, Scored, Scored]:
    rng = np.random.default_rng(4)
    y = rng.integers(0, 2, n)
    sex = rng.choice(np.array(["f", "m"], dtype=object), n)
    band = rng.choice(np.array([1.0, 2.0, 10.0, np.nan]), n, p=[0.45, 0.45, 0.05, 0.05])
    sc, sp = (np.clip(0.3 + 0.4 * y + rng.normal(0, 0.25, n), 0, 1) for _ in range(2))
    evalset = EvalSet("binary", y, np.arange(n), (0, 1), slices={"sex": sex, "age_band": band})
    return evalset, Scored("candidate", (sc > 0.5).astype(int), sc), Scored("production", (sp > 0.5).astype(int), sp)


def test_slices_per_value_with_the_metrics_of_their_rows() -> None:
    evalset, cand, prod = case()
    specs = [metric_spec(n, "binary") for n in ("roc_auc", "accuracy", "f1")]
    result = slice_metrics(specs, evalset, cand, prod, min_rows=50, **KW)  # type: ignore[arg-type]
    assert [(s.column, s.value) for s in result] == [
        ("sex", "f"), ("sex", "m"), ("age_band", "1"), ("age_band", "2"), ("age_band", "10"),
        ("age_band", "(missing)")]
    band = np.asarray(evalset.slices["age_band"])
    counts = {"1": int(np.sum(band == 1)), "2": int(np.sum(band == 2)), "10": int(np.sum(band == 10)),
              "(missing)": int(np.isnan(band).sum())}
    for s in result[2:]:
        assert s.n == counts[s.value]
        assert s.judged == (s.n >= 50)
        assert s.metrics == () if not s.judged else len(s.metrics) == 3
    female = result[0]
    rows = np.asarray(evalset.slices["sex"]) == "f"
    assert female.n == int(rows.sum()) and female.judged
    assert [m.name for m in female.metrics] == ["roc_auc", "accuracy", "f1"]
    assert female.metrics[0].candidate == pytest.approx(skm.roc_auc_score(evalset.y_true[rows], cand.score[rows]))  # type: ignore[index]
    sub = EvalSet("binary", evalset.y_true[rows], evalset.ids[rows], (0, 1))
    alone = paired_metrics(specs, sub, Scored("candidate", cand.prediction[rows], cand.score[rows]),  # type: ignore[index, arg-type]
                           Scored("production", prod.prediction[rows], prod.score[rows]), **KW)  # type: ignore[index, arg-type]
    assert list(female.metrics) == alone


def test_a_metric_undefined_on_a_slice_is_left_out_of_it() -> None:
    evalset, cand, prod = case()
    only_positive = np.where(evalset.y_true == 1, "pos", "neg").astype(object)
    evalset = EvalSet("binary", evalset.y_true, evalset.ids, (0, 1), slices={"label": only_positive})
    specs = [metric_spec(n, "binary") for n in ("roc_auc", "accuracy")]
    result = slice_metrics(specs, evalset, cand, prod, min_rows=50, **KW)  # type: ignore[arg-type]
    assert [(s.value, [m.name for m in s.metrics]) for s in result] == [("neg", ["accuracy"]), ("pos", ["accuracy"])]


def test_no_slice_columns_no_slices() -> None:
    evalset, cand, prod = case()
    plain = EvalSet("binary", evalset.y_true, evalset.ids, (0, 1))
    assert slice_metrics([metric_spec("f1", "binary")], plain, cand, prod, min_rows=1, **KW) == []  # type: ignore[list-item]


def test_flips_count_the_four_cells_and_show_the_first_harmful_rows() -> None:
    y = np.array(["cat", "dog", "cat", "dog", "cat", "dog"], dtype=object)
    prod = np.array(["cat", "dog", "dog", "dog", "cat", "cat"], dtype=object)
    cand = np.array(["cat", "cat", "cat", "cat", "dog", "cat"], dtype=object)
    evalset = EvalSet("multiclass", y, np.array(["r1", "r2", "r3", "r4", "r5", "r6"], dtype=object), ("cat", "dog"))
    result = flips(evalset, Scored("candidate", cand), Scored("production", prod), top=2)
    assert (result.both_right, result.both_wrong, result.harmful, result.helpful) == (1, 1, 3, 1)
    assert result.harmful_rows == (Flip("r2", "dog", "dog", "cat"), Flip("r4", "dog", "dog", "cat"))
    assert result.n == 6 and result.harmful_pct == pytest.approx(50.0)


def test_flips_ids_and_labels_as_text() -> None:
    evalset = EvalSet("binary", np.array([1.0, 0.0]), np.array([10, 11]), (0, 1))
    result = flips(evalset, Scored("candidate", np.array([0, 0])), Scored("production", np.array([1, 0])))
    assert result.harmful_rows == (Flip("10", "1", "1", "0"),)


def test_flips_are_for_classification_only() -> None:
    evalset = EvalSet("regression", np.array([1.0]), np.array([0]))
    with pytest.raises(ValueError, match="classification only"):
        flips(evalset, Scored("candidate", np.array([1.0])), Scored("production", np.array([1.0])))
