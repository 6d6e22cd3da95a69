"""A small local runner that executes a composite action the way GitHub's runner does.

What it implements (what our actions use, checked against GitHub's documented behaviour):
- `inputs.*`: given values, else the input's default (defaults may hold expressions, e.g. `github.token`);
  an input the action does not declare is an error here (GitHub only warns), to catch typos in tests.
- expressions `${{ ... }}` in `with:`, `env:`, `working-directory:`, `if:` and `outputs.*.value`: contexts
  `inputs`, `github`, `env`, `steps`, `runner`; literals; `!`, `&&`, `||`, `==`, `!=` (GitHub's loose,
  case-insensitive equality); functions `success()`, `failure()`, `always()`, `cancelled()`, `contains()`,
  `startsWith()`. An `if:` without a status function is wrapped in `success() && (...)`.
- `run:` steps with `shell: bash`, run as `bash --noprofile --norc -eo pipefail FILE`, with fresh
  `GITHUB_OUTPUT`, `GITHUB_ENV`, `GITHUB_PATH`, `GITHUB_STEP_SUMMARY` files per step; GITHUB_ENV/GITHUB_PATH
  additions reach the later steps, outputs become `steps.<id>.outputs`; `GITHUB_ACTION_PATH` is set.
- `uses: ./path` (resolved against the workspace, as GitHub does) runs a nested local composite action;
  `uses: owner/repo@ref` runs a stub given in `remote=` or fails: nothing here reaches the network.
- A failed step skips the later steps unless their `if:` uses `always()`/`failure()`; the action's exit
  code is the first failed step's exit code (0 when every step passed).

It never expands `${{ }}` inside `run:` scripts: GitHub does, but our actions must not rely on it, and a test
asserts there is none.
"""

from __future__ import annotations

import json
import math
import os
import re
import subprocess
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

RemoteStub = Callable[[Mapping[str, str]], Mapping[str, str]]
EXPRESSION = re.compile(r"\$\{\{(.*?)\}\}", re.S)
STATUS_FUNCTIONS = ("success(", "failure(", "always(", "cancelled(")


class RunnerError(Exception):
    """The action cannot be run here (unknown input, unsupported syntax, missing remote stub)."""


# --- results ----------------------------------------------------------------------------------------


@dataclass
class StepResult:
    id: str
    name: str
    outcome: str  # success | failure | skipped
    exit_code: int = 0
    outputs: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0


@dataclass
class ActionResult:
    exit_code: int
    outputs: dict[str, str]
    steps: list[StepResult]
    log: str
    summary: str
    env_added: dict[str, str]

    @property
    def passed(self) -> bool:
        return self.exit_code == 0

    def step(self, step_id: str) -> StepResult:
        for step in self.steps:
            if step.id == step_id:
                return step
        raise KeyError(f"no step {step_id!r}; steps: {[s.id for s in self.steps]}")


# --- expressions ------------------------------------------------------------------------------------

_TOKEN = re.compile(
    r"\s*(?:(?P<num>-?\d+(?:\.\d+)?)|(?P<str>'(?:[^']|'')*')|(?P<op>&&|\|\||==|!=|<=|>=|[!()\[\].,<>])"
    r"|(?P<name>[A-Za-z_][A-Za-z0-9_-]*))"
)


