"""Cutting a report to a size limit at a section boundary, with a line saying where the full report is.

Sections start with a hidden `<!-- section: NAME -->` line. The head (marker, title, verdict) and the
footer are always kept; sections in between are kept in order while they fit.
"""

from __future__ import annotations

import re
from collections.abc import Callable

_BOUNDARY = re.compile(r"(?=^<!-- section: [a-z0-9_-]* -->$)", re.MULTILINE)
FOOTER = "<!-- section: footer -->"


def characters(text: str) -> int:
    return len(text)


def utf8_bytes(text: str) -> int:
    return len(text.encode("utf-8"))


def cut_note(shown: int, total: int, where: str | None) -> str:
    place = where or "`report.md` in the work directory (the workflow's artifacts)"
    return (f"> ✂️ **This report was cut to fit** ({shown} of {total} sections shown). "
            f"The full report is in {place}.\n")


def fit(text: str, limit: int, *, where: str | None = None,
        measure: Callable[[str], int] = characters) -> str:
    """`text` if it fits in `limit`, else the head, the sections that fit, a note and the footer."""
    if measure(text) <= limit:
        return text
    parts = _BOUNDARY.split(text)
    head, sections = parts[0], parts[1:]
    footer = sections.pop() if sections and sections[-1].startswith(FOOTER) else ""

    def assemble(kept: list[str]) -> str:
        return head + "".join(kept) + "\n" + cut_note(len(kept), len(sections), where) + "\n" + footer

    kept: list[str] = []
    for section in sections:
        if measure(assemble([*kept, section])) > limit:
            break
        kept.append(section)
    result = assemble(kept)
    if measure(result) <= limit:
        return result
    return _hard_cut(text, limit, where, measure)


def _hard_cut(text: str, limit: int, where: str | None, measure: Callable[[str], int]) -> str:
    """Even the head does not fit: keep whole lines of it (never half an HTML tag or table row)."""
    note = "\n\n" + cut_note(0, 0, where)
    kept: list[str] = []
    for line in text.splitlines(keepends=True):
        if measure("".join([*kept, line]) + note) > limit:
            break
        kept.append(line)
    body = "".join(kept)
    if body.count("<details>") > body.count("</details>"):
        body += "\n</details>\n" * (body.count("<details>") - body.count("</details>"))
    if body.count("```") % 2:
        body += "\n```\n"
    result = body + note
    return result if measure(result) <= limit else note.strip()[:limit]
