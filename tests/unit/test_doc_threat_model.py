"""docs/security.md's threat model names, for every boundary, the tests that stage its attack: they exist."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SECURITY = ROOT / "docs" / "security.md"


def threat_model() -> str:
    text = SECURITY.read_text()
    start = text.index("## Threat model")
    return text[start:text.index("\n## ", start + 1)]


def test_every_boundary_names_a_test_that_exists() -> None:
    rows = [line for line in threat_model().splitlines() if line.startswith("| ") and "---" not in line][1:]
    assert len(rows) >= 10, "the threat model's table lost rows"
    for row in rows:
        held_by = row.rstrip("|").rsplit("|", 1)[-1]
        files = re.findall(r"`(tests/[\w/]+\.py)", held_by)
        short = re.findall(r"`(test_\w+\.py)", held_by)
        assert files or short, f"no test named for: {row[:80]}"
        for name in files:
            assert (ROOT / name).is_file(), name
        for name in short:
            assert list((ROOT / "tests").rglob(name)), name


def test_every_named_test_function_exists() -> None:
    text = threat_model()
    for module, function in re.findall(r"`(?:tests/[\w/]+/)?(test_\w+\.py)::(test_\w+)", text):
        [path] = list((ROOT / "tests").rglob(module))
        assert f"def {function}(" in path.read_text(), f"{module}::{function}"
    for module, parenthesised in re.findall(r"`(?:tests/[\w/]+/)?(test_\w+\.py)` \(([^)]*)\)", text):
        [path] = list((ROOT / "tests").rglob(module))
        for function in re.findall(r"`(test_\w+)", parenthesised):
            assert f"def {function}(" in path.read_text(), f"{module}::{function}"
