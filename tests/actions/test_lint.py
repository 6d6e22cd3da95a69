"""Every action.yml and example workflow: valid by GitHub's schemas, clean under zizmor, and our own rules."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
ACTIONS = sorted([ROOT / "action.yml", *(ROOT / "actions").glob("*/action.yml")])
WORKFLOWS = sorted((ROOT / "examples").glob("*/.github/workflows/*.yml"))
STAGES = {"setup", "validate-data", "train", "evaluate", "compare", "report", "publish", "promote", "monitor"}
PINNED = re.compile(r"^[\w.-]+/[\w./-]+@[0-9a-f]{40}$")


def tool(name: str) -> str:
    found = BIN / name
    return str(found) if found.exists() else name


def run(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, capture_output=True, text=True, check=False, timeout=300)


def test_the_suite_is_complete() -> None:
    assert {p.parent.name for p in ACTIONS if p.parent != ROOT} == STAGES
    assert (ROOT / "action.yml") in ACTIONS
    assert {p.name for p in WORKFLOWS} >= {"pr-gate.yml", "publish-report.yml", "promote.yml", "monitor.yml"}


@pytest.mark.tooling
def test_actions_match_the_github_actions_schema() -> None:
    result = run(tool("check-jsonschema"), "--builtin-schema", "vendor.github-actions", *map(str, ACTIONS))
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.tooling
def test_workflows_match_the_github_workflows_schema() -> None:
    result = run(tool("check-jsonschema"), "--builtin-schema", "vendor.github-workflows", *map(str, WORKFLOWS))
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.tooling
@pytest.mark.parametrize("persona", ["regular", "pedantic", "auditor"])
def test_zizmor_finds_nothing(persona: str) -> None:
    result = run(tool("zizmor"), "--offline", "--no-progress", "--persona", persona,
                 *map(str, ACTIONS), *map(str, WORKFLOWS))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No findings to report" in result.stdout, result.stdout


def steps_of(document: dict[str, Any]) -> list[dict[str, Any]]:
    if "runs" in document:
        return list(document["runs"].get("steps") or [])
    return [step for job in document["jobs"].values() for step in job.get("steps") or []]


@pytest.mark.parametrize("path", [*ACTIONS, *WORKFLOWS], ids=lambda p: str(p.relative_to(ROOT)))
def test_no_expression_inside_a_run_script(path: Path) -> None:
    for step in steps_of(yaml.safe_load(path.read_text())):
        assert "${{" not in step.get("run", ""), f"{path}: step {step.get('name')!r} expands ${{{{ }}}} in run:"


@pytest.mark.parametrize("path", [*ACTIONS, *WORKFLOWS], ids=lambda p: str(p.relative_to(ROOT)))
def test_third_party_actions_are_pinned_by_sha_with_the_version_in_a_comment(path: Path) -> None:
    text = path.read_text()
    for step in steps_of(yaml.safe_load(text)):
        uses = step.get("uses")
        if uses is None or uses.startswith("./"):
            continue
        assert PINNED.match(uses), f"{path}: {uses} is not pinned by a full commit SHA"
        line = next(line for line in text.splitlines() if uses in line)
        assert re.search(r"#\s*v\d+\.\d+\.\d+\s*$", line), f"{path}: {uses} has no `# vX.Y.Z` comment"


@pytest.mark.parametrize("path", ACTIONS, ids=lambda p: str(p.relative_to(ROOT)))
def test_action_inputs_are_kebab_case_described_with_defaults(path: Path) -> None:
    document = yaml.safe_load(path.read_text())
    assert "Permissions:" in document["description"], f"{path}: the description must state its permissions"
    for name, spec in document["inputs"].items():
        assert re.fullmatch(r"[a-z][a-z0-9]*(-[a-z0-9]+)*", name), name
        assert spec.get("description"), f"{path}: input {name} has no description"
        assert "default" in spec, f"{path}: input {name} has no default"
    for name, spec in document.get("outputs", {}).items():
        assert re.fullmatch(r"[a-z][a-z0-9]*(-[a-z0-9]+)*", name), name
        assert spec.get("description") and re.fullmatch(r"\$\{\{ steps\.[\w-]+\.outputs\.[\w-]+ \}\}",
                                                        spec["value"]), f"{path}: output {name}"
    for step in document["runs"]["steps"]:
        if "run" in step:
            assert step.get("shell") == "bash", f"{path}: step {step.get('name')!r} needs shell: bash"


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_workflows_are_least_privilege(path: Path) -> None:
    document = yaml.safe_load(path.read_text())
    assert document["permissions"] == {}, f"{path}: the workflow grants nothing; jobs ask for what they need"
    assert "concurrency" in document
    for job in document["jobs"].values():
        assert "permissions" in job
        for step in job["steps"]:
            if str(step.get("uses", "")).startswith("actions/checkout@"):
                assert step["with"]["persist-credentials"] is False


def test_the_fork_safe_split() -> None:
    gate = yaml.safe_load((ROOT / "examples/breast-cancer/.github/workflows/pr-gate.yml").read_text())
    publish = yaml.safe_load((ROOT / "examples/breast-cancer/.github/workflows/publish-report.yml").read_text())
    # PyYAML reads the `on` key as True.
    assert set(gate[True]) == {"pull_request"} and set(publish[True]) == {"workflow_run"}
    assert all(set(job["permissions"]) == {"contents"} for job in gate["jobs"].values())
    assert publish[True]["workflow_run"]["workflows"] == [gate["name"]]
    publish_uses = [s.get("uses", "") for j in publish["jobs"].values() for s in j["steps"]]
    assert not any(u.startswith("actions/checkout@") for u in publish_uses), "never check out PR code here"
