"""`mlgate train`: pin, run the training in its container, log to MLflow, register the candidate."""

from __future__ import annotations

import os
import shutil
import tempfile
from contextlib import suppress
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from mlgate import safepath
from mlgate.commands.profile import log_training_profile
from mlgate.config import DEFAULT_OUT, Config, TrainSettings
from mlgate.config import tracking_uri as resolve_uri
from mlgate.documents import Ci, Configuration, Lineage, ModelFiles, Registered, RunRef
from mlgate.engines.runtimes import make_runtime
from mlgate.engines.sandbox import Sandbox, carried, open_sandbox
from mlgate.errors import EXIT_PASSED, BadInput, GateFailed, MlgateError
from mlgate.evaluate.cached import file_sha256, sha_tag
from mlgate.evaluate.model import EvalSet
from mlgate.evaluate.predictions import (
    PREDICTIONS_DIR,
    cache_artifact,
    cache_key,
    data_version,
    load_evalset,
    predictions_file,
    predictions_suffix,
    read_predictions,
    rel_path,
)
from mlgate.evaluate.predictions import settings_of as settings_of_evaluate
from mlgate.evaluate.scoring import SCORE_LOG, ScoringJob, run_scoring
from mlgate.forge import CiContext
from mlgate.output import Output
from mlgate.train import lineage
from mlgate.train.data_pin import DataValidation, data_pin, data_validation, stale_validation
from mlgate.train.execute import LOG_NAME, Job, Produced, check_outputs, execute, job_env
from mlgate.train.image import digest_of, is_pinned
from mlgate.train.pins import (
    code_state,
    files_digest,
    flat_params,
    optional_sha256,
    read_params,
    relative_to_root,
)
from mlgate.train.runner import Runtime
from mlgate.workdir import LINEAGE, begin

if TYPE_CHECKING:
    from mlgate.registry import Registry


def settings_of(config: Config) -> TrainSettings:
    if config.train is None:
        raise BadInput("mlgate.yaml has no train section", "mlgate train runs train.command",
                       "add a train: section with at least image and command (see docs/config.md)")
    return config.train


def check_image(settings: TrainSettings, runtime: str) -> None:
    """Refuse an image without a digest (exit 2) unless allow_unpinned; local runs need none."""
    if runtime == "local" or not settings.image or is_pinned(settings.image) or settings.allow_unpinned:
        return
    raise BadInput(
        f"train.image {settings.image!r} is not pinned by digest",
        "a tag can point at another image tomorrow, so the run could not be reproduced",
        "pin it as name@sha256:<digest> (`docker buildx imagetools inspect NAME` or "
        "`podman image inspect --format '{{.Digest}}' NAME` prints it), or set train.allow_unpinned: true "
        "to run it marked not reproducible",
    )


def configuration_pin(config: Config, settings: TrainSettings) -> Configuration:
    params_path = config.resolve(settings.params) if settings.params else None
    return Configuration(
        command=settings.command,
        metrics_file=relative_to_root(config.resolve(settings.metrics), config.root),
        params_file=relative_to_root(params_path, config.root) if params_path else None,
        params_sha256=optional_sha256(params_path, "train.params"),
        params=read_params(params_path) if params_path else {},
        seed=settings.seed,
        env=sorted(settings.env),
    )


def own_folders(config: Config, out: Path) -> tuple[Path, ...]:
    """mlgate's own folders (the work directory, the embedded MLflow store) and the outputs the config
    declares (train.metrics, train.model): a training rewrites them, so they are not part of the code pin."""
    train = config.train
    outputs = (config.resolve(train.metrics), config.resolve(train.model)) if train else ()
    scored = (config.resolve(config.evaluate.predictions),) if config.evaluate else ()
    return (out, config.root / DEFAULT_OUT, *outputs, *scored)


