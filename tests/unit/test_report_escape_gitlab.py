"""Untrusted text on GitLab: a hostile report renders with no GitLab reference, quick action or HTML of its own.

GitLab links more than GitHub: `@user`, `#1` (issue), `!1` (merge request), `~label`, `%milestone`, `$1`
(snippet), `&1` (epic), `*iteration:1`, and `[[_TOC_]]` makes a table of contents. It resolves them in the
rendered text (after markdown's backslash escapes are gone), and it runs quick actions (`/merge`,
`/approve`) found at a line's start of the note's source with the poster's rights. The check here reads the
report as GitLab would: rendered with cmark-gfm (GitLab's markdown is CommonMark + GFM), the text outside
code and links, entities decoded; and the source's lines for quick actions.
"""

from __future__ import annotations

import re

import pytest

from mlgate.report.escape import html, md, prose
from mlgate.report.render import render
from mlgate.report.view import Context, Documents
from tests.support import gfm
from tests.support import report_documents as docs

GITLAB_HOSTILE = ('@root #12 !34 ~bug ~"big bug" %v1.0 %"Sprint 3" $56 &78 *iteration:9 [[_TOC_]] '
                  "acme/ml!5 acme/ml#6 <details><summary>x</summary>")
QUICK_ACTION = "/merge"
# what GitLab would turn into a reference (or a table of contents) in a note's text
GITLAB_REFERENCES = re.compile(r'(?<![\w`])@\w|#\d|!\d|~[\w"]|%[\w"]|\$\d|&\d|\*iteration:|\[\[_TOC_\]\]')
CTX = Context(model="churn", server_url="https://gitlab.example", repository="acme/ml/churn",
              run_url="https://gitlab.example/acme/ml/churn/-/jobs/501", head_sha=docs.HEAD_SHA,
              tracking_uri="https://mlflow.example")


def gitlab_references(markdown: str) -> list[str]:
    """References in the rendered text; `[[_TOC_]]` in the source too (GitLab reads it there)."""
    outside_code = re.sub(r"(`+)[^`]+?\1", "", markdown)
    toc = re.findall(r"\[\[_TOC_\]\]|^\[TOC\]$", outside_code, re.MULTILINE)
    return toc + GITLAB_REFERENCES.findall(gfm.text(gfm.render(markdown), keep_code=False, keep_links=False))


def quick_actions(markdown: str) -> list[str]:
    return [line for line in markdown.splitlines() if line.startswith("/")]


def hostile_documents(text: str) -> Documents:
    verdict = docs.verdict("failed")
    verdict["summary"] = text
    verdict["framing"]["decision"] = text
    verdict["metrics"].append(docs.metric(text, text, "nan", reasons=[text]))
    verdict["params_diff"].append({"name": text, "candidate": text, "production": text})
    verdict["notes"] += [text, QUICK_ACTION, f"{QUICK_ACTION} `{text}`"]
    verdict["baseline"]["source"] = text
    validation = docs.validation(passed=False)
    failure = validation["datasets"][1]["failures"][0]
    failure.update(message=text, column=text, check=text)
    failure["samples"] = [{"row": 1, text: text}]
    validation["datasets"][1]["error"] = text
    lineage = docs.lineage()
    lineage["code"]["commit"] = text
    lineage["environment"]["image"] = text
    lineage["environment"]["runtime"] = QUICK_ACTION
    lineage["reproducible"] = False
    lineage["not_reproducible_because"] = [text, QUICK_ACTION]
    return docs.documents(verdict_doc=verdict, validation_doc=validation, lineage_doc=lineage)


def test_a_hostile_report_makes_no_gitlab_reference() -> None:
    rendered = render(hostile_documents(GITLAB_HOSTILE), CTX)
    for text in (rendered.text, rendered.comment(where="the job")):
        assert gitlab_references(text) == []
        assert quick_actions(text) == []
        assert "<summary>x" not in gfm.render(text)  # no HTML of the text's own
        shown = gfm.text(gfm.render(text))
        assert "root" in shown and "big bug" in shown and "Sprint 3" in shown and "_TOC_" in shown  # still readable


def test_the_check_finds_what_it_looks_for() -> None:
    """Unescaped, every reference and the quick action are found (the check can fail)."""
    raw = f"{GITLAB_HOSTILE}\n{QUICK_ACTION}\n"
    assert len(gitlab_references(raw)) >= 11
    assert quick_actions(raw) == [QUICK_ACTION]


@pytest.mark.parametrize("escape", [md, prose, html])
@pytest.mark.parametrize("reference", ["@root", "#12", "!34", "~bug", '~"big bug"', "%v1", '%"Sprint 3"', "$56",
                                       "&78", "*iteration:9", "[[_TOC_]]", "group/project!5", "x&#36;1"])
def test_each_escape_breaks_each_reference(escape: object, reference: str) -> None:
    assert callable(escape)
    escaped = str(escape(reference))
    assert gitlab_references(f"<p>{escaped}</p>" if escape is html else escaped) == [], escaped
    assert gitlab_references(f"a {reference} b") or reference == "x&#36;1"  # it is one, unescaped


@pytest.mark.parametrize("escape", [md, prose])
def test_no_value_starts_a_quick_action(escape: object) -> None:
    assert callable(escape)
    assert not str(escape("/merge")).startswith("/")
    assert gfm.text(gfm.render(str(escape("/merge")))).strip() == "/merge"  # reads the same


@pytest.mark.parametrize(("url", "word"), [("https://gitlab.example/acme/ml/churn/-/jobs/501", "CI job"),
                                           ("https://gitlab.example/acme/ml/churn/-/pipelines/77", "pipeline")])
def test_the_footer_names_gitlabs_job_or_pipeline_not_a_workflow_run(url: str, word: str) -> None:
    from dataclasses import replace

    markdown = render(hostile_documents("plain"), replace(CTX, run_url=url)).text
    footer = markdown.rstrip().splitlines()[-1]
    assert f"[{word}]({url})" in footer and "workflow run" not in markdown
