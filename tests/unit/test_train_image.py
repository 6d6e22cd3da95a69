"""Image references: pinned by digest or not."""

from __future__ import annotations

import pytest

from mlgate.train.image import digest_of, is_pinned, pinned_reference, repository_of

HEX = "a" * 64


@pytest.mark.parametrize(
    ("image", "digest"),
    [
        (f"ghcr.io/org/trainer@sha256:{HEX}", f"sha256:{HEX}"),
        (f"ghcr.io/org/trainer:1.2@sha256:{HEX}", f"sha256:{HEX}"),
        (f"localhost:5000/x@sha256:{HEX}", f"sha256:{HEX}"),
        ("ghcr.io/org/trainer:latest", None),
        ("python:3.11", None),
        (f"trainer@sha256:{HEX[:-1]}", None),  # too short
        (f"trainer@sha256:{HEX.upper()}", None),  # digests are lower-case hex
        (f"trainer@sha512:{HEX}{HEX}", None),
    ],
)
def test_digest_of(image: str, digest: str | None) -> None:
    assert digest_of(image) == digest
    assert is_pinned(image) is (digest is not None)


@pytest.mark.parametrize(
    ("image", "repository"),
    [
        ("ghcr.io/org/trainer:1.2", "ghcr.io/org/trainer"),
        (f"ghcr.io/org/trainer@sha256:{HEX}", "ghcr.io/org/trainer"),
        ("localhost:5000/trainer", "localhost:5000/trainer"),
        ("localhost:5000/trainer:v1", "localhost:5000/trainer"),
        ("python", "python"),
    ],
)
def test_repository_of(image: str, repository: str) -> None:
    assert repository_of(image) == repository


def test_pinned_reference() -> None:
    assert pinned_reference("localhost:5000/t:v1", f"sha256:{HEX}") == f"localhost:5000/t@sha256:{HEX}"
