"""`mlgate promote`: after merge, move the production alias to the candidate version whose gate passed."""

from __future__ import annotations

import re
import subprocess
import time
from pathlib import Path
from typing import TYPE_CHECKING

from mlgate.commands.compare import GATED_AGAINST_TAG, NO_PRODUCTION
from mlgate.commands.lease import Held, promotion_lease
from mlgate.commands.profile import PROFILE_ARTIFACT, PROFILE_TAG, profile_uri
from mlgate.config import Config
from mlgate.config import tracking_uri as resolve_uri
from mlgate.errors import EXIT_PASSED, BadInput, GateFailed, ServiceError
from mlgate.forge import CiContext, Forge
from mlgate.output import Output
from mlgate.train.lineage import DATA_VALIDATION_TAG

if TYPE_CHECKING:
    from mlgate.registry import Registry, VersionInfo

ACCEPTED = ("passed", "warned")
_SQUASH_PR = re.compile(r"\(#(\d+)\)\s*$")


def verdict_problem(target: VersionInfo) -> str | None:
    """Why the version's gate verdict does not allow promotion, or None when it passed or warned."""
    verdict = target.tags.get("mlgate.verdict")
    if verdict in ACCEPTED or (verdict is None and target.tags.get("mlgate.verdict.passed") == "true"):
        return None
    if verdict is None:
        return "no gate verdict is recorded on it: `mlgate compare --candidate-run` never ran on this version"
    return f"its gate verdict is {verdict!r} (model-version tag mlgate.verdict)"


def data_problem(target: VersionInfo) -> str | None:
    """Why the version's data does not allow promotion, or None when it passed validation."""
    status = target.tags.get(DATA_VALIDATION_TAG)
    if status == "passed":
        return None
    if status in ("failed", "forced"):
        anyway = ", and it was trained on anyway with --force" if status == "forced" else ""
        return f"its data failed validation{anyway} (model-version tag {DATA_VALIDATION_TAG}={status})"
    shown = f"is {status!r}" if status else "is missing"
    return (f"its data was never validated (model-version tag {DATA_VALIDATION_TAG} {shown}): "
            "`mlgate train` ran without a passing validation.json in its --out")


def check_verdict(output: Output, target: VersionInfo, *, force: bool) -> str:
    """The version's gate verdict; GateFailed (exit 1) unless it passed or warned and its data passed
    validation, or --force (then who forced it is recorded by the caller)."""
    verdict = target.tags.get("mlgate.verdict") or (
        "passed" if target.tags.get("mlgate.verdict.passed") == "true" else "missing")
    problems = [p for p in (verdict_problem(target), data_problem(target)) if p]
    if not problems:
        return verdict
    if force:
        output.warn(f"promoting {target.name} version {target.version} although "
                    f"{'; and '.join(problems)} (--force)")
        return verdict
    fixes = []
    if verdict_problem(target):
        fixes.append("run the gate on it and fix the regression")
    if data_problem(target):
        fixes.append("fix the data, run `mlgate validate` and then `mlgate train` with the same --out")
    raise GateFailed(f"refusing to promote {target.name} version {target.version}", "; ".join(problems),
                     f"{'; '.join(fixes)}; promote another version with --version, or pass --force to "
                     "promote anyway (recorded as the version tag mlgate.promoted_forced_by)")


def _shown(version: str | None) -> str:
    return "no version" if version in (None, NO_PRODUCTION) else f"version {version}"


def production_problem(target: VersionInfo, current: VersionInfo | None, alias: str) -> str | None:
    """Why production moved since the version's gate ran, or None when it is still the version the gate
    compared the candidate with (or the verdict, older than the tag, does not say)."""
    gated = target.tags.get(GATED_AGAINST_TAG)
    now = current.version if current is not None else NO_PRODUCTION
    if gated is None or gated == now:
        return None
    return (f"its gate compared it with {_shown(gated)} as @{alias}, but @{alias} is now {_shown(now)} "
            f"(model-version tag {GATED_AGAINST_TAG}={gated})")


