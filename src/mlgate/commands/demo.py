"""`mlgate demo`: the whole gate, three times, on the bundled breast-cancer example; offline, in a minute.

1. main: the example becomes a git + DVC repository; validate → train → evaluate → compare → report →
   promote. The first model becomes production.
2. a pull request that only re-splits the training data (train.seed 42 → 17): its logged ROC AUC is 0.01
   lower, past the tolerance, but scored on the same held-out rows as production it is as good: it passes.
3. a pull request whose new labels mark half of the malignant high-texture samples benign (a labelling bug,
   still schema-valid). Its first push also has a typo (a negative radius) that validation catches; after
   the fix: validate → train → evaluate → compare (fails: worse overall, worst on the high-texture slice)
   → report.

Everything lives in one folder: the project (git + DVC), an embedded SQLite MLflow store, and the work
directories of the runs. The stages run in this process: each is the command function behind
`mlgate <stage>` (the line a user would type is printed), with the local runtime and GitHub out of
reach: no network, nothing posted.
"""

from __future__ import annotations

import csv
import io
import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from mlgate.commands.compare import run_compare
from mlgate.commands.evaluate import run_evaluate
from mlgate.commands.monitor import run_monitor
from mlgate.commands.promote import run_promote
from mlgate.commands.report import run_report
from mlgate.commands.train import run_train
from mlgate.commands.validate import run_validate
from mlgate.documents import Document, Lineage, Verdict, read_document
from mlgate.errors import EXIT_GATE_FAILED, EXIT_PASSED, BadInput, MlgateError, ServiceError
from mlgate.github.context import GitHubContext
from mlgate.output import Output

if TYPE_CHECKING:
    from importlib.resources.abc import Traversable

    from mlgate.config import Config

EXAMPLE = "breast-cancer"
RESPLIT_BRANCH = "pr/resplit-seed-17"
PR_BRANCH = "pr/new-labels"
BAD_ROW = 57  # the data row the pull request's first push gets wrong
DRIFT_ROWS = 800  # the monitored batch (monitor.min_rows is 500)
HIGH_TEXTURE = 21.0  # mean_texture of the evaluation file's `high` texture_band
DATA = "data/breast_cancer.csv"
HOLDOUT = "data/holdout.csv"  # the fixed evaluation file both models are scored on
# Files of the example that are generated, never copied (a checkout may have run train.py).
SKIP = {"__pycache__", ".mlgate", "metrics.json", "model", "predictions.csv", "mlruns", "mlartifacts"}
GITIGNORE = ".mlgate/\nmetrics.json\nmodel/\npredictions.csv\n__pycache__/\n"
GIT_IDENTITY = ("-c", "user.name=mlgate demo", "-c", "user.email=demo@mlgate.invalid", "-c",
                "commit.gpgsign=false")


def example_files() -> Traversable:
    """The example project shipped inside the package (a copy of examples/breast-cancer)."""
    return resources.files("mlgate") / "demo_data" / EXAMPLE


class _Stop(Exception):
    """A stage did not exit as the demo expects: the rest would only repeat the failure."""


@dataclass
class Demo:
    """Where the demo's files are, and what each stage returned."""

    root: Path
    output: Output
    codes: dict[str, int] = field(default_factory=dict)

    @property
    def project(self) -> Path:
        return self.root / EXAMPLE

    @property
    def store(self) -> Path:
        return self.root / "mlflow" / "mlflow.db"

    @property
    def tracking_uri(self) -> str:
        return f"sqlite:///{self.store}"

    def out(self, loop: str) -> Path:
        return self.root / "out" / loop


def run_demo(output: Output, workdir: Path | None) -> int:
    """The `mlgate demo` command: 0 when the demo ran as designed (its second gate fails on purpose)."""
    started = time.monotonic()
    # the stages' outputs and summaries are the demo's own: none goes to a step's outputs
    demo = Demo(root=_prepare_root(workdir), output=Output(actions=output.actions))
    _banner(demo, f"mlgate demo in {demo.root}")
    copy_example(example_files(), demo.project)
    with _isolated(demo):
        try:
            _main_loop(demo)
            _resplit_loop(demo)
            _pull_request_loop(demo)
            _monitor_loop(demo)
        except _Stop:
            pass
    return _conclude(demo, time.monotonic() - started)


# --- set-up -----------------------------------------------------------------------------------------


