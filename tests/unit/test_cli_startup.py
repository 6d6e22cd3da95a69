"""`mlgate --help` and `--version` stay light: no mlflow, pandas or pandera on the start-up path."""

from __future__ import annotations

import subprocess
import sys

import pytest

HEAVY = ("mlflow", "pandas", "pandera", "dvc", "github", "pyarrow", "sklearn", "pyspark")


@pytest.mark.parametrize("args", [["--help"], ["--version"], ["compare", "--help"], ["validate", "--help"],
                                  ["train", "--help"], ["report", "--help"]])
def test_help_imports_nothing_heavy(args: list[str]) -> None:
    code = (
        "import sys\n"
        "from mlgate.cli import cli\n"
        f"try:\n    cli.main({args!r}, prog_name='mlgate')\n"
        "except SystemExit:\n    pass\n"
        f"print(sorted(m for m in {HEAVY!r} if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip().splitlines()[-1] == "[]"


def test_every_command_option_and_variable_is_documented() -> None:
    """docs/stages.md names every command, each of its options and the environment variable that sets it."""
    from pathlib import Path

    import click

    from mlgate.cli import cli

    stages = (Path(__file__).resolve().parents[2] / "docs" / "stages.md").read_text()
    commands: list[tuple[str, click.Command]] = [("", cli), *((f" {n}", c) for n, c in cli.commands.items())]
    for name, command in commands:
        assert f"mlgate{name}" in stages, f"command mlgate{name} is not in docs/stages.md"
        for param in command.params:
            for opt in getattr(param, "opts", []) + getattr(param, "secondary_opts", []):
                if opt.startswith("--") and opt != "--help":
                    assert opt in stages, f"option {opt} of mlgate{name} is not in docs/stages.md"
            envvars = param.envvar if isinstance(param.envvar, (list, tuple)) else [param.envvar]
            for envvar in filter(None, envvars):
                assert f"`{envvar}`" in stages, f"{envvar} (mlgate{name} {param.name}) is not in docs/stages.md"


def test_every_command_is_in_the_readme_loop() -> None:
    from pathlib import Path

    from mlgate.cli import cli

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    for name in cli.commands:
        assert f"mlgate {name}" in readme, f"command {name} is not in the README"


def test_main_exempts_the_objects_alive_at_exit_from_the_final_collection(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The final garbage collection of a process that imported MLflow's store costs 0.6 s at exit (see
    benchmarks/gate_overhead.py): main() freezes what is alive when the command ends."""
    import gc

    from mlgate.cli import main

    monkeypatch.setattr(sys, "argv", ["mlgate", "--version"])
    before = gc.get_freeze_count()
    try:
        with pytest.raises(SystemExit) as exited:
            main()
        assert exited.value.code == 0
        assert gc.get_freeze_count() > before
    finally:
        gc.unfreeze()


def test_exit_handlers_still_run_after_main() -> None:
    """Freezing skips only the collector's passes: atexit handlers (MLflow's, temporary folders') run."""
    code = ("import atexit, sys\nfrom mlgate.cli import main\n"
            "atexit.register(lambda: print('handler ran'))\nsys.argv = ['mlgate', '--version']\nmain()\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == "handler ran"
