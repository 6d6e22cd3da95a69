"""The gate's rules in force: in a pull request, those of mlgate.yaml at the base commit, not the PR's own.

A pull request controls its mlgate.yaml. Its model settings (`train:`, and `evaluate:`'s data, label, command,
predictions, task) are what the PR tests and come from the PR. The rules it is judged by come from the base:
which registered model and alias is production, the tracking store, the gated `metrics` (tolerances,
limits, severity, functions), the `baseline` (and, for a baseline metrics file, its content at the base),
`evaluate:`'s statistics settings (RULE_EVALUATE), and whether the training command may hold the registry's
credentials (`train.tracking_credentials`: PR code that holds them could rewrite what the gate reads back).
A PR that changes them is judged by the base's; the change is recorded (verdict.json `rules`) and shown in
the report: it applies after merge.

`rules_in_force` is the one place that decides this, for `mlgate train` (the credentials), `mlgate evaluate`
and `mlgate compare` alike; `rule_changes` (pure) is what `mlgate publish` uses on the two versions the
GitHub API returns.
"""

from __future__ import annotations

import hashlib
import posixpath
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from mlgate.config import Baseline, Config, EvaluateSettings, MetricPolicy, parse_config
from mlgate.errors import BadInput, MlgateError, ServiceError
from mlgate.parse import MAX_YAML_BYTES, load_yaml
from mlgate.workdir import write_text

# evaluate: keys that decide how the paired comparison judges (the rest is the model's own settings)
RULE_EVALUATE = ("confidence", "resamples", "seed", "inconclusive", "slices", "min_slice_rows",
                 "max_harmful_flip_pct", "on_production_error")
RULE_MODEL = ("name", "production_alias")  # which registered model and alias the candidate is judged against
CREDENTIALS = "train.tracking_credentials"  # whether PR code may hold the registry ("none" unless the base)
NOT_SET = "(not set)"
NOT_GATED = "(not gated)"
RULES_FOLDER = "rules"  # under --out: the base's baseline metrics file, as it is at the base commit
FETCH_FIX = ("fetch the base commit: actions/checkout with `fetch-depth: 0` (or `git fetch origin BASE`), "
             "or pass --rules-from with a ref that exists here")
Source = Literal["base", "pr-first", "pr-base-invalid"]


@dataclass(frozen=True)
class RuleChange:
    key: str  # e.g. metrics.roc_auc.max_regression
    base: str  # the base's value, shown
    pr: str  # the PR's value, shown

    def label(self) -> str:
        """`roc_auc max_regression 0.01 → 0.05`."""
        key = self.key.removeprefix("metrics.")
        name, _, field = key.rpartition(".") if key != self.key else ("", "", key)
        return f"{name} {field}" if name and field in _METRIC_FIELDS else key

    def text(self) -> str:
        return f"{self.label()} {self.base} → {self.pr}"


@dataclass(frozen=True)
class RulesInForce:
    """The config to judge with, where its rules come from, and what the PR changes in them."""

    config: Config
    source: Source | None  # None: not a pull request (no base): the config's own rules, nothing to record
    ref: str | None = None
    commit: str | None = None
    path: str | None = None  # the config's path in the repository
    changes: tuple[RuleChange, ...] = ()
    problem: str | None = None  # why the base's config could not be used (pr-base-invalid)

    def note(self) -> str | None:
        """One line for the log and the report's first lines."""
        short = (self.commit or "")[:12]
        if self.source == "base" and self.changes:
            changed = "; ".join(c.text() for c in self.changes[:10])
            more = f" (and {len(self.changes) - 10} more)" if len(self.changes) > 10 else ""
            return (f"this PR changes the gate: {changed}{more}; it applies after merge: this PR is "
                    f"judged by the rules of {self.path} at the base commit {short}")
        if self.source == "pr-first":
            return (f"this PR adds {self.path} (the base commit {short} has none): it is judged by its own "
                    "rules, which a reviewer must check")
        if self.source == "pr-base-invalid":
            return (f"{self.path} at the base commit {short} cannot be used ({self.problem}): this PR is "
                    "judged by its own rules, which a reviewer must check")
        return None

    def record(self) -> dict[str, Any] | None:
        """verdict.json's `rules`: which rules judged (the base commit) and what the PR changes."""
        if self.source is None:
            return None
        return {"source": self.source, "ref": self.ref, "commit": self.commit, "path": self.path,
                "changes": [{"key": c.key, "base": c.base, "pr": c.pr} for c in self.changes],
                "note": self.note(), "problem": self.problem}


