"""The README's `## Actions` section documents every action: its inputs and outputs tables equal action.yml.

Regenerate the tables after changing an action.yml: `.venv/bin/python tests/actions/test_docs.py` prints
them, in the README's order, to paste under each action's heading.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
STAGES = ["setup", "validate-data", "train", "compare", "report", "publish", "promote"]


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
    text = README.read_text()
    start = text.index(f"<!-- section:{name} -->")
    end = text.find("<!-- section:", start + 1)
    return text[start:end if end != -1 else len(text)]


def documented(reference: str) -> str:
    """The part of the Actions section under the heading `### \\`reference\\``, up to the next heading."""
    body = section("actions")
    match = re.search(rf"^### `{re.escape(reference)}`\s*$(.*?)(?=^##|\Z)", body, re.M | re.S)
    assert match, f"README's Actions section has no heading ### `{reference}`"
    return match.group(1)


def table_rows(markdown: str) -> list[str]:
    return [line.strip() for line in markdown.splitlines() if line.strip().startswith("|")]


@pytest.mark.parametrize("reference", list(actions()))
def test_the_readme_tables_equal_the_action(reference: str) -> None:
    expected = table_rows(tables(actions()[reference]))
    assert table_rows(documented(reference)) == expected, (
        f"README tables for {reference} are out of date; run .venv/bin/python tests/actions/test_docs.py")


@pytest.mark.parametrize("reference", list(actions()))
def test_the_readme_states_each_actions_permissions(reference: str) -> None:
    assert "**Permissions:**" in documented(reference)


def test_the_sections_exist() -> None:
    assert "## Quick start" in section("quickstart")
    assert "uses: mlgate/mlgate@" in section("quickstart")
    for topic in ("required status check", "Fork pull requests", "Permissions"):
        assert topic.lower() in section("actions").lower(), topic
    assert "mlgate demo" in section("demo")


if __name__ == "__main__":
    for reference, path in actions().items():
        print(f"### `{reference}`\n\n{tables(path)}\n")
