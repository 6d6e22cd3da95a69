"""Which rules judge this run: in a pull request, mlgate.yaml's rules at the base commit (mlgate.rules).

Used by `mlgate evaluate` (which models it scores: production's alias, the baseline) and `mlgate compare`
(how it decides), so both apply the same rules; and by `mlgate train`, for whether the training command may
hold the registry's credentials (`train.tracking_credentials`). The base is `--rules-from REF`, else the pull
request's base commit from the GitHub event; outside a pull request the config's own rules apply.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from mlgate.config import Config, TrainSettings
from mlgate.documents import RulesUsed
from mlgate.github.context import GitHubContext
from mlgate.output import Output
from mlgate.rules import CREDENTIALS, RulesInForce, credentials_of, rules_in_force

if TYPE_CHECKING:
    from mlgate.forge import CiContext


def judged_by(config: Config, output: Output, github: GitHubContext, *, rules_from: str | None,
              config_name: str, out: Path, stage: str) -> RulesInForce:
    """The rules in force for this run; says in the log (a warning in Actions) when the PR's differ."""
    rules = rules_in_force(config, config_name, rules_from or github.base_ref(), out)
    note = rules.note()
    if note:
        output.warn(f"mlgate {stage}: {note}", title="mlgate: the gate's rules")
    elif rules.source == "base":
        output.line(f"mlgate {stage}: the gate's rules are those of {rules.path} at the base commit "
                    f"{(rules.commit or '')[:12]} (unchanged by this PR)")
    return rules


def recorded(rules: RulesInForce) -> RulesUsed | None:
    """verdict.json's `rules`."""
    record = rules.record()
    return None if record is None else RulesUsed.model_validate(record)


def credentials_in_force(config: Config, settings: TrainSettings, output: Output, ci: CiContext, *,
                         rules_from: str | None, config_name: str, out: Path) -> TrainSettings:
    """The training settings with `train.tracking_credentials` as the rules in force say: a pull request that
    sets `pass` where its base's mlgate.yaml does not trains without the registry's credentials (warned;
    it applies after merge). Only a config that asks for `pass` reads the base."""
    if settings.tracking_credentials != "pass":
        return settings
    rules = rules_in_force(config, config_name, rules_from or ci.base_ref(), out)
    if rules.source != "base" or credentials_of(rules.config) == "pass":
        return settings
    output.warn(f"mlgate train: this PR sets {CREDENTIALS}: pass and {rules.path} at the base commit "
                f"{(rules.commit or '')[:12]} does not: the training command runs without the registry's "
                "credentials (a throwaway store); the change applies after merge",
                title="mlgate: the gate's rules")
    return settings.model_copy(update={"tracking_credentials": "none"})