def check_production(output: Output, target: VersionInfo, current: VersionInfo | None, alias: str, *,
                     force: bool) -> bool:
    """The compare-and-set of promotion: GateFailed (exit 1) when @alias moved since the version's gate ran,
    unless --force (then a warning, and True: the caller records who forced it)."""
    problem = production_problem(target, current, alias)
    if problem is None:
        return False
    if force:
        output.warn(f"promoting {target.name} version {target.version} although @{alias} moved since its "
                    f"gate ran: {problem} (--force)")
        return True
    raise GateFailed(f"refusing to promote {target.name} version {target.version}: @{alias} moved since its "
                     "gate ran", problem,
                     "run the gate again on it (re-run the pull request's workflow, or `mlgate compare "
                     "--candidate-run RUN_ID`) so it is compared with the current production, then promote; "
                     "or pass --force to promote anyway (recorded as the version tag "
                     "mlgate.promoted_forced_by)")


def _git_lines(root: Path, *args: str) -> list[str]:
    try:
        done = subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True, timeout=60,
                              check=False)
    except (OSError, subprocess.TimeoutExpired):
        return []
    return done.stdout.split() if done.returncode == 0 else []


def merge_clues(root: Path, commit: str) -> tuple[list[str], int | None]:
    """What a merge commit says about the PR it merged: its other parents, and `(#N)` of a squash."""
    parents = _git_lines(root, "rev-list", "--parents", "-n", "1", commit)[2:]
    try:
        subject = subprocess.run(["git", "-C", str(root), "log", "-1", "--format=%s", commit],
                                 capture_output=True, text=True, timeout=60, check=False).stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        subject = ""
    match = _SQUASH_PR.search(subject)
    return parents, int(match.group(1)) if match else None


def find_by_commit(registry: Registry, config: Config, github: CiContext, commit: str,
                   forge: Forge | None = None) -> VersionInfo:
    """The newest version trained from the commit, from the PR it merged, or from the PR's head."""
    name, tried = config.model.name, []
    clues: list[tuple[str, str]] = [("mlgate.commit", commit), ("mlgate.head_sha", commit)]
    if github.merged():
        head, number = github.pr_head_sha(), github.pr_number()
        clues += [("mlgate.head_sha", head), ("mlgate.commit", head)] if head else []
        clues += [("mlgate.pr", str(number))] if number is not None else []
    elif forge is not None and (merged := forge.merged_change(commit)) is not None:  # GitLab: asks the API
        head = merged.head_sha
        clues += [("mlgate.head_sha", head), ("mlgate.commit", head)] if head else []
        clues += [("mlgate.pr", str(merged.number))]
    parents, squashed = merge_clues(config.root, commit)
    for parent in parents:
        clues += [("mlgate.head_sha", parent), ("mlgate.commit", parent)]
    clues += [("mlgate.pr", str(squashed))] if squashed is not None else []
    for tag, value in dict.fromkeys(clues):
        tried.append(f"{tag}={value}")
        found = registry.versions_tagged(name, tag, value)
        if found:
            return found[0]
    raise BadInput(f"no version of {name} was built from commit {commit}",
                   "looked for model-version tags " + ", ".join(tried),
                   "pass --version N, or run promote on the merged pull_request event "
                   "(it names the PR's head)")


def choose(registry: Registry, config: Config, github: CiContext, version: str | None,
           commit: str | None, forge: Forge | None = None) -> VersionInfo:
    if version:
        return registry.get_version(config.model.name, version)
    commit = commit or github.sha
    if not commit:
        raise BadInput("which version to promote?", "neither --version nor --commit is given, and GITHUB_SHA "
                       "is not set", "pass --version N or --commit SHA")
    return find_by_commit(registry, config, github, commit, forge)


