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
from typing import TYPE_CHECKING, Any, TypeVar

import click

from mlgate import __version__
from mlgate.errors import EXIT_SERVICE, MlgateError

if TYPE_CHECKING:
    from mlgate.config import Config

F = TypeVar("F", bound=Callable[..., Any])
ISSUES_URL = "https://github.com/mlgate/mlgate/issues"


@dataclass
class AppContext:
    """What every command receives: where the config is; the config itself is read once, on first use."""

    config_path: Path

    @cached_property
    def config(self) -> Config:
        from mlgate.config import load_config

        return load_config(self.config_path)


pass_app = click.make_pass_decorator(AppContext)


def out_option(func: F) -> F:
    return click.option(
        "--out",
        type=click.Path(file_okay=False, path_type=Path),
        default=Path(".mlgate"),
        show_default=True,
        help="Work directory every stage reads and writes "
        "(validation.json, lineage.json, verdict.json, report.md).",
    )(func)


def tracking_option(func: F) -> F:
    return click.option(
        "--tracking-uri",
        default=None,
        help="MLflow tracking URI. Default: $MLFLOW_TRACKING_URI, else tracking_uri in the config, "
        "else an embedded SQLite store, .mlgate/mlflow.db beside the config.",
    )(func)


class MlgateGroup(click.Group):
    """Turns known failures into their message and exit code; unknown ones ask for a report."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except MlgateError as exc:
            report_error(exc)
            sys.exit(exc.exit_code)
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException, SystemExit):
            raise
        except KeyboardInterrupt:
            click.echo("mlgate: interrupted", err=True)
            sys.exit(130)
        except Exception as exc:  # an unknown failure is a bug of ours
            import traceback

            traceback.print_exc()
            report_error(
                MlgateError(
                    f"mlgate crashed unexpectedly: {type(exc).__name__}: {exc}",
                    "this is a bug in mlgate, not in your project",
                    f"please report it at {ISSUES_URL} with the traceback above",
                )
            )
            sys.exit(EXIT_SERVICE)


def report_error(exc: MlgateError) -> None:
    """Print a known failure for a person, and as an `::error::` annotation inside GitHub Actions."""
    from mlgate.github.workflow_commands import command, in_actions

    text = exc.message()
    if in_actions():  # untrusted text in a message must not start a workflow command on a line of its own
        text = text.replace("::", ":\u200b:")
    click.echo(f"error: {text}", err=True)
    if in_actions():
        click.echo(command("error", exc.message(), {"title": exc.title, "file": exc.file}))


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
@click.pass_context
def cli(ctx: click.Context, config_path: Path) -> None:
    """mlgate: an evaluation gate for ML projects in CI.

    Validate the data a PR changed, train in a pinned container, compare with the production model,
    report on the PR, and fail a required status check when the model got worse.

    Exit codes: 0 passed, 1 the gate failed, 2 bad input, 3 an outside service or runtime failed.
    """
    ctx.obj = AppContext(config_path=config_path)


# --- validate (data/) -------------------------------------------------------------------------------


@cli.command()
@click.option("--base", "base_ref", default=None, help="Git ref to diff against. Default: the PR's base "
              "from the GitHub event, else origin/HEAD.")
@click.option("--all", "all_datasets", is_flag=True, help="Validate every declared dataset, changed or not.")
@out_option
@pass_app
def validate(app: AppContext, base_ref: str | None, all_datasets: bool, out: Path) -> None:
    """Validate the datasets a pull request changed (writes validation.json)."""
    from mlgate.data.stage import run_validate

    sys.exit(run_validate(app.config, base_ref=base_ref, all_datasets=all_datasets, out=out))


# --- train, reproduce, promote (train/) ---------------------------------------------------------------


@cli.command()
@click.option("--runtime", type=click.Choice(["auto", "docker", "podman", "local"]), default=None,
              help="Override train.runtime from the config.")
@click.option("--register/--no-register", default=True, show_default=True,
              help="Register the run's model as a new version with the candidate alias.")
@out_option
@tracking_option
@pass_app
def train(app: AppContext, runtime: str | None, register: bool, out: Path, tracking_uri: str | None) -> None:
    """Train in the pinned container, record the four pins (writes lineage.json), register the candidate."""
    from mlgate.train.stage import run_train

    sys.exit(run_train(app.config, runtime=runtime, register=register, out=out, tracking_uri=tracking_uri))


@cli.command()
@click.argument("run_id")
@click.option("--runtime", type=click.Choice(["auto", "docker", "podman", "local"]), default=None,
              help="Override the runtime (the recorded image digest is still used).")
@out_option
@tracking_option
@pass_app
def reproduce(app: AppContext, run_id: str, runtime: str | None, out: Path, tracking_uri: str | None) -> None:
    """Re-run training from a run's recorded pins and compare the model files byte for byte."""
    from mlgate.train.reproduce import run_reproduce

    sys.exit(run_reproduce(app.config, run_id=run_id, runtime=runtime, out=out, tracking_uri=tracking_uri))


