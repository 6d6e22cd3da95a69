"""docs/schemas/ holds the JSON Schemas generated from the models in mlgate.documents, and they are current.

After changing a model, regenerate them: `.venv/bin/python -m mlgate.documents --write docs/schemas`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from mlgate import documents
from tests.support import report_documents as docs

ROOT = Path(__file__).resolve().parents[2]
SCHEMAS = ROOT / "docs" / "schemas"


def test_the_committed_schemas_are_current() -> None:
    generated = documents.json_schemas()
    assert sorted(generated) == sorted(p.name for p in SCHEMAS.glob("*.json")), \
        f"docs/schemas/ differs from the models: run `{documents.REGENERATE}`"
    for name, text in generated.items():
        committed = (SCHEMAS / name).read_text(encoding="utf-8")
        assert committed == text, f"docs/schemas/{name} is stale: run `{documents.REGENERATE}`"


def test_the_documented_schema_files_exist() -> None:
    for name in ("validation", "lineage", "verdict", "bundle-meta"):
        assert (SCHEMAS / f"{name}.schema.json").is_file()


def test_the_generator_writes_the_schemas(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert documents.main(["--write", str(tmp_path)]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(documents.json_schemas())
    assert "wrote" in capsys.readouterr().out
    assert documents.main([]) == 2


def schema(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((SCHEMAS / f"{name}.schema.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(loaded)
    return loaded


@pytest.mark.parametrize(("name", "document"), [
    ("verdict", docs.verdict()),
    ("validation", docs.validation()),
    ("lineage", docs.lineage()),
    ("lineage", {**docs.lineage(), "status": "failed", "error": "boom", "log_tail": ["x"], "model": None}),
])
def test_what_mlgate_writes_is_valid_for_other_tools(name: str, document: dict[str, Any]) -> None:
    jsonschema.validate(document, schema(name), cls=jsonschema.Draft202012Validator)


@pytest.mark.parametrize(("name", "document"), [
    ("verdict", {**docs.verdict(), "status": "shipped"}),
    ("verdict", {k: v for k, v in docs.verdict().items() if k != "schema_version"}),
    ("validation", {**docs.validation(), "extra": 1}),
    ("lineage", {**docs.lineage(), "run": {"run_id": 5, "experiment_id": "3", "url": None}}),
])
def test_the_schemas_refuse_what_the_models_refuse(name: str, document: dict[str, Any]) -> None:
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(document, schema(name), cls=jsonschema.Draft202012Validator)
