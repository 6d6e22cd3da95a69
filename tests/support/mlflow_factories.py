"""Factories for real MLflow objects in a test store: runs with metrics/params, registered versions, aliases."""

from __future__ import annotations

from typing import Any


def make_run(client: Any, experiment_id: str, metrics: dict[str, float], params: dict[str, str] | None = None) -> str:
    """A finished run with the given metrics and params; returns its id."""
    run = client.create_run(experiment_id)
    run_id: str = run.info.run_id
    for key, value in metrics.items():
        client.log_metric(run_id, key, value)
    for key, value in (params or {}).items():
        client.log_param(run_id, key, value)
    client.set_terminated(run_id)
    return run_id


def register(client: Any, name: str, run_id: str, alias: str | None = None) -> str:
    """Register the run as a new version of `name` (creating the model if needed); optionally alias it."""
    from mlflow.exceptions import MlflowException

    try:
        client.create_registered_model(name)
    except MlflowException:
        pass  # already there
    run = client.get_run(run_id)
    version = client.create_model_version(name, source=f"{run.info.artifact_uri}/model", run_id=run_id)
    if alias:
        client.set_registered_model_alias(name, alias, version.version)
    return str(version.version)
