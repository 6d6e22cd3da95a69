"""The evaluation data and the predictions files: read, checked, aligned row by row.

`load_evalset(config)` reads `evaluate.data` (CSV, Parquet or JSON lines, with the chunked readers of
data/formats.py): the label, the row ids, the slice columns. `read_predictions(path, evalset, role, task)`
reads what a scoring command wrote and aligns it with the evaluation rows: by id when the file has the id
column, else by row number. Every fault a user can make (a column missing, ids missing, extra or repeated,
a row count that differs, NaN or out-of-range scores) is BadInput (exit 2) naming the file and the column.
`load_predictions(config, out)` reads what `mlgate train` and `mlgate evaluate` left in `out/predictions/`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from mlgate.config import Config, EvaluateSettings
from mlgate.data.formats import detect_format, read_chunks, sniff
from mlgate.documents import DataVersion
from mlgate.errors import BadInput
from mlgate.evaluate.bounds import check_bounds
from mlgate.evaluate.model import AnyArray, EvalSet, FloatArray, Role, Scored, Task

if TYPE_CHECKING:
    import pandas as pd

PREDICTIONS_DIR = "predictions"
ROLES: tuple[Role, ...] = ("candidate", "production", "baseline")
PREDICTION = "prediction"
SCORE = "score"
SCORE_PREFIX = "score_"
MISSING = "(missing)"
# The metrics mlgate computes from scores (probabilities), not from predicted classes.
SCORE_METRICS = frozenset({"roc_auc", "pr_auc", "log_loss", "brier"})
_SHOWN = 5  # rows or ids named in a message


def settings_of(config: Config) -> EvaluateSettings:
    if config.evaluate is None:
        raise BadInput("mlgate.yaml has no evaluate section",
                       "the same-data comparison scores both models on the file evaluate.data names",
                       "add an evaluate: section with data, label, command and task (see docs/config.md)")
    return config.evaluate


def rel_path(path: Path, root: Path) -> str:
    """A path as the user wrote it: relative to the config's folder when inside it."""
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return str(path)


def read_table(path: Path, rel: str, what: str, fix: str) -> pd.DataFrame:
    """A whole CSV / Parquet / JSON-lines file as one DataFrame (index: the row position in the file)."""
    import pandas as pd

    if not path.is_file():
        raise BadInput(f"{what} {rel} not found", f"{'it is a folder' if path.exists() else 'no such file'}",
                       fix, file=rel)
    fmt = detect_format(path)
    sniff(path, fmt, rel)
    chunks = list(read_chunks(path, fmt, rel, chunk_rows=200_000))
    if not chunks:
        return pd.DataFrame()
    return pd.concat(chunks) if len(chunks) > 1 else chunks[0]


def _rows(mask: Sequence[bool] | AnyArray) -> str:
    found = np.flatnonzero(np.asarray(mask))
    shown = ", ".join(str(int(i) + 1) for i in found[:_SHOWN])
    more = f" and {len(found) - _SHOWN} more" if len(found) > _SHOWN else ""
    return f"row{'s' if len(found) > 1 else ''} {shown}{more}"


def _some(values: Sequence[object]) -> str:
    shown = ", ".join(repr(v) for v in list(values)[:_SHOWN])
    return shown + (f" and {len(values) - _SHOWN} more" if len(values) > _SHOWN else "")


def _require_columns(frame: pd.DataFrame, columns: Sequence[tuple[str, str]], rel: str, fix: str) -> None:
    """Each (column, what it is) must be in the frame."""
    have = [str(c) for c in frame.columns]
    for column, role in columns:
        if column not in have:
            raise BadInput(f"{rel} has no column {column!r} ({role})",
                           f"its columns are {_some(have)}" if have else "it has no columns", fix, file=rel)


# --- the evaluation data --------------------------------------------------------------------------------


