"""Whether a pull request changes the gate itself (mlgate publish, the fork set-up).

A fork's pull_request workflow is the PR's own: it can run any gate, with any rules, and hand publish a
passing bundle. So publish never sets `success` on a PR that changes the gate's own files: its workflows
and local actions, the rules of mlgate.yaml (or the files they read: the baseline metrics file, a metric's
function), or mlgate.yaml itself appearing or going. The status is `pending`, "a maintainer must review
the gate's changes". What it trusts: the API's list of the PR's files and the content of both commits read
through the API, never the bundle.
"""

from __future__ import annotations

import posixpath
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING

from mlgate.config import Config
from mlgate.errors import BadInput
from mlgate.github.context import GitHubContext
from mlgate.github.publish import file_text, pull_files
from mlgate.report.escape import md
from mlgate.rules import is_gate_file, parse_text, rule_changes, rule_files

if TYPE_CHECKING:
    from github.Repository import Repository

HOLD = "a maintainer must review the gate's changes"
MAX_REASONS = 20


def gate_changes(ctx: GitHubContext, repo: Repository, number: int, head_sha: str, config_path: str,
                 ) -> list[str]:
    """Why this PR changes the gate (empty: it does not), from the API."""
    found = pull_files(ctx, repo, number)
    paths = {path: f.status for f in found.files for path in (f.path, f.previous) if path}
    reasons = [] if found.complete else ["the API lists only part of this PR's files (it stops at 3000)"]
    reasons += [f"{path} ({status})" for path, status in paths.items() if is_gate_file(path)]
    config_dir = posixpath.dirname(config_path)
    base_text = file_text(ctx, repo, config_path, found.base_sha)
    base = _parsed(base_text, config_path, "base", config_dir)
    if isinstance(base, Config):
        read = sorted(rule_files(base, config_dir))
        reasons += [f"{path} ({paths[path]}), which the rules read" for path in read if path in paths]
    if config_path in paths:
        reasons += _config_reasons(ctx, repo, config_path, base_text, base, head_sha, config_dir)
    return list(dict.fromkeys(reasons))[:MAX_REASONS]


def _config_reasons(ctx: GitHubContext, repo: Repository, config_path: str, base_text: str | None,
                    base: Config | str | None, head_sha: str, config_dir: str) -> list[str]:
    head_text = file_text(ctx, repo, config_path, head_sha)
    if base_text is None:
        return [f"it adds {config_path}"]
    if head_text is None:
        return [f"it removes {config_path}"]
    head = _parsed(head_text, config_path, "head", config_dir)
    for parsed in (base, head):
        if not isinstance(parsed, Config):
            return [f"{config_path} changed and its rules cannot be compared ({parsed})"]
    assert isinstance(base, Config) and isinstance(head, Config)
    changes = rule_changes(base, head)
    if not changes:
        return []
    return [f"{config_path}'s rules: " + "; ".join(c.text() for c in changes[:10])]


def _parsed(text: str | None, path: str, which: str, config_dir: str) -> Config | str | None:
    """The config from its text, or why it cannot be read (a string), or None without one."""
    if text is None:
        return None
    try:
        return parse_text(text, f"{path} at the {which} commit", Path(config_dir or "."))
    except BadInput as exc:
        return exc.what[:200]


def notice(reasons: list[str]) -> str:
    """The comment's first lines (markdown, each reason escaped: file names come from the PR)."""
    listed = "\n".join(f"> - {md(reason, 300)}" for reason in reasons)
    return (f"> [!WARNING]\n> **This pull request changes the gate itself**: {HOLD} before the check can "
            f"pass (publish sets it `pending`, never `success`).\n>\n{listed}\n")


def repo_path(path: Path) -> str:
    """--config as a path in the repository (read through the API): relative to the clone's top when it is
    absolute (outside a clone: its name)."""
    if not path.is_absolute():
        return posixpath.normpath(path.as_posix())
    done = subprocess.run(["git", "-C", str(path.parent), "rev-parse", "--show-toplevel"],
                          capture_output=True, text=True, check=False)
    try:
        return path.resolve().relative_to(Path(done.stdout.strip()).resolve()).as_posix()
    except ValueError:
        return path.name
