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


def test_unsupported_scheme_is_bad_input() -> None:
    from mlgate.errors import BadInput
    from mlgate.registry import Registry

    with pytest.raises(BadInput, match="cannot use the MLflow tracking URI foo://\\*\\*\\*@bar") as caught:
        Registry.connect("foo://user:pw@bar")
    assert "pw" not in caught.value.message() and "sqlite" in caught.value.fix


def test_cause_is_said_plainly() -> None:
    from mlgate.registry import _cause

    raw = "API request to http://h/api failed with exception HTTPConnectionPool(...): Max retries exceeded " \
          "(Caused by NewConnectionError('...: [Errno 111] Connection refused'))"
    assert _cause(raw) == "connection refused (nothing listens on that host and port)"
    assert _cause("x " * 400).endswith(" …") and len(_cause("x " * 400)) <= 302