def load_evalset(config: Config) -> EvalSet:
    """The evaluation rows of `evaluate.data`: labels, ids, slice columns, classes."""
    settings = settings_of(config)
    path = config.resolve(settings.data)
    rel = rel_path(path, config.root)
    fix = "fix evaluate.data, evaluate.label, evaluate.id or evaluate.slices in mlgate.yaml, or the file"
    frame = read_table(path, rel, "the evaluation data (evaluate.data)",
                       "commit the evaluation file (or `dvc pull` it), or fix evaluate.data in mlgate.yaml")
    wanted = [(settings.label, "evaluate.label")]
    if settings.id:
        wanted.append((settings.id, "evaluate.id"))
    wanted += [(column, "evaluate.slices") for column in settings.slices]
    _require_columns(frame, wanted, rel, fix)
    if frame.empty:
        raise BadInput(f"the evaluation data {rel} has no rows", "both models are scored on its rows",
                       "commit an evaluation file with rows", file=rel)
    labels = frame[settings.label]
    if labels.isna().any():
        raise BadInput(f"{rel}: the label column {settings.label!r} has missing values "
                       f"({_rows(labels.isna())})",
                       "every evaluation row needs its label to score the models",
                       "fill in or drop those rows", file=rel)
    y_true = _labels(labels, settings.task, rel, settings.label)
    ids = _ids(frame, settings.id, rel)
    slices = {column: frame[column].to_numpy(dtype=object) for column in settings.slices}
    classes = _classes(y_true, settings, rel)
    return EvalSet(task=settings.task, y_true=y_true, ids=ids, classes=classes, slices=slices)


def _labels(labels: pd.Series, task: Task, rel: str, column: str) -> AnyArray:
    import pandas as pd

    if task != "regression":
        return np.asarray(labels.to_numpy())
    numbers = pd.to_numeric(labels, errors="coerce")
    bad = numbers.isna().to_numpy() | ~np.isfinite(numbers.to_numpy(dtype=float, na_value=np.nan))
    if bad.any():
        raise BadInput(f"{rel}: the label column {column!r} holds values that are not finite numbers "
                       f"({_rows(bad)})", "evaluate.task is regression: the labels are numbers",
                       "fix those rows, or set evaluate.task to binary or multiclass", file=rel)
    return np.asarray(numbers.to_numpy(dtype=float), dtype=np.float64)


def _ids(frame: pd.DataFrame, column: str | None, rel: str) -> AnyArray:
    if column is None:
        return np.array([str(i) for i in range(len(frame))], dtype=object)
    values = frame[column]
    if values.isna().any():
        raise BadInput(f"{rel}: the id column {column!r} has missing values ({_rows(values.isna())})",
                       "evaluate.id names each row, to align the predictions and to show flips",
                       "give every row an id, or drop evaluate.id (rows are then aligned by row number)",
                       file=rel)
    ids = np.array([_id_text(v) for v in values], dtype=object)
    repeated = _repeated(ids)
    if repeated:
        raise BadInput(f"{rel}: the id column {column!r} repeats ids ({_some(repeated)})",
                       "evaluate.id must name each evaluation row once",
                       "make the ids unique, or drop evaluate.id", file=rel)
    return ids


def _id_text(value: object) -> str:
    """An id as text: 7 and 7.0 (a column with a missing value becomes float) read the same."""
    if isinstance(value, float | np.floating) and math.isfinite(value) and float(value).is_integer():
        return str(int(value))
    if isinstance(value, np.integer):
        return str(int(value))
    return str(value)


def _repeated(ids: AnyArray) -> list[str]:
    values, counts = np.unique(ids.astype(str), return_counts=True)
    return [str(v) for v in values[counts > 1]]


def _classes(y_true: AnyArray, settings: EvaluateSettings, rel: str) -> tuple[object, ...]:
    if settings.task == "regression":
        return ()
    found = [_plain(v) for v in np.unique(y_true)]
    if settings.task == "multiclass":
        return tuple(found)
    if len(found) != 2:
        raise BadInput(f"{rel}: evaluate.task is binary but the label column {settings.label!r} holds "
                       f"{len(found)} classes ({_some(found)})",
                       "a binary task has two classes, both present in the evaluation data",
                       "set evaluate.task: multiclass, or fix the evaluation data", file=rel)
    want = "1" if settings.positive_class is None else str(settings.positive_class)
    positive = [c for c in found if _id_text(c) == want or (want == "1" and c is True)]
    if not positive:
        if settings.positive_class is not None:
            raise BadInput(f"evaluate.positive_class {settings.positive_class!r} is not a class of {rel}",
                           f"the label column {settings.label!r} holds {_some(found)}",
                           "set evaluate.positive_class to one of them", file=rel)
        positive = [found[-1]]  # labels that are not 0/1: the second in sorted order
    negative = next(c for c in found if c is not positive[0] and c != positive[0])
    return (negative, positive[0])