_METRIC_FIELDS = tuple(MetricPolicy.model_fields)


def rules_in_force(config: Config, config_name: str, ref: str | None, out: Path) -> RulesInForce:
    """The rules to judge with: the config's own without a base `ref`; else those of the config at `ref`.

    A base commit missing from the clone is BadInput (exit 2, what to fetch). A base without the config
    file: the PR adds it, its own rules apply (noted). A base whose config is not valid (or unreadable):
    the PR's own rules apply, noted prominently."""
    if not ref:
        return RulesInForce(config, None)
    top = _toplevel(config.root)
    commit = _commit(top, ref)
    path = (config.root.resolve() / config_name).relative_to(top).as_posix()
    try:
        text = _show(top, commit, path)
        base = None if text is None else _parse(text, path, commit, config.root)
    except BadInput as exc:  # the base's own config is broken: the PR that fixes it must be able to pass
        problem = exc.why or exc.what
        return RulesInForce(config, "pr-base-invalid", ref, commit, path, problem=problem[:500])
    if base is None:
        return RulesInForce(config, "pr-first", ref, commit, path)
    baseline_file = _base_baseline_file(top, commit, config, base, out)
    changes = tuple(rule_changes(base, config))
    if baseline_file is not None and _differs(baseline_file, config):
        changes += (RuleChange(f"baseline.metrics file {base.baseline.metrics if base.baseline else ''}",
                               "as at the base", "changed by this PR"),)
    effective = apply_rules(config, base, baseline_file).with_rules_commit(commit)
    return RulesInForce(effective, "base", ref, commit, path, changes)


# --- pure: what the rules are, what changed, the config to judge with ----------------------------------


def rule_values(config: Config) -> dict[str, str]:
    """Every rule of a config as `key → shown value` (defaults included: `severity: fail` counts)."""
    values = {f"model.{key}": _shown(getattr(config.model, key)) for key in RULE_MODEL}
    values["tracking_uri"] = _shown(config.tracking_uri)
    values[CREDENTIALS] = credentials_of(config)
    for name, policy in config.metrics.items():
        for key, value in policy.model_dump().items():
            values[f"metrics.{name}.{key}"] = _shown(value)
    values["baseline"] = _baseline_shown(config.baseline)
    settings = config.evaluate
    values["evaluate"] = "same evaluation rows" if settings else "(none: logged metrics)"
    for key in RULE_EVALUATE:
        default = EvaluateSettings.model_fields[key].get_default(call_default_factory=True)
        values[f"evaluate.{key}"] = _shown(getattr(settings, key) if settings else default)
    return values


def rule_changes(base: Config, pr: Config) -> list[RuleChange]:
    """What the PR's config changes in the base's rules; a metric gated on one side only is one change."""
    before, after = rule_values(base), rule_values(pr)
    changes: list[RuleChange] = []
    for name in dict.fromkeys([*base.metrics, *pr.metrics]):
        if name not in base.metrics or name not in pr.metrics:
            changes.append(RuleChange(f"metrics.{name}", _policy_shown(base.metrics.get(name)),
                                      _policy_shown(pr.metrics.get(name))))
    one_sided = {f"metrics.{c.key.removeprefix('metrics.')}." for c in changes}
    for key in dict.fromkeys([*before, *after]):
        if any(key.startswith(prefix) for prefix in one_sided):
            continue
        if before.get(key, NOT_SET) != after.get(key, NOT_SET):
            changes.append(RuleChange(key, before.get(key, NOT_SET), after.get(key, NOT_SET)))
    return changes


