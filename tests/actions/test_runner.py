"""The local composite-action runner used by the action tests behaves like GitHub's on what we use."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from tests.support.action_runner import ActionRunner, RunnerError, condition, evaluate, parse_key_values

CONTEXTS = {"inputs": {"flag": "true", "empty": ""}, "steps": {"a": {"outputs": {"code": "0"}, "outcome": "failure"}},
            "github": {"event_name": "pull_request"}, "env": {}}


def write_action(folder: Path, body: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "action.yml").write_text(textwrap.dedent(body))
    return folder


@pytest.mark.parametrize(("expression", "expected"), [
    ("inputs.flag == 'true'", True),
    ("inputs.flag == 'TRUE'", True),  # strings compare case-insensitively
    ("inputs.flag != 'true'", False),
    ("inputs.empty == ''", True),
    ("inputs.missing == ''", True),  # a missing property is null, and null == '' (both 0)
    ("steps.a.outputs.code == 0", True),  # '0' == 0 compares as numbers
    ("inputs.flag == true", False),  # 'true' is NaN as a number
    ("!inputs.empty", True),
    ("inputs.flag == 'true' && inputs.empty != ''", False),
    ("inputs.empty || 'fallback'", "fallback"),
    ("steps.a.outcome != 'skipped'", True),
    ("contains(github.event_name, 'pull')", True),
    ("startsWith(github.event_name, 'push')", False),
])
def test_expressions(expression: str, expected: object) -> None:
    assert evaluate(expression, CONTEXTS) == expected


def test_if_without_a_status_function_needs_success() -> None:
    assert condition("inputs.flag == 'true'", CONTEXTS, "success") is True
    assert condition("inputs.flag == 'true'", CONTEXTS, "failure") is False
    assert condition("${{ always() }}", CONTEXTS, "failure") is True
    assert condition("${{ !cancelled() && steps.a.outcome != 'skipped' }}", CONTEXTS, "failure") is True
    assert condition("failure()", CONTEXTS, "success") is False
    with pytest.raises(RunnerError, match="unknown context"):
        condition("secrets.X == ''", CONTEXTS, "success")


def test_output_files_with_heredocs() -> None:
    text = "a=1\nmulti<<EOF_1\nline 1\nline=2\nEOF_1\nb=x=y\n"
    assert parse_key_values(text) == {"a": "1", "multi": "line 1\nline=2", "b": "x=y"}
    with pytest.raises(RunnerError):
        parse_key_values("x<<END\nnever closed\n")


def test_inputs_env_outputs_and_github_context(tmp_path: Path) -> None:
    action = write_action(tmp_path / "ws" / "act", """
        name: t
        description: t
        inputs:
          greeting: {description: d, default: hello}
          who: {description: d, default: "${{ github.repository }}"}
        outputs:
          said: {description: d, value: "${{ steps.say.outputs.said }}"}
          later: {description: d, value: "${{ steps.later.outputs.seen }}"}
        runs:
          using: composite
          steps:
            - id: say
              shell: bash
              env:
                GREETING: ${{ inputs.greeting }}
                WHO: ${{ inputs.who }}
                WHERE: ${{ github.action_path }}
              run: |
                test "$WHERE" = "$GITHUB_ACTION_PATH"
                echo "said=$GREETING $WHO" >> "$GITHUB_OUTPUT"
                echo "CARRIED=over" >> "$GITHUB_ENV"
                echo "## summary" >> "$GITHUB_STEP_SUMMARY"
            - id: later
              shell: bash
              env:
                FROM_ENV_CONTEXT: ${{ env.CARRIED }}
              run: echo "seen=$CARRIED/$FROM_ENV_CONTEXT" >> "$GITHUB_OUTPUT"
        """)
    runner = ActionRunner(tmp_path / "ws", tmp_path / "tmp", github={"repository": "o/r"})
    result = runner.run(action, {"greeting": "hi"})
    assert result.exit_code == 0, result.log
    assert result.outputs == {"said": "hi o/r", "later": "over/over"}
    assert result.summary == "## summary\n"
    assert result.env_added == {"CARRIED": "over"}
    with pytest.raises(RunnerError, match="unknown inputs"):
        runner.run(action, {"greting": "typo"})


def test_a_failed_step_skips_the_rest_except_always_and_failure(tmp_path: Path) -> None:
    action = write_action(tmp_path / "ws" / "act", """
        name: t
        description: t
        runs:
          using: composite
          steps:
            - {id: ok, shell: bash, run: "echo ok"}
            - {id: boom, shell: bash, run: "echo partial=yes >> $GITHUB_OUTPUT; exit 3"}
            - {id: skipped, shell: bash, run: "echo never"}
            - {id: cleanup, if: always(), shell: bash, run: "echo cleanup"}
            - {id: on-failure, if: failure(), shell: bash, run: "echo failed"}
            - {id: on-success, if: success(), shell: bash, run: "echo never"}
        """)
    result = ActionRunner(tmp_path / "ws", tmp_path / "tmp").run(action)
    assert result.exit_code == 3
    outcomes = {step.id: step.outcome for step in result.steps}
    assert outcomes == {"ok": "success", "boom": "failure", "skipped": "skipped", "cleanup": "success",
                        "on-failure": "success", "on-success": "skipped"}
    assert result.step("boom").outputs == {"partial": "yes"}


def test_bash_runs_with_errexit_and_pipefail(tmp_path: Path) -> None:
    action = write_action(tmp_path / "ws" / "act", """
        name: t
        description: t
        runs:
          using: composite
          steps:
            - {id: pipe, shell: bash, run: "false | true\\necho unreachable"}
        """)
    result = ActionRunner(tmp_path / "ws", tmp_path / "tmp").run(action)
    assert result.exit_code == 1 and "unreachable" not in result.log


def test_nested_local_actions_resolve_against_the_workspace(tmp_path: Path) -> None:
    workspace = tmp_path / "ws"
    write_action(workspace / "inner", """
        name: inner
        description: t
        inputs:
          value: {description: d, default: ""}
        outputs:
          doubled: {description: d, value: "${{ steps.x.outputs.doubled }}"}
        runs:
          using: composite
          steps:
            - id: x
              shell: bash
              env: {VALUE: "${{ inputs.value }}"}
              run: echo "doubled=$VALUE$VALUE" >> "$GITHUB_OUTPUT"
        """)
    outer = write_action(workspace / "outer", """
        name: outer
        description: t
        outputs:
          result: {description: d, value: "${{ steps.call.outputs.doubled }}"}
        runs:
          using: composite
          steps:
            - id: call
              uses: ./inner
              with: {value: ab}
            - id: remote
              uses: actions/cache@0057852bfaa89a56745cba8c7296529d2fc39830
              with: {key: k}
        """)
    runner = ActionRunner(workspace, tmp_path / "tmp")
    with pytest.raises(RunnerError, match="remote action"):
        runner.run(outer)
    stubbed = ActionRunner(workspace, tmp_path / "tmp", remote={"actions/cache": lambda w: {"hit": w["key"]}})
    result = stubbed.run(outer)
    assert result.outputs == {"result": "abab"}
    assert result.step("remote").outputs == {"hit": "k"}