def _plain(value: object) -> object:
    """A numpy scalar as the Python value (classes are shown and compared as plain values)."""
    return value.item() if isinstance(value, np.generic) else value


# --- predictions ----------------------------------------------------------------------------------------


def read_predictions(path: Path, evalset: EvalSet, role: Role, task: Task, *, id_column: str | None = None,
                     rel: str | None = None) -> Scored:
    """One model's predictions file, checked and aligned with the evaluation rows.

    Aligned by `id_column` when the file has it, else by row number (the counts must then be equal).
    Classification: `prediction` (a class) and optional scores, `score` (binary: P(positive class)) or
    `score_<class>` columns (the positive class's for binary; every class's for multiclass, renormalised
    over the classes of the evaluation data when the file scores more). Regression: `prediction` only.
    """
    rel = rel or str(path)
    fix = ("make the scoring command (evaluate.command) write one row per evaluation row with the columns "
           "`prediction` and, for a classifier, `score` or `score_<class>` (see docs/config.md)")
    if path.is_file():  # bounded before pandas parses it (evaluate/bounds.py)
        check_bounds(path, evalset.n, rel, fix)
    frame = read_table(path, rel, f"the {role}'s predictions file", fix)
    _require_columns(frame, [(PREDICTION, "the predicted class or value")], rel, fix)
    frame = _aligned(frame, evalset, id_column, rel, fix)
    prediction = _prediction(frame[PREDICTION], evalset, task, rel)
    score = None if task == "regression" else _scores(frame, evalset, task, rel, fix)
    return Scored(role=role, prediction=prediction, score=score)


def _aligned(frame: pd.DataFrame, evalset: EvalSet, id_column: str | None, rel: str,
             fix: str) -> pd.DataFrame:
    if id_column is not None and id_column in [str(c) for c in frame.columns]:
        values = frame[id_column]
        if values.isna().any():
            raise BadInput(f"{rel}: the id column {id_column!r} has missing values ({_rows(values.isna())})",
                           "the predictions are aligned with the evaluation rows by id", fix, file=rel)
        ids = np.array([_id_text(v) for v in values], dtype=object)
        repeated = _repeated(ids)
        if repeated:
            raise BadInput(f"{rel}: the id column {id_column!r} repeats ids ({_some(repeated)})",
                           "each evaluation row needs exactly one prediction", fix, file=rel)
        known = set(evalset.ids.tolist())
        have = set(ids.tolist())
        missing = [i for i in evalset.ids.tolist() if i not in have]
        if missing:
            raise BadInput(f"{rel}: the id column {id_column!r} lacks {len(missing)} ids of the evaluation "
                           f"data ({_some(missing)})", "each evaluation row needs its prediction", fix,
                           file=rel)
        extra = [i for i in ids.tolist() if i not in known]
        if extra:
            raise BadInput(f"{rel}: the id column {id_column!r} holds {len(extra)} ids the evaluation data "
                           f"does not ({_some(extra)})",
                           "the predictions must be of the evaluation rows, not of other data", fix, file=rel)
        order = {value: position for position, value in enumerate(ids.tolist())}
        return frame.iloc[[order[i] for i in evalset.ids.tolist()]].reset_index(drop=True)
    if len(frame) != evalset.n:
        how = (f"the file has no column {id_column!r} (evaluate.id), so rows are aligned by row number"
               if id_column else "rows are aligned by row number (set evaluate.id to align them by id)")
        raise BadInput(f"{rel} has {len(frame)} rows but the evaluation data has {evalset.n}", how, fix,
                       file=rel)
    return frame.reset_index(drop=True)


