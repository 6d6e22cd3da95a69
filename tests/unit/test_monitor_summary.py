"""The one-line summary of `mlgate monitor` (its output, monitor.json's `summary`, the issue's headline)."""

from __future__ import annotations

from mlgate.commands.monitor import summary
from mlgate.documents import SchemaChanges


def test_a_column_named_by_a_whole_data_row_is_cut_in_the_summary() -> None:
    """A header-less CSV read as if it had a header names its columns by the first row: 400 characters."""
    row = " ".join(f"{i * 0.123456789:.18e}" for i in range(20))
    changes = SchemaChanges(missing=[row, "b", *[f"c{i}" for i in range(12)]], new=[], changed_kind=[])
    text = summary("warned", [], changes, 1000, 500, None)
    assert row not in text and row[:79] + "…" in text
    assert text.endswith(", …")  # 14 columns: ten named
    assert len(text) < 300
