"""Untrusted text in what mlgate prints forges no workflow command, by either of the runner's rules.

The Actions runner reads `::name ...::` at the start of a line (after leading spaces) and the legacy
`##[name ...]` anywhere in a line. `runner_commands` applies both rules to a command's whole output; the only
commands allowed are the annotations mlgate emits on purpose (error, warning, notice, with their escaped text).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from mlgate.cli import cli
from tests.conftest import MlflowStore

HOSTILE = "0.1\n::set-output name=passed::true\n  ::add-mask::x ##[set-output name=passed;]true ##[add-mask]y"
OURS = re.compile(r"^::(error|warning|notice)( [^:]*)?::")


def runner_commands(text: str) -> list[str]:
    """Every line the runner would take as a workflow command (both forms)."""
    found = []
    for line in text.splitlines():
        if line.lstrip().startswith("::") or "##[" in line:
            found.append(line)
    return found


def forged(text: str) -> list[str]:
    return [line for line in runner_commands(text) if not OURS.match(line) or "##[" in line]


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "project"
    root.mkdir()
    (root / "mlgate.yaml").write_text("model: {name: churn}\nmetrics:\n  roc_auc: {direction: maximize, min: 0.8}\n"
                                      "  '##[add-mask]m': {direction: maximize, severity: warn}\n")
    monkeypatch.chdir(root)
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    return root


def test_the_parser_sees_both_forms() -> None:
    assert runner_commands("a\n  ::add-mask::x\nb ##[error]c") == ["  ::add-mask::x", "b ##[error]c"]


def test_compare_prints_hostile_names_and_values_harmlessly(project: Path, mlflow_store: MlflowStore) -> None:
    metrics = {"roc_auc": HOSTILE, HOSTILE: 0.5, "##[add-mask]m": HOSTILE}
    (project / "metrics.json").write_text(json.dumps(metrics))
    result = CliRunner().invoke(cli, ["compare", "--candidate-metrics", "metrics.json"], catch_exceptions=False)
    assert result.exit_code == 1
    assert runner_commands(result.output), "expected mlgate's own annotations"
    assert forged(result.output) == []


def test_validate_prints_hostile_column_names_harmlessly(project: Path) -> None:
    column = "##[set-output name=passed;]true"
    (project / "mlgate.yaml").write_text("model: {name: churn}\nmetrics: {auc: {direction: maximize}}\n"
                                         "data:\n  - path: data.csv\n    checks:\n      columns:\n"
                                         f"        '{column}': {{min: 0}}\n")
    (project / "data.csv").write_text(f'age,"{column}"\n1,-2\n')
    result = CliRunner().invoke(cli, ["validate", "--all"], catch_exceptions=False)
    assert result.exit_code == 1, result.output
    assert "set-output" in result.output  # the column is named in the output
    assert forged(result.output) == []


def test_bad_input_with_a_hostile_path_forges_nothing(project: Path) -> None:
    result = CliRunner().invoke(cli, ["compare", "--candidate-metrics", HOSTILE], catch_exceptions=False)
    assert result.exit_code == 2
    assert forged(result.output) == []


# --- what a PR's own command prints (stop-commands), config texts, warnings, MLflow's own lines -------------

PR_PRINTS = ("::error title=X::forged by the training\n##[warning]legacy form\n  ::add-mask::hidden\n"
             "::set-output name=passed::true\n::stop-commands::guessed\n::guessed::\n::endtoken::\nno newline ")


def runner_view(text: str) -> str:
    """The lines the runner reads commands from: between `::stop-commands::T` and `::T::` nothing is."""
    kept, token = [], None
    for line in re.split(r"\r\n|\r|\n", text):
        stripped = line.strip()
        if token is not None:
            if stripped == f"::{token}::":
                token = None
            continue
        if stripped.startswith("::stop-commands::"):
            token = stripped.removeprefix("::stop-commands::")
            continue
        kept.append(line)
    return "\n".join(kept)


def stop_tokens(text: str) -> list[str]:
    return re.findall(r"^::stop-commands::(\S+)$", text, re.MULTILINE)


def test_the_runner_view_drops_wrapped_lines() -> None:
    text = "a\n::stop-commands::t1\n::error::x\n::t1::\n::warning::y"
    assert runner_commands(runner_view(text)) == ["::warning::y"]


def test_what_the_training_prints_is_raw_text_to_the_runner(git_repo: Path, mlflow_store: MlflowStore,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """The command prints workflow commands of both forms and guesses at the end marker: inside Actions
    mlgate wraps its output in stop-commands with a token the command cannot know (not in its environment),
    so the runner takes none of them; the token differs from run to run."""
    from tests.support.train_project import invoke, make_project

    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    config = make_project(git_repo, train={
        "command": 'printf "%s" "$PR_PRINTS"; env > "$MLGATE_OUT/env.txt"; sh train.sh',
        "env": {"PR_PRINTS": PR_PRINTS}})
    out = git_repo / ".mlgate"
    outputs = []
    for _ in range(2):
        result = invoke(config, "train", "--runtime", "local", "--out", str(out))
        assert result.exit_code == 0, result.output
        outputs.append(result.output)
        assert "::error title=X::forged by the training" in result.output  # shown, as text
        assert forged(runner_view(result.output)) == []
        token = stop_tokens(result.output)[0]  # mlgate's own comes first (the command printed a guess)
        assert len(token) >= 32 and token not in (out / "env.txt").read_text()
        assert token not in (out / "train.log").read_text()
    assert stop_tokens(outputs[0])[0] != stop_tokens(outputs[1])[0]


def test_outside_actions_the_output_is_not_wrapped(git_repo: Path, mlflow_store: MlflowStore,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.support.train_project import invoke, make_project

    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    config = make_project(git_repo)
    result = invoke(config, "train", "--runtime", "local", "--out", str(git_repo / ".mlgate"))
    assert result.exit_code == 0, result.output
    assert "stop-commands" not in result.output and "saved model" in result.output


def config_error(project: Path, key: str) -> str:
    (project / "mlgate.yaml").write_text(json.dumps({"model": {"name": "churn"}, key: 1}))
    result = CliRunner().invoke(cli, ["compare", "--candidate-metrics", "m.json"], catch_exceptions=False)
    assert result.exit_code == 2
    assert "invalid config" in result.output
    return result.output


@pytest.mark.parametrize("key", ["x\r::warning::forged", "x\n::error::forged", "x\r\n  ::add-mask::forged",
                                 "x ##[error]forged"])
def test_a_hostile_config_key_forges_nothing(project: Path, key: str) -> None:
    """A config key is echoed in the config error, on every line break the runner knows (\\r too): it makes
    no more runner commands than a harmless key does (mlgate's own annotation, nothing else)."""
    harmless = runner_commands(config_error(project, "x-forged"))
    hostile = config_error(project, key)
    assert "forged" in hostile
    assert len(runner_commands(hostile)) == len(harmless) == 1


def test_warnings_and_log_records_are_defused(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Other libraries' warnings and log records (which may quote a column or a run name) are defused too."""
    import logging
    import warnings

    from mlgate.output import guard_stray_text

    before = logging.getLogRecordFactory()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("always")
            guard_stray_text()
            warnings.warn("column a\n::error::forged ##[warning]x", UserWarning, stacklevel=1)
            logger = logging.getLogger("mlgate-test-stray")
            handler = logging.StreamHandler()
            logger.addHandler(handler)
            try:
                logger.warning("run b\r::error::forged at https://bot:s3cret-pw@mlflow.example.com")
            finally:
                logger.removeHandler(handler)
    finally:
        logging.setLogRecordFactory(before)
    err = capsys.readouterr().err
    assert "forged" in err and "s3cret-pw" not in err
    assert runner_commands(err) == []


def test_a_failing_log_handler_prints_no_raw_record(capfd: pytest.CaptureFixture[str]) -> None:
    """A handler whose stream is closed (alembic's root handler, bound to a stream that is gone) makes
    logging print the record's raw message to stderr, past the defused record: not after guard_stray_text."""
    import io
    import logging

    from mlgate.output import guard_stray_text

    before = logging.getLogRecordFactory(), logging.raiseExceptions
    logger = logging.getLogger("mlgate-test-closed")
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    logger.addHandler(handler)
    stream.close()
    try:
        guard_stray_text()
        logger.warning("run b\r::error::forged at https://bot:s3cret-pw@mlflow.example.com")
    finally:
        logger.removeHandler(handler)
        logging.setLogRecordFactory(before[0])
        logging.raiseExceptions = before[1]
    err = capfd.readouterr().err
    assert "s3cret-pw" not in err and runner_commands(err) == [], err


def test_mlflow_view_run_lines_never_show_the_uri_credentials(git_repo: Path, mlflow_server_url: str) -> None:
    """MLflow prints `🏃 View run ... at: <URI>` when a run ends against a server, with the URI's
    user:password. `mlgate train` against `http://bot:PASSWORD@host` (a server without auth ignores them)
    prints neither, nor anything else with them, in a real subprocess (MLflow writes to sys.stdout)."""
    import os
    import subprocess
    import sys

    from tests.support.train_project import make_project

    password = "view-run-pw-5c1e"
    uri = mlflow_server_url.replace("http://", f"http://bot:{password}@")
    config = make_project(git_repo)
    src = str(Path(__file__).resolve().parents[2] / "src")
    env = {**{k: v for k, v in os.environ.items() if not k.startswith(("MLFLOW_", "GITHUB_"))},
           "MLFLOW_TRACKING_URI": uri, "GITHUB_ACTIONS": "true",
           "PYTHONPATH": os.pathsep.join([src, os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run([sys.executable, "-m", "mlgate", "--config", str(config), "train", "--runtime", "local",
                           "--out", str(git_repo / ".mlgate")], env=env, cwd=git_repo, capture_output=True,
                          text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert password not in done.stdout + done.stderr
    assert "View run" not in done.stdout
