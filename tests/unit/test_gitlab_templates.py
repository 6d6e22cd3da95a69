"""The GitLab CI/CD components (templates/) and the example's .gitlab-ci.yml: layout, safety, docs.

- catalog layout: each template is `spec: inputs:` then `---` then the jobs; both documents pass GitLab's
  CI schema (check-jsonschema's vendor.gitlab-ci);
- no input reaches a script: `$[[ inputs.x ]]` is never in script/before_script/after_script (an input such
  as `x"; curl evil | sh; "` would run), only in job variables that are not expanded;
- every input is used and documented in docs/gitlab.md; the example includes all three components and its
  packaged copy (src/mlgate/demo_data) is the same file.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = sorted((ROOT / "templates").glob("*.yml"))
EXAMPLE = ROOT / "examples" / "breast-cancer" / ".gitlab-ci.yml"
PACKAGED = ROOT / "src" / "mlgate" / "demo_data" / "breast-cancer" / ".gitlab-ci.yml"
INPUT = re.compile(r"\$\[\[\s*inputs\.([\w-]+)\s*\]\]")
SCRIPTS = ("script", "before_script", "after_script")


def documents(path: Path) -> list[Any]:
    return list(yaml.safe_load_all(path.read_text(encoding="utf-8")))


def check_schema(tmp_path: Path, name: str, document: Any) -> None:
    target = tmp_path / name
    target.write_text(yaml.safe_dump(document), encoding="utf-8")
    done = subprocess.run([str(Path(sys.executable).parent / "check-jsonschema"), "--builtin-schema",
                           "vendor.gitlab-ci", str(target)], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr


def test_there_are_the_three_components() -> None:
    assert [p.name for p in TEMPLATES] == ["gate.yml", "monitor.yml", "promote.yml"]


@pytest.mark.tooling
@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: p.name)
def test_catalog_layout_and_schema(template: Path, tmp_path: Path) -> None:
    text = template.read_text(encoding="utf-8")
    assert re.search(r"^spec:\n  inputs:\n", text, re.MULTILINE) and "\n---\n" in text
    header, jobs = documents(template)
    assert list(header) == ["spec"] and list(header["spec"]) == ["inputs"]
    for name, spec in header["spec"]["inputs"].items():
        assert spec.get("description"), f"input {name} has no description"
    check_schema(tmp_path, "header.yml", header)
    check_schema(tmp_path, "jobs.yml", jobs)


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: p.name)
def test_no_input_reaches_a_script(template: Path) -> None:
    header, jobs = documents(template)
    declared = set(header["spec"]["inputs"])
    used = set(INPUT.findall(template.read_text(encoding="utf-8")))
    assert used == declared, f"declared but unused: {declared - used}; used but undeclared: {used - declared}"
    for name, job in jobs.items():
        for key in SCRIPTS:
            lines = job.get(key) or []
            assert not any("$[[" in str(line) for line in lines), f"{name}.{key} interpolates an input"
        for variable, value in (job.get("variables") or {}).items():
            if isinstance(value, str) and INPUT.search(value):
                pytest.fail(f"{name}: variable {variable} takes an input without `expand: false`")
            if isinstance(value, dict) and INPUT.search(str(value.get("value"))):
                assert value.get("expand") is False, f"{name}: variable {variable} is expanded"


def test_the_gate_runs_in_merge_request_pipelines_and_keeps_its_work_directory() -> None:
    _, jobs = documents(ROOT / "templates" / "gate.yml")
    [job] = jobs.values()
    assert job["rules"] == [{"if": '$CI_PIPELINE_SOURCE == "merge_request_event"'}]
    assert job["artifacts"]["when"] == "always"
    script = "\n".join(job["script"])
    # the whole loop in one process (validate → train → evaluate → compare → report), judged by the base's rules
    assert re.search(r"^\s*mlgate gate\s*$", script, re.M), script
    assert 'MLGATE_RULES_FROM="${MLGATE_RULES_FROM:-${CI_MERGE_REQUEST_DIFF_BASE_SHA:-}}"' in script


def test_promotions_never_overlap_and_monitor_runs_on_schedules() -> None:
    [promote] = documents(ROOT / "templates" / "promote.yml")[1].values()
    assert promote["resource_group"] and "CI_DEFAULT_BRANCH" in promote["rules"][0]["if"]
    [monitor] = documents(ROOT / "templates" / "monitor.yml")[1].values()
    assert monitor["rules"] == [{"if": '$CI_PIPELINE_SOURCE == "schedule"'}]


@pytest.mark.tooling
def test_the_example_includes_the_components_and_is_packaged(tmp_path: Path) -> None:
    example = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    names = [re.sub(r".*/(\w+)@.*", r"\1", item["component"]) for item in example["include"]]
    assert names == ["gate", "promote", "monitor"]
    check_schema(tmp_path, "example.yml", example)
    assert PACKAGED.read_bytes() == EXAMPLE.read_bytes(), "copy examples/breast-cancer/.gitlab-ci.yml there"


def test_every_input_is_documented() -> None:
    docs = (ROOT / "docs" / "gitlab.md").read_text(encoding="utf-8")
    for template in TEMPLATES:
        header, _ = documents(template)
        section = docs.split(f"### {template.stem}", 1)
        assert len(section) == 2, f"docs/gitlab.md has no section ### {template.stem}"
        for name in header["spec"]["inputs"]:
            assert f"| `{name}` |" in section[1].split("\n### ", 1)[0], f"{template.stem} input {name}"