def _tokens(text: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    pos = 0
    text = text.strip()
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if not match or match.end() == pos:
            raise RunnerError(f"cannot parse expression {text!r} at {text[pos:]!r}")
        kind = match.lastgroup
        assert kind is not None
        out.append((kind, match.group(kind)))
        pos = match.end()
        while pos < len(text) and text[pos].isspace():
            pos += 1
    return out


def _number(value: Any) -> float:
    if value is None:
        return 0.0
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        if not value.strip():
            return 0.0
        try:
            return float(value)
        except ValueError:
            return math.nan
    return math.nan


def loose_equal(left: Any, right: Any) -> bool:
    """GitHub's `==`: strings compare case-insensitively; different types are compared as numbers."""
    if isinstance(left, str) and isinstance(right, str):
        return left.casefold() == right.casefold()
    if type(left) is type(right) or left is None or right is None:
        if left is None and right is None:
            return True
        if type(left) is type(right):
            return bool(left == right)
    return _number(left) == _number(right)


def truthy(value: Any) -> bool:
    if value is None or value is False or value == "":
        return False
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return not (value == 0 or math.isnan(value))
    return True


def to_string(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    return str(value)


class _Parser:
    def __init__(self, text: str, contexts: Mapping[str, Any], status: str) -> None:
        self.tokens = _tokens(text)
        self.pos = 0
        self.contexts = contexts
        self.status = status  # success | failure | cancelled
        self.text = text

    def parse(self) -> Any:
        value = self._or()
        if self.pos != len(self.tokens):
            raise RunnerError(f"unexpected {self.tokens[self.pos][1]!r} in expression {self.text!r}")
        return value

    def _peek(self) -> str | None:
        return self.tokens[self.pos][1] if self.pos < len(self.tokens) else None

    def _take(self, expected: str | None = None) -> tuple[str, str]:
        if self.pos >= len(self.tokens):
            raise RunnerError(f"unexpected end of expression {self.text!r}")
        token = self.tokens[self.pos]
        if expected is not None and token[1] != expected:
            raise RunnerError(f"expected {expected!r}, got {token[1]!r} in expression {self.text!r}")
        self.pos += 1
        return token

    def _or(self) -> Any:
        value = self._and()
        while self._peek() == "||":
            self._take()
            right = self._and()
            value = value if truthy(value) else right
        return value

    def _and(self) -> Any:
        value = self._compare()
        while self._peek() == "&&":
            self._take()
            right = self._compare()
            value = right if truthy(value) else value
        return value

    def _compare(self) -> Any:
        value = self._unary()
        while self._peek() in {"==", "!="}:
            op = self._take()[1]
            right = self._unary()
            equal = loose_equal(value, right)
            value = equal if op == "==" else not equal
        return value

    def _unary(self) -> Any:
        if self._peek() == "!":
            self._take()
            return not truthy(self._unary())
        return self._primary()

    def _primary(self) -> Any:
        kind, text = self._take()
        if text == "(" and kind == "op":
            value = self._or()
            self._take(")")
            return value
        if kind == "num":
            return float(text)
        if kind == "str":
            return text[1:-1].replace("''", "'")
        if kind != "name":
            raise RunnerError(f"unexpected {text!r} in expression {self.text!r}")
        if text in {"true", "false"}:
            return text == "true"
        if text == "null":
            return None
        if self._peek() == "(":
            return self._call(text)
        value: Any = self.contexts.get(text)
        if text not in self.contexts:
            raise RunnerError(f"unknown context {text!r} in expression {self.text!r}")
        while self._peek() in {".", "["}:
            if self._take()[1] == ".":
                key = self._take()[1]
            else:
                key = to_string(self._or())
                self._take("]")
            value = value.get(key) if isinstance(value, Mapping) else None
        return value

    def _call(self, name: str) -> Any:
        self._take("(")
        args: list[Any] = []
        while self._peek() != ")":
            args.append(self._or())
            if self._peek() == ",":
                self._take()
        self._take(")")
        lowered = name.lower()
        if lowered == "success":
            return self.status == "success"
        if lowered == "failure":
            return self.status == "failure"
        if lowered == "always":
            return True
        if lowered == "cancelled":
            return self.status == "cancelled"
        if lowered == "contains":
            haystack, needle = args
            if isinstance(haystack, list):
                return any(loose_equal(item, needle) for item in haystack)
            return to_string(needle).casefold() in to_string(haystack).casefold()
        if lowered == "startswith":
            return to_string(args[0]).casefold().startswith(to_string(args[1]).casefold())
        raise RunnerError(f"function {name}() is not supported by the test runner")


def evaluate(expression: str, contexts: Mapping[str, Any], status: str = "success") -> Any:
    """Evaluate one expression (without the `${{ }}`)."""
    return _Parser(expression, contexts, status).parse()


def interpolate(text: Any, contexts: Mapping[str, Any]) -> str:
    """Replace every `${{ expr }}` in a string; a value that is only one expression keeps GitHub's string form."""
    if not isinstance(text, str):
        return to_string(text)
    return EXPRESSION.sub(lambda m: to_string(evaluate(m.group(1), contexts)), text)


def condition(raw: Any, contexts: Mapping[str, Any], status: str) -> bool:
    """An `if:`: bare or wrapped in `${{ }}`; without a status function it means `success() && (...)`."""
    if raw is None:
        return status == "success"
    if isinstance(raw, bool):
        return raw and status == "success"
    text = str(raw).strip()
    whole = re.fullmatch(r"\$\{\{(.*)\}\}", text, re.S)
    if whole:
        text = whole.group(1).strip()
    if not any(fn in text.replace(" ", "") for fn in STATUS_FUNCTIONS):
        text = f"success() && ({text})"
    return truthy(evaluate(text, contexts, status))


# --- files the steps write --------------------------------------------------------------------------


def parse_key_values(text: str) -> dict[str, str]:
    """Parse GITHUB_OUTPUT / GITHUB_ENV: `name=value` lines and `name<<DELIM` heredocs."""
    values: dict[str, str] = {}
    lines = text.split("\n")
    index = 0
    while index < len(lines):
        line = lines[index].rstrip("\r")
        index += 1
        if not line:
            continue
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, delimiter = line.split("<<", 1)
            body: list[str] = []
            while index < len(lines) and lines[index].rstrip("\r") != delimiter:
                body.append(lines[index])
                index += 1
            if index >= len(lines):
                raise RunnerError(f"heredoc for {name!r} is not closed by {delimiter!r}")
            index += 1
            values[name] = "\n".join(body)
        elif "=" in line:
            name, value = line.split("=", 1)
            values[name] = value
        else:
            raise RunnerError(f"malformed line in a GitHub command file: {line!r}")
    return values


# --- the runner -------------------------------------------------------------------------------------


@dataclass
class _Job:
    """What persists between steps of one job: env additions, PATH additions, the log and the summary."""

    env: dict[str, str]
    path_prefix: list[str] = field(default_factory=list)
    log: list[str] = field(default_factory=list)
    summary: list[str] = field(default_factory=list)
    env_added: dict[str, str] = field(default_factory=dict)


class ActionRunner:
    """Runs composite actions in `workspace` with a fixed `github` context and base environment."""

    def __init__(
        self,
        workspace: Path,
        temp: Path,
        *,
        env: Mapping[str, str] | None = None,
        github: Mapping[str, Any] | None = None,
        remote: Mapping[str, RemoteStub] | None = None,
        timeout: float = 600,
    ) -> None:
        self.workspace = workspace.resolve()
        self.temp = temp.resolve()
        self.temp.mkdir(parents=True, exist_ok=True)
        self.base_env = dict(os.environ if env is None else env)
        self.github = dict(github or {})
        self.remote = dict(remote or {})
        self.timeout = timeout

    def run(self, action: Path | str, inputs: Mapping[str, str] | None = None) -> ActionResult:
        """Run the composite action in `action` (a directory or its action.yml) with the given inputs."""
        job = _Job(env=dict(self.base_env))
        path = Path(action)
        exit_code, outputs, steps = self._run_action(path, dict(inputs or {}), job)
        return ActionResult(
            exit_code=exit_code,
            outputs=outputs,
            steps=steps,
            log="".join(job.log),
            summary="".join(job.summary),
            env_added=dict(job.env_added),
        )

    # one action ----------------------------------------------------------------------------------

    def _run_action(
        self, action: Path, given: dict[str, str], job: _Job
    ) -> tuple[int, dict[str, str], list[StepResult]]:
        file = action if action.is_file() else _action_file(action)
        definition = yaml.safe_load(file.read_text(encoding="utf-8"))
        runs = definition.get("runs", {})
        if runs.get("using") != "composite":
            raise RunnerError(f"{file}: only composite actions are supported, got {runs.get('using')!r}")
        action_path = str(file.parent.resolve())
        github = self._github(action_path)
        declared = definition.get("inputs") or {}
        unknown = sorted(set(given) - set(declared))
        if unknown:
            raise RunnerError(f"{file}: unknown inputs {unknown}; declared: {sorted(declared)}")
        base = {"github": github, "env": job.env, "runner": self._runner_context()}
        inputs: dict[str, str] = {}
        for name, spec in declared.items():
            if name in given:
                inputs[name] = to_string(given[name])
            else:
                default = (spec or {}).get("default", "")
                inputs[name] = interpolate(default, {**base, "inputs": {}, "steps": {}})
        steps_ctx: dict[str, dict[str, Any]] = {}
        results: list[StepResult] = []
        status = "success"
        exit_code = 0
        for index, step in enumerate(runs.get("steps") or []):
            step_id = str(step.get("id") or f"__step{index}")
            contexts = {**base, "env": job.env, "inputs": inputs, "steps": steps_ctx}
            if not condition(step.get("if"), contexts, status):
                result = StepResult(id=step_id, name=str(step.get("name", step_id)), outcome="skipped")
            else:
                result = self._run_step(step, step_id, contexts, action_path, job)
                if result.outcome == "failure" and status == "success":
                    status = "failure"
                    exit_code = result.exit_code or 1
            steps_ctx[step_id] = {"outputs": result.outputs, "outcome": result.outcome,
                                  "conclusion": result.outcome}
            results.append(result)
        final = {**base, "env": job.env, "inputs": inputs, "steps": steps_ctx}
        outputs = {
            name: interpolate((spec or {}).get("value", ""), final)
            for name, spec in (definition.get("outputs") or {}).items()
        }
        return exit_code, outputs, results

    def _run_step(
        self, step: Mapping[str, Any], step_id: str, contexts: Mapping[str, Any], action_path: str, job: _Job
    ) -> StepResult:
        name = str(step.get("name", step_id))
        unsupported = sorted(set(step) & {"continue-on-error", "timeout-minutes"})
        if unsupported:
            raise RunnerError(f"step {step_id!r}: {unsupported} are not supported by the test runner")
        step_env = {str(k): interpolate(v, contexts) for k, v in (step.get("env") or {}).items()}
        if "uses" in step:
            with_ = {str(k): interpolate(v, contexts) for k, v in (step.get("with") or {}).items()}
            return self._uses(str(step["uses"]), with_, step_id, name, job)
        if "run" not in step:
            raise RunnerError(f"step {step_id!r} has neither run nor uses")
        shell = step.get("shell")
        if shell != "bash":
            raise RunnerError(f"step {step_id!r}: only `shell: bash` is supported here, got {shell!r}")
        workdir = self.workspace / interpolate(step.get("working-directory", "."), contexts)
        return self._bash(str(step["run"]), step_id, name, workdir, step_env, action_path, job)

    def _uses(self, uses: str, with_: dict[str, str], step_id: str, name: str, job: _Job) -> StepResult:
        if uses.startswith("./"):
            code, outputs, _ = self._run_action(self.workspace / uses, with_, job)
            return StepResult(id=step_id, name=name, outcome="success" if code == 0 else "failure",
                              exit_code=code, outputs=outputs)
        action = uses.split("@", 1)[0]
        stub = self.remote.get(action)
        if stub is None:
            raise RunnerError(f"step {step_id!r} uses the remote action {uses}; give a stub in remote=")
        job.log.append(f"[{step_id}] remote action {uses} stubbed with {dict(with_)}\n")
        return StepResult(id=step_id, name=name, outcome="success", outputs=dict(stub(with_)))

    def _bash(
        self, script: str, step_id: str, name: str, workdir: Path, step_env: dict[str, str], action_path: str,
        job: _Job,
    ) -> StepResult:
        folder = self.temp / f"step-{uuid.uuid4().hex[:8]}"
        folder.mkdir()
        files = {key: folder / key.lower() for key in
                 ("GITHUB_OUTPUT", "GITHUB_ENV", "GITHUB_PATH", "GITHUB_STEP_SUMMARY", "GITHUB_STATE")}
        for file in files.values():
            file.touch()
        (folder / "script.sh").write_text(script, encoding="utf-8")
        env = {**job.env, **self._github_env(action_path), **{k: str(v) for k, v in files.items()}, **step_env}
        if job.path_prefix:
            env["PATH"] = os.pathsep.join([*reversed(job.path_prefix), env.get("PATH", "")])
        if not workdir.is_dir():
            job.log.append(f"[{step_id}] working directory {workdir} does not exist\n")
            return StepResult(id=step_id, name=name, outcome="failure", exit_code=1)
        started = time.monotonic()
        proc = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(folder / "script.sh")],
            cwd=workdir, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=self.timeout,
            check=False,
        )
        seconds = time.monotonic() - started
        job.log.append(f"::group::{step_id} ({name}) exit {proc.returncode} in {seconds:.1f}s\n")
        job.log.append(proc.stdout.decode("utf-8", errors="replace"))
        job.log.append("::endgroup::\n")
        added = parse_key_values(files["GITHUB_ENV"].read_text(encoding="utf-8"))
        job.env.update(added)
        job.env_added.update(added)
        job.path_prefix.extend(p for p in files["GITHUB_PATH"].read_text(encoding="utf-8").splitlines() if p)
        job.summary.append(files["GITHUB_STEP_SUMMARY"].read_text(encoding="utf-8"))
        outputs = parse_key_values(files["GITHUB_OUTPUT"].read_text(encoding="utf-8"))
        outcome = "success" if proc.returncode == 0 else "failure"
        return StepResult(id=step_id, name=name, outcome=outcome, exit_code=proc.returncode, outputs=outputs,
                          seconds=seconds)

    # contexts ------------------------------------------------------------------------------------

    def _github(self, action_path: str) -> dict[str, Any]:
        event: Any = {}
        event_path = self.github.get("event_path")
        if event_path:
            event = json.loads(Path(event_path).read_text(encoding="utf-8"))
        return {"workspace": str(self.workspace), "token": "", "event": event, **self.github,
                "action_path": action_path}

    def _github_env(self, action_path: str) -> dict[str, str]:
        env = {"GITHUB_ACTIONS": "true", "CI": "true", "GITHUB_WORKSPACE": str(self.workspace),
               "GITHUB_ACTION_PATH": action_path, "RUNNER_TEMP": str(self.temp), "RUNNER_OS": "Linux"}
        for key, value in self.github.items():
            if key not in {"token", "event", "action_path"} and isinstance(value, (str, int)):
                env[f"GITHUB_{key.upper()}"] = str(value)
        return env

    def _runner_context(self) -> dict[str, str]:
        return {"temp": str(self.temp), "os": "Linux", "arch": "X64"}


def _action_file(folder: Path) -> Path:
    for name in ("action.yml", "action.yaml"):
        if (folder / name).is_file():
            return folder / name
    raise RunnerError(f"no action.yml in {folder}")
