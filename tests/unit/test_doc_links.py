"""Every relative link in README.md and docs/*.md points at a file that exists, and every `#anchor` at a heading.

Anchors are the slugs GitHub makes from headings: the heading's text as rendered (no backticks, link text
only), lowercased, punctuation dropped except `-` and `_`, each space a `-`; a repeated heading gets `-1`,
`-2`, … (github-slugger). http(s) and mailto links are not followed.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]

FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
HEADING = re.compile(r"^ {0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
INLINE_CODE = re.compile(r"(`+)(.+?)\1")
LINK = re.compile(r"!?\[((?:[^\[\]]|\[[^\]]*\])*)\]\(\s*<?([^)\s>]*)>?(?:\s+\"[^\"]*\")?\s*\)")
REFERENCE = re.compile(r"^ {0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+.*)?$")
HTML_ANCHOR = re.compile(r"<a\s+[^>]*(?:id|name)=\"([^\"]+)\"", re.I)


def slugify(heading: str) -> str:
    """GitHub's anchor for one heading's text (before the -1, -2 of repeated headings)."""
    parts = INLINE_CODE.split(heading)  # text, then (backticks, code) pairs: code is shown as it is
    text = ""
    for index in range(0, len(parts), 3):
        text += re.sub(r"<[^>]+>", "", LINK.sub(lambda m: m.group(1), parts[index]))
        if index + 2 < len(parts):
            text += parts[index + 2].strip()
    text = text.strip().lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def prose_lines(markdown: str) -> list[str]:
    """The lines outside fenced code blocks."""
    lines: list[str] = []
    fence: str | None = None
    for line in markdown.splitlines():
        match = FENCE.match(line)
        if fence is None and match:
            fence = match.group(1)
        elif fence is not None and match and match.group(1)[0] == fence[0] and len(match.group(1)) >= len(fence):
            fence = None
        elif fence is None:
            lines.append(line)
    return lines


def anchors(markdown: str) -> set[str]:
    """Every anchor a page has: its heading slugs (repeats numbered as github-slugger does) and HTML ids."""
    seen: dict[str, int] = {}
    found: set[str] = set()
    for line in prose_lines(markdown):
        found.update(HTML_ANCHOR.findall(line))
        match = HEADING.match(line)
        if not match:
            continue
        original = slug = slugify(match.group(2))
        while slug in seen:
            seen[original] += 1
            slug = f"{original}-{seen[original]}"
        seen[slug] = 0
        found.add(slug)
    return found


def links(markdown: str) -> list[str]:
    """The targets of inline and reference links, outside code."""
    targets: list[str] = []
    for line in prose_lines(markdown):
        text = INLINE_CODE.sub("", line)
        targets += [m.group(2) for m in LINK.finditer(text)]
        reference = REFERENCE.match(text)
        if reference:
            targets.append(reference.group(1))
    return targets


def shown(file: Path) -> str:
    return str(file.relative_to(ROOT)) if file.is_relative_to(ROOT) else file.name


def broken_links(page: Path) -> list[str]:
    """`target: why` for every link of the page that leads nowhere."""
    broken: list[str] = []
    for target in links(page.read_text(encoding="utf-8")):
        if re.match(r"^[a-z][a-z0-9+.-]*:", target, re.I):  # http:, https:, mailto:
            continue
        path, _, anchor = target.partition("#")
        file = (page.parent / path).resolve() if path else page
        if not file.exists():
            broken.append(f"{target}: {path} does not exist")
            continue
        if anchor and file.suffix == ".md" and anchor not in anchors(file.read_text(encoding="utf-8")):
            broken.append(f"{target}: no heading with the anchor #{anchor} in {shown(file)}")
        elif anchor and file.is_dir():
            broken.append(f"{target}: an anchor into a directory")
    return broken


@pytest.mark.parametrize("page", DOCS, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_link_leads_somewhere(page: Path) -> None:
    assert broken_links(page) == []


def test_the_reference_is_in_docs_and_linked_from_the_readme() -> None:
    names = {p.name for p in DOCS[1:]}
    expected = {"config.md", "stages.md", "actions.md", "documents.md", "exit-codes.md", "security.md",
                "development.md"}
    assert expected <= names
    readme = links((ROOT / "README.md").read_text(encoding="utf-8"))
    for name in sorted(expected):
        assert f"docs/{name}" in readme, f"README.md does not link to docs/{name}"


@pytest.mark.parametrize(("heading", "slug"), [
    ("Quick start", "quick-start"),
    ("Config reference: `mlgate.yaml`", "config-reference-mlgateyaml"),
    ("Making `mlgate/<model>` a required status check", "making-mlgatemodel-a-required-status-check"),
    ("Fork pull requests: the two-workflow set-up", "fork-pull-requests-the-two-workflow-set-up"),
    ("`mlgate reproduce RUN_ID`", "mlgate-reproduce-run_id"),
    ("`data:` the datasets to validate", "data-the-datasets-to-validate"),
    ("The example project: `examples/breast-cancer/`", "the-example-project-examplesbreast-cancer"),
    ("See [the docs](docs/x.md) now", "see-the-docs-now"),
    ("Exit codes & the work directory", "exit-codes--the-work-directory"),
])
def test_slugify_makes_githubs_anchors(heading: str, slug: str) -> None:
    assert slugify(heading) == slug


def test_repeated_headings_are_numbered() -> None:
    page = "# Notes\n\n## Example\n\ntext\n\n## Example\n\n### Example\n"
    assert anchors(page) == {"notes", "example", "example-1", "example-2"}


def test_headings_and_links_in_code_blocks_do_not_count() -> None:
    page = "# Title\n\n```sh\n# not a heading\n[a](missing.md)\n```\n\n`[b](also-missing.md)` is code\n"
    assert anchors(page) == {"title"}
    assert links(page) == []


def test_a_broken_link_is_found(tmp_path: Path) -> None:
    (tmp_path / "other.md").write_text("# Other page\n\n## Its section\n")
    (tmp_path / "folder").mkdir()
    page = tmp_path / "page.md"
    page.write_text(
        "# Page\n\n## Local part\n\n"
        "[ok](other.md) [ok](other.md#its-section) [ok](#local-part) [ok](folder/) [ok](https://example.com/x#y)\n"
        "[gone](missing.md) [bad anchor](other.md#no-such-section) [bad local](#nowhere)\n"
        "![image](img/missing.png)\n\n[ref]: missing-ref.md\n"
    )
    assert broken_links(page) == [
        "missing.md: missing.md does not exist",
        "other.md#no-such-section: no heading with the anchor #no-such-section in other.md",
        "#nowhere: no heading with the anchor #nowhere in page.md",
        "img/missing.png: img/missing.png does not exist",
        "missing-ref.md: missing-ref.md does not exist",
    ]


@pytest.mark.parametrize("name", ["config.md", "stages.md"])
def test_the_contents_list_every_section(name: str) -> None:
    """docs/config.md and docs/stages.md open with a contents line linking every `## ` section."""
    page = (Path(__file__).resolve().parents[2] / "docs" / name).read_text(encoding="utf-8")
    contents = page[page.index("Contents:"):].split("\n\n", 1)[0]
    sections = [line[3:] for line in prose_lines(page) if line.startswith("## ")]
    missing = [s for s in sections if f"(#{slugify(s)})" not in contents]
    assert sections and missing == [], missing