def run_promote(config: Config, output: Output, github: CiContext, *, version: str | None,
                commit: str | None, force: bool, out: Path, tracking_uri: str | None,
                forge: Forge | None = None) -> int:
    """The `mlgate promote` command. 0 promoted (or already production), 1 refused."""
    from mlgate.registry import Registry

    model = config.model
    if commit:
        commit = full_sha(config.root, commit)
    if not version:  # the commit being deployed (on a push to main: the merge commit), recorded below
        commit = commit or github.sha
    uri = resolve_uri(config, out, tracking_uri)
    registry = Registry.connect(uri)
    target = choose(registry, config, github, version, commit, forge)
    output.set_output("version", target.version)
    # Everything from reading production to the audit tags runs under the lease: one promote at a time.
    with promotion_lease(registry, output, model.name, model.production_alias, target.version,
                         github.who()) as held:
        return _promote(config, output, github, registry, target, commit, force=force, held=held)


def _promote(config: Config, output: Output, github: CiContext, registry: Registry, target: VersionInfo,
             commit: str | None, *, force: bool, held: Held) -> int:
    """Promotion proper, under the lease: the compare-and-set on production, the aliases, the audit tags."""
    model = config.model
    current = registry.version_by_alias(model.name, model.production_alias)
    if current is not None and current.version == target.version:
        output.line(f"{model.name} version {target.version} is already @{model.production_alias}; "
                    "nothing to do")
        output.set_output("previous-version", "")
        return EXIT_PASSED
    forced = bool(verdict_problem(target) or data_problem(target))
    verdict = check_verdict(output, target, force=force)
    forced = check_production(output, target, current, model.production_alias, force=force) or forced
    held.check(f"moving {model.name}@{model.production_alias}")
    if current is not None:
        registry.set_alias(model.name, model.previous_alias, current.version)
    registry.set_alias(model.name, model.production_alias, target.version)
    read_back(registry, model.name, model.production_alias, target.version)
    pr = target.tags.get("mlgate.pr") or github.pr_number()
    tags = {
        "mlgate.promoted_by": github.who(),
        "mlgate.promoted_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "mlgate.promoted_from_commit": commit or target.tags.get("mlgate.commit", ""),
        "mlgate.promoted_previous_version": current.version if current is not None else "",
        "mlgate.promoted_pr": str(pr) if pr else "",
        "mlgate.promoted_verdict": verdict,
        "mlgate.promoted_data_validation": target.tags.get(DATA_VALIDATION_TAG) or "missing",
        "mlgate.promoted_forced_by": github.who() if forced else "",
        PROFILE_TAG: reference_of(registry, target),  # what `mlgate monitor` compares batches with
    }
    registry.set_version_tags(model.name, target.version, {k: v for k, v in tags.items() if v})
    before = f"; version {current.version} is now @{model.previous_alias}" if current else ""
    output.line(f"promoted {model.name} version {target.version} to @{model.production_alias}{before}")
    output.set_output("previous-version", current.version if current else "")
    return EXIT_PASSED


def reference_of(registry: Registry, target: VersionInfo) -> str:
    """The version's reference profile (its run's mlgate/profile.json) as a runs:/ URI; "" without one."""
    if not target.run_id or not registry.has_artifact(target.run_id, PROFILE_ARTIFACT):
        return ""
    return profile_uri(target.run_id)


def read_back(registry: Registry, name: str, alias: str, version: str) -> None:
    """ServiceError (exit 3) unless `name@alias` is the version just set: another promote won the race."""
    now = registry.version_by_alias(name, alias)
    if now is not None and now.version == version:
        return
    raise ServiceError(
        f"{name}@{alias} is {_shown(now.version if now else None)}, not {version}, right after promote "
        "set it",
        "another promote set the alias at the same time and won (the alias was read back after setting it)",
        "see who promoted it (model-version tags mlgate.promoted_by, mlgate.promoted_at); promote again only "
        f"if version {version} should replace it; give the promote workflow a `concurrency:` group so that "
        "promotions run one at a time")


def full_sha(root: Path, ref: str) -> str:
    """A ref git knows (`HEAD`, `main`, a short sha) as its full commit sha; anything else unchanged."""
    try:
        args = ["git", "-C", str(root), "rev-parse", "--verify", "--quiet", "--end-of-options",
                f"{ref}^{{commit}}"]
        done = subprocess.run(args, capture_output=True, text=True, timeout=60, check=False)
    except (OSError, subprocess.SubprocessError):
        return ref
    sha = done.stdout.strip()
    return sha if done.returncode == 0 and sha else ref
