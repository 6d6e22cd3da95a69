"""Validating a chunk with pandera leaves the chunk as read: the dataset-level checks that follow see the
file's values, never pandera's coerced ones (mlgate validates a shallow copy in place, which pandas'
copy-on-write keeps apart from the chunk)."""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa

from mlgate.data.schema import LoadedSchema
from mlgate.data.validate import PanderaFailures, _validate_chunk


def _schema(**columns: pa.Column) -> LoadedSchema:
    return LoadedSchema(pa.DataFrameSchema(columns, coerce=True), (), "schema.yaml")


def test_a_coercing_schema_does_not_change_the_chunk_the_checks_read() -> None:
    chunk = pd.DataFrame({"label": ["1", "2", "2"], "score": ["0.5", "0.25", "1"]}, index=[10, 11, 12])
    before = chunk.copy(deep=True)
    found = PanderaFailures()
    _validate_chunk(_schema(label=pa.Column(int), score=pa.Column(float)), chunk, found, "data.csv")
    assert found.failures() == []  # the coercion succeeded: every value reads as the schema's type
    pd.testing.assert_frame_equal(chunk, before)  # still the strings of the file, same index


def test_a_value_that_cannot_be_coerced_is_still_a_failure_naming_its_row() -> None:
    chunk = pd.DataFrame({"label": ["1", "two", "3"]}, index=[0, 1, 2])
    found = PanderaFailures()
    _validate_chunk(_schema(label=pa.Column(int)), chunk, found, "data.csv")
    failures = found.failures()
    coerce = [f for f in failures if f.check == "coerce_dtype('int64')"]
    assert [(f.column, f.failing_rows, f.samples[0]["row"]) for f in coerce] == [("label", 1, 2)]
    assert chunk["label"].tolist() == ["1", "two", "3"]
