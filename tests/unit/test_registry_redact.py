"""Credentials never reach a message: tracking URIs and MLflow's error texts are scrubbed."""

from __future__ import annotations

import pytest

from mlgate.registry import redact, scrub


@pytest.mark.parametrize("uri, shown", [
    ("sqlite:////tmp/x.db", "sqlite:////tmp/x.db"),
    ("sqlite:///rel/x.db", "sqlite:///rel/x.db"),
    ("http://alice:s3cret@mlflow:5000", "http://***@mlflow:5000"),
    ("https://token@host/path?api_key=abc&x=1", "https://***@host/path?api_key=***&x=1"),
    ("databricks", "databricks"),
])
def test_redact(uri: str, shown: str) -> None:
    assert redact(uri) == shown


def test_scrub_inside_a_message() -> None:
    text = "API request to http://a:b@127.0.0.1:1/api/2.0 failed; retry http://u:p@h/x?token=t"
    assert scrub(text) == "API request to http://***@127.0.0.1:1/api/2.0 failed; retry http://***@h/x?token=***"
