"""Which files to validate: each declared dataset's glob against the workspace and the changes."""

from __future__ import annotations

import glob
import re
from dataclasses import dataclass
from pathlib import Path

from mlgate.config import Config, Dataset
from mlgate.data.changed import Changes, DvcChange
from mlgate.data.dvcmeta import DvcIndex, DvcOut
from mlgate.data.versions import cached_manifest, not_pulled
from mlgate.errors import BadInput

VALIDATE, DELETED, SKIPPED = "validate", "deleted", "skipped"
_WILDCARDS = re.compile(r"[*?\[]")


@dataclass(frozen=True)
class Target:
    number: int  # the dataset's position under `data:` (0-based)
    dataset: Dataset
    pattern: str  # the glob, relative to the repository root
    rel: str  # the file (or the pattern, for a skipped dataset)
    action: str  # validate / deleted / skipped

    @property
    def where(self) -> str:
        return f"data[{self.number}]"


def glob_regex(pattern: str) -> re.Pattern[str]:
    """A regex for a path glob: `*` and `?` stay within a folder, `**/` spans folders."""
    out, i = [], 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        elif pattern[i] == "[" and "]" in pattern[i + 2:]:
            end = pattern.index("]", i + 2)
            body = pattern[i + 1:end].replace("\\", "\\\\")
            out.append("[" + ("^" + body[1:] if body.startswith("!") else body) + "]")
            i = end + 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return re.compile("".join(out) + r"\Z")


def repo_pattern(config: Config, dataset: Dataset, root: Path) -> str:
    absolute = config.resolve(dataset.path)
    try:
        return absolute.relative_to(root).as_posix()
    except ValueError:
        return absolute.as_posix()


def workspace_files(root: Path, pattern: str) -> list[str]:
    found = glob.glob(str(root / pattern), recursive=True)
    return sorted(Path(p).relative_to(root).as_posix() for p in found if Path(p).is_file())


def could_hold(out: DvcOut, pattern: str, matcher: re.Pattern[str]) -> bool:
    """Whether a DVC output is a file the glob matches, or a directory the glob reaches into."""
    if matcher.match(out.path):
        return True
    literal = _WILDCARDS.split(pattern, maxsplit=1)[0]
    prefix = literal.rsplit("/", 1)[0] + "/" if "/" in literal else ""
    folder = out.path.rstrip("/") + "/"
    return prefix.startswith(folder) or (folder.startswith(prefix) and out.is_dir)


def select_targets(config: Config, root: Path, index: DvcIndex, changes: Changes | None) -> list[Target]:
    targets: list[Target] = []
    for number, dataset in enumerate(config.data):
        if dataset.engine != "pandas":
            continue  # read and selected by its engine (mlgate.engines.spark.run)
        pattern = repo_pattern(config, dataset, root)
        matcher = glob_regex(pattern)
        present = workspace_files(root, pattern)
        tracked = [out for out in index.outs if could_hold(out, pattern, matcher)]
        if changes is None:
            chosen = {rel: VALIDATE for rel in present}
        else:
            chosen = _changed(root, pattern, matcher, changes)
        if not chosen and not present:
            _nothing_found(dataset, number, pattern, tracked, changes is None, root)
        if not chosen:
            targets.append(Target(number, dataset, pattern, pattern, SKIPPED))
        targets += [Target(number, dataset, pattern, rel, action) for rel, action in sorted(chosen.items())]
    return targets


def _changed(root: Path, pattern: str, matcher: re.Pattern[str], changes: Changes) -> dict[str, str]:
    chosen: dict[str, str] = {}
    for rel in changes.files:
        if matcher.match(rel):
            chosen[rel] = VALIDATE if (root / rel).is_file() else DELETED
    for out_path, change in changes.dvc.items():
        status, out = change.status, change.out
        if not could_hold(out, pattern, matcher):
            continue
        location = root / out_path
        if not location.exists():
            if status != "D":
                raise not_pulled(out_path, out)
            if matcher.match(out_path):
                chosen[out_path] = DELETED
            continue
        if location.is_file():
            if matcher.match(out_path):
                chosen[out_path] = VALIDATE
            continue
        inside = changed_inside(root, change)
        for rel in workspace_files(root, pattern):
            if out.contains(rel) and (inside is None or rel in inside):
                chosen[rel] = VALIDATE
        for rel in inside or ():
            if matcher.match(rel) and not (root / rel).exists():
                chosen[rel] = DELETED
    return chosen


def changed_inside(root: Path, change: DvcChange) -> set[str] | None:
    """The files of a tracked directory that changed, from the `.dir` manifests in the local DVC cache;
    None when a manifest is not there (then every file of the directory counts as changed)."""
    now = cached_manifest(change.out.md5, root)
    before = cached_manifest(change.before.md5, root) if change.before else {}
    if now is None or before is None:
        return None
    prefix = change.out.path.rstrip("/") + "/"
    names = {name for name in now.keys() | before.keys() if now.get(name) != before.get(name)}
    return {prefix + name for name in names}


def _nothing_found(dataset: Dataset, number: int, pattern: str, tracked: list[DvcOut], all_mode: bool,
                   root: Path) -> None:
    missing = [out for out in tracked if not (root / out.path).exists()]
    if missing and all_mode:
        raise not_pulled(missing[0].path, missing[0])
    if tracked:
        return  # DVC data not pulled and not changed: nothing to validate, not an error
    raise BadInput(
        f"data[{number}].path {dataset.path!r} matches no file",
        f"looked for {pattern} under {root}",
        "fix the glob in mlgate.yaml (paths are relative to the config file), or remove the dataset",
        file=dataset.path,
    )
