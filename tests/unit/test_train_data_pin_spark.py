"""The data pin of a dataset validated by Spark: its version is the one validation recorded (Spark listed
its files, or DVC recorded its md5), since training has no Spark to take it again."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlgate.config import parse_config
from mlgate.documents import Validation
from mlgate.errors import BadInput
from mlgate.train.data_pin import data_differences, data_pin
from mlgate.workdir import VALIDATION, write_document

LISTING = {"kind": "file-listing", "value": "a" * 64}


def config(tmp_path: Path, path: str) -> object:
    return parse_config({"model": {"name": "m"}, "data": [{"path": path, "engine": "spark"}]},
                        source="mlgate.yaml", root=tmp_path)


def validation(out: Path, dataset: str, path: str, status: str = "valid") -> None:
    write_document(out / VALIDATION, Validation.model_validate({
        "passed": status == "valid", "mode": "all", "base": None, "base_sha": None,
        "datasets": [{"dataset": dataset, "path": path, "format": "parquet", "status": status,
                      "version": LISTING, "rows": 36, "bytes": 7000, "failures": []}]}))


def test_a_uri_dataset_is_pinned_with_the_version_validation_recorded(tmp_path: Path) -> None:
    out = tmp_path / ".mlgate"
    out.mkdir()
    validation(out, "s3a://lake/events/", "s3a://lake/events/", status="invalid")

    pins = data_pin(config(tmp_path, "s3a://lake/events/"), out)  # type: ignore[arg-type]

    assert [p.model_dump() for p in pins] == [{
        "path": "s3a://lake/events/", "version": LISTING, "bytes": 7000, "rows": 36, "source": "validation",
        "validation": "invalid",
    }]


def test_a_local_spark_directory_is_found_by_its_dataset(tmp_path: Path) -> None:
    (tmp_path / "data/events").mkdir(parents=True)
    (tmp_path / "data/events/part-0.parquet").write_bytes(b"PAR1")
    out = tmp_path / ".mlgate"
    out.mkdir()
    validation(out, "data/events/", "data/events")

    pins = data_pin(config(tmp_path, "data/events/"), out)  # type: ignore[arg-type]

    assert [(p.path, p.version.kind, p.source, p.validation) for p in pins] == [
        ("data/events", "file-listing", "validation", "valid")]


def test_without_validation_a_uri_dataset_cannot_be_pinned(tmp_path: Path) -> None:
    with pytest.raises(BadInput, match="the Spark dataset s3a://lake/events/ has no version") as raised:
        data_pin(config(tmp_path, "s3a://lake/events/"), tmp_path / ".mlgate")  # type: ignore[arg-type]
    assert "run mlgate validate (with the same --out) before mlgate train" in raised.value.fix


def test_reproduce_does_not_take_a_listing_again(tmp_path: Path) -> None:
    out = tmp_path / ".mlgate"
    out.mkdir()
    validation(out, "s3a://lake/events/", "s3a://lake/events/")
    pins = data_pin(config(tmp_path, "s3a://lake/events/"), out)  # type: ignore[arg-type]

    assert data_differences(pins, tmp_path) == []