def apply_rules(pr: Config, base: Config, baseline_file: Path | None = None) -> Config:
    """The PR's config with the base's rules: what the gate judges this PR by."""
    model = pr.model.model_copy(update={key: getattr(base.model, key) for key in RULE_MODEL})
    primary = pr.framing.primary_metric
    framing = pr.framing if primary is None or primary in base.metrics or not base.metrics else base.framing
    evaluate = _evaluate(pr.evaluate, base.evaluate)
    train = pr.train.model_copy(update={"tracking_credentials": credentials_of(base)}) if pr.train else None
    ruled = pr.model_copy(update={"model": model, "tracking_uri": base.tracking_uri, "metrics": base.metrics,
                                  "baseline": base.baseline, "evaluate": evaluate, "framing": framing,
                                  "train": train})
    # the base's baseline file as committed there, copied under --out (it may lie outside the repository)
    return ruled.with_baseline_file(baseline_file) if baseline_file is not None else ruled


def credentials_of(config: Config) -> Literal["none", "pass"]:
    """train.tracking_credentials of a config ("none" without a train: section)."""
    return config.train.tracking_credentials if config.train is not None else "none"


def _evaluate(pr: EvaluateSettings | None, base: EvaluateSettings | None) -> EvaluateSettings | None:
    """The PR's evaluate: (its data, command, ...) with the base's statistics settings. Without one at the
    base, the defaults; a PR that drops evaluate: keeps the base's (its candidate has no predictions on
    them: evaluate fails, it is not compared on the logged metrics it wrote itself)."""
    if pr is None:
        return base
    if base is None:
        fields = EvaluateSettings.model_fields
        defaults = {k: fields[k].get_default(call_default_factory=True) for k in RULE_EVALUATE}
        return pr.model_copy(update=defaults)
    return pr.model_copy(update={key: getattr(base, key) for key in RULE_EVALUATE})


def _shown(value: Any) -> str:
    if value is None:
        return NOT_SET
    if isinstance(value, list | tuple):
        return "[" + ", ".join(str(v) for v in value) + "]"
    return str(value)


def _policy_shown(policy: MetricPolicy | None) -> str:
    if policy is None:
        return NOT_GATED
    given = policy.model_dump(exclude_defaults=True)
    return ", ".join(f"{k} {v}" for k, v in given.items()) or "gated"


def _baseline_shown(baseline: Baseline | None) -> str:
    if baseline is None:
        return NOT_SET
    if baseline.metrics:
        return f"metrics file {baseline.metrics}"
    return f"alias {baseline.alias}" if baseline.alias else f"run {baseline.run_id}"


# --- git: the config (and the baseline metrics file) at the base commit --------------------------------


def parse_text(text: str, source: str, root: Path) -> Config:
    """A config from its text, read the one bounded way (parse.py) and validated like mlgate.yaml."""
    if len(text.encode("utf-8")) > MAX_YAML_BYTES:
        raise BadInput(f"{source} is over the {MAX_YAML_BYTES} bytes mlgate reads",
                       "a config this large is not one mlgate expects", "keep mlgate.yaml small",
                       file=source)
    raw = load_yaml(text, source, "fix the YAML syntax at that line")
    if not isinstance(raw, Mapping):
        raise BadInput(f"{source} must be a mapping of settings", f"got {type(raw).__name__}",
                       "see the config reference")
    return parse_config(dict(raw), source=source, root=root)


def _parse(text: str, path: str, commit: str, root: Path) -> Config:
    return parse_text(text, f"{path} at the base commit {commit[:12]}", root)


