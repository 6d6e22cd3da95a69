"""The HTTP defaults `Registry.connect` gives MLflow's client: brief retries, and a request timeout long enough
for a busy server's write (a write cut short is retried, or leaves a promote holding its lease); a value the
user set wins."""

from __future__ import annotations

import os

import pytest

from mlgate.registry import Registry
from tests.conftest import MlflowStore


def test_a_request_waits_30s_unless_the_user_says_otherwise(mlflow_store: MlflowStore,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MLFLOW_HTTP_REQUEST_TIMEOUT", raising=False)
    monkeypatch.delenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", raising=False)
    Registry.connect(mlflow_store.uri)
    assert os.environ["MLFLOW_HTTP_REQUEST_TIMEOUT"] == "30"
    assert os.environ["MLFLOW_HTTP_REQUEST_MAX_RETRIES"] == "2"
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_TIMEOUT", "300")
    Registry.connect(mlflow_store.uri)
    assert os.environ["MLFLOW_HTTP_REQUEST_TIMEOUT"] == "300"
