"""The pins of mlgate's own actions that the docs and the example workflows tell users to copy.

A pin to a real commit of this repository that holds no action.yml looks like a working pin and fails in the
user's workflow ("Can't find 'action.yml'"). So a full SHA pinned for `mlgate/mlgate` is either not a commit
of this repository (a placeholder) or a commit that holds the action it names. Where the git history is
missing (a shallow or an archive checkout) a SHA cannot be found and counts as a placeholder.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCS = sorted([ROOT / "README.md", *(ROOT / "docs").glob("*.md"), *(ROOT / "examples").rglob("*.md"),
               *(ROOT / "examples").rglob("*.yml"), *(ROOT / "examples").rglob("*.yaml")])
# `mlgate/mlgate@SHA` (the root action) or `mlgate/mlgate/actions/setup@SHA` (an action in a folder)
PIN = re.compile(r"\bmlgate/mlgate((?:/[\w.-]+)*)@([0-9a-fA-F]{40})\b")


def pins() -> list[tuple[str, str, str]]:
    """(file, folder of the action, sha) for every full-SHA pin of mlgate's actions in the docs."""
    found = []
    for path in DOCS:
        for match in PIN.finditer(path.read_text(encoding="utf-8")):
            found.append((str(path.relative_to(ROOT)), match.group(1).strip("/"), match.group(2).lower()))
    return found


def git(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", "-C", str(ROOT), *argv], capture_output=True, text=True, check=False, timeout=60)


def is_commit(sha: str) -> bool:
    return git("cat-file", "-e", f"{sha}^{{commit}}").returncode == 0


def holds_action(sha: str, folder: str) -> bool:
    prefix = f"{folder}/" if folder else ""
    return any(git("cat-file", "-e", f"{sha}:{prefix}{name}").returncode == 0 for name in ("action.yml", "action.yaml"))


@pytest.fixture(scope="module", autouse=True)
def _in_a_git_checkout() -> None:
    if shutil.which("git") is None or git("rev-parse", "--git-dir").returncode != 0:
        pytest.skip("not a git checkout")


def test_the_docs_pin_mlgates_actions() -> None:
    """The quick start and the example workflows do pin mlgate (so the check below checks something)."""
    files = {file for file, _, _ in pins()}
    assert any(f.startswith("examples/") for f in files)


@pytest.mark.parametrize(("file", "folder", "sha"), pins())
def test_a_pinned_sha_is_a_placeholder_or_holds_the_action(file: str, folder: str, sha: str) -> None:
    if is_commit(sha):
        assert holds_action(sha, folder), (
            f"{file}: mlgate/mlgate{'/' + folder if folder else ''}@{sha} is a commit of this repository without "
            f"{folder + '/' if folder else ''}action.yml; pin a release, or use a placeholder users must replace")


def test_a_real_commit_without_the_action_is_caught() -> None:
    """The check above can fail: this repository's first commit holds no action.yml."""
    first = git("rev-list", "--max-parents=0", "HEAD").stdout.split()
    if not first:
        pytest.skip("no history")
    assert is_commit(first[0]) and not holds_action(first[0], "")
    assert PIN.search(f"uses: mlgate/mlgate/actions/setup@{first[0]} # v0.1.0")


def test_the_readme_and_docs_use_a_placeholder_nobody_can_mistake_for_a_pin() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "uses: mlgate/mlgate@<release-sha> # vX.Y.Z" in readme
    for path in [ROOT / "README.md", *(ROOT / "docs").glob("*.md")]:
        assert not PIN.search(path.read_text(encoding="utf-8")), f"{path.name} pins a real-looking SHA"


def test_the_docs_name_pandera_functions_that_exist() -> None:
    """`pandera.io.to_yaml` is not in the pandera mlgate installs; a schema's `to_yaml()` is."""
    import importlib

    for path in [ROOT / "README.md", *(ROOT / "docs").glob("*.md")]:
        for dotted in re.findall(r"\bpandera(?:\.\w+)+", path.read_text(encoding="utf-8")):
            parts = dotted.split(".")
            for cut in range(len(parts), 0, -1):  # the longest importable module, then attributes
                try:
                    target = importlib.import_module(".".join(parts[:cut]))
                except ImportError:
                    continue
                for name in parts[cut:]:
                    assert hasattr(target, name), f"{path.name}: {dotted} does not exist in the installed pandera"
                    target = getattr(target, name)
                break