def check_data(output: Output, out: Path, *, force: bool) -> DataValidation:
    """Refuse to train on data that failed validation (GateFailed, exit 1) unless --force; say what a run
    on data never validated, or trained on anyway, is tagged."""
    found = data_validation(out)
    tag = lineage.DATA_VALIDATION_TAG
    if found.status == "failed":
        if not force:
            raise GateFailed(
                "refusing to train: the data failed validation", found.why,
                "fix the data (validation.json and `mlgate validate` say what is wrong) and run "
                "`mlgate validate` again; or pass --force (MLGATE_FORCE=true) to train anyway: the run is "
                f"then tagged {tag}=forced, its verdict fails, and promote refuses it without --force",
            )
        output.warn(f"training on data that failed validation (--force): {found.why}; the run is tagged "
                    f"{tag}=forced, its verdict fails, and promote refuses it without --force")
        return DataValidation("forced", found.invalid, found.why)
    if found.status == "not-validated":
        warn_not_validated(output, found.why, out)
    return found


def warn_not_validated(output: Output, why: str, out: Path) -> None:
    output.warn(f"the data was not validated ({why}): run `mlgate validate --out {out}` before "
                f"`mlgate train`; the run is tagged {lineage.DATA_VALIDATION_TAG}=not-validated and promote "
                "refuses it without --force")


def gitlab_ci(github: CiContext) -> dict[str, str]:
    """On GitLab, lineage also records the project and the pipeline (the job is run_url)."""
    pipeline = getattr(github, "pipeline_url", None)
    if not isinstance(pipeline, str) or not github.repository:
        return {}
    return {"repository": github.repository, "pipeline_url": pipeline}


def pins(config: Config, settings: TrainSettings, runtime: Runtime, out: Path,
         github: CiContext) -> Lineage:
    """Everything recorded before the command runs (the code pin must see the tree before training)."""
    lockfile = config.resolve(settings.lockfile) if settings.lockfile else None
    image = None if runtime.name == "local" else settings.image
    environment = lineage.environment_pin(
        runtime=runtime.name, image=image, image_digest=digest_of(image) if image else None,
        pinned=runtime.pinned and bool(image and is_pinned(image)),
        lockfile=relative_to_root(lockfile, config.root) if lockfile else None,
        lockfile_sha256=optional_sha256(lockfile, "train.lockfile"), python_version=None,
    )
    code, changed = code_state(config.root, ignore=own_folders(config, out))
    ci = Ci(pr=github.pr_number(), head_sha=github.pr_head_sha(), run_url=github.run_url(),
            **gitlab_ci(github))
    return lineage.build(code=code, data=data_pin(config, out), environment=environment,
                         configuration=configuration_pin(config, settings), ci=ci, changed=changed)


@dataclass
class Tracking:
    """The MLflow run this training logs to."""

    registry: Registry
    experiment_id: str
    run_id: str
    artifact_uri: str

    @property
    def uri(self) -> str:
        return self.registry.uri


def open_run(config: Config, settings: TrainSettings, uri: str, document: Lineage) -> Tracking:
    from mlgate.registry import Registry

    registry = Registry.connect(uri)
    experiment_id = registry.ensure_experiment(settings.experiment or config.model.name)
    commit = document.code.commit or "nogit"
    run_id, artifact_uri = registry.start_run(experiment_id, f"{config.model.name}-{commit[:8]}",
                                              lineage.run_tags(document))
    document.run = RunRef(run_id=run_id, experiment_id=experiment_id,
                          url=registry.run_url(experiment_id, run_id))
    return Tracking(registry, experiment_id, run_id, artifact_uri)


def store_mounts(uri: str) -> tuple[Path, ...]:
    """The folder of a SQLite tracking store, mounted so the command can log to the store too."""
    from mlgate.registry import sqlite_path

    db = sqlite_path(uri)
    return (db.parent,) if db is not None and db.parent.is_dir() else ()


