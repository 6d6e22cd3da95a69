"""Which data a pull request changed: files in git, and DVC-tracked outputs whose `.dvc` file or
`dvc.lock` entry changed. The edge to git: everything else receives plain path → status maps.

Statuses: "A" added, "M" modified, "D" deleted. Paths are posix, relative to the repository root.
The diff runs from the merge base of the base ref and HEAD to the working tree, so uncommitted and
untracked (not ignored) files count too when run on a laptop.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

from mlgate.data.dvcmeta import DvcOut, is_metafile, parse_metafile, read_metafile
from mlgate.errors import BadInput

DEFAULT_BASE = "origin/HEAD"


@dataclass(frozen=True)
class DvcChange:
    status: str  # A/M/D
    out: DvcOut  # as recorded now (as recorded at the base, for D)
    before: DvcOut | None  # as recorded at the base (None for A)


@dataclass(frozen=True)
class Changes:
    base: str  # the ref as given (or found in the event)
    base_sha: str
    files: dict[str, str]  # path → A/M/D, from git
    dvc: dict[str, DvcChange]  # DVC output path → how it changed


def git(repo: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(["git", *args], cwd=repo, capture_output=True, check=False)


def repo_root(start: Path) -> Path:
    """The git work tree holding start, else start itself."""
    result = git(start, "rev-parse", "--show-toplevel")
    if result.returncode == 0:
        return Path(result.stdout.decode().strip())
    return start


def resolve_base(repo: Path, given: str | None, event_base: str | None = None) -> tuple[str, str]:
    """The base ref to diff against (--base, else the PR's base from the event) and its commit sha.

    A missing ref is BadInput with a fix.
    """
    ref = given or event_base or DEFAULT_BASE
    if git(repo, "rev-parse", "--git-dir").returncode != 0:
        raise BadInput(f"{repo} is not a git repository", "mlgate finds changed data with git diff",
                       "run inside the repository, or pass --all to validate every dataset")
    result = git(repo, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}")
    if result.returncode != 0:
        raise BadInput(
            f"base ref {ref!r} does not exist in this repository",
            "mlgate diffs the pull request against it to find changed data",
            "fetch it (in Actions: actions/checkout with `fetch-depth: 0`), pass an existing --base REF, "
            "or use --all",
        )
    return ref, result.stdout.decode().strip()


def find_changes(repo: Path, given_base: str | None, event_base: str | None = None) -> Changes:
    ref, sha = resolve_base(repo, given_base, event_base)
    merge = git(repo, "merge-base", sha, "HEAD")
    since = merge.stdout.decode().strip() if merge.returncode == 0 else sha
    files = changed_files(repo, since)
    dvc = changed_dvc_outs(repo, since, [path for path in files if is_metafile(path)])
    return Changes(ref, sha, files, dvc)


def changed_files(repo: Path, since: str) -> dict[str, str]:
    """Files differing between `since` and the working tree, plus untracked files not ignored."""
    diff = git(repo, "diff", "--name-status", "--no-renames", "-z", since, "--")
    if diff.returncode != 0:
        raise BadInput(f"git diff against {since} failed", diff.stderr.decode().strip(), "check the base ref")
    fields = [f for f in diff.stdout.decode("utf-8", "replace").split("\0") if f]
    found = {path: status[0] for status, path in zip(fields[::2], fields[1::2], strict=True)}
    untracked = git(repo, "ls-files", "--others", "--exclude-standard", "-z")
    for path in untracked.stdout.decode("utf-8", "replace").split("\0"):
        if path:
            found[path] = "A"
    return {path: ("M" if status in "MTC" else status) for path, status in found.items()}


def changed_dvc_outs(repo: Path, since: str, metafiles: list[str]) -> dict[str, DvcChange]:
    """DVC outputs whose recorded hash differs between `since` and the workspace metafiles."""
    changed: dict[str, DvcChange] = {}
    for metafile in metafiles:
        before = {out.path: out for out in _outs_at(repo, since, metafile)}
        now_path = repo / metafile
        now = {out.path: out for out in read_metafile(repo, metafile)} \
            if now_path.is_file() else {}
        for path, out in now.items():
            old = before.get(path)
            if old is None:
                changed[path] = DvcChange("A", out, None)
            elif old.md5 != out.md5:
                changed[path] = DvcChange("M", out, old)
        for path, out in before.items():
            if path not in now:
                changed.setdefault(path, DvcChange("D", out, out))
    return changed


def _outs_at(repo: Path, commit: str, metafile: str) -> list[DvcOut]:
    shown = git(repo, "show", f"{commit}:{metafile}")
    if shown.returncode != 0:
        return []  # the metafile is new in this pull request
    return parse_metafile(metafile, shown.stdout.decode("utf-8", "replace"))
