"""The click group: one thin command per stage; known errors become their exit code.

Imports here stay light (click only): `mlgate --help` and `--version` must not import mlflow,
pandas or pandera. Each command imports its stage module when it runs.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import click

from mlgate import __version__
from mlgate.errors import EXIT_INTERNAL, EXIT_PASSED, MlgateError, crashed
from mlgate.output import Output, guard_stray_text

if TYPE_CHECKING:
    from mlgate.config import Config
    from mlgate.forge import CiContext, Forge
    from mlgate.github.context import GitHubContext

F = TypeVar("F", bound=Callable[..., Any])


@dataclass
class AppContext:
    """What every command receives: where the config is; the config itself is read once, on first use."""

    config_path: Path
    output: Output
    forge_name: str | None = None  # --forge: github or gitlab; None: by the environment

    @cached_property
    def config(self) -> Config:
        from mlgate.config import load_config

        return load_config(self.config_path)

    @cached_property
    def github(self) -> GitHubContext:
        """Where we run on GitHub (repository, event, commit, token): read once, from the environment."""
        from mlgate.github.context import GitHubContext

        return GitHubContext.from_env()

    @cached_property
    def forge(self) -> Forge:
        """The host we post on (GitHub, GitLab), from --forge or the environment: read once."""
        from mlgate.commands.forge import forge_from_env

        return forge_from_env(self.forge_name)

    @property
    def ci(self) -> CiContext:
        """The forge's CI context: pull/merge request, commits, run URL."""
        return self.forge.context


pass_app = click.make_pass_decorator(AppContext)


def out_option(func: F) -> F:
    return click.option(
        "--out",
        type=click.Path(file_okay=False, path_type=Path),
        default=Path(".mlgate"),
        show_default=True,
        envvar="MLGATE_OUT",
        callback=_confined_out,
        help="Work directory every stage reads and writes "
        "(validation.json, lineage.json, verdict.json, report.md). Env: MLGATE_OUT.",
    )(func)


def _confined_out(ctx: click.Context, param: click.Parameter, value: Path) -> Path:
    """--out may lie anywhere the workflow says, but never through a symlink leading out of the repository
    holding it (a committed `.mlgate -> /host/dir` would have mlgate delete and write host files)."""
    from mlgate.safepath import resolved_inside

    resolved_inside(value, what="--out")
    return value


def tracking_option(func: F) -> F:
    return click.option(
        "--tracking-uri",
        default=None,
        envvar=["MLGATE_TRACKING_URI", "MLFLOW_TRACKING_URI"],
        help="MLflow tracking URI. Default: $MLGATE_TRACKING_URI, else $MLFLOW_TRACKING_URI, else "
        "tracking_uri in the config, else an embedded SQLite store, .mlgate/mlflow.db beside the config.",
    )(func)


def runtime_option(help_text: str) -> Callable[[F], F]:
    return click.option("--runtime", type=click.Choice(["auto", "docker", "podman", "local"]), default=None,
                        envvar="MLGATE_RUNTIME", help=f"{help_text} Env: MLGATE_RUNTIME.")


def rules_option(func: F) -> F:
    return click.option(
        "--rules-from", default=None, envvar="MLGATE_RULES_FROM",
        help="Judge by the rules (model, metrics, baseline, evaluate's statistics, "
        "train.tracking_credentials) of the config at this git ref. Default: the pull request's base commit "
        "from the GitHub event; outside a pull request, "
        "the config's own. Env: MLGATE_RULES_FROM.",
    )(func)


def report_options(func: F) -> F:
    """--post/--no-post and --bundle: how the report reaches the PR (report, gate)."""
    func = click.option("--bundle", "bundle_dir", type=click.Path(file_okay=False, path_type=Path),
                        default=None, envvar="MLGATE_BUNDLE",
                        help="Write a self-contained bundle for `mlgate publish` instead of posting "
                        "(fork PRs). Env: MLGATE_BUNDLE.")(func)
    return click.option("--post/--no-post", default=None,
                        help="Post the comment and status on GitHub. Default: on inside GitHub Actions "
                        "(env: MLGATE_POST = true, false or auto).")(func)


