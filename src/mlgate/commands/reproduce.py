"""`mlgate reproduce RUN_ID`: re-run training from a run's recorded pins; compare the model byte for byte."""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from mlgate.commands.train import own_folders, store_mounts
from mlgate.config import Config
from mlgate.config import tracking_uri as resolve_uri
from mlgate.documents import Lineage, ModelFiles, Reproduction, parse_document
from mlgate.engines.runtimes import make_runtime
from mlgate.engines.sandbox import Sandbox, open_sandbox
from mlgate.errors import EXIT_GATE_FAILED, EXIT_PASSED, BadInput, GateFailed, MlgateError
from mlgate.output import Output
from mlgate.train.compare_files import FileDiff, diff_files
from mlgate.train.data_pin import current_paths, data_differences
from mlgate.train.execute import LOG_NAME, Job, check_outputs, execute, job_env
from mlgate.train.image import is_pinned, pinned_reference
from mlgate.train.pins import code_pin, sha256_file
from mlgate.train.recorded import checked_lineage
from mlgate.train.runner import Runtime
from mlgate.workdir import write_document

if TYPE_CHECKING:
    from mlgate.registry import Registry

REPORT = "reproduce.json"


def recorded_lineage(data: object, run_id: str) -> Lineage:
    """The lineage logged with the run, checked with its model and held to what `mlgate train` writes (it
    comes from the tracking store: untrusted input, train/recorded.py)."""
    document = parse_document(data, Lineage, f"the lineage.json logged with MLflow run {run_id}",
                              fix="pick a run made by `mlgate train` of this mlgate version")
    return checked_lineage(document, run_id)


def _recorded(document: Lineage, run_id: str) -> ModelFiles:
    """The recorded run must have succeeded and listed its model files."""
    if document.status != "succeeded" or document.model is None or not document.model.files:
        raise BadInput(f"run {run_id} did not finish training successfully: there is no model to reproduce",
                       f"its lineage status is {document.status!r}", "pick a run that succeeded")
    return document.model


def check_workspace(output: Output, document: Lineage, root: Path, ignore: tuple[Path, ...] = (),
                    current: Sequence[str] = ()) -> None:
    """Refuse when the data or the params in the workspace differ from the recorded ones; warn on code."""
    problems = data_differences(document.data, root, current)
    if problems:
        commit = document.code.commit or "the recorded commit"
        raise BadInput("the workspace data differs from the versions the run recorded", "; ".join(problems),
                       f"check out {commit} and bring the data to that version (`dvc checkout`, `dvc pull`)")
    params_file, want = document.configuration.params_file, document.configuration.params_sha256
    if params_file and want:
        path = root / params_file
        now = sha256_file(path) if path.is_file() else None
        if now != want:
            raise BadInput(f"the params file {params_file} differs from the one the run recorded",
                           f"recorded sha256 {want}, workspace {now or 'has no such file'}",
                           f"restore it from commit {document.code.commit}")
    recorded_commit = document.code.commit
    now_code = code_pin(root, ignore)
    if recorded_commit and (now_code.commit != recorded_commit or now_code.dirty):
        output.warn(f"the code is not the recorded commit {recorded_commit} (workspace: {now_code.commit}"
             f"{', with uncommitted changes' if now_code.dirty else ''}); the model may differ")


def choose_runtime(output: Output, document: Lineage, config: Config, override: str | None) -> Runtime:
    """The recorded environment: the same image digest; the engine may be another one."""
    env = document.environment
    recorded = env.runtime or "auto"
    requested = override or (recorded if recorded == "local" or shutil.which(recorded) else "auto")
    image = env.image
    if image and env.image_digest and not is_pinned(image):
        image = pinned_reference(image, env.image_digest)
    if requested != "local" and not env.pinned:
        output.warn("the recorded environment was not pinned by digest; the result may differ")
    run_args = config.train.runtime_args if config.train else []
    return make_runtime(requested, image, run_args)


