"""lineage.json: the four pins (code, data, environment, configuration), the model files, the run.

The document is a `mlgate.documents.Lineage`; `run_tags` and `version_tags` turn it into MLflow tags
(`mlgate.*`). The keys are a contract: the report renders them, `mlgate reproduce` reads them back.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from mlgate.documents import Ci, CodePin, Configuration, DataPin, EnvironmentPin, Lineage
from mlgate.workdir import LINEAGE, write_document

TAG_LIMIT = 5000
# Where `mlgate train` logs the model files on the run: under mlgate/, never under a name MLflow or the
# user's script uses (MLflow 3's `log_model(..., "model")` makes a LoggedModel named "model"). Runs written
# by an earlier mlgate have them at `model/`: read there when `mlgate/model/` is missing.
MODEL_ARTIFACT = "mlgate/model"
LEGACY_MODEL_ARTIFACT = "model"
# passed | failed | forced | not-validated: compare fails a verdict and promote refuses a version without it
DATA_VALIDATION_TAG = "mlgate.data.validation"


def environment_pin(*, runtime: str, image: str | None, image_digest: str | None, pinned: bool,
                    lockfile: str | None, lockfile_sha256: str | None,
                    python_version: str | None) -> EnvironmentPin:
    return EnvironmentPin(runtime=runtime, image=image, image_digest=image_digest, pinned=pinned,
                          lockfile=lockfile, lockfile_sha256=lockfile_sha256, python_version=python_version)


SHOWN_PATHS = 3


def not_reproducible_because(code: CodePin, environment: EnvironmentPin,
                             changed: Sequence[str] = ()) -> list[str]:
    """Why the run could not be rebuilt from its pins; empty when it can. `changed` names the paths that
    made the work tree dirty (a few are named, then how many more)."""
    reasons = []
    if environment.runtime == "local":
        reasons.append("ran on the host (runtime local): the environment is not pinned")
    elif not environment.pinned:
        reasons.append("the image is not pinned by digest (allow_unpinned)")
    if not code.commit:
        reasons.append("not in a git repository: no commit to rebuild the code from")
    elif code.dirty:
        reasons.append("the work tree had uncommitted changes" + _some(changed))
    return reasons


def _some(paths: Sequence[str]) -> str:
    if not paths:
        return ""
    more = len(paths) - SHOWN_PATHS
    return ": " + ", ".join(paths[:SHOWN_PATHS]) + (f" and {more} more" if more > 0 else "")


def build(*, code: CodePin, data: list[DataPin], environment: EnvironmentPin, configuration: Configuration,
          ci: Ci | None = None, changed: Sequence[str] = ()) -> Lineage:
    """The document before training: the pins, and `status: running`. `changed`: the paths that made
    the work tree dirty."""
    reasons = not_reproducible_because(code, environment, changed)
    return Lineage(
        status="running",
        reproducible=not reasons,
        not_reproducible_because=reasons,
        code=code,
        data=data,
        environment=environment,
        configuration=configuration,
        model=None,
        metrics={},
        run=None,
        registered=None,
        ci=ci or Ci(pr=None, head_sha=None, run_url=None),
        duration_seconds=None,
    )


def write(out: Path, lineage: Lineage) -> Path:
    return write_document(out / LINEAGE, lineage)


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True, separators=(",", ":"))
    return text if len(text) <= TAG_LIMIT else text[: TAG_LIMIT - 1] + "…"


def run_tags(lineage: Lineage) -> dict[str, str]:
    """The pins as MLflow run tags (`mlgate.*`); None values are left out."""
    code, env, conf, ci = lineage.code, lineage.environment, lineage.configuration, lineage.ci
    tags: dict[str, Any] = {
        "mlgate.status": lineage.status,
        "mlgate.reproducible": lineage.reproducible,
        "mlgate.commit": code.commit,
        "mlgate.code.dirty": code.dirty,
        "mlgate.code.diff_sha256": code.diff_sha256,
        "mlgate.data": [{"path": d.path, "kind": d.version.kind, "value": d.version.value}
                        for d in lineage.data] or None,
        DATA_VALIDATION_TAG: lineage.data_validation,
        "mlgate.runtime": env.runtime,
        "mlgate.image": env.image,
        "mlgate.image_digest": env.image_digest,
        "mlgate.environment.pinned": env.pinned,
        "mlgate.lockfile_sha256": env.lockfile_sha256,
        "mlgate.python_version": env.python_version,
        "mlgate.params_sha256": conf.params_sha256,
        "mlgate.seed": conf.seed,
        "mlgate.model.sha256": lineage.model.sha256 if lineage.model else None,
        "mlgate.pr": ci.pr,
        "mlgate.head_sha": ci.head_sha,
        "mlgate.run_url": ci.run_url,
    }
    if code.commit:
        tags["mlflow.source.git.commit"] = code.commit
    return {key: _text(value) for key, value in tags.items() if value is not None}


def version_tags(lineage: Lineage) -> dict[str, str]:
    """Tags of the registered model version: where it was built, whether it can be rebuilt, and what
    validation said of its data (promote reads it)."""
    wanted = ("mlgate.commit", "mlgate.head_sha", "mlgate.pr", "mlgate.run_url", "mlgate.reproducible",
              "mlgate.image_digest", "mlgate.model.sha256", DATA_VALIDATION_TAG)
    tags = run_tags(lineage)
    return {key: tags[key] for key in wanted if key in tags}