class MlgateGroup(click.Group):
    """Runs a command; its result or its known failure becomes the exit code (and the `exit-code` output)."""

    def make_context(self, info_name: str | None, args: list[str], parent: click.Context | None = None,
                     **extra: Any) -> click.Context:
        try:
            return super().make_context(info_name, args, parent, **extra)
        except click.UsageError as exc:  # a group option (--config) click refused
            usage_error(exc)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            code = super().invoke(ctx)
        except click.UsageError as exc:  # a command's option or argument click refused
            usage_error(exc, ctx)
        except MlgateError as exc:
            report_error(ctx, exc)
            finish(ctx, exc.exit_code)
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException, SystemExit):
            raise
        except KeyboardInterrupt:
            click.echo("mlgate: interrupted", err=True)
            sys.exit(130)
        except BrokenPipeError:  # stdout closed before mlgate could finish printing: not an error
            from mlgate.output import silence_stdout

            silence_stdout()
            finish(ctx, EXIT_PASSED)
        except Exception as exc:  # an unknown failure is a bug of ours, unless the disk failed
            from mlgate.safepath import disk_fault_in_chain

            fault = disk_fault_in_chain(exc)
            if fault is not None:  # a full disk, a read-only file system, a file-size limit: exit 3
                report_error(ctx, fault)
                finish(ctx, fault.exit_code)
            import traceback

            traceback.print_exc()
            report_error(ctx, crashed(exc))
            finish(ctx, EXIT_INTERNAL)
        finish(ctx, code if isinstance(code, int) else EXIT_PASSED)


def usage_error(exc: click.UsageError, ctx: click.Context | None = None) -> NoReturn:
    """A command line click refused, as what/why/fix (exit 2) like every other bad input."""
    from mlgate.errors import BadInput

    where = exc.ctx or ctx
    command = where.command_path if where is not None else "mlgate"
    error = BadInput(exc.format_message(), f"`{command}` cannot run with the command line as given",
                     f"see `{command} --help` for its options and arguments")
    if ctx is not None:
        report_error(ctx, error)
        finish(ctx, error.exit_code)
    Output.from_env().error(error.message(), title=error.title)
    sys.exit(error.exit_code)


def finish(ctx: click.Context, code: int) -> NoReturn:
    """Exit with `code`, written first as the step output `exit-code` inside GitHub Actions.

    A command that stopped before it could say whether it passed (bad input, a service down) did not
    pass: its `passed` output is `false`, so the action's steps need no logic of their own.
    """
    app = ctx.find_object(AppContext)
    if app is not None:
        if code != EXIT_PASSED and "passed" not in app.output.outputs:
            app.output.set_output("passed", "false")
        app.output.set_output("exit-code", str(code))
    sys.exit(code)


def report_error(ctx: click.Context, exc: MlgateError) -> None:
    """Print a known failure for a person, and as an `::error::` annotation inside GitHub Actions."""
    app = ctx.find_object(AppContext)
    output = app.output if app is not None else Output.from_env()
    output.error(exc.message(), title=exc.title, file=exc.file)


@click.group(cls=MlgateGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="mlgate")
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("mlgate.yaml"),
    show_default=True,
    envvar="MLGATE_CONFIG",
    help="The config file (env: MLGATE_CONFIG).",
)
@click.option("--forge", "forge_name", type=click.Choice(["github", "gitlab"]), default=None,
              envvar="MLGATE_FORGE",
              help="The host to read the CI context from and post on. Default: gitlab when GITLAB_CI=true, "
              "else github (env: MLGATE_FORGE).")
@click.pass_context
def cli(ctx: click.Context, config_path: Path, forge_name: str | None) -> None:
    """mlgate: an evaluation gate for ML projects in CI.

    Validate the data a PR changed, train in a pinned container, compare with the production model,
    report on the PR, and fail a required status check when the model got worse.

    Exit codes: 0 passed, 1 the gate failed, 2 bad input, 3 an outside service or runtime failed,
    4 an internal error of mlgate.
    """
    ctx.obj = AppContext(config_path=config_path, output=Output.from_env(), forge_name=forge_name)
    guard_stray_text()  # warnings and log records of other libraries are defused too


# --- the stages: each command builds nothing itself; commands/<name>.py wires it --------------------


@cli.command()
@click.option("--base", "base_ref", default=None, envvar="MLGATE_BASE_REF",
              help="Git ref to diff against. Default: the PR's base from the GitHub event, else origin/HEAD. "
              "Env: MLGATE_BASE_REF.")
