"""Workflow commands (`::error file=...::message`) with their values escaped.

GitHub's runner decodes `%25`, `%0D`, `%0A` in the message, and also `%3A`, `%2C` in property values,
so untrusted text can never end a command early or start a new `::` command on a line of its own.
"""

from __future__ import annotations

import os
from collections.abc import Mapping


def escape_data(value: str) -> str:
    """Escape a workflow-command message."""
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(value: str) -> str:
    """Escape a workflow-command property value (file=, title=, ...)."""
    return escape_data(value).replace(":", "%3A").replace(",", "%2C")


def command(name: str, message: str, properties: Mapping[str, str | int | None] | None = None) -> str:
    """Format one workflow command line, e.g. `::error file=a.csv,line=3::bad`."""
    props = ",".join(
        f"{key}={escape_property(str(value))}"
        for key, value in (properties or {}).items()
        if value is not None and value != ""
    )
    head = f"::{name} {props}" if props else f"::{name}"
    return f"{head}::{escape_data(message)}"


def in_actions() -> bool:
    """True when running inside GitHub Actions."""
    return os.environ.get("GITHUB_ACTIONS") == "true"


def set_output(name: str, value: str) -> bool:
    """Append `name=value` to $GITHUB_OUTPUT (multi-line safe, random delimiter). False outside Actions."""
    target = os.environ.get("GITHUB_OUTPUT")
    if not target:
        return False
    import uuid

    delimiter = f"ghadelimiter_{uuid.uuid4()}"
    with open(target, "a", encoding="utf-8") as handle:
        handle.write(f"{name}<<{delimiter}\n{value}\n{delimiter}\n")
    return True