def make_job(config: Config, settings: TrainSettings, runtime: Runtime, out: Path,
             tracking: Tracking | None, sandbox: Sandbox | None = None) -> Job:
    """The training job. Without `tracking_credentials: pass` the command logs to `sandbox` (a throwaway
    store, mounted) and gets neither the registry's URI nor its credentials, nor its SQLite folder."""
    metrics_path, model_path = config.resolve(settings.metrics), config.resolve(settings.model)
    host_env = dict(os.environ)  # the host's environment, read here once: train/ and the engines read none
    passing = settings.tracking_credentials == "pass"
    env = job_env(
        seed=settings.seed, params_path=config.resolve(settings.params) if settings.params else None,
        metrics_path=metrics_path, model_path=model_path, out=out,
        tracking_uri=tracking.uri if tracking else None, run_id=tracking.run_id if tracking else None,
        experiment_id=tracking.experiment_id if tracking else None, user_env=settings.env, host_env=host_env,
        sandbox=sandbox.env() if sandbox else None, pass_credentials=passing,
    )
    if passing:
        mounts = store_mounts(tracking.uri) if tracking else ()
    else:
        mounts = (sandbox.folder,) if sandbox else ()
    return Job(runtime=runtime, command=settings.command, root=config.root, out=out,
               metrics_path=metrics_path, model_path=model_path, host_env=host_env, env=env,
               mounts=mounts, pass_credentials=passing)


def run_train(config: Config, output: Output, github: CiContext, *, runtime: str | None,
              register: bool, out: Path, tracking_uri: str | None, force: bool = False,
              rules_from: str | None = None, config_name: str = "mlgate.yaml") -> int:
    """The `mlgate train` command. 0 trained (and registered); raises a known error otherwise.

    Data that failed validation (validation.json in `out`) is refused (exit 1) unless `force`. In a pull
    request, `train.tracking_credentials: pass` holds only when the base's config says so too (rules.py).
    """
    from mlgate.commands.ruleset import credentials_in_force

    out = out.resolve()
    settings = credentials_in_force(config, settings_of(config), output, github, rules_from=rules_from,
                                    config_name=config_name, out=out)
    begin(out, LINEAGE)  # no older lineage (nor verdict, nor report) may pass for this run's
    shutil.rmtree(out / PREDICTIONS_DIR, ignore_errors=True)  # nor older predictions
    (out / SCORE_LOG).unlink(missing_ok=True)
    requested = runtime or settings.runtime
    check_image(settings, requested)
    evalset = load_evalset(config) if config.evaluate else None  # a broken evaluation file: before training
    validated = check_data(output, out, force=force)
    chosen = make_runtime(requested, settings.image, settings.runtime_args)
    document = pins(config, settings, chosen, out, github)
    document.data_validation = validated.status
    stale = stale_validation(document.data, out, config.root) if validated.status == "passed" else []
    if stale:
        document.data_validation = "not-validated"
        warn_not_validated(output, f"{', '.join(stale[:10])} changed since `mlgate validate` checked it", out)
    document.configuration.tracking_credentials = settings.tracking_credentials
    uri = resolve_uri(config, out, tracking_uri)
    sandbox = None if settings.tracking_credentials == "pass" else open_sandbox(with_run=True)
    try:
        tracking = open_run(config, settings, uri, document)
        output.wrote("lineage", lineage.write(out, document))
        job = make_job(config, settings, chosen, out, tracking, sandbox)
        try:
            produced = train_and_check(config, output, settings, job, document)
            predictions = score_candidate(config, output, job, document, evalset) if evalset else None
            log_training_profile(config, output, tracking.registry, tracking.run_id, out)
            produced = with_carried(output, produced, sandbox)
            finish(config, settings, out, tracking, document, produced, register=register,
                   predictions=predictions)
        except MlgateError as exc:
            fail(out, tracking, document, exc.redact(job.masker.text))  # the secrets the command printed
            raise
        except KeyboardInterrupt:
            fail(out, tracking, document, GateFailed("training was interrupted"), status="KILLED")
            raise
    finally:
        if sandbox is not None:
            sandbox.close()
    report(output, document)
    return EXIT_PASSED