def make_job(document: Lineage, model: ModelFiles, config: Config, runtime: Runtime, out: Path,
             uri: str, sandbox: Sandbox | None = None) -> Job:
    conf, root = document.configuration, config.root
    metrics_path = root / (conf.metrics_file or "metrics.json")
    model_path = root / model.path
    params = root / conf.params_file if conf.params_file else None
    host_env = dict(os.environ)  # the host's environment, read here once: train/ and the engines read none
    passing = sandbox is None  # train.tracking_credentials: pass
    env = job_env(seed=conf.seed, params_path=params, metrics_path=metrics_path, model_path=model_path,
                  out=out, tracking_uri=uri, run_id=None, experiment_id=None,
                  user_env=config.train.env if config.train else {}, host_env=host_env,
                  sandbox=sandbox.env() if sandbox else None, pass_credentials=passing)
    mounts = store_mounts(uri) if sandbox is None else (sandbox.folder,)
    return Job(runtime=runtime, command=conf.command, root=root, out=out, metrics_path=metrics_path,
               model_path=model_path, host_env=host_env, env=env, mounts=mounts, pass_credentials=passing)


def run_reproduce(config: Config, output: Output, *, run_id: str, runtime: str | None, out: Path,
                  tracking_uri: str | None) -> int:
    """The `mlgate reproduce` command. 0 byte-for-byte identical, 1 when model files differ."""
    from mlgate.registry import Registry

    out = out.resolve()
    uri = resolve_uri(config, out, tracking_uri)
    registry = Registry.connect(uri)
    document = registry.run_lineage(run_id)
    lineage = recorded_lineage(document, run_id)
    model = _recorded(lineage, run_id)
    check_workspace(output, lineage, config.root, own_folders(config, out), current_paths(config))
    chosen = choose_runtime(output, lineage, config, runtime)
    passing = config.train is not None and config.train.tracking_credentials == "pass"
    sandbox = None if passing else open_sandbox(with_run=False)
    job = make_job(lineage, model, config, chosen, out, uri, sandbox)
    output.line(f"mlgate reproduce: re-running `{job.command}` of run {run_id} ({chosen.name})")
    try:
        result, started = execute(job)
        if result.outcome.returncode != 0:
            raise GateFailed(f"the training command failed with exit code {result.outcome.returncode}",
                             (result.outcome.log_tail or ["it printed nothing"])[-1],
                             f"read the training log above (also in {out / LOG_NAME})")
        produced = check_outputs(job, started)
    except MlgateError as exc:
        exc.redact(job.masker.text)  # the secrets the command printed
        raise
    finally:
        if sandbox is not None:
            sandbox.close()
    diff = diff_files(model.files, produced.files)
    output.wrote("reproduce", record(registry, run_id, out, diff, produced.metrics, lineage))
    return say(output, diff)


def record(registry: Registry, run_id: str, out: Path, diff: FileDiff, metrics: dict[str, float],
           document: Lineage) -> Path:
    """reproduce.json in the work directory, and `mlgate.reproduced*` tags on the recorded run."""
    path = write_document(out / REPORT, Reproduction(
        run_id=run_id, identical=diff.identical, changed=diff.changed, missing=diff.missing,
        extra=diff.extra, metrics=metrics, recorded_metrics=document.metrics,
    ))
    registry.log_run(run_id, params={}, metrics={}, tags={
        "mlgate.reproduced": str(diff.identical).lower(),
        "mlgate.reproduced_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    })
    return path


def say(output: Output, diff: FileDiff) -> int:
    if diff.identical:
        output.line("reproducible byte-for-byte: every model file has the recorded sha256")
        return EXIT_PASSED
    output.line("not reproducible: the model files differ from the recorded ones")
    for line in diff.lines():
        output.line(f"  {line}")
    return EXIT_GATE_FAILED