def _prepare_root(workdir: Path | None) -> Path:
    if workdir is None:
        return Path(tempfile.mkdtemp(prefix="mlgate-demo-")).resolve()
    root = workdir.resolve()
    if root.exists() and (not root.is_dir() or any(root.iterdir())):
        raise BadInput(f"--dir {workdir} is not an empty folder",
                       "the demo creates a git repository, an MLflow store and work directories there",
                       "pass a new or empty folder, or leave --dir out to use a temporary one")
    root.mkdir(parents=True, exist_ok=True)
    return root


def copy_example(source: Traversable, target: Path) -> None:
    """Copy the packaged example (works from a wheel, a zip or a source checkout)."""
    target.mkdir(parents=True, exist_ok=True)
    for item in source.iterdir():
        if item.name in SKIP or item.name.startswith("."):
            continue
        if item.is_dir():
            copy_example(item, target / item.name)
        else:
            (target / item.name).write_bytes(item.read_bytes())


@contextmanager
def _isolated(demo: Demo) -> Iterator[None]:
    """Run inside the project with the demo's own MLflow store; GitHub and the user's MLflow out of reach."""
    saved_env, saved_cwd = dict(os.environ), Path.cwd()
    shims = demo.root / "bin"
    shims.mkdir(exist_ok=True)
    python = shims / "python"  # train.command `python train.py` runs with this interpreter (and its packages)
    python.write_text(f'#!/bin/sh\nexec "{sys.executable}" "$@"\n', encoding="utf-8")
    python.chmod(0o755)
    for name in list(os.environ):
        if name.startswith(("GITHUB_", "MLFLOW_", "MLGATE_", "RUNNER_")) or name == "CI":
            del os.environ[name]
    demo.store.parent.mkdir(parents=True, exist_ok=True)
    os.environ.update({
        "MLFLOW_TRACKING_URI": demo.tracking_uri,
        "PATH": os.pathsep.join([str(shims), os.environ.get("PATH", "")]),
        "DVC_NO_ANALYTICS": "1",
        "MLFLOW_LOGGING_LEVEL": "WARNING",  # not "Creating initial MLflow database tables..."
        "GIT_TERMINAL_PROMPT": "0",
    })
    os.chdir(demo.project)
    try:
        yield
    finally:
        os.chdir(saved_cwd)
        os.environ.clear()
        os.environ.update(saved_env)


def _tool(argv: list[str], what: str, shown: str) -> str:
    """Run git or dvc in the project; a failure is a ServiceError naming the command as `shown`."""
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=300, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ServiceError(f"the demo could not {what}", str(exc),
                           f"check that `{argv[0]}` is installed and on PATH") from exc
    if done.returncode != 0:
        tool = "DVC" if shown.startswith("dvc") else "git"
        reinstall = "pip install -U dvc" if tool == "DVC" else "your system's package manager"
        raise ServiceError(f"the demo could not {what}: `{shown}` exited {done.returncode}",
                           _failure(done.stdout, done.stderr),
                           f"run `{shown}` in an empty git repository to see its whole output; an import "
                           f"error or an unexpected error inside {tool} usually means the installed {tool} "
                           f"does not fit its dependencies: reinstall it ({reinstall})")
    return done.stdout


def _failure(stdout: str, stderr: str) -> str:
    """What a failed tool said: its error lines (DVC ends with a support banner), else its last words."""
    lines = [line.strip() for line in f"{stderr}\n{stdout}".splitlines() if line.strip()]
    errors = [line for line in lines if re.match(r"(?i)(error|fatal)\b", line)]
    return "\n".join(errors or lines)[-500:]


def git(*args: str) -> str:
    return _tool(["git", *GIT_IDENTITY, *args], f"run git {args[0]}", " ".join(["git", *args[:3]]))


def dvc(*args: str) -> str:
    return _tool([sys.executable, "-m", "dvc", *args], f"run dvc {args[0]}", " ".join(["dvc", *args[:3]]))


def _make_repository() -> None:
    Path(".gitignore").write_text(GITIGNORE, encoding="utf-8")
    git("init", "-q")
    git("symbolic-ref", "HEAD", "refs/heads/main")
    dvc("init")  # not -q: DVC then hides its error too (the output is captured, not shown)
    dvc("add", DATA, HOLDOUT)
    git("add", "-A")
    git("commit", "-q", "-m", "Breast-cancer classifier: data (DVC), schema, training, gate policy")


# --- the four loops ----------------------------------------------------------------------------------


