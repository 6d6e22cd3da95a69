"""`mlgate evaluate`: every model's predictions on the SAME evaluation data (after train, before compare).

The candidate was scored by `mlgate train` (out/predictions/candidate.<ext>). Production, and a baseline that
is a registered alias or a run, are scored here in their OWN environment: the image digest (or the local
runtime) their run recorded, their recorded code commit (a `git worktree` at that commit), their model
artifacts downloaded from their run (laid out as train.model), and the `evaluate.command` of that commit's
mlgate.yaml. Their predictions are cached as an artifact of their run, keyed by the evaluation data's version,
so a second `mlgate evaluate` on the same data runs no scoring. Writes out/predictions/<role>.<ext> and
out/evaluation.json.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from mlgate import safepath
from mlgate.commands.reproduce import choose_runtime, recorded_lineage
from mlgate.commands.worktrees import TREE, locked_folder, prune_stale
from mlgate.config import Config, EvaluateSettings, load_config
from mlgate.config import tracking_uri as resolve_uri
from mlgate.documents import EvaluatedModel, Evaluation, EvaluationData, Lineage, ModelFiles, read_document
from mlgate.errors import EXIT_PASSED, BadInput, MlgateError, ServiceError
from mlgate.evaluate.bounds import check_bounds, max_bytes
from mlgate.evaluate.cached import file_sha256, sha_tag
from mlgate.evaluate.model import EvalSet, Role
from mlgate.evaluate.predictions import (
    CACHE_FOLDER,
    cache_key,
    clear_predictions,
    data_version,
    find_predictions,
    load_evalset,
    predictions_file,
    read_predictions,
    rel_path,
    settings_of,
    suffix_of,
)
from mlgate.evaluate.scoring import Scoring, ScoringJob, run_scoring
from mlgate.github.context import GitHubContext
from mlgate.output import Output, one_line
from mlgate.train.lineage import LEGACY_MODEL_ARTIFACT, MODEL_ARTIFACT
from mlgate.train.recorded import TamperedLineage, inside
from mlgate.workdir import EVALUATION, LINEAGE, begin, write_document

if TYPE_CHECKING:
    from mlgate.registry import Registry

FETCH_FIX = ("check out the whole history: actions/checkout with `fetch-depth: 0` (or "
             "`git fetch --unshallow`), so production's commit is in the clone")


class CommitMissing(BadInput):
    """The commit a model was trained at is not in this clone (a shallow clone, or gone after a
    force-push): exit 2 saying what to fetch, or the logged metrics with `on_production_error: logged`."""


class Unscorable(Exception):
    """A model that cannot be scored in its own environment for a reason of its own (made before
    `evaluate:` existed, outside mlgate, without a commit): it is recorded as unavailable, never fatal."""


@dataclass(frozen=True)
class Target:
    """A registered model to score: its role, run and version, and how to name it."""

    role: Role
    run_id: str
    version: str | None
    label: str  # e.g. `churn@production (version 3)`


@dataclass(frozen=True)
class Stage:
    """What every scoring of this stage shares."""

    config: Config
    settings: EvaluateSettings
    output: Output
    registry: Registry
    out: Path
    evalset: EvalSet
    key: str  # the cache key: the evaluation data's version
    runtime: str | None
    config_name: str
    candidate_run: str | None = None  # `mlgate compare --candidate-run`: else the run of lineage.json
    cache: bool = True  # read and write the predictions cached on a model's run (`mlgate monitor`: not)


def evaluate_stage(config: Config, output: Output, github: GitHubContext, *, out: Path,
                   tracking_uri: str | None, runtime: str | None = None,
                   config_name: str = "mlgate.yaml", candidate_run: str | None = None) -> Evaluation:
    """Score production (and a registered baseline) on the evaluation data; write evaluation.json.

    The candidate is the run `mlgate train` recorded in lineage.json, or `candidate_run` when given (its
    predictions are then those logged with that run, unless lineage.json names the same run).

    Raises BadInput (exit 2) for faults of the PR (the evaluation data, the candidate's predictions,
    production's commit not in a shallow clone) and ServiceError (exit 3) when production's scoring or its
    image fails, unless evaluate.on_production_error is `logged`.
    """
    from mlgate.registry import Registry

    settings = settings_of(config)
    out = out.resolve()
    begin(out, EVALUATION)
    clear_predictions(out, ("production", "baseline"))
    evalset = load_evalset(config)
    version = data_version(config)
    data = EvaluationData(path=rel_path(config.resolve(settings.data), config.root), version=version,
                          rows=evalset.n)
    registry = Registry.connect(resolve_uri(config, out, tracking_uri))
    _prune_worktrees(config.root)
    stage = Stage(config, settings, output, registry, out, evalset, cache_key(version), runtime, config_name,
                  candidate_run)
    candidate = _candidate(stage)
    production = _production(stage)
    baseline = _baseline(stage)
    document = Evaluation(data=data, task=settings.task, candidate=candidate,
                          production=production if production is None else score_target(stage, production),
                          baseline=baseline if baseline is None else score_target(stage, baseline),
                          rules_commit=config.rules_commit)
    output.wrote("evaluation", write_document(out / EVALUATION, document))
    return document


def run_evaluate(config: Config, output: Output, github: GitHubContext, *, out: Path,
                 tracking_uri: str | None, runtime: str | None = None,
                 config_name: str = "mlgate.yaml", rules_from: str | None = None) -> int:
    """The `mlgate evaluate` command: 0 when every model that can be scored was.

    Without `evaluate:` in the config there is nothing to score: it says so and exits 0 (the root action
    runs this stage for every project). In a pull request, the base's rules choose production and the
    baseline (mlgate.rules), as they do for compare."""
    from mlgate.commands.ruleset import judged_by

    config = judged_by(config, output, github, rules_from=rules_from, config_name=config_name, out=out,
                       stage="evaluate").config
    if config.evaluate is None:
        begin(out.resolve(), EVALUATION)
        output.line("mlgate evaluate: no evaluate: section in the config: nothing to score (compare uses the "
                    "logged metrics)")
        output.set_outputs({"passed": "true", "production-source": "none"})
        return EXIT_PASSED
    document = evaluate_stage(config, output, github, out=out, tracking_uri=tracking_uri, runtime=runtime,
                              config_name=config_name)
    output.line(f"mlgate evaluate: {document.data.rows} evaluation rows of {document.data.path}")
    for role in ("candidate", "production", "baseline"):
        model = getattr(document, role)
        if model is None:
            continue
        where = f"run {model.run_id}" if model.run_id else "this workspace"
        error = f": {one_line(model.error)}" if model.error else ""
        output.line(f"  {role}: {model.source} ({where}){error}")
    production = document.production
    output.set_outputs({"passed": "true", "production-source": production.source if production else "none"})
    return EXIT_PASSED


# --- the candidate --------------------------------------------------------------------------------------


def _candidate(stage: Stage) -> EvaluatedModel:
    """The candidate's predictions `mlgate train` wrote in out/, else those logged with its run."""
    lineage = _lineage(stage.out)
    run_id = lineage.run_id if lineage else None
    version = lineage.registered.version if lineage and lineage.registered else None
    path = find_predictions(stage.out, "candidate")
    if stage.candidate_run and stage.candidate_run != run_id:  # another run than the one trained here
        run_id, version, path = stage.candidate_run, None, None
    source: Literal["scored", "artifact"] = "scored"
    if path is None and run_id:
        path = _download_cached(stage, run_id, "candidate")
        source = "artifact"
    if path is None:
        raise BadInput(f"the candidate's predictions are not in {stage.out / 'predictions'}",
                       "`mlgate train` scores the candidate on the evaluation data (evaluate.command) right "
                       "after training and leaves them there" + (
                           f"; its run {run_id} has none for this evaluation data either" if run_id else ""),
                       "run `mlgate train` with the same --out first (with evaluate: in mlgate.yaml)")
    if source == "scored" and run_id:
        _same_data(stage, run_id)
    _check(stage, path, "candidate")
    origin = "logged with its run" if source == "artifact" else "written by mlgate train"
    stage.output.line(f"mlgate evaluate: candidate: predictions {origin}")
    return EvaluatedModel(run_id=run_id, version=version, source=source, file=_in_out(stage, path))


def _same_data(stage: Stage, run_id: str) -> None:
    """The candidate's predictions in out/ must be of this version of the evaluation data: `mlgate train`
    logged them on its run under the version's key."""
    names = stage.registry.artifact_names(run_id, CACHE_FOLDER)
    if names and not any(name.startswith(stage.key + ".") for name in names):
        raise BadInput(f"the evaluation data {stage.settings.data} changed since `mlgate train` scored the "
                       "candidate", f"its run {run_id} scored another version of it",
                       "run `mlgate train` again (with the same --out), then `mlgate evaluate`",
                       file=stage.settings.data)


def _lineage(out: Path) -> Lineage | None:
    return read_document(out / LINEAGE, Lineage) if (out / LINEAGE).is_file() else None


def _check(stage: Stage, path: Path, role: Role) -> None:
    read_predictions(path, stage.evalset, role, stage.settings.task, id_column=stage.settings.id,
                     rel=rel_path(path, stage.config.root))


def _in_out(stage: Stage, path: Path) -> str:
    return path.resolve().relative_to(stage.out).as_posix()


# --- production and the baseline ------------------------------------------------------------------------


def _production(stage: Stage) -> Target | None:
    model = stage.config.model
    found = stage.registry.version_by_alias(model.name, model.production_alias)
    if found is None:
        stage.output.line(f"mlgate evaluate: no {model.name}@{model.production_alias} yet: the candidate "
                          "alone")
        return None
    label = f"{model.name}@{model.production_alias} (version {found.version})"
    if not found.run_id:
        return Target("production", "", found.version, label)
    return Target("production", found.run_id, found.version, label)


def _baseline(stage: Stage) -> Target | None:
    spec, model = stage.config.baseline, stage.config.model
    if spec is None or spec.metrics or spec.constant:
        return None  # a metrics file, or the constant mlgate scores itself (compare): nothing to score
    if spec.run_id:
        return Target("baseline", spec.run_id, None, f"the baseline run {spec.run_id}")
    assert spec.alias is not None
    found = stage.registry.version_by_alias(model.name, spec.alias)
    if found is None:
        raise BadInput(f"baseline alias {model.name}@{spec.alias} is not set in the registry",
                       "baseline.alias in mlgate.yaml names an alias no model version carries",
                       f"set it, or change baseline in {stage.config.root / stage.config_name}")
    return Target("baseline", found.run_id or "", found.version,
                  f"{model.name}@{spec.alias} (version {found.version})")


def score_target(stage: Stage, target: Target) -> EvaluatedModel:
    """The target's predictions: cached on its run, else scored in its own environment now."""
    run_id = target.run_id or None
    try:
        if run_id is None:
            raise Unscorable(f"{target.label} has no MLflow run to read its model and environment from")
        cached = _download_cached(stage, run_id, target.role) if stage.cache else None
        if cached is not None:
            stage.output.line(f"mlgate evaluate: {target.role} {target.label}: cached predictions for this "
                              "evaluation data (no scoring run), their sha256 the one mlgate recorded")
            return EvaluatedModel(run_id=run_id, version=target.version, source="cached",
                                  file=_in_out(stage, cached), sha256=file_sha256(cached))
        path = _score(stage, target, run_id)
    except Unscorable as exc:
        reason = str(exc)
        stage.output.warn(f"{target.role} {target.label} cannot be scored on the evaluation data: {reason}; "
                          "the comparison with it falls back to its logged metrics")
        return EvaluatedModel(run_id=run_id, version=target.version, source="unavailable", file=None,
                              error=reason)
    except (ServiceError, CommitMissing) as exc:
        if stage.settings.on_production_error != "logged":
            raise
        stage.output.warn(f"{exc.what} (evaluate.on_production_error: logged: the comparison with "
                          f"{target.role} falls back to its logged metrics)")
        return EvaluatedModel(run_id=run_id, version=target.version, source="unavailable", file=None,
                              error=exc.message())
    return EvaluatedModel(run_id=run_id, version=target.version, source="scored", file=_in_out(stage, path),
                          sha256=file_sha256(path))


def _download_cached(stage: Stage, run_id: str, role: Role) -> Path | None:
    """The run's predictions on this version of the evaluation data, copied to out/predictions/<role>.*;
    None when the run has none (or they do not fit the evaluation rows: they are scored again)."""
    names = [n for n in stage.registry.artifact_names(run_id, CACHE_FOLDER)
             if n.startswith(stage.key + ".")]
    if not names:
        return None
    artifact = f"{CACHE_FOLDER}/{names[0]}"
    # the sha256 mlgate recorded when it wrote the file (evaluate/cached.py): anything else is scored again
    recorded = stage.registry.run_tag(run_id, sha_tag(stage.key))
    if recorded is None:
        stage.output.warn(f"the cached predictions {artifact} of run {run_id} carry no sha256 recorded by "
                          f"mlgate (run tag {sha_tag(stage.key)}): they are not used; scoring again")
        return None
    with tempfile.TemporaryDirectory(prefix="mlgate-cached-") as tmp:
        try:
            local = stage.registry.download_artifact(run_id, artifact, Path(tmp),
                                                     max_bytes=max_bytes(stage.evalset.n))
        except BadInput as exc:
            stage.output.warn(f"the cached predictions of run {run_id} are not used ({exc.what}); "
                              "scoring again")
            return None
        if local is None or not local.is_file():
            return None
        found = file_sha256(local)
        if found != recorded.strip().lower():
            stage.output.warn(
                f"the cached predictions {artifact} of run {run_id} do not have the sha256 mlgate recorded "
                f"when it wrote them (recorded {recorded[:16]}…, found {found[:16]}…): they were changed on "
                "the run after mlgate wrote them, and are not used; scoring again")
            return None
        target = predictions_file(stage.out, role, names[0])
        target.parent.mkdir(parents=True, exist_ok=True)
        safepath.copy_file(local, target)  # never through a symlink the PR's commands left in --out
    try:
        _check(stage, target, role)
    except BadInput as exc:
        stage.output.warn(f"the cached predictions of run {run_id} do not fit the evaluation data "
                          f"({exc.what}); scoring again")
        target.unlink(missing_ok=True)
        return None
    return target


def _score(stage: Stage, target: Target, run_id: str) -> Path:
    """Score the target in its own environment; cache the predictions on its run; copy them to out/."""
    lineage = _recorded(stage, target, run_id)
    commit = lineage.code.commit
    if not commit:
        raise Unscorable(f"its run {run_id} records no git commit (it was trained outside a git repository)")
    top = _git_top(stage.config.root)
    _require_commit(top, commit, target)
    with _worktree(top, commit) as tree:
        old_root = tree / stage.config.root.resolve().relative_to(top)
        old = _old_config(old_root / stage.config_name, target, commit)
        settings = old.evaluate
        assert settings is not None
        if lineage.model is None:
            raise Unscorable(f"its run {run_id} recorded no model files")
        model_path = _model_path(old_root, lineage.model, run_id, commit)
        _place_model(stage, run_id, model_path, lineage.model)
        try:
            runtime = choose_runtime(stage.output, lineage, stage.config, stage.runtime)
        except BadInput as exc:  # its run recorded a container runtime but no image: production's fault
            raise Unscorable(exc.what) from exc
        log = stage.out / f"score-{target.role}.log"
        job = ScoringJob(runtime=runtime, command=settings.command, root=old_root, model_path=model_path,
                         data_path=stage.config.resolve(stage.settings.data).resolve(),
                         predictions_path=old.resolve(settings.predictions), seed=settings.seed, log_path=log,
                         host_env=dict(os.environ), user_env=old.train.env if old.train else {})
        stage.output.line(f"mlgate evaluate: scoring {target.role} {target.label} at commit {commit[:12]} "
                          f"({runtime.name}): `{settings.command}`")
        try:
            done = _run(job, target)
            if not done.ok:
                raise ServiceError(
                    f"{target.role} {target.label} could not be re-scored: {done.problem}",
                    f"the last lines of its log ({log}):\n{done.tail()}",
                    "read the scoring log above; production's own code (its commit's evaluate.command) "
                    "ran on this evaluation data; or set evaluate.on_production_error: logged to compare "
                    "with its logged metrics instead")
            target_file = predictions_file(stage.out, target.role, str(job.predictions_path))
            target_file.parent.mkdir(parents=True, exist_ok=True)
            _bounded(stage, job.predictions_path, target)
            safepath.copy_file(job.predictions_path, target_file)
        except MlgateError as exc:
            exc.redact(job.masker.text)  # the secrets the command printed
            raise
    try:
        _check(stage, target_file, target.role)
    except BadInput as exc:
        target_file.unlink(missing_ok=True)
        raise ServiceError(f"{target.role} {target.label}'s scoring wrote predictions mlgate cannot use",
                           exc.message(), "production's scoring (its commit's evaluate.command) must write "
                           "one row per evaluation row; or set evaluate.on_production_error: logged") from exc
    if stage.cache:
        _cache(stage, run_id, target_file)
    return target_file


def _bounded(stage: Stage, path: Path, target: Target) -> None:
    """The scoring's predictions file within bounds before it is copied (evaluate/bounds.py)."""
    if not path.is_file():
        return  # the check after the copy says the file is missing
    try:
        check_bounds(path, stage.evalset.n, rel_path(path, stage.config.root), "")
    except BadInput as exc:
        raise ServiceError(f"{target.role} {target.label}'s scoring wrote predictions mlgate cannot use",
                           exc.what, "production's scoring (its commit's evaluate.command) must write one "
                           "row per evaluation row; or set evaluate.on_production_error: logged") from exc


def _run(job: ScoringJob, target: Target) -> Scoring:
    """Run the scoring; an engine or image that fails is said to be the target's re-scoring failing."""
    try:
        return run_scoring(job)
    except ServiceError as exc:
        raise ServiceError(f"{target.role} {target.label} could not be re-scored: {exc.what}", exc.why,
                           f"{exc.fix}; or set evaluate.on_production_error: logged to compare with its "
                           "logged metrics instead") from exc


def _recorded(stage: Stage, target: Target, run_id: str) -> Lineage:
    try:
        return recorded_lineage(stage.registry.run_lineage(run_id), run_id)
    except TamperedLineage:  # a lineage someone rewrote: refused, never a reason to fall back
        raise
    except BadInput as exc:
        raise Unscorable(f"{exc.what} ({exc.why})") from exc


def _prune_worktrees(root: Path) -> None:
    """Remove the worktrees an mlgate killed while scoring left in this clone (none outside git)."""
    try:
        done = _git(root, "rev-parse", "--show-toplevel")
    except ServiceError:
        return
    if done.returncode == 0:
        prune_stale(Path(done.stdout.strip()))


def _git_top(root: Path) -> Path:
    done = _git(root, "rev-parse", "--show-toplevel")
    if done.returncode != 0:
        raise BadInput(f"{root} is not in a git repository",
                       "mlgate evaluate checks out production's recorded commit to score it with its code",
                       "run mlgate in the repository's clone")
    return Path(done.stdout.strip()).resolve()


def _require_commit(top: Path, commit: str, target: Target) -> None:
    """The recorded commit (a full SHA: train/recorded.py) must be in the clone; else CommitMissing saying
    exactly what to fetch."""
    if _git(top, "cat-file", "-e", f"{commit}^{{commit}}").returncode == 0:
        return
    shallow = _git(top, "rev-parse", "--is-shallow-repository").stdout.strip() == "true"
    logged = "; or set evaluate.on_production_error: logged to compare with its logged metrics instead"
    if shallow:
        raise CommitMissing(f"{target.role} {target.label} was trained at commit {commit}, which is not in "
                            "this clone", "the clone is shallow: it holds only the latest commits",
                            f"{FETCH_FIX}; or fetch just that commit: git fetch origin {commit}{logged}")
    raise CommitMissing(f"{target.role} {target.label} was trained at commit {commit}, which is not in this "
                        "clone", "the commit is in no branch fetched here: it is on another branch, or a "
                        "force-push removed it from every branch",
                        f"fetch it: git fetch origin {commit} (if the remote no longer has it, train "
                        f"production again from a commit that exists and promote it){logged}")


def _git(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True, timeout=300,
                              check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ServiceError(f"git {args[0]} failed", str(exc),
                           "install git, and run mlgate in the clone") from exc


@contextmanager
def _worktree(top: Path, commit: str) -> Iterator[Path]:
    """A detached `git worktree` at the commit, removed afterwards."""
    prune_stale(top)  # worktrees left by an mlgate killed while scoring (commands/worktrees.py)
    with locked_folder() as folder:
        tree = folder / TREE
        done = _git(top, "worktree", "add", "--detach", str(tree), commit)
        if done.returncode != 0:
            raise ServiceError(f"cannot check out commit {commit[:12]} in a git worktree",
                               (done.stderr.strip().splitlines() or ["git said nothing"])[-1],
                               "check that the clone is writable and that git works")
        try:
            yield tree
        finally:
            _git(top, "worktree", "remove", "--force", str(tree))
            _git(top, "worktree", "prune")


def _old_config(path: Path, target: Target, commit: str) -> Config:
    """The config of the target's commit, which must have an evaluate: section."""
    if not path.is_file():
        raise Unscorable(f"its commit {commit[:12]} has no {path.name}")
    try:
        old = load_config(path)
    except BadInput as exc:
        raise Unscorable(f"the {path.name} of its commit {commit[:12]} is not valid: {exc.why}") from exc
    if old.evaluate is None:
        raise Unscorable(f"the {path.name} of its commit {commit[:12]} has no evaluate: section (it was made "
                         "before the same-data comparison was set up)")
    return old


def _model_path(old_root: Path, model: ModelFiles, run_id: str, commit: str) -> Path:
    """Where the model goes in the worktree: lineage's model.path, which must stay inside it (symlinks of
    that commit followed); train/recorded.py already refused absolute paths and `..`."""
    found = inside(old_root, model.path)
    if found is None or found == old_root.resolve():
        raise TamperedLineage(
            f"the lineage logged with MLflow run {run_id} cannot be trusted: model.path {model.path!r} "
            f"leads outside the checkout of commit {commit[:12]}",
            "mlgate places production's model files at model.path inside that checkout, never elsewhere",
            f"find out who changed run {run_id}; point the alias at a version trained by `mlgate train`")
    return found


def _place_model(stage: Stage, run_id: str, model_path: Path, model: ModelFiles) -> None:
    """The model files lineage lists, downloaded from the run (`mlgate/model/`, or `model/` of runs written
    by an earlier mlgate), each checked against the sha256 lineage recorded, then placed at model_path as
    the training wrote them (a folder, or one file). Only those files: nothing else the run holds."""
    with tempfile.TemporaryDirectory(prefix="mlgate-model-") as tmp:
        local = fetch_model_files(stage.registry, run_id, model, Path(tmp))
        shutil.rmtree(model_path, ignore_errors=True)
        model_path.unlink(missing_ok=True)
        model_path.parent.mkdir(parents=True, exist_ok=True)
        if list(model.files) == [model_path.name] and (local / model_path.name).is_file():  # one file
            shutil.copyfile(local / model_path.name, model_path)
        else:
            shutil.copytree(local, model_path)


def fetch_model_files(registry: Registry, run_id: str, model: ModelFiles, dest: Path) -> Path:
    """Download the files lineage lists into `dest/files`, each one checked: a regular file with the
    recorded sha256. Unscorable when the run has no model artifacts; a missing or changed file is a
    ServiceError (exit 3) naming it."""
    folder = next((path for path in (MODEL_ARTIFACT, LEGACY_MODEL_ARTIFACT)
                   if registry.has_artifact(run_id, path)), None)
    if folder is None:
        raise Unscorable(f"its run {run_id} has no model artifacts ({MODEL_ARTIFACT}/)")
    files = dest / "files"
    fetched = dest / "fetched"
    for name, want in sorted(model.files.items()):
        got = registry.download_artifact(run_id, f"{folder}/{name}", fetched)
        where = f"{folder}/{name} of run {run_id}"
        if got is None or got.is_symlink() or not got.is_file():
            raise ServiceError(f"the model file {where} is missing",
                               "lineage lists it, with its sha256, among the files the training wrote",
                               f"find out who changed run {run_id}; promote a version whose model is intact")
        found = file_sha256(got)
        if found != want:
            raise ServiceError(f"the model file {where} does not have the sha256 lineage recorded",
                               f"recorded {want}, downloaded {found}: the file was changed on the run after "
                               "the training wrote it, and nothing is scored with it",
                               f"find out who changed run {run_id}; promote a version whose model is intact")
        (files / name).parent.mkdir(parents=True, exist_ok=True)
        got.replace(files / name)
    files.mkdir(parents=True, exist_ok=True)
    return files


def _cache(stage: Stage, run_id: str, path: Path) -> None:
    """Log the predictions on the model's run, keyed by the evaluation data's version (best effort)."""
    folder, file_name = CACHE_FOLDER, f"{stage.key}{suffix_of(path)}"
    with tempfile.TemporaryDirectory(prefix="mlgate-cache-") as tmp:
        shutil.copyfile(path, Path(tmp) / file_name)
        try:
            stage.registry.log_artifact(run_id, Path(tmp) / file_name, folder)
            # the sha256 of what mlgate wrote: a cached file is used only with it (evaluate/cached.py)
            stage.registry.log_run(run_id, params={}, metrics={},
                                   tags={sha_tag(stage.key): file_sha256(Path(tmp) / file_name)})
        except MlgateError as exc:
            stage.output.warn(f"could not cache the predictions on run {run_id} ({exc.what}); the next "
                              "`mlgate evaluate` scores it again")


