"""The evaluation data and the predictions files: read, checked, aligned (evaluate/predictions.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from mlgate.config import Config, parse_config
from mlgate.errors import BadInput
from mlgate.evaluate.predictions import load_evalset, load_predictions, read_predictions


def make_config(root: Path, **evaluate: Any) -> Config:
    settings = {"data": "holdout.csv", "label": "y", "command": "python score.py", "task": "binary", **evaluate}
    metrics = {"roc_auc": {"direction": "maximize"}, "accuracy": {"direction": "maximize"}}
    return parse_config({"model": {"name": "m"}, "metrics": metrics, "evaluate": settings}, source="t",
                        root=root)


def holdout(root: Path, frame: pd.DataFrame, name: str = "holdout.csv") -> Path:
    path = root / name
    if name.endswith(".parquet"):
        frame.to_parquet(path)
    else:
        frame.to_csv(path, index=False)
    return path


@pytest.fixture
def binary(tmp_path: Path) -> Config:
    holdout(tmp_path, pd.DataFrame({"id": ["a", "b", "c", "d"], "y": [0, 1, 1, 0], "sex": ["f", "m", None, "f"]}))
    return make_config(tmp_path, id="id", slices=["sex"])


def predictions(root: Path, frame: pd.DataFrame, name: str = "pred.csv") -> Path:
    return holdout(root, frame, name)


def bad(match: str, call: Any, *args: Any, **kwargs: Any) -> BadInput:
    with pytest.raises(BadInput, match=match) as info:
        call(*args, **kwargs)
    assert info.value.exit_code == 2
    return info.value


def test_evalset_reads_labels_ids_slices_classes(binary: Config) -> None:
    evalset = load_evalset(binary)
    assert evalset.task == "binary" and evalset.n == 4
    assert evalset.y_true.tolist() == [0, 1, 1, 0]
    assert evalset.ids.tolist() == ["a", "b", "c", "d"]
    assert evalset.classes == (0, 1)
    assert list(evalset.slices) == ["sex"] and evalset.slices["sex"][0] == "f"


def test_evalset_ids_default_to_row_numbers_and_positive_class(tmp_path: Path) -> None:
    holdout(tmp_path, pd.DataFrame({"y": ["yes", "no", "no"]}), "h.parquet")
    config = make_config(tmp_path, data="h.parquet", positive_class="no")
    evalset = load_evalset(config)
    assert evalset.ids.tolist() == ["0", "1", "2"]
    assert evalset.classes == ("yes", "no")


@pytest.mark.parametrize("evaluate, match", [
    ({"label": "target"}, r"holdout.csv has no column 'target' \(evaluate.label\)"),
    ({"slices": ["age"]}, r"holdout.csv has no column 'age' \(evaluate.slices\)"),
    ({"id": "row"}, r"holdout.csv has no column 'row' \(evaluate.id\)"),
    ({"data": "nowhere.csv"}, r"evaluate.data\) nowhere.csv not found"),
    ({"task": "regression", "label": "id"}, r"label column 'id' holds values that are not finite numbers"),
    ({"task": "binary", "label": "sex"}, r"label column 'sex' has missing values \(row 3\)"),
])
def test_evalset_faults_name_the_file_and_column(binary: Config, evaluate: dict[str, Any], match: str) -> None:
    config = make_config(binary.root, **{"id": "id", **evaluate})
    error = bad(match, load_evalset, config)
    assert error.file is not None


def test_evalset_refuses_repeated_ids_and_a_third_class(tmp_path: Path) -> None:
    holdout(tmp_path, pd.DataFrame({"id": [1, 2, 2], "y": [0, 1, 2]}))
    bad(r"id column 'id' repeats ids \('2'\)", load_evalset, make_config(tmp_path, id="id"))
    bad(r"evaluate.task is binary but .* holds 3 classes", load_evalset, make_config(tmp_path))


def test_predictions_aligned_by_id(binary: Config, tmp_path: Path) -> None:
    evalset = load_evalset(binary)
    path = predictions(tmp_path, pd.DataFrame({"id": ["d", "c", "b", "a"], "prediction": [0, 1, 1, 1],
                                               "score": [0.1, 0.8, 0.7, 0.6]}))
    scored = read_predictions(path, evalset, "candidate", "binary", id_column="id")
    assert scored.role == "candidate"
    assert scored.prediction.tolist() == [1, 1, 1, 0]
    assert scored.score is not None and scored.score.tolist() == [0.6, 0.7, 0.8, 0.1]


def test_predictions_aligned_by_row_number_and_classes_as_labels(binary: Config, tmp_path: Path) -> None:
    evalset = load_evalset(binary)
    path = predictions(tmp_path, pd.DataFrame({"prediction": [0.0, 1.0, 1.0, 0.0],
                                               "score_1": [0.1, 0.9, 0.8, 0.3]}), "p.parquet")
    scored = read_predictions(path, evalset, "production", "binary", id_column="id")
    assert scored.prediction.tolist() == [0, 1, 1, 0] and scored.prediction.dtype == evalset.y_true.dtype
    assert scored.score is not None and scored.score.tolist() == [0.1, 0.9, 0.8, 0.3]


@pytest.mark.parametrize("frame, match", [
    ({"id": ["a", "b", "c"], "prediction": [0, 1, 1]}, r"lacks 1 ids of the evaluation data \('d'\)"),
    ({"id": ["a", "b", "c", "d", "e"], "prediction": [0] * 5}, r"holds 1 ids the evaluation data does not"),
    ({"id": ["a", "b", "c", "c"], "prediction": [0] * 4}, r"repeats ids \('c'\)"),
    ({"prediction": [0, 1, 1]}, r"has 3 rows but the evaluation data has 4"),
    ({"id": ["a", "b", "c", "d"], "pred": [0] * 4}, r"has no column 'prediction'"),
    ({"id": ["a", "b", "c", "d"], "prediction": [0] * 4, "score": [0.1, None, 0.2, 0.3]},
     r"column 'score' has missing or non-numeric scores \(row 2\)"),
    ({"id": ["a", "b", "c", "d"], "prediction": [0] * 4, "score": [0.1, 1.5, 0.2, -2]},
     r"scores outside \[0, 1\] \(rows 2, 4"),
    ({"id": ["a", "b", "c", "d"], "prediction": [0, 1, 2, 0]}, r"not classes of the evaluation data"),
    ({"id": ["a", "b", "c", "d"], "prediction": [0, 1, None, 0]}, r"'prediction' has missing values"),
    ({"id": ["a", "b", "c", "d"], "prediction": [0] * 4, "score_0": [0.5] * 4},
     r"no column 'score' nor score_1"),
])
def test_predictions_faults_name_the_file_and_column(binary: Config, tmp_path: Path, frame: dict[str, Any],
                                                     match: str) -> None:
    evalset = load_evalset(binary)
    path = predictions(tmp_path, pd.DataFrame(frame))
    error = bad(match, read_predictions, path, evalset, "candidate", "binary", id_column="id",
                rel="pred.csv")
    assert error.file == "pred.csv" and "pred.csv" in error.what


def test_multiclass_scores_in_class_order_and_regression(tmp_path: Path) -> None:
    holdout(tmp_path, pd.DataFrame({"y": ["b", "a", "c"], "v": [1.5, 2.0, -1.0]}))
    config = make_config(tmp_path, task="multiclass")
    evalset = load_evalset(config)
    assert evalset.classes == ("a", "b", "c")
    path = predictions(tmp_path, pd.DataFrame({"prediction": ["b", "a", "a"], "score_c": [0.1, 0.2, 0.3],
                                               "score_a": [0.2, 0.7, 0.6], "score_b": [0.7, 0.1, 0.1]}))
    scored = read_predictions(path, evalset, "candidate", "multiclass")
    assert scored.score is not None
    np.testing.assert_allclose(scored.score[0], [0.2, 0.7, 0.1])
    missing = predictions(tmp_path, pd.DataFrame({"prediction": ["a"] * 3, "score_a": [1.0] * 3}), "m.csv")
    bad(r"no column score_b", read_predictions, missing, evalset, "candidate", "multiclass")

    regression = make_config(tmp_path, task="regression", label="v")
    evalset = load_evalset(regression)
    assert evalset.y_true.dtype == np.float64 and evalset.classes == ()
    path = predictions(tmp_path, pd.DataFrame({"prediction": [1.0, 2.5, "x"]}), "r.csv")
    bad(r"'prediction' holds values that are not finite numbers \(row 3\)", read_predictions, path, evalset,
        "candidate", "regression")


def test_load_predictions_reads_the_work_directory(binary: Config, tmp_path: Path) -> None:
    out = tmp_path / "out"
    bad(r"the candidate's predictions .* not found", load_predictions, binary, out)
    (out / "predictions").mkdir(parents=True)
    frame = pd.DataFrame({"id": ["a", "b", "c", "d"], "prediction": [0, 1, 1, 0], "score": [0.2, 0.9, 0.6, 0.4]})
    frame.to_csv(out / "predictions" / "candidate.csv", index=False)
    frame.assign(score=0.5).to_csv(out / "predictions" / "production.csv", index=False)
    evalset, scored = load_predictions(binary, out)
    assert evalset.n == 4 and sorted(scored) == ["candidate", "production"]
    frame.drop(columns="score").to_csv(out / "predictions" / "production.csv", index=False)
    error = bad(r"production.csv has no score column", load_predictions, binary, out)
    assert "roc_auc need" in error.why
