"""`mlgate profile`, and the profile `mlgate train` logs: a summary of the training data, no raw rows.

The profile (`mlgate/profile.json`, an artifact of the training run) is the reference `mlgate monitor`
compares a batch of production data with. `mlgate promote` records it on the version it promotes (the
model-version tag `mlgate.profile`); a production run without one gets one with `mlgate profile --run`.
"""

from __future__ import annotations

import glob
import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from mlgate.config import Config, Dataset
from mlgate.config import tracking_uri as resolve_uri
from mlgate.errors import EXIT_PASSED, BadInput, MlgateError
from mlgate.github.context import GitHubContext
from mlgate.output import Output, one_line
from mlgate.workdir import write_document

if TYPE_CHECKING:
    from mlgate.documents import Profile
    from mlgate.registry import Registry

PROFILE_ARTIFACT = "mlgate/profile.json"
PROFILE_FILE = "profile.json"
PROFILE_TAG = "mlgate.profile"  # on a model version: runs:/RUN_ID/mlgate/profile.json, its reference profile
_DATA_SUFFIX = re.compile(r"\.(csv|tsv|parquet|pq|jsonl|ndjson)(\.gz)?$", re.IGNORECASE)
_GLOB = re.compile(r"[*?\[]")


def profile_uri(run_id: str) -> str:
    return f"runs:/{run_id}/{PROFILE_ARTIFACT}"


def training_data(config: Config) -> tuple[list[Path], Dataset | None]:
    """The files the training profile covers, and the `data:` entry that says how to read them.

    The data files among `train.deps` when it lists some, else the files of the `data:` entries (read by
    pandas; a Spark dataset may live out of reach); plus the evaluation data (`evaluate.data`). The entry
    is given when one `data:` entry covers the training data (its delimiter, header and names apply).
    """
    deps = data_deps(config)
    datasets = [d for d in config.data if d.engine == "pandas"]
    patterns = deps or [d.path for d in datasets]
    if config.evaluate is not None:
        patterns.append(config.evaluate.data)
    files: list[Path] = []
    for pattern in patterns:
        found = glob.glob(str(config.resolve(pattern)), recursive=True) if _GLOB.search(pattern) \
            else [str(config.resolve(pattern))]
        files += sorted(Path(p) for p in found if Path(p).is_file())
    return list(dict.fromkeys(files)), datasets[0] if len(datasets) == 1 and not deps else None


def data_deps(config: Config) -> list[str]:
    """The data files among train.deps."""
    return [d for d in (config.train.deps if config.train else []) if _DATA_SUFFIX.search(d.rstrip("/"))]


def make_profile(config: Config, paths: Sequence[str | Path], dataset: Dataset | None,
                 reference: Profile | None = None) -> Profile:
    from mlgate.data.profile import profile_files

    settings = config.monitor
    return profile_files(list(paths), dataset=dataset, bins=settings.bins,
                         top_categories=settings.top_categories, reference=reference)


def log_training_profile(config: Config, output: Output, registry: Registry, run_id: str, out: Path) -> bool:
    """Profile the training (and evaluation) data and log it with the run. A failure is a warning: the
    model is still trained, and `mlgate profile --run` can write the profile later."""
    from mlgate.commands.spark_data import spark_training

    files, dataset = training_data(config)
    spark = spark_training(config, data_deps(config))  # engine: spark: profiled by Spark where they lie
    if spark:
        return _log_spark_profile(config, output, registry, run_id, out, spark)
    if not files:
        output.line("mlgate train: no data files under `data:` (or train.deps) to profile; "
                    "`mlgate monitor` will need `mlgate profile --run RUN_ID --data ...`")
        return False
    try:
        profile = make_profile(config, files, dataset)
        path = write_document(out / PROFILE_FILE, profile)
        registry.log_artifact(run_id, path, "mlgate")
    except MlgateError as exc:
        output.warn(f"could not profile the training data: {one_line(exc.what)}"
                    f"{f' ({one_line(exc.why)})' if exc.why else ''}; `mlgate monitor` needs a profile: "
                    f"write it later with `mlgate profile --run {run_id} --data ...`")
        return False
    except Exception as exc:  # a bug in profiling must not cost the training its model
        output.warn(f"could not profile the training data: {type(exc).__name__}: {one_line(str(exc))} (a bug "
                    f"in mlgate: please report it); write the profile later with `mlgate profile --run "
                    f"{run_id} --data ...`")
        return False
    output.line(f"mlgate train: profiled {profile.rows:,} rows of {len(files)} file(s) "
                f"({len(profile.columns)} columns) as {PROFILE_ARTIFACT}")
    return True