def _main_loop(demo: Demo) -> None:
    _banner(demo, "1/4  main: the first model becomes production")
    _make_repository()
    out = demo.out("1-main")
    _validate(demo, "main validate", out, None)
    _train(demo, "main train", out)
    _evaluate(demo, "main evaluate", out)
    _compare(demo, "main compare", out)
    _report(demo, "main report", out)
    version = _version(out)
    _stage(demo, "main promote", ["promote", "--version", version, "--out", str(out)],
           lambda config: run_promote(config, demo.output, GitHubContext(), version=version, commit=None,
                                             force=False, out=out, tracking_uri=demo.tracking_uri))


def _resplit_loop(demo: Demo) -> None:
    _banner(demo, "2/4  a pull request that only re-splits the training data (train.seed 42 -> 17)")
    git("checkout", "-q", "-b", RESPLIT_BRANCH, "main")
    config = Path("mlgate.yaml")
    config.write_text(config.read_text(encoding="utf-8").replace("seed: 42", "seed: 17", 1), encoding="utf-8")
    _commit("Train with split seed 17")
    demo.output.line("\nIts own held-out split gives a lower ROC AUC than production logged. Scored on the "
                     "same evaluation rows as production, is it worse?")
    out = demo.out("2-pr-resplit")
    _validate(demo, "resplit validate", out, "main")
    _train(demo, "resplit train", out)
    _evaluate(demo, "resplit evaluate", out)
    _compare(demo, "resplit compare", out)
    _report(demo, "resplit report", out)
    git("checkout", "-q", "main")


def _pull_request_loop(demo: Demo) -> None:
    _banner(demo, "3/4  a pull request with new labels (half the malignant high-texture samples marked "
                  "benign) and a typo in one row")
    git("checkout", "-q", "-b", PR_BRANCH, "main")
    flipped = relabel_where(Path(DATA), column="mean_texture", at_least=HIGH_TEXTURE, label="0", every=2)
    original = set_first_field(Path(DATA), BAD_ROW, "-14.2")
    _commit(f"New labels: {flipped} samples relabelled")
    demo.output.line(f"\nFirst push: row {BAD_ROW} has a negative mean_radius; the gate stops at validation.")
    _validate(demo, "pr validate (first push)", demo.out("3-pr-first-push"), "main")

    set_first_field(Path(DATA), BAD_ROW, original)
    _commit(f"Fix the typo in row {BAD_ROW}")
    demo.output.line("\nSecond push: the row is fixed and the data is valid, but is the model as good?")
    out = demo.out("3-pr")
    _validate(demo, "pr validate", out, "main")
    _train(demo, "pr train", out)
    _evaluate(demo, "pr evaluate", out)
    _compare(demo, "pr compare", out)
    _report(demo, "pr report", out)
    _show_report(demo, out)


def _monitor_loop(demo: Demo) -> None:
    _banner(demo, "4/4  on a schedule: production's data drifts (a new clinic's staining, more texture)")
    batch = demo.root / "batches" / "2026-11.csv"
    rows = drifted_batch(Path(DATA), batch, rows=DRIFT_ROWS)
    demo.output.line(f"\nA batch of {rows} samples arrives ({batch.name}, no labels yet). Has production's "
                     "data moved away from what it was trained on?")
    out = demo.out("4-monitor")
    _stage(demo, "monitor", ["monitor", "--data", str(batch), "--no-post", "--out", str(out)],
           lambda config: run_monitor(config, demo.output, GitHubContext(), data=[str(batch)], dataset=None,
                                      post=False, out=out, tracking_uri=demo.tracking_uri))
    issue = out / "monitor.md"
    if issue.is_file():
        _banner(demo, f"the issue mlgate monitor keeps open on GitHub while production drifts ({issue})")
        demo.output.line(issue.read_text(encoding="utf-8"))


def drifted_batch(source: Path, target: Path, *, rows: int) -> int:
    """A batch of serving data: `rows` samples drawn (seeded) from the data, every texture measurement
    1.4 times higher (another clinic's staining), without the label. How many rows it wrote."""
    import random

    table = list(csv.reader(io.StringIO(source.read_text(encoding="utf-8"))))
    header, body = table[0], table[1:]
    keep = [i for i, name in enumerate(header) if name != "target"]
    textures = {i for i, name in enumerate(header) if "texture" in name}
    pick = random.Random(2026)
    out = [[header[i] for i in keep]]
    for _ in range(rows):
        row = pick.choice(body)
        out.append([f"{float(row[i]) * 1.4:.4g}" if i in textures else row[i] for i in keep])
    target.parent.mkdir(parents=True, exist_ok=True)
    _write_rows(target, out)
    return rows


