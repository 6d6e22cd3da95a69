"""Which files to validate: each declared dataset's glob against the workspace and the changes."""

from __future__ import annotations

import glob
import re
from dataclasses import dataclass
from pathlib import Path

from mlgate.config import Config, Dataset
from mlgate.data.changed import Changes, DvcChange
from mlgate.data.dvcmeta import DvcIndex, DvcOut
from mlgate.data.versions import cached_manifest, edited_files, not_pulled
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
    note: str | None = None  # e.g. the workspace differs from what DVC recorded

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
        raise BadInput(f"data path {dataset.path!r} is outside the repository {root}",
                       "mlgate validates the data a pull request changes: files in the git work tree (or "
                       "tracked there by DVC)",
                       "move the data into the repository or track it with DVC, or give the dataset "
                       "`engine: spark` to validate data that lives elsewhere (docs/spark.md)") from None


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


def edited_note(metafile: str) -> str:
    """What validation.json and the console say of DVC data whose workspace differs from its record."""
    return (f"the workspace differs from {metafile} (edited, not `dvc add`ed): validated as the workspace "
            "holds it, which is what training reads; `dvc add` it (or `dvc checkout` to drop the edit)")


def select_targets(config: Config, root: Path, index: DvcIndex, changes: Changes | None) -> list[Target]:
    targets: list[Target] = []
    edited: dict[str, list[str]] = {}  # DVC output path → its files that differ from the record
    for number, dataset in enumerate(config.data):
        if dataset.engine != "pandas":
            continue  # read and selected by its engine (mlgate.engines.spark.run)
        pattern = repo_pattern(config, dataset, root)
        matcher = glob_regex(pattern)
        present = workspace_files(root, pattern)
        tracked = [out for out in index.outs if could_hold(out, pattern, matcher)]
        notes: dict[str, str] = {}
        if changes is None:
            chosen = {rel: VALIDATE for rel in present}
        else:
            chosen = _changed(root, pattern, matcher, changes)
            # DVC data edited in the workspace changes neither git nor its .dvc file; training reads it
            for out in tracked:
                if out.path not in edited:
                    edited[out.path] = edited_files(out, root)
                for rel in edited[out.path]:
                    if matcher.match(rel) and chosen.get(rel) != DELETED:
                        chosen[rel] = VALIDATE
                        notes[rel] = edited_note(out.metafile)
        if not chosen and not present:
            _nothing_found(dataset, number, pattern, tracked, changes is None, root)
        if not chosen:
            targets.append(Target(number, dataset, pattern, pattern, SKIPPED))
        targets += [Target(number, dataset, pattern, rel, action, notes.get(rel))
                    for rel, action in sorted(chosen.items())]
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
    """A dataset whose path matches no file in the workspace: bad input (a typo), unless DVC data that is
    not pulled might hold a match (then: not pulled with --all, else unchanged and skipped)."""
    matcher = glob_regex(pattern)
    unknown = [out for out in tracked if not (root / out.path).exists() and _might_match(out, matcher, root)]
    if unknown and all_mode:
        raise not_pulled(unknown[0].path, unknown[0])
    if unknown:
        return  # DVC data not pulled and not changed: nothing to validate, not an error
    inside = f", inside {tracked[0].path} (tracked by DVC in {tracked[0].metafile})" if tracked else ""
    raise BadInput(
        f"data[{number}].path {dataset.path!r} matches no file",
        f"looked for {pattern} under {root}{inside}",
        "fix the glob in mlgate.yaml (paths are relative to the config file), or remove the dataset",
        file=dataset.path,
    )


def _might_match(out: DvcOut, matcher: re.Pattern[str], root: Path) -> bool:
    """Whether a DVC output that is not in the workspace may hold a file the glob matches: its own path,
    or a file listed in its `.dir` manifest when the local DVC cache has it (else: it may)."""
    if not out.md5:
        return True
    if not out.is_dir:
        return bool(matcher.match(out.path))
    manifest = cached_manifest(out.md5, root)
    if manifest is None:
        return True
    prefix = out.path.rstrip("/") + "/"
    return any(matcher.match(prefix + name) for name in manifest)
