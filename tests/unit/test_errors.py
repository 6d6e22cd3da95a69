"""Known failures print what/why/fix with their exit code; the output port makes untrusted text log-safe."""

from __future__ import annotations

from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from mlgate.cli import MlgateGroup
from mlgate.errors import BadInput, GateFailed, MlgateError, ServiceError
from mlgate.output import Output, command, defuse, escape_data, escape_property


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
    """A crash of ours is exit 4 (internal), never 3 (a service failed), so a retry-on-3 does not retry bugs."""
    result = CliRunner().invoke(_cli_raising(ZeroDivisionError("x")), ["boom"], catch_exceptions=False)
    assert result.exit_code == 4
    assert "crashed unexpectedly: ZeroDivisionError" in result.output and "please report" in result.output


def test_escaping_stops_command_injection() -> None:
    evil = "50%\n::add-mask::x\r"
    assert escape_data(evil) == "50%25%0A::add-mask::x%0D"
    assert escape_property("a:b,c") == "a%3Ab%2Cc"
    line = command("error", evil, {"file": "d,a:ta.csv", "line": 3, "col": None})
    assert line == "::error file=d%2Ca%3Ata.csv,line=3::50%25%0A::add-mask::x%0D"
    assert "\n" not in line


def test_set_output_is_multiline_safe(tmp_path: Path) -> None:
    assert Output.from_env({}).set_output("x", "1") is False  # outside Actions
    target = tmp_path / "out"
    assert Output.from_env({"GITHUB_OUTPUT": str(target)}).set_output("summary", "line1\nline2")
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


@pytest.mark.parametrize("text", ["::add-mask::x", "  ::set-env name=A::1", "a\n\t::error::forged",
                                  "x ##[error]forged", "##[set-output name=a;]b"])
def test_defused_text_starts_no_command_by_either_rule(text: str) -> None:
    """The runner's two rules: `::` at a line's start (after spaces), legacy `##[` anywhere in a line."""
    for line in defuse(text).splitlines():
        assert not line.lstrip().startswith("::")
        assert "##[" not in line


def test_every_printed_line_is_defused(capsys: pytest.CaptureFixture[str]) -> None:
    out = Output(actions=True)
    out.line("ok\n::add-mask::secret\n  ##[error]x")
    out.warn("file ::x\n::error::y", title="t")
    printed = capsys.readouterr()
    for line in (printed.out + printed.err).splitlines():
        assert not line.lstrip().startswith("::") or line.startswith("::warning title=t::")
        assert "##[" not in line


def test_exit_code_is_a_step_output(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Inside Actions every command writes `exit-code` to $GITHUB_OUTPUT, on success and on failure."""
    from mlgate.cli import cli

    target = tmp_path / "github_output"
    monkeypatch.setenv("GITHUB_OUTPUT", str(target))
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["compare", "--candidate-run", "r", "--candidate-metrics", "m.json"],
                                catch_exceptions=False)
    assert result.exit_code == 2
    assert "exit-code<<" in target.read_text() and "\n2\n" in target.read_text()


def test_a_closed_stdout_prints_no_traceback(tmp_path: Path) -> None:
    """`mlgate ... | head -0`: the reader is gone before mlgate prints; no traceback, the real exit code."""
    import subprocess
    import sys

    script = (f"{sys.executable} -m mlgate compare --candidate-metrics nope.json --out {tmp_path / 'o'} "
              f"| head -c 0")
    (tmp_path / "mlgate.yaml").write_text("model: {name: m}\nmetrics: {auc: {direction: maximize}}\n")
    done = subprocess.run(["bash", "-o", "pipefail", "-c", script], cwd=tmp_path, capture_output=True,
                          text=True, timeout=120, check=False)
    assert "Traceback" not in done.stderr and "BrokenPipe" not in done.stderr
    assert done.returncode == 2, done.stderr


@pytest.mark.parametrize("args", [["--config", "."], ["compare", "--candidate-metrics", "."], ["compare", "--bogus"],
                                  ["no-such-command"]])
def test_a_refused_command_line_is_what_why_fix(args: list[str], tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """click's own usage errors read like every other bad input: what, why, fix; exit 2."""
    from mlgate.cli import cli

    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert result.exit_code == 2
    lines = result.output.splitlines()
    assert lines[0].startswith("error: ") and lines[1].startswith("  why: ") and lines[2].startswith("  fix: ")
    assert "--help" in lines[2] and "Usage:" not in result.output