def _prediction(column: pd.Series, evalset: EvalSet, task: Task, rel: str) -> AnyArray:
    import pandas as pd

    if column.isna().any():
        raise BadInput(f"{rel}: the column {PREDICTION!r} has missing values ({_rows(column.isna())})",
                       "every evaluation row needs a prediction", "make the scoring predict every row",
                       file=rel)
    if task == "regression":
        numbers = np.asarray(pd.to_numeric(column, errors="coerce").to_numpy(dtype=float, na_value=np.nan),
                             dtype=np.float64)
        bad = ~np.isfinite(numbers)
        if bad.any():
            raise BadInput(f"{rel}: the column {PREDICTION!r} holds values that are not finite numbers "
                           f"({_rows(bad)})", "evaluate.task is regression: predictions are numbers",
                           "write the predicted values as numbers", file=rel)
        return numbers
    # a class: compared with the labels as the same values (1 and 1.0 and "1" are one class)
    by_text = {_id_text(c): c for c in (evalset.classes or [_plain(v) for v in np.unique(evalset.y_true)])}
    texts = [_id_text(v) for v in column.tolist()]
    unknown = np.array([t not in by_text for t in texts])
    if task == "binary" and unknown.any():
        raise BadInput(f"{rel}: the column {PREDICTION!r} holds values that are not classes of the "
                       f"evaluation data ({_rows(unknown)}, e.g. {texts[int(np.argmax(unknown))]!r})",
                       f"the label column's classes are {_some([_id_text(c) for c in by_text.values()])}",
                       "write the predicted class as the labels write it", file=rel)
    mapped = [by_text.get(text, _plain(value)) for text, value in zip(texts, column.tolist(), strict=True)]
    if not unknown.any():
        try:
            return np.array(mapped, dtype=evalset.y_true.dtype)
        except (TypeError, ValueError):
            pass
    return np.array(mapped, dtype=object)


def _scores(frame: pd.DataFrame, evalset: EvalSet, task: Task, rel: str, fix: str) -> FloatArray | None:
    columns = [str(c) for c in frame.columns]
    by_class = {c[len(SCORE_PREFIX):]: c for c in columns if c.startswith(SCORE_PREFIX)}
    if task == "binary":
        positive = _id_text(evalset.classes[1]) if evalset.classes else "1"
        name = SCORE if SCORE in columns else by_class.get(positive)
        if name is None:
            if by_class:
                raise BadInput(f"{rel} has no column {SCORE!r} nor {SCORE_PREFIX}{positive} (the positive "
                               f"class's score)", f"its score columns are {_some(sorted(by_class.values()))}",
                               fix, file=rel)
            return None
        return _checked(frame[name], name, rel)
    if not by_class:
        if SCORE in columns:
            raise BadInput(f"{rel}: a multiclass task needs a {SCORE_PREFIX}<class> column per class",
                           f"it has one {SCORE!r} column", fix, file=rel)
        return None
    names = []
    for cls in evalset.classes:
        name = by_class.get(_id_text(cls))
        if name is None:
            raise BadInput(f"{rel} has no column {SCORE_PREFIX}{_id_text(cls)} (the score of class "
                           f"{_id_text(cls)!r})", f"its score columns are {_some(sorted(by_class.values()))}",
                           fix, file=rel)
        names.append(name)
    matrix = np.column_stack([_checked(frame[name], name, rel) for name in names])
    if len(names) < len(by_class):  # the file scores classes the evaluation data lacks: renormalise
        totals = matrix.sum(axis=1, keepdims=True)
        matrix = np.divide(matrix, totals, out=np.full_like(matrix, 1.0 / len(names)), where=totals > 0)
    return matrix


def _checked(column: pd.Series, name: str, rel: str) -> FloatArray:
    """A score column: numbers in [0, 1], none missing."""
    import pandas as pd

    numbers = np.asarray(pd.to_numeric(column, errors="coerce").to_numpy(dtype=float, na_value=np.nan),
                         dtype=np.float64)
    missing = np.isnan(numbers)
    if missing.any():
        raise BadInput(f"{rel}: the column {name!r} has missing or non-numeric scores ({_rows(missing)})",
                       "a score is the probability of the class, a number for every row",
                       "make the scoring write a probability for every row", file=rel)
    outside = (numbers < 0) | (numbers > 1)
    if outside.any():
        first = numbers[outside][0]
        raise BadInput(f"{rel}: the column {name!r} holds scores outside [0, 1] ({_rows(outside)}, e.g. "
                       f"{first:g})", "a score is a probability",
                       "write probabilities (predict_proba), not raw margins or logits", file=rel)
    return numbers


# --- the work directory ---------------------------------------------------------------------------------


def predictions_suffix(settings: EvaluateSettings) -> str:
    """The file ending of evaluate.predictions (`.csv`, `.parquet`, ...), used for the copies in out/."""
    return suffix_of(settings.predictions)


