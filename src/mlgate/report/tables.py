"""GitHub-flavoured markdown tables (tabulate's "github" format) from cells that are already escaped."""

from __future__ import annotations

from collections.abc import Sequence

from tabulate import tabulate

from mlgate.report.escape import Safe, md

MAX_ROWS = 200


def table(headers: Sequence[str], rows: Sequence[Sequence[object]], max_rows: int = MAX_ROWS) -> Safe:
    """A markdown table. Cells that are not Safe are escaped; more than `max_rows` rows are cut."""
    if not rows:
        return Safe("")
    shown = [[_cell(c) for c in row] for row in rows[:max_rows]]
    if len(rows) > max_rows:
        more = f"… {len(rows) - max_rows} more rows not shown"
        shown.append([more] + [" "] * (len(headers) - 1))
    text = tabulate(
        shown, headers=[_cell(h) for h in headers], tablefmt="github", disable_numparse=True, stralign="left"
    )
    return Safe(text)


def _cell(value: object) -> str:
    text = str(value) if isinstance(value, Safe) else md(value, limit=120)
    return text if text else " "