def with_carried(output: Output, produced: Produced, sandbox: Sandbox | None) -> Produced:
    """What the command logged to its throwaway run (metrics, params), for mlgate to log to the real run.
    The metrics file's values and mlgate's own params win over the same names logged there."""
    if sandbox is None:
        return produced
    found = carried(sandbox)
    if found.problem:
        output.warn(f"what the training command logged to MLflow is not carried to the run: {found.problem}")
    if found.dropped:
        output.warn(f"{len(found.dropped)} metrics or params the training command logged to MLflow were left "
                    f"out (invalid names or values, or over the limits): {', '.join(found.dropped[:5])}")
    metrics = {name: value for name, value in found.metrics.items() if name not in produced.metrics}
    return replace(produced, logged=metrics, logged_params=found.params)


def train_and_check(config: Config, output: Output, settings: TrainSettings, job: Job,
                    document: Lineage) -> Produced:
    runtime, out = job.runtime, job.out
    output.line(f"mlgate train: running `{settings.command}` ({describe(runtime, settings)})")
    if job.pass_credentials:
        output.warn("train.tracking_credentials is pass: the training and scoring commands get the tracking "
                    "store's URI and credentials, so the code of this change can write to the registry")
    result, started = execute(job)
    document.duration_seconds = round(result.outcome.seconds, 3)
    env = document.environment
    env.python_version = result.python_version
    if runtime.name != "local" and not env.image_digest:
        env.image_digest = runtime.image_digest(settings.image)
    if result.outcome.returncode != 0:
        document.log_tail = result.outcome.log_tail
        raise GateFailed(
            f"the training command failed with exit code {result.outcome.returncode}",
            (result.outcome.log_tail or ["it printed nothing"])[-1],
            f"read the training log above (also in {out / LOG_NAME}; its tail is in lineage.json)",
        )
    produced = check_outputs(job, started)
    document.metrics = produced.metrics
    document.model = ModelFiles(path=relative_to_root(job.model_path, config.root), files=produced.files,
                                sha256=files_digest(produced.files))
    for name in produced.skipped:
        output.warn(f"metric {name} in {settings.metrics} is not a finite number; it was not logged")
    return produced


def describe(runtime: Runtime, settings: TrainSettings) -> str:
    if runtime.name == "local":
        return "runtime local: on this host, the environment is not pinned"
    return f"{runtime.name}, image {settings.image}"


def score_candidate(config: Config, output: Output, job: Job, document: Lineage, evalset: EvalSet) -> Path:
    """Score the new model on the evaluation data in the training's runtime; check the predictions and
    copy them to `out/predictions/candidate.<ext>`. A failing scoring fails the training stage (exit 1)."""
    settings = settings_of_evaluate(config)
    out = job.out
    scoring = ScoringJob(
        runtime=job.runtime, command=settings.command, root=config.root, model_path=job.model_path,
        data_path=config.resolve(settings.data), predictions_path=config.resolve(settings.predictions),
        seed=settings.seed, log_path=out / SCORE_LOG, host_env=job.host_env,
        user_env=config.train.env if config.train else {}, mounts=job.mounts,
        pass_credentials=job.pass_credentials)
    output.line(f"mlgate train: scoring the candidate on {settings.data}: `{settings.command}`")
    done = run_scoring(scoring)
    if not done.ok:
        document.log_tail = done.outcome.log_tail
        raise GateFailed(
            f"{done.problem} (the candidate's scoring on the evaluation data)",
            (done.outcome.log_tail or ["it printed nothing"])[-1],
            f"read the scoring log above (also in {out / SCORE_LOG}; its tail is in lineage.json); the "
            "command gets $MLGATE_MODEL, $MLGATE_EVAL_DATA and writes $MLGATE_PREDICTIONS",
        ).redact(scoring.masker.text)
    rel = rel_path(scoring.predictions_path, config.root)
    read_predictions(scoring.predictions_path, evalset, "candidate", settings.task, id_column=settings.id,
                     rel=rel)
    target = predictions_file(out, "candidate", settings)
    target.parent.mkdir(parents=True, exist_ok=True)
    safepath.copy_file(scoring.predictions_path, target)  # never through a symlink the command made
    output.line(f"mlgate train: the candidate's predictions ({evalset.n} rows) are in {target}")
    return target


