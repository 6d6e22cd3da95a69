"""Known failures print what/why/fix with their exit code; workflow-command text is escaped."""

from __future__ import annotations

from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from mlgate.cli import MlgateGroup
from mlgate.errors import BadInput, GateFailed, MlgateError, ServiceError
from mlgate.github.workflow_commands import command, escape_data, escape_property, set_output


def _cli_raising(exc: BaseException) -> click.Group:
    @click.group(cls=MlgateGroup)
    def group() -> None:
        pass

    @group.command()
    def boom() -> None:
        raise exc

    return group


@pytest.mark.parametrize("exc, code", [(GateFailed("training failed"), 1), (BadInput("bad"), 2),
                                       (ServiceError("down"), 3)])
def test_known_errors_map_to_exit_codes(exc: MlgateError, code: int) -> None:
    result = CliRunner().invoke(_cli_raising(exc), ["boom"], catch_exceptions=False)
    assert result.exit_code == code
    assert f"error: {exc.what}" in result.output and "Traceback" not in result.output


def test_message_has_what_why_fix_and_annotation_in_actions(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    exc = BadInput("config broken", "field x: nope", "fix x", file="mlgate.yaml")
    result = CliRunner().invoke(_cli_raising(exc), ["boom"], catch_exceptions=False)
    assert "  why: field x: nope\n  fix: fix x" in result.output
    assert "::error title=mlgate%3A bad input,file=mlgate.yaml::config broken%0A  why" in result.output


def test_unknown_error_asks_for_a_report() -> None:
    result = CliRunner().invoke(_cli_raising(ZeroDivisionError("x")), ["boom"], catch_exceptions=False)
    assert result.exit_code == 3
    assert "crashed unexpectedly: ZeroDivisionError" in result.output and "please report" in result.output


def test_escaping_stops_command_injection() -> None:
    evil = "50%\n::add-mask::x\r"
    assert escape_data(evil) == "50%25%0A::add-mask::x%0D"
    assert escape_property("a:b,c") == "a%3Ab%2Cc"
    line = command("error", evil, {"file": "d,a:ta.csv", "line": 3, "col": None})
    assert line == "::error file=d%2Ca%3Ata.csv,line=3::50%25%0A::add-mask::x%0D"
    assert "\n" not in line


def test_set_output_is_multiline_safe(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert set_output("x", "1") is False  # outside Actions
    target = tmp_path / "out"
    monkeypatch.setenv("GITHUB_OUTPUT", str(target))
    assert set_output("summary", "line1\nline2")
    name, rest = target.read_text().split("<<", 1)
    delimiter, body = rest.split("\n", 1)
    assert name == "summary" and body == f"line1\nline2\n{delimiter}\n"


def test_untrusted_text_in_a_message_cannot_start_a_command(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    exc = BadInput("bad column 'x\n::add-mask::y'", "why\n::set-env name=A::1")
    result = CliRunner().invoke(_cli_raising(exc), ["boom"], catch_exceptions=False)
    assert result.exit_code == 2
    for line in result.output.splitlines():
        assert not line.startswith("::") or line.startswith("::error title=")
    assert "::error title=" in result.output
