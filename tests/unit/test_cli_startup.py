"""`mlgate --help` and `--version` stay light: no mlflow, pandas or pandera on the start-up path."""

from __future__ import annotations

import subprocess
import sys

import pytest

HEAVY = ("mlflow", "pandas", "pandera", "dvc", "github", "pyarrow", "sklearn")


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


def test_every_command_is_documented_in_readme() -> None:
    from pathlib import Path

    from mlgate.cli import cli

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    for name, command in cli.commands.items():
        assert f"mlgate {name}" in readme, f"command {name} is not in the README"
        for param in command.params:
            for opt in getattr(param, "opts", []):
                if opt.startswith("--") and opt != "--help":
                    assert opt in readme, f"option {opt} of mlgate {name} is not in the README"
