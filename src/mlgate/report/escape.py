"""Escaping untrusted text for GitHub-flavoured markdown and HTML.

Everything that came from data, configs, metrics, params, branches or error messages goes through `md`
(inline markdown and table cells), `prose` (md, with `code spans` shown as code: mlgate's notes), `html`
(inside our own HTML tags, e.g. `<summary>`) or `link`.
What they guarantee, for any input:

- no raw HTML: `<`, `>` and `&` become entities, so `</details>` or `<img>` can never appear;
- no markdown structure: emphasis, code spans, links, images, tables (`|`), headings, lists, quotes,
  math (`$...$`, which GitHub renders as LaTeX: big coloured text could fake a verdict);
- no notifications, references or autolinks: a zero-width joiner goes after every `@` (nobody is pinged,
  no email is linked), after `#` before a letter or digit and after `GH-` before a digit (no issue is
  cross-referenced, `owner/repo#1` included), after `www` before a dot and after the `:` of `://`
  (GitHub's cmark-gfm links bare `http://`, `https://` and `ftp://` URLs, `www.` hosts and emails, even
  inside an escaped `[x](https://...)`). The joiner is invisible: the text reads the same. A code span is
  never linked, so `code` leaves it as is;
- the same on GitLab, which links more (host-neutral: one escaping serves both hosts): a joiner goes after
  `!` before a digit (merge requests), `~` and `%` before a word or `"` (labels, milestones), `$` before a
  digit (snippets), the `&` of an `&amp;` before a digit (epics), `*` before `iteration:`, and between the
  brackets of `[[` (`[[_TOC_]]`). GitLab's references are resolved in the rendered text, after markdown's
  backslash escapes are gone, so only a joiner breaks them;
- no GitLab quick action: a value never starts with `/` (GitLab runs `/merge`, `/approve` at a line's start
  of a note with the poster's rights): a backslash goes before it (shown as `/` still);
- one line: newlines become spaces; control and bidirectional-override characters are dropped;
- bounded length: long values are cut with an ellipsis.

`Safe` marks text that is already escaped (or is our own markup): the template environment escapes
everything else it prints.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from urllib.parse import quote, urlsplit, urlunsplit

ZWJ = "\u200d"
DEFAULT_LIMIT = 300

_ANSI = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)?)")  # colours, titles
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")
_NEWLINES = re.compile(r"\s*[\r\n\t\f\v\u2028\u2029]+\s*")
_MD_INLINE = re.compile(r"([\\`*_\[\]|~$])")
_BACKTICKS = re.compile(r"`+")
_COMMENT_START = re.compile(r"^(\s*<)(?=!--)")
_LINE_START = re.compile(r"^(\s*)([#+\-=>!/])")  # `/`: a GitLab quick action (`/merge`) at a line's start
_ORDERED = re.compile(r"^(\s*\d+)([.)])")
_CODE_SPAN = re.compile(r"`([^`]+)`")
# Where a zero-width joiner goes: after every `@` (mentions, emails, `mailto:`), after `#` before a word
# (not the `#` of our own `&#39;` entities), after `GH-` before a digit, after `www` before a dot, and
# after the `:` of `://`.
_LINKY = re.compile(r"@|(?<!&)#(?=[A-Za-z0-9_])|(?i:gh-)(?=\d)|(?i:www)(?=\.)|:(?=//)"
                    # GitLab: !1 (MR), ~label, %milestone, $1 (snippet), &1 (epic), *iteration:, [[_TOC_]]
                    r"|!(?=\d)|[~%](?=[\w\"]|&quot;)|(?:\$|&#36;)(?=\d)|&amp;(?=\d)|\*(?=iteration:)"
                    r"|\[(?=\\?\[)")


class Safe(str):
    """Text that is already escaped markdown (or our own markup): printed as is."""

    __slots__ = ()


def clean(value: object, limit: int | None = DEFAULT_LIMIT) -> str:
    """The text of a value on one line, without control characters, cut at `limit` characters."""
    text = "" if value is None else str(value)
    text = _NEWLINES.sub(" ", _CONTROL.sub("", _ANSI.sub("", text)))
    if limit is not None and len(text) > limit:
        text = text[: max(limit - 1, 0)].rstrip() + "…"
    return text


def _no_links(text: str) -> str:
    """No mention, issue reference or autolink on GitHub: a zero-width joiner breaks each pattern."""
    return _LINKY.sub(lambda m: m.group(0) + ZWJ, text)


def md(value: object, limit: int | None = DEFAULT_LIMIT) -> Safe:
    """Escape a value for inline markdown, a table cell included. Leading blanks are dropped: after a list
    marker, four of them would open a code block."""
    return _md(clean(value, limit).lstrip(" \t"))


def _md(text: str) -> Safe:
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = _MD_INLINE.sub(r"\\\1", text)
    text = _LINE_START.sub(r"\1\\\2", text)
    text = _ORDERED.sub(r"\1\\\2", text)
    return Safe(_no_links(text))


def prose(value: object, limit: int | None = DEFAULT_LIMIT) -> Safe:
    """Escape a value as `md` does, except its `code spans`, shown as code (not in a table cell).

    mlgate's notes name config keys and commands in backticks (no `production` alias; run `mlgate train`).
    Nothing inside a code span is markup on GitHub (no HTML, emphasis, link, math, mention or reference), so a
    span of untrusted text only shows as code; every other backtick is escaped.
    """
    text = clean(value, limit).lstrip(" \t")
    parts, end = [], 0
    for span in _CODE_SPAN.finditer(text):
        parts += [_md(text[end:span.start()]), f"`{span.group(1)}`"]
        end = span.end()
    parts.append(_md(text[end:]))
    return Safe("".join(parts))


def html(value: object, limit: int | None = DEFAULT_LIMIT) -> Safe:
    """Escape a value for text inside an HTML element (where markdown is not processed)."""
    text = clean(value, limit)
    text = (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        .replace('"', "&quot;").replace("'", "&#39;").replace("$", "&#36;")  # no GitHub math
    )
    return Safe(_no_links(text))


def safe_url(value: object) -> str | None:
    """An http(s) URL fit for a markdown link destination, or None.

    Credentials are removed; characters that could end the link or a table cell are percent-encoded.
    """
    if not isinstance(value, str) or not value or _CONTROL.search(value) or any(c.isspace() for c in value):
        return None
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    netloc = parts.hostname if port is None else f"{parts.hostname}:{port}"
    if ":" in parts.hostname:  # an IPv6 literal
        netloc = f"[{parts.hostname}]" + (f":{port}" if port is not None else "")
    keep = "/%:@!$&'*+,;=-._~?#"
    path, query, fragment = (quote(p, safe=keep) for p in (parts.path, parts.query, parts.fragment))
    return urlunsplit((parts.scheme.lower(), netloc, path, query, fragment))


def link(text: object, url: object, limit: int | None = DEFAULT_LIMIT) -> Safe:
    """A markdown link with escaped text, or just the escaped text when the URL is not safe."""
    label = md(text, limit)
    target = safe_url(url)
    if target is None or not label:
        return label
    return Safe(f"[{label}]({target})")


def code(value: object, limit: int | None = DEFAULT_LIMIT) -> Safe:
    """A value shown as code: a short hex id or version in a code span, anything else escaped text."""
    text = clean(value, limit)
    if re.fullmatch(r"[A-Za-z0-9._:/+=-]{1,120}", text) and "@" not in text:
        return Safe(f"`{text}`")
    return md(text, limit)


def fenced(lines: Sequence[object], limit: int = 200, info: str = "text") -> Safe:
    """Lines shown as they are, in a fenced code block: no markdown, HTML, link or mention works inside.

    The fence is longer than any run of backticks in the lines, so no line can close it; each line is
    cleaned (terminal colours and control characters dropped) and cut at `limit`; a line that would read as
    one of the report's own `<!-- ... -->` boundaries gets an invisible joiner after its `<`.
    """
    shown = [clean(line, limit) for line in lines]
    shown = [_COMMENT_START.sub("\\1" + ZWJ, line) for line in shown]
    longest = max((len(run) for line in shown for run in _BACKTICKS.findall(line)), default=0)
    fence = "`" * max(3, longest + 1)
    return Safe("\n".join([fence + info, *shown, fence]))


def finalize(value: object) -> object:
    """The template environment's `finalize`: anything not marked Safe is escaped as markdown."""
    if value is None:
        return ""
    if isinstance(value, Safe):
        return value
    return md(value)
