"""Container image references: pinned (`name@sha256:<64 hex>`) or not."""

from __future__ import annotations

import re

_DIGEST = re.compile(r"@(sha256:[0-9a-f]{64})$")


def digest_of(image: str) -> str | None:
    """The `sha256:<hex>` digest an image reference is pinned to, or None for a tag reference."""
    match = _DIGEST.search(image.strip())
    return match.group(1) if match else None


def is_pinned(image: str) -> bool:
    """True when the reference carries a full sha256 digest."""
    return digest_of(image) is not None


def repository_of(image: str) -> str:
    """The reference without its digest and tag (`ghcr.io/org/trainer@sha256:…` → `ghcr.io/org/trainer`)."""
    name = image.strip().split("@", 1)[0]
    last = name.rsplit("/", 1)
    if ":" in last[-1]:
        name = name[: name.rindex(":")]
    return name


def pinned_reference(image: str, digest: str) -> str:
    """The reference pinned to a digest: `repository@sha256:…`."""
    return f"{repository_of(image)}@{digest}"