@click.option("--all", "all_datasets", is_flag=True, envvar="MLGATE_ALL",
              help="Validate every declared dataset, changed or not. Env: MLGATE_ALL.")
@click.option("--spark-master", default=None, envvar=["MLGATE_SPARK_MASTER", "SPARK_MASTER"],
              help="Spark master for datasets with `engine: spark` (local[2], spark://host:7077, yarn, ...). "
              "Default: $MLGATE_SPARK_MASTER, else $SPARK_MASTER, else spark.master in the config.")
@out_option
@pass_app
def validate(app: AppContext, base_ref: str | None, all_datasets: bool, spark_master: str | None,
             out: Path) -> int:
    """Validate the datasets a pull request changed (writes validation.json)."""
    from mlgate.commands.validate import run_validate

    return run_validate(app.config, app.output, app.ci, base_ref=base_ref, all_datasets=all_datasets,
                        out=out, spark_master=spark_master)


@cli.command()
@runtime_option("Override train.runtime from the config.")
@click.option("--register/--no-register", default=True, show_default=True, envvar="MLGATE_REGISTER",
              help="Register the run's model as a new version with the candidate alias. "
              "Env: MLGATE_REGISTER.")
@click.option("--force", is_flag=True, envvar="MLGATE_FORCE",
              help="Train even if validation.json in --out says the data failed validation (the run is "
              "tagged mlgate.data.validation=forced: its verdict fails). Env: MLGATE_FORCE.")
@rules_option
@out_option
@tracking_option
@pass_app
def train(app: AppContext, runtime: str | None, register: bool, force: bool, rules_from: str | None,
          out: Path, tracking_uri: str | None) -> int:
    """Train in the pinned container, record the four pins (writes lineage.json), register the candidate."""
    from mlgate.commands.train import run_train

    return run_train(app.config, app.output, app.ci, runtime=runtime, register=register, out=out,
                     tracking_uri=tracking_uri, force=force, rules_from=rules_from,
                     config_name=app.config_path.name)


@cli.command()
@runtime_option("Override the runtime production (and the baseline) are scored in (their recorded image "
                "digest is still used).")
@rules_option
@out_option
@tracking_option
@pass_app
def evaluate(app: AppContext, runtime: str | None, rules_from: str | None, out: Path,
             tracking_uri: str | None) -> int:
    """Score production on the same evaluation data, in its own environment (writes evaluation.json)."""
    from mlgate.commands.evaluate import run_evaluate

    return run_evaluate(app.config, app.output, app.github, out=out, tracking_uri=tracking_uri,
                        runtime=runtime, config_name=app.config_path.name, rules_from=rules_from)


@cli.command()
@click.argument("run_id")
@runtime_option("Override the runtime (the recorded image digest is still used).")
@out_option
@tracking_option
@pass_app
def reproduce(app: AppContext, run_id: str, runtime: str | None, out: Path, tracking_uri: str | None) -> int:
    """Re-run training from a run's recorded pins and compare the model files byte for byte."""
    from mlgate.commands.reproduce import run_reproduce

    return run_reproduce(app.config, app.output, run_id=run_id, runtime=runtime, out=out,
                         tracking_uri=tracking_uri)


@cli.command()
@click.option("--version", "version", default=None, envvar="MLGATE_VERSION",
              help="The model version to promote. Env: MLGATE_VERSION.")
@click.option("--commit", default=None, envvar="MLGATE_COMMIT",
              help="Promote the version built from this commit, a sha or a git ref such as HEAD "
              "(default: $GITHUB_SHA). Env: MLGATE_COMMIT.")
@click.option("--force", is_flag=True, envvar="MLGATE_FORCE",
              help="Promote even if the version's gate did not pass, its data failed (or never had) "
              "validation, or @production moved since its gate ran; recorded as the version tag "
              "mlgate.promoted_forced_by. Env: MLGATE_FORCE.")
@out_option
@tracking_option
@pass_app
def promote(app: AppContext, version: str | None, commit: str | None, force: bool, out: Path,
            tracking_uri: str | None) -> int:
    """Move the production alias to a candidate version (after merge)."""
    from mlgate.commands.promote import run_promote

    return run_promote(app.config, app.output, app.ci, version=version, commit=commit, force=force,
                       out=out, tracking_uri=tracking_uri, forge=app.forge)


@cli.command()
@click.option("--candidate-run", default=None, envvar="MLGATE_CANDIDATE_RUN",
              help="MLflow run id of the candidate. Env: MLGATE_CANDIDATE_RUN.")