@cli.command()
@click.option("--version", "version", default=None, help="The model version to promote.")
@click.option("--commit", default=None,
              help="Promote the version built from this commit, a sha or a git ref such as HEAD "
              "(default: $GITHUB_SHA).")
@click.option("--force", is_flag=True, help="Promote even if the version's gate did not pass.")
@out_option
@tracking_option
@pass_app
def promote(app: AppContext, version: str | None, commit: str | None, force: bool, out: Path,
            tracking_uri: str | None) -> None:
    """Move the production alias to a candidate version (after merge)."""
    from mlgate.train.promote import run_promote

    if commit:
        commit = full_sha(app.config.root, commit)
    sys.exit(run_promote(app.config, version=version, commit=commit, force=force, out=out,
                         tracking_uri=tracking_uri))


def full_sha(root: Path, ref: str) -> str:
    """A ref git knows (`HEAD`, `main`, a short sha) as its full commit sha; anything else unchanged."""
    import subprocess

    try:
        args = ["git", "-C", str(root), "rev-parse", "--verify", "--quiet", "--end-of-options",
                f"{ref}^{{commit}}"]
        done = subprocess.run(args, capture_output=True, text=True, timeout=60, check=False)
    except (OSError, subprocess.SubprocessError):
        return ref
    sha = done.stdout.strip()
    return sha if done.returncode == 0 and sha else ref


# --- compare (gate/ + registry.py) ------------------------------------------------------------------


@cli.command()
@click.option("--candidate-run", default=None, help="MLflow run id of the candidate.")
@click.option("--candidate-metrics", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Candidate metrics file (JSON or YAML, flat or nested as dvc writes them).")
@click.option("--fail/--no-fail", "fail_on_regression", default=True, show_default=True,
              help="Exit 1 when a metric with severity fail fails.")
@out_option
@tracking_option
@pass_app
def compare(app: AppContext, candidate_run: str | None, candidate_metrics: Path | None,
            fail_on_regression: bool, out: Path, tracking_uri: str | None) -> None:
    """Compare the candidate's metrics with production and the baseline (writes verdict.json)."""
    from mlgate.compare import run_compare

    sys.exit(run_compare(app.config, candidate_run=candidate_run, candidate_metrics=candidate_metrics,
                         fail_on_regression=fail_on_regression, out=out, tracking_uri=tracking_uri))


# --- report, publish (report/ + github/) ------------------------------------------------------------


@cli.command()
@click.option("--post/--no-post", default=None,
              help="Post the comment and status on GitHub. Default: on inside GitHub Actions.")
@click.option("--bundle", "bundle_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Write a self-contained bundle for `mlgate publish` instead of posting (fork PRs).")
@out_option
@tracking_option
@pass_app
def report(app: AppContext, post: bool | None, bundle_dir: Path | None, out: Path,
           tracking_uri: str | None) -> None:
    """Render report.md from the work directory; post it on the PR and set the commit status."""
    from mlgate.report.stage import run_report

    sys.exit(run_report(app.config, post=post, bundle_dir=bundle_dir, out=out, tracking_uri=tracking_uri))


@cli.command()
@click.option("--bundle", "bundle_dir", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="The bundle `mlgate report --bundle` wrote in the unprivileged job.")
def publish(bundle_dir: Path) -> None:
    """Post a report bundle from a privileged workflow_run job (the fork-safe second stage)."""
    from mlgate.github.publish import run_publish

    sys.exit(run_publish(bundle_dir=bundle_dir))


# --- demo -------------------------------------------------------------------------------------------


@cli.command()
@click.option("--dir", "workdir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Where to build the demo project (default: a new temporary directory).")
def demo(workdir: Path | None) -> None:
    """Run the whole gate twice on the bundled example: a first model, then a PR that makes it worse."""
    from mlgate.demo import run_demo

    sys.exit(run_demo(workdir=workdir))


def main() -> None:
    cli(prog_name="mlgate")