def finish(config: Config, settings: TrainSettings, out: Path, tracking: Tracking, document: Lineage,
           produced: Produced, *, register: bool, predictions: Path | None = None) -> None:
    """Log params, metrics, pins and artifacts; register the candidate; end the run."""
    registry, run_id = tracking.registry, tracking.run_id
    document.status = "succeeded"
    params = {**produced.logged_params, **flat_params(document.configuration.params)}
    registry.log_run(run_id, params=params, metrics={**produced.logged, **produced.metrics},
                     tags=lineage.run_tags(document))
    registry.log_artifact(run_id, config.resolve(settings.model), lineage.MODEL_ARTIFACT)
    if predictions is not None and config.evaluate is not None:
        # the predictions on this version of the evaluation data: the cache `mlgate evaluate` reads once
        # this model is in production (its scoring then runs only when the evaluation data changes), with
        # the sha256 of what mlgate wrote (a cached file is used only with it: evaluate/cached.py)
        data = data_version(config)
        cached = cache_artifact(data, predictions_suffix(config.evaluate))
        folder, _, name = cached.rpartition("/")
        with tempfile.TemporaryDirectory(prefix="mlgate-predictions-") as tmp:
            safepath.copy_file(predictions, Path(tmp) / name)
            registry.log_artifact(run_id, Path(tmp) / name, folder)
            registry.log_run(run_id, params={}, metrics={},
                             tags={sha_tag(cache_key(data)): file_sha256(Path(tmp) / name)})
    registry.log_artifact(run_id, config.resolve(settings.metrics), "mlgate")
    registry.log_artifact(run_id, out / LOG_NAME, "mlgate")
    if predictions is not None:
        registry.log_artifact(run_id, out / SCORE_LOG, "mlgate")
    if register:
        name, alias = config.model.name, config.model.candidate_alias
        version = registry.register_version(
            name, source=f"{tracking.artifact_uri.rstrip('/')}/{lineage.MODEL_ARTIFACT}", run_id=run_id,
            tags=lineage.version_tags(document), alias=alias)
        document.registered = Registered(name=name, version=version, alias=alias)
    lineage.write(out, document)
    registry.log_artifact(run_id, out / "lineage.json", "mlgate")
    registry.finish_run(run_id, "FINISHED")


def fail(out: Path, tracking: Tracking, document: Lineage, exc: MlgateError,
         status: str = "FAILED") -> None:
    """Record a failed training in lineage.json and in MLflow (best effort: the first error wins)."""
    registry, run_id = tracking.registry, tracking.run_id
    document.status = "failed"
    document.error = exc.message()
    lineage.write(out, document)
    with suppress(MlgateError):
        registry.log_run(run_id, params={}, metrics={}, tags=lineage.run_tags(document))
        for log in (LOG_NAME, SCORE_LOG):
            if (out / log).is_file():
                registry.log_artifact(run_id, out / log, "mlgate")
        registry.log_artifact(run_id, out / "lineage.json", "mlgate")
        registry.finish_run(run_id, status)


def report(output: Output, document: Lineage) -> None:
    """What a person reads at the end, plus step outputs inside GitHub Actions."""
    registered, files = document.registered, document.model.files if document.model else {}
    output.line(f"mlgate train: run {document.run_id} logged {len(document.metrics)} metrics and "
               f"{len(files)} model files")
    if registered:
        output.line(f"registered {registered.name} version {registered.version} "
                   f"as @{registered.alias}")
    if document.reproducible:
        output.line("reproducible: yes (code, data, environment and configuration are pinned)")
    else:
        output.warn("this run is not reproducible: " + "; ".join(document.not_reproducible_because))
    output.set_outputs({"passed": "true", "run-id": document.run_id,
                        "model-version": registered.version if registered else "",
                        "reproducible": str(document.reproducible).lower()})
