"""docs/config.md documents every field of mlgate.yaml: each key of the config models is named there."""

from __future__ import annotations

import re
import typing
from pathlib import Path

from pydantic import BaseModel

from mlgate.config import Config

CONFIG_DOC = Path(__file__).resolve().parents[2] / "docs" / "config.md"


def models_in(annotation: object) -> list[type[BaseModel]]:
    """The pydantic models an annotation holds (`X`, `X | None`, `list[X]`, `dict[str, X]`)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [model for arg in typing.get_args(annotation) for model in models_in(arg)]


def keys(model: type[BaseModel], prefix: str = "") -> list[str]:
    """Every key a user can write in mlgate.yaml, dotted (`train.image`, `data.checks.rows.min`)."""
    found: list[str] = []
    for name, field in model.model_fields.items():
        if field.exclude:
            continue
        key = f"{prefix}{field.alias or name}"
        found.append(key)
        for inner in models_in(field.annotation):
            found += keys(inner, f"{key}.")
    return found


def test_the_walk_finds_nested_keys() -> None:
    found = keys(Config)
    assert {"model.name", "metrics.direction", "data.checks.columns.type", "train.image"} <= set(found)
    assert "root" not in found


def test_every_config_key_is_documented() -> None:
    text = CONFIG_DOC.read_text()
    for key in keys(Config):
        leaf = key.rsplit(".", 1)[-1]
        assert re.search(rf"`[^`]*\b{re.escape(leaf)}\b[^`]*`|^\s*{re.escape(leaf)}:", text, re.M), (
            f"mlgate.yaml key {key} is not in docs/config.md")
