"""Escaping untrusted text: checked by rendering it with a CommonMark/GFM parser (markdown-it-py)."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from mlgate.report.escape import ZWJ, Safe, clean, code, html, link, md, safe_url

GFM = MarkdownIt("commonmark", {"html": True}).enable("table").enable("strikethrough")
PING = re.compile(r"(?<![\w@])@[A-Za-z0-9]")  # what GitHub would turn into a mention
HOSTILE = [
    "<script>alert(1)</script>", "</details><img src=x onerror=alert(1)>", "a | b | c", "@octocat please",
    "**bold** _it_ `code` ~~s~~", "[click](javascript:alert(1))", "![img](http://x/y.png)", "# heading",
    "- item", "1. first", "> quote", "line1\nline2\r\nline3", "```\nfence", "&lt;already&gt;", "&#64;octocat",
    "\u202eevil\u202c", "tab\there", "---", "=== ", "<!-- comment -->", "back\\slash|pipe", "org/repo#12",
]


def inline_tokens(text: str) -> list[str]:
    """The inline token types markdown-it produces for `text` as a paragraph."""
    tokens = GFM.parse(text)
    kinds = [t.type for t in tokens]
    assert kinds == ["paragraph_open", "inline", "paragraph_close"], (text, kinds)
    return [child.type for child in tokens[1].children or []]


@pytest.mark.parametrize("raw", HOSTILE)
def test_md_renders_as_plain_text(raw: str) -> None:
    escaped = md(raw)
    kinds = set(inline_tokens("x " + escaped))  # as it appears inside a sentence
    assert kinds == {"text"}, kinds
    assert "\n" not in escaped and "<" not in escaped
    assert not PING.search(GFM.renderInline(escaped))


@pytest.mark.parametrize("raw", HOSTILE)
def test_md_is_plain_text_at_the_start_of_a_line(raw: str) -> None:
    assert set(inline_tokens(md(raw))) == {"text"}


def test_md_keeps_the_text_readable() -> None:
    rendered = GFM.renderInline(md("a | b <c> @me **x**"))
    assert rendered == f"a | b &lt;c&gt; @{ZWJ}me **x**"


def test_md_in_a_table_cell_keeps_the_columns() -> None:
    cell = md("a | b | c")
    html_out = GFM.render(f"| h1 | h2 |\n|---|---|\n| {cell} | z |\n")
    assert html_out.count("<td>") == 2
    assert "<td>a | b | c</td>" in html_out


@given(st.text(max_size=200))
@settings(max_examples=300, deadline=None)
def test_md_never_produces_markup(raw: str) -> None:
    escaped = md(raw)
    assert isinstance(escaped, Safe)
    assert "<" not in escaped and ">" not in escaped and "\n" not in escaped and "\r" not in escaped
    rendered = GFM.render(f"| h |\n|---|\n| {escaped} |\n")
    assert "<a " not in rendered and "<img" not in rendered and "<code>" not in rendered
    assert "<em>" not in rendered and "<strong>" not in rendered and "<s>" not in rendered
    assert rendered.count("<td>") <= 1
    assert not PING.search(rendered)


@given(st.text(max_size=200))
@settings(max_examples=200, deadline=None)
def test_html_escapes_for_element_text(raw: str) -> None:
    escaped = html(raw)
    assert not re.search(r"[<>\"'\n]", escaped)
    assert not PING.search(escaped)


def test_clean_cuts_long_text_and_drops_controls() -> None:
    assert clean("a" * 500, 10) == "a" * 9 + "…"
    assert clean("x\x00y\u202ez\x1b") == "xyz"
    assert clean(None) == ""


@pytest.mark.parametrize(("url", "expected"), [
    ("https://mlflow.example/#/experiments/1/runs/abc", "https://mlflow.example/#/experiments/1/runs/abc"),
    ("http://user:secret@host:5000/path", "http://host:5000/path"),
    ("https://host/a)b|c d", None),  # whitespace: refused
    ("https://host/a)b|c", "https://host/a%29b%7Cc"),
    ("javascript:alert(1)", None),
    ("file:///etc/passwd", None),
    ("//host/x", None),
    ("", None),
    (None, None),
])
def test_safe_url(url: str | None, expected: str | None) -> None:
    assert safe_url(url) == expected


def test_link_falls_back_to_text_for_unsafe_urls() -> None:
    assert link("run", "javascript:alert(1)") == "run"
    assert link("run [1]", "https://x.example/r") == "[run \\[1\\]](https://x.example/r)"
    tokens = inline_tokens(link("a|b", "https://x.example/r)|"))
    assert tokens.count("link_open") == 1


def test_code_spans_only_for_plain_ids() -> None:
    assert code("abc1234") == "`abc1234`"
    assert code("a`b") == "a\\`b"
    assert code("@octocat") == f"@{ZWJ}octocat"


def test_md_escapes_dollars_so_github_renders_no_math() -> None:
    """GitHub renders `$...$` as LaTeX: a data value could fake a big green verdict."""
    escaped = md(r"$\Huge\color{green}{\text{passed}}$ and $$x$$")
    assert "$" not in escaped.replace("\\$", "")
    assert GFM.renderInline(escaped).startswith("$\\Huge\\color{green}")  # a reader still sees the text


def test_html_has_no_dollar_for_github_math() -> None:
    assert html("data/$\\Huge x$.csv") == "data/&#36;\\Huge x&#36;.csv"


def test_html_entities_survive_the_ping_guard() -> None:
    """`'` becomes `&#39;`: the zero-width joiner against `#123` must not break that entity."""
    import html as stdlib_html

    assert stdlib_html.unescape(html("o'brien #12 &#64;x")) == f"o'brien #{ZWJ}12 &#{ZWJ}64;x"