def _git(top: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(["git", "-C", str(top), *args], capture_output=True, timeout=120, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ServiceError(f"git {args[0]} failed", str(exc),
                           "install git, and run mlgate in the clone") from exc


def _toplevel(root: Path) -> Path:
    done = _git(root, "rev-parse", "--show-toplevel")
    if done.returncode != 0:
        raise BadInput(f"{root} is not in a git repository",
                       "in a pull request the gate's rules are read from mlgate.yaml at the base commit",
                       "run mlgate in the repository's clone (or drop --rules-from outside a pull request)")
    return Path(done.stdout.decode().strip()).resolve()


def _commit(top: Path, ref: str) -> str:
    if ref.startswith("-"):
        raise BadInput(f"--rules-from {ref[:80]!r} is not a git ref", "a ref does not start with '-'",
                       "pass a branch, tag or commit sha")
    done = _git(top, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}")
    if done.returncode != 0:
        raise BadInput(f"the base commit {ref[:80]!r} is not in this clone",
                       "in a pull request the gate's rules are read from mlgate.yaml at the base commit, "
                       "so a PR cannot loosen the rules it is judged by", FETCH_FIX)
    return done.stdout.decode().strip()


def _show(top: Path, commit: str, path: str) -> str | None:
    """The file's text at the commit; None when the commit has no such file."""
    if _git(top, "cat-file", "-e", f"{commit}:{path}").returncode != 0:
        return None
    kind = _git(top, "cat-file", "-t", f"{commit}:{path}").stdout.decode().strip()
    size = _git(top, "cat-file", "-s", f"{commit}:{path}").stdout.decode().strip()
    if kind != "blob" or not size.isdigit() or int(size) > MAX_YAML_BYTES:
        raise BadInput(f"{path} at {commit[:12]} is not a readable file",
                       f"a {kind or 'missing'} object of {size or '?'} bytes", "commit mlgate.yaml as a file")
    done = _git(top, "show", f"{commit}:{path}")
    if done.returncode != 0:
        raise BadInput(f"cannot read {path} at {commit[:12]}", done.stderr.decode(errors="replace")[:300],
                       FETCH_FIX)
    try:
        return done.stdout.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise BadInput(f"{path} at {commit[:12]} is not UTF-8 text", str(exc)[:200],
                       "save it as UTF-8") from exc


def _base_baseline_file(top: Path, commit: str, pr: Config, base: Config, out: Path) -> Path | None:
    """A baseline metrics file of the base's rules, as committed at the base, copied under --out (the PR may
    edit the file in its tree). None when the base's baseline is not a file, or one the base does not commit
    (made by the workflow, e.g. `python train.py --baseline`: then it is read where the base's rules say)."""
    spec = base.baseline
    if spec is None or not spec.metrics:
        return None
    try:
        path = (pr.root.resolve() / spec.metrics).resolve().relative_to(top).as_posix()
        text = _show(top, commit, path)
    except (ValueError, MlgateError):
        return None
    if text is None:
        return None
    return write_text(out.resolve() / RULES_FOLDER / f"baseline{Path(spec.metrics).suffix or '.json'}", text)


def _differs(base_file: Path, pr: Config) -> bool:
    """Whether the PR's copy of the baseline file (same name) differs from the base's."""
    spec = pr.baseline
    if spec is None or not spec.metrics:
        return False
    mine = pr.resolve(spec.metrics)
    if not mine.is_file():
        return True
    return hashlib.sha256(mine.read_bytes()).digest() != hashlib.sha256(base_file.read_bytes()).digest()


# --- the gate's own files (mlgate publish: a pull request that changes them needs a maintainer) ---------

GATE_FOLDERS = (".github/workflows/", ".github/actions/")  # the workflows, local actions
ACTION_FILES = ("action.yml", "action.yaml")  # a composite action anywhere in the repository


def is_gate_file(path: str) -> bool:
    """A workflow, a local action, or an action definition: what runs the gate and pins its version."""
    return path.startswith(GATE_FOLDERS) or posixpath.basename(path) in ACTION_FILES


def rule_files(config: Config, config_dir: str) -> set[str]:
    """Files the rules read besides mlgate.yaml (repository paths): the baseline metrics file and the
    modules of the metrics' `function`s."""
    found: set[str] = set()
    if config.baseline is not None and config.baseline.metrics:
        found.add(_repo_path(config_dir, config.baseline.metrics))
    for policy in config.metrics.values():
        if policy.function:
            module = policy.function.split(":", 1)[0].replace(".", "/")
            found |= {_repo_path(config_dir, f"{module}.py"), _repo_path(config_dir, f"{module}/__init__.py")}
    return found


def _repo_path(config_dir: str, relative: str) -> str:
    return posixpath.normpath(posixpath.join(config_dir, relative)).removeprefix("./")
