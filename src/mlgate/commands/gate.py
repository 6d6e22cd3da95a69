"""`mlgate gate`: the pull-request loop in one process (validate → train → evaluate → compare → report).

It runs the stages exactly as the root action's steps run them one by one, with the same conditions between
them, so it writes the same documents, console lines and exit code; the libraries (MLflow, pandas, ...) are
imported once instead of once per stage. Each stage gets its own `Output` whose step outputs are collected,
not written: the command then writes the root action's outputs (`passed`, `verdict`, `exit-code`, the paths,
the run and version, the comment URL), as the action's outputs map them from its steps.

The conditions (action.yml): train runs when validate passed; evaluate when train did; compare when
everything before it passed, or when only evaluate failed with exit 3 (production could not be re-scored:
the verdict says so); report always. The exit code is the first failing stage's; a stage that did not run
(other than report) where nothing failed yet counts as a failure (1).
"""

from __future__ import annotations

import dataclasses
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from mlgate.errors import EXIT_GATE_FAILED, EXIT_PASSED, EXIT_SERVICE, MlgateError, crashed
from mlgate.output import Output
from mlgate.safepath import disk_fault_in_chain

if TYPE_CHECKING:
    from mlgate.config import Config
    from mlgate.forge import CiContext, Forge
    from mlgate.github.context import GitHubContext

STAGES = ("validate", "train", "evaluate", "compare", "report")
# the root action's outputs, each from the stage output it maps (action.yml `outputs:`)
OUTPUTS = {
    "validation-path": ("validate", "validation-path"),
    "run-id": ("train", "run-id"),
    "model-version": ("train", "model-version"),
    "evaluation-path": ("evaluate", "evaluation-path"),
    "verdict": ("compare", "status"),
    "verdict-path": ("compare", "verdict-path"),
    "report-path": ("report", "report-path"),
    "comment-url": ("report", "comment-url"),
    "bundle-path": ("report", "bundle-path"),
}


@dataclass(frozen=True)
class GateOptions:
    """The options of the stages, as `mlgate gate` takes them (the root action's inputs)."""

    out: Path
    tracking_uri: str | None = None
    base_ref: str | None = None
    runtime: str | None = None
    fail_on_regression: bool = True
    post: bool | None = None
    bundle_dir: Path | None = None
    config_name: str = "mlgate.yaml"
    rules_from: str | None = None


@dataclass(frozen=True)
class Hosts:
    """Where the gate runs and posts: the GitHub context (evaluate, compare), the forge's CI context and the
    forge (validate, train, report), as the CLI gives them to each stage."""

    github: GitHubContext
    ci: CiContext
    forge: Forge


@dataclass
class StageRun:
    """One stage's exit code (None: it did not run) and the step outputs it set."""

    code: int | None = None
    outputs: dict[str, str] = field(default_factory=dict)


def run_gate(config: Config, output: Output, hosts: Hosts, options: GateOptions) -> int:
    runs = {name: StageRun() for name in STAGES}
    stages = _stages(config, hosts, options, runs)

    def ok(name: str) -> bool:
        return runs[name].code == EXIT_PASSED

    for name in STAGES:
        if _should_run(name, runs, ok):
            runs[name] = _run_stage(output, stages[name])
    code = result_code([runs[name].code for name in STAGES])
    passed = code == EXIT_PASSED and runs["compare"].outputs.get("passed") == "true"
    for target, (stage, name) in OUTPUTS.items():
        output.set_output(target, runs[stage].outputs.get(name, ""))
    output.set_output("passed", str(passed).lower())
    output.line(f"mlgate gate: passed={str(passed).lower()} exit-code={code}")
    return code


def _should_run(name: str, runs: dict[str, StageRun], ok: Callable[[str], bool]) -> bool:
    """The `if:` of each step of the root action."""
    if name == "validate" or name == "report":
        return True
    if name == "train":
        return ok("validate")
    if name == "evaluate":
        return ok("train")
    # compare: after success, or after evaluate's exit 3 (the verdict says production was not re-scored)
    return ok("train") and (ok("evaluate") or runs["evaluate"].code == EXIT_SERVICE)


def result_code(codes: list[int | None]) -> int:
    """The first failing stage's code; a skipped stage (not report) with nothing failed yet is 1."""
    code = EXIT_PASSED
    for index, value in enumerate(codes):
        last = index == len(codes) - 1
        if value is None and code == EXIT_PASSED and not last:
            code = EXIT_GATE_FAILED
        if value is not None and value != EXIT_PASSED and code == EXIT_PASSED:
            code = value
    return code


def _run_stage(output: Output, stage: Callable[[Output], int]) -> StageRun:
    """Run one stage with its own outputs; a known failure is printed as the CLI prints it."""
    own = dataclasses.replace(output, output_file=None, outputs={})
    try:
        code = stage(own)
    except MlgateError as exc:
        own.error(exc.message(), title=exc.title, file=exc.file)
        code = exc.exit_code
    except Exception as exc:  # an unknown failure is a bug of ours, unless the disk failed (as in the CLI)
        error: MlgateError | None = disk_fault_in_chain(exc)
        if error is None:
            traceback.print_exc()
            error = crashed(exc)
        own.error(error.message(), title=error.title, file=error.file)
        code = error.exit_code
    if code != EXIT_PASSED and "passed" not in own.outputs:
        own.outputs["passed"] = "false"
    own.outputs["exit-code"] = str(code)
    return StageRun(code=code, outputs=dict(own.outputs))


def _stages(config: Config, hosts: Hosts, options: GateOptions,
            runs: dict[str, StageRun]) -> dict[str, Callable[[Output], int]]:
    """Each stage as the CLI calls it, its modules imported when it runs."""
    o = options

    def validate(output: Output) -> int:
        from mlgate.commands.validate import run_validate

        return run_validate(config, output, hosts.ci, base_ref=o.base_ref, all_datasets=False, out=o.out,
                            spark_master=None)

    def train(output: Output) -> int:
        from mlgate.commands.train import run_train

        return run_train(config, output, hosts.ci, runtime=o.runtime, register=True, out=o.out,
                         tracking_uri=o.tracking_uri, force=False, rules_from=o.rules_from,
                         config_name=o.config_name)

    def evaluate(output: Output) -> int:
        from mlgate.commands.evaluate import run_evaluate

        return run_evaluate(config, output, hosts.github, out=o.out, tracking_uri=o.tracking_uri,
                            runtime=o.runtime, config_name=o.config_name, rules_from=o.rules_from)

    def compare(output: Output) -> int:
        from mlgate.commands.compare import run_compare

        candidate = runs["train"].outputs.get("run-id")
        return run_compare(config, output, github=hosts.github, candidate_run=candidate,
                           candidate_metrics=None, fail_on_regression=o.fail_on_regression, out=o.out,
                           tracking_uri=o.tracking_uri, rules_from=o.rules_from, config_name=o.config_name)

    def report(output: Output) -> int:
        from mlgate.commands.report import run_report

        return run_report(config, output, hosts.ci, post=o.post, bundle_dir=o.bundle_dir, out=o.out,
                          tracking_uri=o.tracking_uri, forge=hosts.forge)

    return {"validate": validate, "train": train, "evaluate": evaluate, "compare": compare, "report": report}
