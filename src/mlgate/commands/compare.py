"""`mlgate compare`: wires the metrics files and the MLflow registry to the pure policy in gate/.

Reads the candidate (a run or a metrics file), production (the registry alias), and the baseline (a file,
an alias or a run); writes verdict.json; tags the candidate's model version with the verdict.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from mlgate.commands.production_check import require_scored, rescore_if_moved
from mlgate.commands.ruleset import judged_by, recorded
from mlgate.config import Config
from mlgate.config import tracking_uri as resolve_uri
from mlgate.documents import Lineage, Validation, read_document
from mlgate.documents import Verdict as VerdictDocument
from mlgate.errors import EXIT_GATE_FAILED, EXIT_PASSED, BadInput, ServiceError
from mlgate.gate.model import DataCheck, DataStatus, Evidence, MetricResult, RawValue, Rule, Side, Verdict
from mlgate.gate.policy import evaluate
from mlgate.gate.serialize import verdict_dict
from mlgate.gate.values import json_value
from mlgate.github.context import GitHubContext
from mlgate.output import Output, one_line
from mlgate.registry import Registry
from mlgate.train.lineage import DATA_VALIDATION_TAG as DATA_TAG
from mlgate.train.metrics import read_metrics_file
from mlgate.workdir import LINEAGE, VALIDATION, VERDICT, begin, write_document

# How bad each validation outcome is: when validation.json and the run's tag disagree, the worse one counts.
DATA_RANK: dict[DataStatus, int] = {"passed": 0, "not-validated": 1, "failed": 2, "forced": 3}
FAILING_DATA = ("invalid", "error")
# The model-version tag naming the production version the verdict compared the candidate with.
GATED_AGAINST_TAG = "mlgate.verdict.production_version"
NO_PRODUCTION = "none"


def rules_from_config(config: Config) -> list[Rule]:
    """The gated metrics of mlgate.yaml as plain rules for the policy."""
    # `function` (how mlgate computes a metric from predictions) is evaluate's business, not the policy's
    return [Rule(name=name, **policy.model_dump(exclude={"function"}))
            for name, policy in config.metrics.items()]


CANDIDATE_FILE = ("--candidate-metrics names it; the path is wrong or training did not write it",
                  "check the path (relative to the current directory) or run the training first")
METRICS_FIX = 'write the metrics as a JSON or YAML mapping of name: value, e.g. {"roc_auc": 0.93}'


def load_metrics_file(path: Path, missing: tuple[str, str] = CANDIDATE_FILE) -> dict[str, RawValue]:
    """A metrics file (JSON or YAML; flat, nested, or as `dvc metrics show --json` prints) → flat metrics.

    `missing` is the (why, fix) of the error when the file is not there: it depends on who named it.
    """
    return read_metrics_file(path, missing=(f"metrics file {path} not found", *missing), fix=METRICS_FIX)


def run_compare(
    config: Config, output: Output, *, candidate_run: str | None, candidate_metrics: Path | None,
    fail_on_regression: bool, out: Path, tracking_uri: str | None, github: GitHubContext | None = None,
    rules_from: str | None = None, config_name: str = "mlgate.yaml",
) -> int:
    training_failed = None
    if not candidate_run and not candidate_metrics:
        lineage = _lineage(out)
        candidate_run = lineage.run_id if lineage else None
        training_failed = _training_failure(lineage, out) if lineage and candidate_run else None
    what = "give exactly one of --candidate-run RUN_ID or --candidate-metrics FILE"
    if candidate_run and candidate_metrics:
        raise BadInput(what, "mlgate compare reads the candidate's metrics from one place; both were given",
                       "drop one of the two options")
    if not candidate_run and not candidate_metrics:
        raise BadInput(what, f"with neither, mlgate compare reads the run id from {out / LINEAGE}, which is "
                       "not there (or records no run)",
                       "run `mlgate train` first (with the same --out), or pass --candidate-run (an MLflow "
                       "run) or --candidate-metrics (a JSON/YAML file)")
    validation = _validation(out)  # a malformed one is bad input before anything is written
    # in a pull request, the rules of the base's mlgate.yaml judge it (mlgate.rules), not the PR's own
    rules = judged_by(config, output, github or GitHubContext(), rules_from=rules_from,
                      config_name=config_name, out=out, stage="compare")
    config = rules.config
    # a metrics file has no predictions: the same-data comparison needs the candidate's run (mlgate train)
    rescore_if_moved(config, output, github, out=out, tracking_uri=tracking_uri, candidate_run=candidate_run)
    evidence, scoring_failed = _evidence(config, output, github, out, tracking_uri, candidate_run)
    begin(out, VERDICT)
    uri = resolve_uri(config, out, tracking_uri)
    registry = Registry.connect(uri)
    candidate = _candidate(config, registry, candidate_run, candidate_metrics)
    model = config.model
    production = registry.alias_side(model.name, model.production_alias, "production")
    require_scored(config, out, candidate_run, production)  # the verdict names what it scored
    baseline = _baseline(config, registry)
    data = data_check(validation, registry.run_tag(candidate_run, DATA_TAG) if candidate_run else None)
    verdict = evaluate(model.name, rules_from_config(config), candidate, production, baseline,
                       primary_metric=config.primary_metric(), production_label=model.production_alias,
                       data=data, evidence=evidence)
    if training_failed:
        verdict = dataclasses.replace(verdict, notes=(training_failed, *verdict.notes))
    if config.evaluate is not None and candidate_metrics is not None:
        verdict = dataclasses.replace(verdict, notes=(METRICS_FILE_NOTE, *verdict.notes))
    body = _verdict_body(config, verdict, registry).model_copy(update={"rules": recorded(rules)})
    path = output.wrote("verdict", write_document(out / VERDICT, body))
    if candidate_run and candidate.version:
        registry.set_version_tags(model.name, candidate.version, {
            "mlgate.verdict": verdict.status, "mlgate.verdict.passed": str(verdict.passed).lower(),
            "mlgate.verdict.summary": body.summary[:5000],
            # what promote checks production against (a compare-and-set): the gate's verdict holds only
            # against the production it compared with
            GATED_AGAINST_TAG: (production.version if production else None) or NO_PRODUCTION,
        })
    _announce(output, verdict, body, path)
    if scoring_failed is not None:
        raise scoring_failed
    failed = not verdict.passed or training_failed is not None
    return EXIT_GATE_FAILED if fail_on_regression and failed else EXIT_PASSED


METRICS_FILE_NOTE = ("the candidate is a metrics file (--candidate-metrics), which has no predictions: "
                     "compared on the logged metrics, not on the same evaluation rows (`evaluate:` needs the "
                     "candidate's run: `mlgate train`)")


def _evidence(config: Config, output: Output, github: GitHubContext | None, out: Path,
              tracking_uri: str | None, candidate_run: str | None,
              ) -> tuple[Evidence | None, ServiceError | None]:
    """With `evaluate:` in the config: both models scored on the same evaluation rows (running `mlgate
    evaluate` first when it has not run), as the plain evidence gate/ decides on. When production's scoring
    fails there, the error too: the verdict records it (its row `evaluation` fails), then compare exits 3.
    A candidate given as a metrics file has no model to score: its logged metrics are compared."""
    if config.evaluate is None:
        return None, None
    if candidate_run is None:  # a metrics file (--candidate-metrics): METRICS_FILE_NOTE says so
        return None, None
    from mlgate.commands.evidence import same_data_evidence  # numpy, scikit-learn: only when configured

    try:
        evidence = same_data_evidence(config, output, github or GitHubContext(), out=out,
                                      tracking_uri=tracking_uri, candidate_run=candidate_run)
    except ServiceError as exc:  # production could not be re-scored (on_production_error: fail)
        why = f": {exc.why}" if exc.why else ""
        return Evidence(production_error=one_line(f"{exc.what}{why}"), data=config.evaluate.data), exc
    return evidence, None


def _lineage(out: Path) -> Lineage | None:
    """The lineage.json `mlgate train` wrote in the work directory, if any (its run is the candidate)."""
    if not (out / LINEAGE).is_file():
        return None
    return read_document(out / LINEAGE, Lineage)


def _validation(out: Path) -> Validation | None:
    """The validation.json `mlgate validate` wrote in the work directory, if any."""
    if not (out / VALIDATION).is_file():
        return None
    return read_document(out / VALIDATION, Validation)


def data_check(validation: Validation | None, run_tag: str | None) -> DataCheck | None:
    """What the verdict knows of the data: validation.json in the work directory and the candidate run's
    tag mlgate.data.validation (set by `mlgate train`); the worse of the two. None when neither says."""
    checks = []
    if validation is not None:
        invalid = tuple(d.path for d in validation.datasets if d.status in FAILING_DATA)
        checks.append(DataCheck("passed" if validation.passed else "failed", invalid, VALIDATION))
    for status in DATA_RANK:
        if status == run_tag:
            checks.append(DataCheck(status, (), f"run tag {DATA_TAG}"))
    if not checks:
        return None
    worst = max(checks, key=lambda check: DATA_RANK[check.status])
    invalid = tuple(dict.fromkeys(path for check in checks for path in check.invalid))
    return DataCheck(worst.status, invalid, worst.source)


def _training_failure(lineage: Lineage, out: Path) -> str | None:
    """A note when the run in lineage.json is one whose training failed (it logged no metrics)."""
    if lineage.status != "failed":
        return None
    error = (lineage.error or "").strip().splitlines()
    return (f"the training of this run failed ({error[0] if error else 'see train.log'}), so it has no "
            f"metrics: fix the training (log: {out / 'train.log'}) and run `mlgate train` again")


def _candidate(config: Config, registry: Registry, run_id: str | None, path: Path | None) -> Side:
    if path is not None:
        return Side(role="candidate", source=f"metrics file {path}", metrics=load_metrics_file(path))
    assert run_id is not None
    side = registry.run_side(run_id, "candidate")
    version = registry.version_for_run(config.model.name, run_id)
    return Side(role=side.role, source=side.source, metrics=side.metrics, params=side.params,
                run_id=side.run_id, version=version, url=side.url)


def _baseline(config: Config, registry: Registry) -> Side | None:
    spec = config.baseline
    if spec is None:
        return None
    if spec.constant:
        return constant_side(config)
    path = config.baseline_file()
    if spec.metrics and path is not None:
        missing = (f"baseline.metrics in the config names it (relative to the config's folder, "
                   f"{config.root})",
                   "write the baseline's metrics there (e.g. run your baseline script and commit the file), "
                   "or fix baseline.metrics")
        return Side(role="baseline", source=f"metrics file {spec.metrics}",
                    metrics=load_metrics_file(path, missing))
    if spec.run_id:
        try:
            return registry.run_side(spec.run_id, "baseline")
        except BadInput as exc:
            raise BadInput(f"baseline.run_id: {exc.what}", exc.why,
                           f"{exc.fix}; or change baseline in {config.root / 'mlgate.yaml'}") from exc
    assert spec.alias is not None
    side = registry.alias_side(config.model.name, spec.alias, "baseline")
    if side is None:
        raise BadInput(f"baseline alias {config.model.name}@{spec.alias} is not set in the registry",
                       "baseline.alias in mlgate.yaml names an alias no model version carries",
                       f"set it (MlflowClient().set_registered_model_alias) or change baseline in "
                       f"{config.root / 'mlgate.yaml'}")
    return side


def constant_side(config: Config) -> Side:
    """`baseline: {constant: true}`: the best constant prediction, which mlgate scores on the evaluation rows
    (so it needs `evaluate:`)."""
    if config.evaluate is None:
        raise BadInput("baseline.constant needs evaluate: in mlgate.yaml",
                       "the constant baseline is scored by mlgate on the evaluation rows, and there are none",
                       "add an evaluate: section (data, label, command), or give baseline.metrics, alias or "
                       "run_id")
    return Side(role="baseline", source="the best constant prediction on the evaluation rows", metrics={})


def _verdict_body(config: Config, verdict: Verdict, registry: Registry) -> VerdictDocument:
    """verdict.json: the verdict (gate/'s plain values), model, framing, and the primary metric's history."""
    body = verdict_dict(verdict)
    body["model"] = {"name": config.model.name, "production_alias": config.model.production_alias}
    body["framing"] = {"decision": config.framing.decision, "primary_metric": config.primary_metric()}
    primary = config.primary_metric()
    history = (
        registry.history(config.model.name, primary, config.model.production_alias, config.report.history)
        if primary else []
    )
    body["history"] = [{**point, "value": json_value(point.get("value"))} for point in history]
    return VerdictDocument.model_validate(body)


def _announce(output: Output, verdict: Verdict, body: VerdictDocument, path: Path) -> None:
    """A short human summary on stdout, annotations and outputs inside Actions."""
    from tabulate import tabulate

    icon = {"passed": "PASSED", "warned": "PASSED (with warnings)", "failed": "FAILED"}[verdict.status]
    detail = body.summary.removeprefix(verdict.status).removeprefix(":").strip()
    output.line(f"mlgate compare: {icon}" + (f" - {one_line(detail)}" if detail else ""))
    if verdict.comparison == "same-data":
        output.line(f"compared on the same evaluation rows: {one_line(verdict.evaluation_data)}")
    elif verdict.production is not None:
        output.line("compared on the logged metrics (possibly different data)")
    rows = [[m.name, _show(m.candidate), _show(m.production), _show(m.baseline), _status(m),
             "; ".join(m.reasons)] for m in verdict.metrics]
    if rows:
        headers = ["metric", "candidate", "production", "baseline", "status", "why"]
        output.line(tabulate(rows, headers=headers))
    flagged = [(f"{m.name} on {s.column}={s.value}", m) for s in verdict.slices for m in s.metrics
               if m.status != "pass"]
    for name, metric in flagged:
        output.line(f"slice: {one_line(name)}: {_status(metric)}: {one_line(metric.reasons[0])}")
    if verdict.flips is not None:
        output.line(f"flips: {one_line(verdict.flips.reason)}")
    for note in verdict.notes:
        output.line(f"note: {one_line(note)}")
    output.line(f"wrote {path}")
    if output.actions:
        flips = verdict.flips
        found = [(m.name, m.status, "; ".join(m.reasons)) for m in verdict.metrics]
        found += [(name, m.status, m.reasons[0]) for name, m in flagged]
        found += [("flips", flips.status, flips.reason)] if flips is not None else []
        for name, status, why in found:
            if status != "pass":
                level = "error" if status == "fail" else "warning"
                output.annotate(level, why, title=f"mlgate: {name}")
    output.set_outputs({"passed": str(verdict.passed).lower(), "status": verdict.status})


def _status(metric: MetricResult) -> str:
    return f"inconclusive ({metric.status})" if metric.decision == "inconclusive" else metric.status


def _show(value: RawValue) -> str:
    if value is None:
        return "-"
    return f"{value:.4g}" if isinstance(value, float) else str(value)
