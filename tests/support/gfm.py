"""What a reviewer sees of a report on GitHub: rendered with cmark-gfm, GitHub's own markdown renderer.

`render` uses the extensions GitHub enables (autolink, table, strikethrough, tagfilter, tasklist) and lets raw
HTML through, as GitHub does before its sanitiser. cmark-gfm does not make GitHub's references (`#12`,
`GH-12`, `owner/repo#12`, `@name`): GitHub adds them to the HTML's text afterwards, so `references` looks for
them in the rendered text, outside code and links, as GitHub would.
"""

from __future__ import annotations

import html
import re

import cmarkgfm
from cmarkgfm.cmark import Options

EXTENSIONS = ["autolink", "table", "strikethrough", "tagfilter", "tasklist"]
OPTIONS = Options.CMARK_OPT_UNSAFE | Options.CMARK_OPT_GITHUB_PRE_LANG

# GitHub's references in text: issues and PRs (`#12`, `GH-12`, `owner/repo#12`), mentions (`@name`,
# `@org/team`), and the commit of another repository (`owner/repo@sha`, a mention too).
_REFERENCES = re.compile(r"#\d|(?i:\bgh-\d)|(?<![\w`])@[A-Za-z0-9]")
_HREF = re.compile(r"<a\b[^>]*\bhref=\"([^\"]*)\"", re.IGNORECASE)


def render(markdown: str) -> str:
    """The HTML GitHub makes of `markdown` (before its sanitiser and its own references)."""
    return cmarkgfm.markdown_to_html_with_extensions(markdown, options=OPTIONS, extensions=EXTENSIONS)


def links(rendered: str) -> list[str]:
    """The targets of every `<a href>` in rendered HTML, in order."""
    return [html.unescape(h) for h in _HREF.findall(rendered)]


def anchors(rendered: str) -> int:
    """How many `<a` elements the HTML has (with or without href)."""
    return len(re.findall(r"<a\b", rendered, re.IGNORECASE))


def text(rendered: str, *, keep_code: bool = True, keep_links: bool = True) -> str:
    """The text a reader sees: tags dropped and entities decoded; without code or links if asked."""
    if not keep_code:
        rendered = re.sub(r"<(code|pre)\b.*?</\1>", " ", rendered, flags=re.DOTALL | re.IGNORECASE)
    if not keep_links:
        rendered = re.sub(r"<a\b.*?</a>", " ", rendered, flags=re.DOTALL | re.IGNORECASE)
    rendered = re.sub(r"<!--.*?-->", " ", rendered, flags=re.DOTALL)
    return html.unescape(re.sub(r"<[^>]+>", "", rendered))


def references(rendered: str) -> list[str]:
    """GitHub's references (issue, PR, mention) that GitHub would make in the rendered HTML's text."""
    return _REFERENCES.findall(text(rendered, keep_code=False, keep_links=False))
