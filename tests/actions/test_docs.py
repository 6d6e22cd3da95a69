"""docs/actions.md documents every action: its inputs and outputs tables equal action.yml.

Regenerate the tables after changing an action.yml: `.venv/bin/python tests/actions/test_docs.py` prints
them, in docs/actions.md's order, to paste under each action's heading. The README keeps the guide: its
quick start and demo sections are checked here too.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
ACTIONS_DOC = ROOT / "docs" / "actions.md"
STAGES = ["setup", "validate-data", "train", "evaluate", "compare", "report", "publish", "promote", "monitor"]


def actions() -> dict[str, Path]:
    """Action reference as users write it in `uses:` → its action.yml."""
    found = {"mlgate/mlgate": ROOT / "action.yml"}
    found |= {f"mlgate/mlgate/actions/{stage}": ROOT / "actions" / stage / "action.yml" for stage in STAGES}
    return found


def cell(text: str) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def default(spec: dict[str, Any]) -> str:
    value = str(spec.get("default", ""))
    return f"`{value}`" if value else "*(empty)*"


def tables(path: Path) -> str:
    """The markdown tables of one action's inputs and outputs."""
    document = yaml.safe_load(path.read_text())
    lines = ["| Input | Default | Description |", "|---|---|---|"]
    lines += [f"| `{name}` | {default(spec)} | {cell(spec['description'])} |"
              for name, spec in document["inputs"].items()]
    lines += ["", "| Output | Description |", "|---|---|"]
    lines += [f"| `{name}` | {cell(spec['description'])} |" for name, spec in document["outputs"].items()]
    return "\n".join(lines)


def section(name: str) -> str:
    """The README's part marked `<!-- section:NAME -->`, up to the next marker."""
    text = README.read_text()
    start = text.index(f"<!-- section:{name} -->")
    end = text.find("<!-- section:", start + 1)
    return text[start:end if end != -1 else len(text)]


def documented(reference: str) -> str:
    """The part of docs/actions.md under the heading `## \\`reference\\``, up to the next heading."""
    body = ACTIONS_DOC.read_text()
    match = re.search(rf"^## `{re.escape(reference)}`\s*$(.*?)(?=^#|\Z)", body, re.M | re.S)
    assert match, f"docs/actions.md has no heading ## `{reference}`"
    return match.group(1)


def table_rows(markdown: str) -> list[str]:
    return [line.strip() for line in markdown.splitlines() if line.strip().startswith("|")]


@pytest.mark.parametrize("reference", list(actions()))
def test_the_docs_tables_equal_the_action(reference: str) -> None:
    expected = table_rows(tables(actions()[reference]))
    assert table_rows(documented(reference)) == expected, (
        f"docs/actions.md tables for {reference} are out of date; run .venv/bin/python tests/actions/test_docs.py")


@pytest.mark.parametrize("reference", list(actions()))
def test_the_docs_state_each_actions_permissions(reference: str) -> None:
    assert "**Permissions:**" in documented(reference)


@pytest.mark.parametrize("reference", list(actions()))
def test_every_action_input_and_output_is_documented(reference: str) -> None:
    document = yaml.safe_load(actions()[reference].read_text())
    body = documented(reference)
    for name in [*document["inputs"], *document["outputs"]]:
        assert f"| `{name}` |" in body, f"{reference}: `{name}` is not in docs/actions.md"


def test_every_action_is_in_docs_actions_md() -> None:
    """An action.yml added under actions/ must be listed in STAGES (and so be documented)."""
    on_disk = {path.parent.name for path in (ROOT / "actions").glob("*/action.yml")}
    assert on_disk == set(STAGES)
    headings = re.findall(r"^## `(mlgate/mlgate[^`]*)`", ACTIONS_DOC.read_text(), re.M)
    assert headings == list(actions())


def test_the_sections_exist() -> None:
    assert "## Quick start" in section("quickstart")
    assert "uses: mlgate/mlgate@" in section("quickstart")
    assert "mlgate demo" in section("demo")
    text = ACTIONS_DOC.read_text()
    for topic in ("## The required status check", "## Fork pull requests", "## Permissions"):
        assert topic in text, topic


def test_the_readme_starts_with_the_two_commands() -> None:
    """The README's first code blocks are the demo and the test command, before anything else."""
    blocks = re.findall(r"^```sh\n(.*?)^```", README.read_text(), re.M | re.S)
    assert blocks[:2] == [
        "python3 -m venv .venv && .venv/bin/pip install uv && .venv/bin/uv pip install -p .venv -e . && .venv/bin/mlgate demo\n",
        ".ci/run\n",
    ]
    assert README.read_text().index("```sh") < README.read_text().index("\n## ")


def test_the_readme_is_a_guide() -> None:
    assert len(README.read_bytes()) < 15_000, "README.md is the guide; put reference material in docs/"


if __name__ == "__main__":
    for reference, path in actions().items():
        print(f"### `{reference}`\n\n{tables(path)}\n")
