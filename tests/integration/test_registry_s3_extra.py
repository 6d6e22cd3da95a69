"""An S3 artifact store without boto3 (the `mlgate[s3]` extra): bad input naming the extra, not a traceback.

MLflow imports boto3 only when a run's artifact URI is s3://, on upload and download; boto3 is hidden here
(None in sys.modules) so the test does not depend on whether the environment has it.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from mlgate.errors import BadInput
from mlgate.registry import LINEAGE_ARTIFACT, Registry
from tests.conftest import MlflowStore


@pytest.fixture
def s3_run(mlflow_store: MlflowStore, monkeypatch: pytest.MonkeyPatch) -> tuple[Registry, str]:
    for name in ("boto3", "botocore"):
        monkeypatch.setitem(sys.modules, name, None)
    experiment = mlflow_store.client().create_experiment("on-s3", artifact_location="s3://mlgate-test/artifacts")
    store = Registry.connect(mlflow_store.uri)
    run_id, artifact_uri = store.start_run(experiment, "on-s3", {})
    assert artifact_uri.startswith("s3://")
    return store, run_id


def test_uploading_to_s3_without_boto3_names_the_extra(s3_run: tuple[Registry, str], tmp_path: Path) -> None:
    store, run_id = s3_run
    (tmp_path / "metrics.json").write_text("{}")
    with pytest.raises(BadInput) as caught:
        store.log_artifact(run_id, tmp_path / "metrics.json")
    assert caught.value.exit_code == 2
    message = str(caught.value) + caught.value.why + caught.value.fix
    assert "S3" in message and "boto3" in message and "mlgate[s3]" in caught.value.fix, message


def test_downloading_from_s3_without_boto3_names_the_extra(s3_run: tuple[Registry, str]) -> None:
    store, run_id = s3_run
    with pytest.raises(BadInput) as caught:
        store.run_lineage(run_id)
    assert "mlgate[s3]" in caught.value.fix and "s3://mlgate-test/artifacts" in str(caught.value)
    assert LINEAGE_ARTIFACT not in str(caught.value)  # not "the run has no lineage"
