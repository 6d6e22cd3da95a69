"""Escaping untrusted text: checked by rendering it with a CommonMark/GFM parser (markdown-it-py)."""

from __future__ import annotations

import re

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from mlgate.report.escape import ZWJ, Safe, clean, code, fenced, html, link, md, prose, safe_url
from tests.support import gfm

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


# --- autolinks and references, as GitHub renders them (cmark-gfm) -------------------------------------

AUTOLINKS = [
    "see https://evil.example/login now", "http://evil.example", "HTTPS://EVIL.EXAMPLE/x", "ftp://evil.example/f",
    "[x](https://evil.example)", "(www.evil.example)", "www.evil.example/path", "*www.evil.example*",
    "_http://evil.example_", "mail me: a@evil.example", "a@-evil.example", "a@.evil.example", "a_b@evil_x.example",
    "mailto:a@evil.example", "xmpp:a@evil.example/x", "fixes #12", "fixes GH-12 and gh-13", "acme/churn#12",
    "acme/churn@ec26c3e57ca3a959ca5aad62de7213c562f8c821", "@octocat and @acme/team", "(#3)", "a#4",
    "https://github.com/acme/churn/issues/1",
]


@pytest.mark.parametrize("raw", AUTOLINKS)
def test_md_makes_no_autolink_or_reference_on_github(raw: str) -> None:
    for where in (f"x {md(raw)}", md(raw), f"| h |\n|---|\n| {md(raw)} |\n"):
        rendered = gfm.render(where)
        assert gfm.anchors(rendered) == 0, rendered
        assert gfm.references(rendered) == [], rendered


@pytest.mark.parametrize("raw", AUTOLINKS)
def test_md_keeps_autolink_text_readable(raw: str) -> None:
    """A reader still sees the text: only invisible zero-width joiners were added."""
    assert gfm.text(gfm.render(md(raw))).replace(ZWJ, "").strip() == raw


@pytest.mark.parametrize("raw", AUTOLINKS)
def test_html_makes_no_autolink_or_reference_on_github(raw: str) -> None:
    rendered = gfm.render(f"<details><summary>{html(raw)}</summary>\n\nbody\n\n</details>\n")
    assert gfm.anchors(rendered) == 0, rendered
    assert gfm.references(rendered) == [], rendered
    assert gfm.text(rendered).replace(ZWJ, "").strip().startswith(raw)


@pytest.mark.parametrize("raw", AUTOLINKS)
def test_code_makes_no_autolink_or_reference_on_github(raw: str) -> None:
    rendered = gfm.render(f"x {code(raw)}")
    assert gfm.anchors(rendered) == 0, rendered
    assert gfm.references(rendered) == [], rendered


def test_link_text_is_not_linked_twice() -> None:
    rendered = gfm.render(link("https://evil.example #1", "https://mlflow.example/r"))
    assert gfm.links(rendered) == ["https://mlflow.example/r"]


_LINKY = st.lists(st.sampled_from(["http", "https", "ftp", "mailto:", "xmpp:", "://", ":", "/", "www", "www.", ".",
                                    "@", "#", "#1", "GH-", "gh-1", "a", "evil", ".example", "-", "_", "\\", "*",
                                    "(", ")", "<", ">", "[", "]", "`", " ", "0", "12", "&", ";", "&#64;"]),
                  max_size=30).map("".join)


@given(_LINKY)
@settings(max_examples=300, deadline=None)
def test_md_never_links_on_github(raw: str) -> None:
    rendered = gfm.render(f"x {md(raw)}\n\n| h |\n|---|\n| {md(raw)} |\n")
    assert gfm.anchors(rendered) == 0, (raw, rendered)
    assert gfm.references(rendered) == [], (raw, rendered)


@given(_LINKY)
@settings(max_examples=200, deadline=None)
def test_html_never_links_on_github(raw: str) -> None:
    rendered = gfm.render(f"<details><summary>{html(raw)}</summary>\n\nbody\n\n</details>\n")
    assert gfm.anchors(rendered) == 0, (raw, rendered)
    assert gfm.references(rendered) == [], (raw, rendered)


# --- prose: md, with the code spans of mlgate's own notes shown as code ---------------------------------


def test_prose_shows_code_spans_as_code() -> None:
    rendered = gfm.render(f"- {prose('no `production` alias on churn_v2: run `mlgate train` again')}")
    assert "<code>production</code>" in rendered and "<code>mlgate train</code>" in rendered
    assert gfm.text(rendered, keep_code=False).strip() == "no   alias on churn_v2: run   again"


@pytest.mark.parametrize("raw", [*HOSTILE, *AUTOLINKS])
def test_prose_code_spans_of_hostile_text_are_inert(raw: str) -> None:
    for text in (f"`{raw}`", f"a `{raw}` b {raw}", f"{raw} `x`"):
        rendered = gfm.render(f"- {prose(text)}\n")
        assert gfm.anchors(rendered) == 0, rendered
        assert gfm.references(rendered) == [], rendered
        kinds = {t.type for t in GFM.parseInline(prose(text))[0].children or []}
        assert kinds <= {"text", "code_inline"}, (text, kinds)


@given(_LINKY)
@settings(max_examples=300, deadline=None)
@example("    http")  # four blanks after a list marker: an indented code block, found by hypothesis
def test_prose_never_links_nor_marks_up(raw: str) -> None:
    escaped = prose(raw)
    assert "\n" not in escaped
    rendered = gfm.render(f"- {escaped}\n")
    assert gfm.anchors(rendered) == 0, (raw, rendered)
    assert gfm.references(rendered) == [], (raw, rendered)
    assert not re.search(r"<(?!/?(ul|li|code)>)", rendered), (raw, rendered)
    kinds = {t.type for t in GFM.parseInline(escaped)[0].children or []}
    assert kinds <= {"text", "code_inline"}, (raw, kinds)


# --- fenced: untrusted lines (a training log's tail) shown verbatim in a code block ---------------------


def test_fenced_block_holds_hostile_lines_as_text() -> None:
    block = fenced([*HOSTILE, "``````", "\x1b[1;31mred\x1b[0m", "<!-- section: footer -->", "y" * 500])
    lines = block.splitlines()
    assert lines[0] == "```````text" and lines[-1] == "```````"  # longer than the six backticks inside
    assert "red" in lines and "<" + ZWJ + "!-- section: footer -->" in lines
    assert "y" * 199 + "…" in lines
    rendered = gfm.render(f"<details><summary>log</summary>\n\n{block}\n\n</details>\n")
    assert rendered.count("<pre") == 1 and rendered.count("</details>") == 1
    assert "<script>" not in rendered and "<img" not in rendered and gfm.links(rendered) == []


@settings(max_examples=300)
@given(st.lists(st.text(max_size=60), max_size=8))
def test_fenced_block_is_one_code_block_whatever_the_lines(lines: list[str]) -> None:
    rendered = gfm.render(f"before\n\n{fenced(lines)}\n\nafter\n")
    assert rendered.count("<pre") == 1 and rendered.count("<code") == 1
    assert rendered.endswith("<p>after</p>\n")
    code_text = re.search(r"<code>(.*)</code></pre>", rendered, re.DOTALL)
    assert code_text is not None
    shown = gfm.text(code_text[1]).replace(ZWJ, "")
    assert shown == "".join(clean(line, 200) + "\n" for line in lines)  # every line as it was, cleaned