def _commit(message: str) -> None:
    dvc("add", DATA)
    git("add", "-A")
    git("commit", "-q", "-m", message)


def set_first_field(path: Path, row: int, value: str) -> str:
    """Replace the first field (mean_radius) of data row `row` (1-based, after the header); the old value."""
    lines = path.read_text(encoding="utf-8").split("\n")
    old, rest = lines[row].split(",", 1)
    lines[row] = f"{value},{rest}"
    path.write_text("\n".join(lines), encoding="utf-8")
    return old


def relabel(path: Path, *, every: int) -> int:
    """Flip the 0/1 `target` of every `every`-th row (a labelling bug that the schema cannot see)."""
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
    column = rows[0].index("target")
    flipped = 0
    for index, row in enumerate(rows[1:]):
        if index % every == every - 1:
            row[column] = "1" if row[column] == "0" else "0"
            flipped += 1
    _write_rows(path, rows)
    return flipped


def relabel_where(path: Path, *, column: str, at_least: float, label: str, every: int) -> int:
    """Flip the 0/1 `target` of every `every`-th row labelled `label` whose `column` is at least `at_least`
    (a labelling bug the schema cannot see, hitting one kind of sample); how many rows it flipped."""
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
    target, value = rows[0].index("target"), rows[0].index(column)
    flipped = seen = 0
    for row in rows[1:]:
        if row[target] == label and float(row[value]) >= at_least:
            seen += 1
            if seen % every == 0:
                row[target] = "1" if row[target] == "0" else "0"
                flipped += 1
    _write_rows(path, rows)
    return flipped


def _write_rows(path: Path, rows: list[list[str]]) -> None:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")


def _validate(demo: Demo, label: str, out: Path, base: str | None) -> int:
    shown = ["validate", "--all"] if base is None else ["validate", "--base", base]
    return _stage(demo, label, [*shown, "--out", str(out)],
                  lambda config: run_validate(config, demo.output, GitHubContext(), base_ref=base,
                                                     all_datasets=base is None, out=out))


def _train(demo: Demo, label: str, out: Path) -> int:
    return _stage(demo, label, ["train", "--runtime", "local", "--out", str(out)],
                  lambda config: run_train(config, demo.output, GitHubContext(), runtime="local",
                                                  register=True, out=out, tracking_uri=demo.tracking_uri))


def _evaluate(demo: Demo, label: str, out: Path) -> int:
    return _stage(demo, label, ["evaluate", "--runtime", "local", "--out", str(out)],
                  lambda config: run_evaluate(config, demo.output, GitHubContext(), out=out,
                                              tracking_uri=demo.tracking_uri, runtime="local"))


def _compare(demo: Demo, label: str, out: Path) -> int:
    run_id = _run_id(out)
    return _stage(demo, label, ["compare", "--candidate-run", run_id, "--out", str(out)],
                  lambda config: run_compare(config, demo.output, candidate_run=run_id,
                                                    candidate_metrics=None, fail_on_regression=True, out=out,
                                                    tracking_uri=demo.tracking_uri))


def _report(demo: Demo, label: str, out: Path) -> int:
    return _stage(demo, label, ["report", "--no-post", "--out", str(out)],
                  lambda config: run_report(config, demo.output, GitHubContext(), post=False,
                                                   bundle_dir=None, out=out, tracking_uri=demo.tracking_uri))


def _stage(demo: Demo, label: str, args: list[str], run: Callable[[Config], int]) -> int:
    """Run one stage's command function, printing the `mlgate ...` line a user would type; record its exit."""
    from mlgate.config import load_config

    demo.output.line(f"\n$ mlgate {' '.join(_shown(args, demo.root))}", bold=True)
    sys.stdout.flush()
    try:
        code = run(load_config(Path("mlgate.yaml")))
    except MlgateError as exc:
        demo.output.error(exc.message(), title=exc.title, file=exc.file)
        code = exc.exit_code
    demo.codes[label] = code
    if code != EXIT_PASSED:
        demo.output.line(f"(exit {code})")
    if code != EXPECTED[label]:
        raise _Stop(label)
    return code


def _shown(args: list[str], root: Path) -> list[str]:
    return [str(Path(a).relative_to(root.parent)) if a.startswith(str(root)) else a for a in args]


