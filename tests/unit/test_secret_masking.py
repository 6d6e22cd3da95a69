"""Masking the secrets a training command gets (train/secrets.py): which names, which values, any cut."""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mlgate.errors import GateFailed
from mlgate.train.execute import Job
from mlgate.train.secrets import Masker, is_secret_name, secret_values


@pytest.mark.parametrize("name", ["MLFLOW_TRACKING_PASSWORD", "MLFLOW_TRACKING_TOKEN", "AWS_SECRET_ACCESS_KEY",
                                  "AWS_SESSION_TOKEN", "GITHUB_TOKEN", "GH_TOKEN", "my_api_key", "APIKEY",
                                  "DB_PASSWD", "GOOGLE_APPLICATION_CREDENTIALS", "CLIENT_SECRETS", "hf-token"])
def test_secret_names(name: str) -> None:
    assert is_secret_name(name)


@pytest.mark.parametrize("name", ["MLFLOW_TRACKING_USERNAME", "MLFLOW_TRACKING_URI", "PIP_KEYRING_PROVIDER",
                                  "KEYTIMEOUT", "HOME", "PATH", "MLGATE_SEED", "TOKENIZERS_PARALLELISM"])
def test_names_that_are_no_secret(name: str) -> None:
    assert not is_secret_name(name)


def test_values_of_secret_names_only_and_long_enough() -> None:
    values = secret_values({"GITHUB_TOKEN": "ghs_abc", "HOME": "/home/me"}, {"MY_KEY": "abc", "X_TOKEN": "    "})
    masker = Masker(values)
    assert masker.text("ghs_abc in /home/me, abc") == "*** in /home/me, abc"
    assert masker.text("four spaces:    .") == "four spaces:    ."


def test_longest_value_first_and_regex_characters_are_literal() -> None:
    masker = Masker(["secret", "secret-and-more", "a.b*c(d)"])
    assert masker.text("secret-and-more / secret / axbbc(d) / a.b*c(d)") == "*** / *** / axbbc(d) / ***"


def test_multi_line_values_are_masked_line_by_line_too() -> None:
    key = "-----BEGIN KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END KEY-----"
    assert "MIIE" not in Masker([key]).text("the key's second line: MIIEvQIBADANBgkqhkiG9w0BAQEFAASC")


def test_the_repr_names_no_value() -> None:
    assert "hunter22" not in repr(Masker(["hunter22"]))


@given(st.text(alphabet="ab\n", max_size=60), st.lists(st.integers(0, 60), max_size=8))
def test_a_stream_cut_anywhere_masks_as_the_whole_text_does(text: str, cuts: list[int]) -> None:
    """Secrets that overlap and begin one another (a multi-line one is masked line by line too)."""
    masker = Masker(["abba\nab", "baab", "abbaa", "bbbb"])
    data = text.encode()
    bounds = sorted({0, len(data), *(c for c in cuts if c < len(data))})
    stream = masker.stream()
    got = b"".join(stream.feed(data[start:end]) for start, end in pairwise(bounds)) + stream.flush()
    assert got == masker.text(data.decode()).encode()


def test_an_error_is_redacted_in_place() -> None:
    error = GateFailed("failed with hunter22", "it printed hunter22", "rotate hunter22")
    assert error.redact(Masker(["hunter22"]).text) is error
    assert error.message() == "failed with ***\n  why: it printed ***\n  fix: rotate ***"
    assert str(error) == "failed with ***"


def test_a_job_masks_the_host_credentials_and_the_secret_train_env(tmp_path: Path) -> None:
    job = Job(runtime=None, command="true", root=tmp_path, out=tmp_path,  # type: ignore[arg-type]
              metrics_path=tmp_path / "m.json", model_path=tmp_path / "model",
              host_env={"AWS_SECRET_ACCESS_KEY": "from-the-host", "USER": "alice-the-user"},
              env={"MY_API_KEY": "from-train-env", "PLAIN": "plain-value"})
    assert job.masker.text("from-the-host from-train-env plain-value alice-the-user") == (
        "*** *** plain-value alice-the-user")
