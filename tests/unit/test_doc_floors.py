"""The README's floors of mlgate's dependencies are pyproject.toml's (which the oldest CI lane installs)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# the README's names of the dependencies it lists, and their names in pyproject.toml
NAMES = {"MLflow": "mlflow-skinny", "pandas": "pandas", "pandera": "pandera", "DVC": "dvc",
         "scikit-learn": "scikit-learn", "PyGithub": "pygithub"}


def floors() -> dict[str, str]:
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    dependencies = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    found = (re.match(r"([\w.-]+)\s*>=\s*([\w.]+)", d) for d in dependencies)
    return {m.group(1).lower(): m.group(2) for m in found if m}


def test_the_readme_names_the_floors_of_pyproject() -> None:
    text = " ".join((ROOT / "README.md").read_text(encoding="utf-8").split())
    sentence = re.search(r"needs at least ([^(]+)\(the floors", text)
    assert sentence, "the README's install section no longer says which versions mlgate needs"
    said = dict(re.findall(r"(MLflow|pandas|pandera|DVC|scikit-learn|PyGithub) ([\d.]+)", sentence.group(1)))
    assert sorted(said) == sorted(NAMES), said
    wanted = floors()
    assert {name: wanted[NAMES[name]] for name in said} == said