D = TypeVar("D", bound=Document)


def _read(out: Path, model: type[D]) -> D | None:
    """A document a stage of the demo wrote, or None when the stage did not write it."""
    path = out / model.file_name
    return read_document(path, model) if path.is_file() else None


def _run_id(out: Path) -> str:
    lineage = _read(out, Lineage)
    return (lineage.run_id if lineage else None) or "missing-run-id"


def _version(out: Path) -> str:
    lineage = _read(out, Lineage)
    return lineage.registered.version if lineage and lineage.registered else "1"


def _show_report(demo: Demo, out: Path) -> None:
    report = out / "report.md"
    if report.is_file():
        _banner(demo, f"the report a reviewer reads on the pull request ({report})")
        demo.output.line(report.read_text(encoding="utf-8"))


# --- the end ----------------------------------------------------------------------------------------

EXPECTED: Mapping[str, int] = {
    "main validate": EXIT_PASSED, "main train": EXIT_PASSED, "main compare": EXIT_PASSED,
    "main evaluate": EXIT_PASSED, "main report": EXIT_PASSED, "main promote": EXIT_PASSED,
    "resplit validate": EXIT_PASSED, "resplit train": EXIT_PASSED, "resplit evaluate": EXIT_PASSED,
    "resplit compare": EXIT_PASSED, "resplit report": EXIT_PASSED,
    "pr validate (first push)": EXIT_GATE_FAILED,
    "pr validate": EXIT_PASSED, "pr train": EXIT_PASSED, "pr evaluate": EXIT_PASSED,
    "pr compare": EXIT_GATE_FAILED, "pr report": EXIT_PASSED,
    "monitor": EXIT_GATE_FAILED,
}


def _conclude(demo: Demo, seconds: float) -> int:
    resplit, verdict = _read(demo.out("2-pr-resplit"), Verdict), _read(demo.out("3-pr"), Verdict)
    unexpected = {label: code for label, code in demo.codes.items() if EXPECTED.get(label) != code}
    missing = [label for label in EXPECTED if label not in demo.codes]
    _banner(demo, f"mlgate demo finished in {seconds:.0f}s")
    if resplit:
        demo.output.line(f"The re-split pull request's verdict: {resplit.status.upper()} - "
                         f"{resplit.summary}")
    if verdict:
        demo.output.line(f"The new-labels pull request's verdict: {verdict.status.upper()} - "
                         f"{verdict.summary}")
        for metric in verdict.metrics:
            if metric.status != "pass":
                demo.output.line(f"  {metric.name}: {metric.status} - {'; '.join(metric.reasons)}")
    _where(demo)
    if unexpected or missing:
        details = ", ".join(f"{k} exited {v} (expected {EXPECTED.get(k)})" for k, v in unexpected.items())
        details = details or "stages missing: " + ", ".join(missing)
        demo.output.line(f"\nThe demo did not go as designed: {details}.", err=True)
        return EXIT_GATE_FAILED
    demo.output.line("\nThe demo ran as designed: the first model became production; the re-split pull "
                     "request passed, its lower logged ROC AUC being the noise of another split (on the same "
                     "rows it is as good); the gate stopped the new-labels pull request twice, first on "
                     "invalid data (`mlgate validate` exited 1), then, with valid data, on a worse model "
                     "(`mlgate compare` exited 1): each fails the CI job and the required status. On a "
                     "schedule, `mlgate monitor` found production's data drifted (exited 1) and wrote the "
                     "issue it keeps on GitHub.")
    return EXIT_PASSED


def _where(demo: Demo) -> None:
    demo.output.line("\nIts files:")
    demo.output.line(f"  project      {demo.project}  (git + DVC; branches main, {RESPLIT_BRANCH} and "
                     f"{PR_BRANCH})")
    demo.output.line(f"  MLflow store sqlite:///{demo.store}")
    demo.output.line(f"               browse it: mlflow ui --backend-store-uri sqlite:///{demo.store}")
    for loop in ("1-main", "2-pr-resplit", "3-pr-first-push", "3-pr", "4-monitor"):
        folder = demo.out(loop)
        if folder.is_dir():
            files = sorted(p.name for p in folder.iterdir() if p.suffix in {".json", ".md"})
            demo.output.line(f"  work dir     {folder}  ({', '.join(files)})")


def _banner(demo: Demo, text: str) -> None:
    demo.output.line(f"\n{'=' * 8} {text} {'=' * max(0, 90 - len(text))}", bold=True)

