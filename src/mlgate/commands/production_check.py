"""compare's re-check of production: the verdict must name the production whose numbers it shows.

`mlgate evaluate` scores whatever holds @production when it runs and records that version in evaluation.json;
`mlgate compare` reads @production again (for the verdict, and the tag promote checks). When the alias moved
in between (another PR merged and was promoted), the old production's predictions must not be presented as
the new one's: before scoring, compare re-runs evaluate when evaluation.json scored another version; after
reading the alias, a move during compare itself is a ServiceError (exit 3) that says to run compare again.
"""

from __future__ import annotations

from pathlib import Path

from mlgate.config import Config
from mlgate.config import tracking_uri as resolve_uri
from mlgate.documents import Evaluation, read_document
from mlgate.errors import ServiceError
from mlgate.gate.model import Side
from mlgate.github.context import GitHubContext
from mlgate.output import Output
from mlgate.workdir import EVALUATION


def _shown(version: str | None) -> str:
    return f"version {version}" if version else "no version"


def scored_production(config: Config, out: Path, candidate_run: str | None) -> tuple[bool, str | None]:
    """(whether compare's numbers come from evaluation.json, the production version it scored)."""
    if config.evaluate is None or candidate_run is None or not (out / EVALUATION).is_file():
        return False, None
    evaluation = read_document(out / EVALUATION, Evaluation)
    if evaluation.candidate.run_id != candidate_run or evaluation.rules_commit != config.rules_commit:
        return False, None  # another candidate's, or other rules': compare re-evaluates anyway
    return True, evaluation.production.version if evaluation.production else None


def rescore_if_moved(config: Config, output: Output, github: GitHubContext | None, *, out: Path,
                     tracking_uri: str | None, candidate_run: str | None) -> None:
    """Re-run `mlgate evaluate` when @production is no longer the version evaluation.json scored."""
    used, scored = scored_production(config, out, candidate_run)
    if not used:
        return
    from mlgate.registry import Registry

    model = config.model
    registry = Registry.connect(resolve_uri(config, out, tracking_uri))
    now = registry.version_by_alias(model.name, model.production_alias)
    current = now.version if now else None
    if current == scored:
        return
    from mlgate.commands.evaluate import evaluate_stage  # numpy, scikit-learn: only when needed

    output.line(f"mlgate compare: {model.name}@{model.production_alias} moved from {_shown(scored)} to "
                f"{_shown(current)} since mlgate evaluate scored it: scoring production again")
    evaluate_stage(config, output, github or GitHubContext(), out=out, tracking_uri=tracking_uri,
                   candidate_run=candidate_run)


def require_scored(config: Config, out: Path, candidate_run: str | None, production: Side | None) -> None:
    """ServiceError (exit 3) when the @production compare just read is not the one its numbers are from."""
    used, scored = scored_production(config, out, candidate_run)
    current = production.version if production else None
    if not used or current == scored:
        return
    alias = f"{config.model.name}@{config.model.production_alias}"
    raise ServiceError(
        f"{alias} moved while mlgate compare ran: it scored {_shown(scored)}, and {alias} is now "
        f"{_shown(current)}",
        "a verdict must compare the candidate with the production it names; another promotion moved the "
        "alias in between, so no verdict was written and the candidate's version was not tagged",
        "run mlgate compare again: it scores the new production first")