@click.option("--candidate-metrics", type=click.Path(dir_okay=False, path_type=Path), default=None,
              envvar="MLGATE_CANDIDATE_METRICS",
              help="Candidate metrics file (JSON or YAML, flat or nested as dvc writes them). "
              "Env: MLGATE_CANDIDATE_METRICS.")
@click.option("--fail/--no-fail", "fail_on_regression", default=True, show_default=True, envvar="MLGATE_FAIL",
              help="Exit 1 when a metric with severity fail fails. Env: MLGATE_FAIL.")
@rules_option
@out_option
@tracking_option
@pass_app
def compare(app: AppContext, candidate_run: str | None, candidate_metrics: Path | None,
            fail_on_regression: bool, rules_from: str | None, out: Path, tracking_uri: str | None) -> int:
    """Compare the candidate's metrics with production and the baseline (writes verdict.json)."""
    from mlgate.commands.compare import run_compare

    return run_compare(app.config, app.output, github=app.github, candidate_run=candidate_run,
                       candidate_metrics=candidate_metrics, fail_on_regression=fail_on_regression, out=out,
                       tracking_uri=tracking_uri, rules_from=rules_from, config_name=app.config_path.name)


@cli.command()
@report_options
@out_option
@tracking_option
@pass_app
def report(app: AppContext, post: bool | None, bundle_dir: Path | None, out: Path,
           tracking_uri: str | None) -> int:
    """Render report.md from the work directory; post it on the PR and set the commit status."""
    from mlgate.commands.report import run_report

    return run_report(app.config, app.output, app.ci, post=post_setting(post), bundle_dir=bundle_dir,
                      out=out, tracking_uri=tracking_uri, forge=app.forge)


@cli.command()
@click.option("--base", "base_ref", default=None, envvar="MLGATE_BASE_REF",
              help="Git ref to diff the data against (validate's --base). Env: MLGATE_BASE_REF.")
@runtime_option("Override train.runtime (and the runtime production is scored in).")
@click.option("--fail/--no-fail", "fail_on_regression", default=True, show_default=True, envvar="MLGATE_FAIL",
              help="Exit 1 when a metric with severity fail fails (compare's --fail). Env: MLGATE_FAIL.")
@report_options
@rules_option
@out_option
@tracking_option
@pass_app
def gate(app: AppContext, base_ref: str | None, runtime: str | None, fail_on_regression: bool,
         post: bool | None, bundle_dir: Path | None, rules_from: str | None, out: Path,
         tracking_uri: str | None) -> int:
    """The pull-request loop in one process: validate, train, evaluate, compare, report."""
    from mlgate.commands.gate import GateOptions, Hosts, run_gate

    options = GateOptions(out=out, tracking_uri=tracking_uri, base_ref=base_ref, runtime=runtime,
                          fail_on_regression=fail_on_regression, post=post_setting(post),
                          bundle_dir=bundle_dir, config_name=app.config_path.name, rules_from=rules_from)
    return run_gate(app.config, app.output, Hosts(github=app.github, ci=app.ci, forge=app.forge), options)


def post_setting(post: bool | None) -> bool | None:
    """--post/--no-post, else MLGATE_POST (true, false; auto or empty: decide by where we run)."""
    import os

    if post is not None:
        return post
    value = os.environ.get("MLGATE_POST", "").strip().lower()
    if value in ("", "auto"):
        return None
    if value in ("true", "1", "yes", "on"):
        return True
    if value in ("false", "0", "no", "off"):
        return False
    from mlgate.errors import BadInput

    raise BadInput(f"MLGATE_POST={value[:40]!r} is not true, false or auto",
                   "it says whether to post on GitHub",
                   "set it to true, false or auto (or leave it empty)")


@cli.command()
@click.option("--bundle", "bundle_dir", type=click.Path(file_okay=False, path_type=Path), required=True,
              envvar="MLGATE_BUNDLE",
              help="The bundle `mlgate report --bundle` wrote in the unprivileged job. Env: MLGATE_BUNDLE.")
@pass_app
def publish(app: AppContext, bundle_dir: Path) -> int:
    """Post a report bundle from a privileged workflow_run job (the fork-safe second stage)."""
    from mlgate.commands.publish import run_publish

    return run_publish(app.output, app.github, bundle_dir=bundle_dir, config_path=app.config_path)