SUFFIXES = (".csv.gz", ".csv", ".tsv", ".parquet", ".pq", ".jsonl")


def suffix_of(path: Path | str) -> str:
    """A data file's ending (`.csv`, `.csv.gz`, `.parquet`, ...); `.csv` when it has none mlgate reads."""
    name = Path(path).name.lower()
    return next((suffix for suffix in SUFFIXES if name.endswith(suffix)), Path(name).suffix or ".csv")


def predictions_file(out: Path, role: Role, settings: EvaluateSettings | str) -> Path:
    """Where a role's predictions are kept in the work directory: `out/predictions/<role>.<ext>`, with the
    ending of evaluate.predictions (or of the file given)."""
    suffix = predictions_suffix(settings) if isinstance(settings, EvaluateSettings) else suffix_of(settings)
    return out / PREDICTIONS_DIR / f"{role}{suffix}"


def find_predictions(out: Path, role: Role) -> Path | None:
    """The role's predictions file in `out/predictions/`, whatever its ending; None when there is none."""
    folder = out / PREDICTIONS_DIR
    found = [folder / f"{role}{suffix}" for suffix in SUFFIXES if (folder / f"{role}{suffix}").is_file()]
    return found[0] if found else None


def clear_predictions(out: Path, roles: Sequence[Role]) -> None:
    """Remove the roles' predictions from `out/predictions/` (a new stage run writes them again)."""
    for role in roles:
        while (path := find_predictions(out, role)) is not None:
            path.unlink()


def load_predictions(config: Config, out: Path) -> tuple[EvalSet, dict[Role, Scored]]:
    """The evaluation rows and every role's predictions in `out/predictions/` (candidate required)."""
    settings = settings_of(config)
    evalset = load_evalset(config)
    found: dict[Role, Scored] = {}
    for role in ROLES:
        path = find_predictions(out, role)
        if path is None:
            continue
        scored = read_predictions(path, evalset, role, settings.task, id_column=settings.id,
                                  rel=rel_path(path, config.root))
        _needs_scores(config, scored, rel_path(path, config.root))
        found[role] = scored
    if "candidate" not in found:
        path = predictions_file(out, "candidate", settings)
        raise BadInput(f"the candidate's predictions {path} not found",
                       "`mlgate train` scores the candidate on the evaluation data and writes them there",
                       "run `mlgate train` (then `mlgate evaluate`) with the same --out", file=str(path))
    return evalset, found


def _needs_scores(config: Config, scored: Scored, rel: str) -> None:
    """A gated metric computed from scores needs them in the file."""
    if scored.score is not None or config.evaluate is None or config.evaluate.task == "regression":
        return
    needing = [name for name, rule in config.metrics.items()
               if name in SCORE_METRICS and rule.function is None]
    if needing:
        raise BadInput(f"{rel} has no score column ({SCORE!r} or {SCORE_PREFIX}<class>)",
                       f"the gated metric{'s' if len(needing) > 1 else ''} {', '.join(needing)} "
                       "need the predicted probabilities",
                       "make the scoring write them (predict_proba)", file=rel)


# --- the predictions cache on a model's run ---------------------------------------------------------------

CACHE_FOLDER = "mlgate/predictions"


def data_version(config: Config) -> DataVersion:
    """The version of evaluate.data: the DVC md5 where DVC tracks it, else the sha256 of its bytes."""
    from mlgate.data.versions import dataset_version

    settings = settings_of(config)
    found = dataset_version(config.resolve(settings.data), config.root)
    return DataVersion.model_validate({k: v for k, v in found.items() if k in ("kind", "value", "dvc")})


def cache_key(version: DataVersion) -> str:
    """The name (without its ending) of a model's predictions on this version of the evaluation data."""
    return f"eval-{version.kind}-{re.sub(r'[^A-Za-z0-9.]+', '_', version.value)}"


def cache_artifact(version: DataVersion, suffix: str) -> str:
    """The artifact path, on a model's run, of its predictions on this version of the evaluation data:
    `mlgate/predictions/eval-<kind>-<value>.<ext>` (the key of the cache `mlgate evaluate` reads)."""
    return f"{CACHE_FOLDER}/{cache_key(version)}{suffix}"
