"""The work-directory documents and the publish bundle's metadata, as pydantic models.

Every writer and every reader uses these models; a malformed document, or one with an unknown or newer
`schema_version`, is bad input (exit 2) naming the file.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from mlgate import __version__

REPOSITORY = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]*/(?!\.\.?$)[A-Za-z0-9_.-]+")


class BundleMeta(BaseModel):
    """mlgate-bundle.json."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    schema_version: Literal[1] = 1
    kind: Literal["mlgate-report-bundle"] = "mlgate-report-bundle"
    mlgate_version: str = Field(default=__version__, max_length=40)
    repository: str = Field(max_length=200)
    pr_number: int | None = Field(default=None, gt=0, lt=10**9)
    head_sha: str = Field(pattern=r"^[0-9a-f]{40}$")
    model: str = Field(min_length=1, max_length=200, pattern=r"^[^\x00-\x1f\x7f]+$")
    decision: str = Field(default="", max_length=2000)
    primary_metric: str | None = Field(default=None, max_length=200)
    tracking_url: str | None = Field(default=None, max_length=500, pattern=r"^https?://\S+$")
    files: dict[str, str] = Field(default_factory=dict)  # name -> sha256 of its bytes

    @field_validator("repository")
    @classmethod
    def _owner_name(cls, value: str) -> str:
        if not REPOSITORY.fullmatch(value):
            raise ValueError("must be owner/name")
        return value


def mlflow_run_url(server: str, experiment_id: str, run_id: str) -> str:
    """A run's page in the MLflow web UI of `server` (an http(s) address without credentials)."""
    return f"{server.rstrip('/')}/#/experiments/{experiment_id}/runs/{run_id}"