@cli.command()
@click.option("--data", "data", multiple=True, required=True, envvar="MLGATE_DATA",
              help="A file or glob of the batch to monitor (CSV, Parquet, JSON lines); repeat it for more. "
              "Env: MLGATE_DATA (paths separated by spaces).")
@click.option("--dataset", default=None, envvar="MLGATE_DATASET",
              help="The `path:` of the `data:` entry whose schema and checks the batch must pass "
              "(default: the entry whose glob matches every file, if any). Env: MLGATE_DATASET.")
@click.option("--post/--no-post", default=None,
              help="Open, update or close the model's monitoring issue on GitHub. Default: on inside GitHub "
              "Actions (env: MLGATE_POST = true, false or auto).")
@click.option("--engine", type=click.Choice(["auto", "pandas", "spark"]), default="auto",
              envvar="MLGATE_ENGINE", show_default=True,
              help="Who reads the batch: spark reads it where it lies (directories, partitions, URIs); auto: "
              "Spark for an `engine: spark` entry, a URI or a directory. Env: MLGATE_ENGINE.")
@click.option("--spark-master", default=None, envvar=["MLGATE_SPARK_MASTER", "SPARK_MASTER"],
              help="Spark master when Spark reads the batch (local[2], yarn, ...). Default: "
              "$MLGATE_SPARK_MASTER, else $SPARK_MASTER, else spark.master in the config.")
@click.option("--predictions", "predictions", multiple=True, envvar="MLGATE_LIVE_PREDICTIONS",
              help="Where production's predictions for a labelled batch Spark reads lie (any location Spark "
              "reads; columns evaluate.id, prediction, score...): live performance is measured from them. "
              "Repeat it for more. Env: MLGATE_LIVE_PREDICTIONS (separated by spaces).")
@out_option
@tracking_option
@pass_app
def monitor(app: AppContext, data: tuple[str, ...], dataset: str | None, post: bool | None, engine: str,
            spark_master: str | None, predictions: tuple[str, ...], out: Path,
            tracking_uri: str | None) -> int:
    """Compare a batch of production data with production's reference profile (writes monitor.json)."""
    from mlgate.commands.monitor import run_monitor

    return run_monitor(app.config, app.output, app.ci, data=data, dataset=dataset,
                       post=post_setting(post), out=out, tracking_uri=tracking_uri,
                       config_name=app.config_path.name, forge=app.forge, engine=engine,  # type: ignore[arg-type]
                       spark_master=spark_master, predictions=predictions)


@cli.command()
@click.option("--run", "run_id", required=True, envvar="MLGATE_RUN_ID",
              help="The MLflow run to log the profile with (e.g. production's). Env: MLGATE_RUN_ID.")
@click.option("--data", "data", multiple=True, envvar="MLGATE_DATA",
              help="A file or glob of the data the run was trained on; repeat it for more (default: the "
              "training data the config names). Env: MLGATE_DATA (paths separated by spaces).")
@out_option
@tracking_option
@pass_app
def profile(app: AppContext, run_id: str, data: tuple[str, ...], out: Path, tracking_uri: str | None) -> int:
    """Write the reference profile of an existing run (mlgate/profile.json), for `mlgate monitor`."""
    from mlgate.commands.profile import run_profile

    return run_profile(app.config, app.output, app.github, run_id=run_id, data=data, out=out,
                       tracking_uri=tracking_uri)


@cli.command()
@click.option("--dir", "workdir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Where to build the demo project (default: a new temporary directory).")
@pass_app
def demo(app: AppContext, workdir: Path | None) -> int:
    """Run the whole gate twice on the bundled example: a first model, then a PR that makes it worse."""
    from mlgate.commands.demo import run_demo

    return run_demo(app.output, workdir=workdir)


def main() -> None:
    try:
        cli(prog_name="mlgate")
    finally:
        skip_final_collection()


def skip_final_collection() -> None:
    """Exempt every object alive now from the garbage collector's passes at interpreter exit.

    A process that imported MLflow's SQLAlchemy store spends 0.6 s at exit traversing its objects for cycles
    the OS frees anyway. Exit handlers (atexit, weakref finalizers: MLflow's, logging's, temporary folders')
    still run; mlgate's own files are closed by then (every write is a `with` or an atomic rename).
    """
    import gc

    gc.freeze()