def _log_spark_profile(config: Config, output: Output, registry: Registry, run_id: str, out: Path,
                       datasets: list[Dataset]) -> bool:
    from mlgate.commands.spark_data import training_profile

    try:
        profile = training_profile(config, output, datasets)
        path = write_document(out / PROFILE_FILE, profile)
        registry.log_artifact(run_id, path, "mlgate")
    except MlgateError as exc:
        output.warn(f"could not profile the Spark training data: {one_line(exc.what)}"
                    f"{f' ({one_line(exc.why)})' if exc.why else ''}; `mlgate monitor` needs a profile: "
                    f"write it later with `mlgate profile --run {run_id}`")
        return False
    output.line(f"mlgate train: profiled {profile.rows:,} rows of {len(datasets)} Spark dataset(s) "
                f"({len(profile.columns)} columns) as {PROFILE_ARTIFACT}")
    return True


def run_profile(config: Config, output: Output, github: GitHubContext, *, run_id: str,
                data: Sequence[str], out: Path, tracking_uri: str | None) -> int:
    """`mlgate profile --run RUN_ID [--data PATH ...]`: write the reference profile of an existing run."""
    from mlgate.commands.spark_data import spark_training, training_profile
    from mlgate.data.profile import expand
    from mlgate.registry import Registry

    spark = [] if data else spark_training(config, data_deps(config))
    if data:
        files, dataset = expand(list(data)), match_dataset(config, expand(list(data)), None)
    else:
        files, dataset = training_data(config)
    if spark:
        registry = Registry.connect(resolve_uri(config, out, tracking_uri))
        registry.run_tag(run_id, "mlflow.runName")
        return _logged(output, registry, run_id, out, training_profile(config, output, spark),
                       f"{len(spark)} Spark dataset(s)")
    if not files:
        raise BadInput("no data to profile", "--data names no file, and no `data:` entry (or train.deps) "
                       "names one that exists", "pass the training data: --data PATH [PATH ...]")
    registry = Registry.connect(resolve_uri(config, out, tracking_uri))
    registry.run_tag(run_id, "mlflow.runName")  # the run must exist (BadInput naming it otherwise)
    return _logged(output, registry, run_id, out, make_profile(config, files, dataset),
                   f"{len(files)} file(s)")


def _logged(output: Output, registry: Registry, run_id: str, out: Path, profile: Profile, read: str) -> int:
    path = output.wrote("profile", write_document(out / PROFILE_FILE, profile))
    registry.log_artifact(run_id, path, "mlgate")
    output.line(f"mlgate profile: {profile.rows:,} rows of {read}, "
                f"{len(profile.columns)} columns: logged as {profile_uri(run_id)} (also {path})")
    return EXIT_PASSED


def match_dataset(config: Config, files: Sequence[Path], named: str | None) -> Dataset | None:
    """The `data:` entry of the files: the one `named` (its `path:`), else the one whose glob matches
    every file; None when none does."""
    from mlgate.data.targets import glob_regex

    if named is not None:
        for dataset in config.data:
            if dataset.path == named:
                return dataset
        listed = ", ".join(repr(d.path) for d in config.data) or "none"
        raise BadInput(f"--dataset {named!r} is not the path: of a data: entry in the config",
                       f"the entries are: {listed}", "pass one of them, or leave --dataset out")
    for dataset in config.data:
        if dataset.engine != "pandas":
            continue
        matcher = glob_regex(config.resolve(dataset.path).as_posix())
        if files and all(matcher.match(Path(f).resolve().as_posix()) for f in files):
            return dataset
    return None
