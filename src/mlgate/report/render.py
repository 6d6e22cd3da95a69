"""Rendering: the packaged jinja2 templates (or a user's template extending them) → markdown.

Templates are loaded with importlib.resources from `mlgate/report/templates/`. A user's template
(`report.template` in mlgate.yaml) may `{% extends "report.md.j2" %}` and override blocks. The environment
is sandboxed, and prints anything that is not already escaped (`Safe`) as escaped markdown.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from mlgate import safepath
from mlgate.errors import BadInput
from mlgate.report import escape
from mlgate.report.escape import Safe
from mlgate.report.truncate import fit, utf8_bytes
from mlgate.report.view import Context, Documents, ReportView, build

BUILTIN = "report.md.j2"
COMMENT_LIMIT = 65536  # GitHub's maximum comment body, in characters
_NAME = re.compile(r"[A-Za-z0-9_.-]+\.md\.j2")


@dataclass(frozen=True)
class Rendered:
    text: str  # the whole report (report.md)
    view: ReportView

    def comment(self, where: str | None = None) -> str:
        """The body for the PR comment: within GitHub's limit, cut between sections when needed."""
        return fit(self.text, COMMENT_LIMIT, where=where)

    def fit_summary(self, where: str | None = None) -> Callable[[str, int], str]:
        """How to cut the report to what is left of the job summary (a budget in UTF-8 bytes)."""
        return lambda text, budget: fit(text, budget, where=where, measure=utf8_bytes)


def _builtin(name: str) -> str | None:
    if not _NAME.fullmatch(name):
        return None
    path = resources.files("mlgate.report").joinpath("templates", name)
    return path.read_text(encoding="utf-8") if path.is_file() else None


def _section(name: str) -> Safe:
    return Safe(f"<!-- section: {re.sub(r'[^a-z0-9_-]', '', name.lower())} -->")


def read_template(path: Path, folder: Path) -> str:
    """A user's template file: inside `folder` once symlinks are resolved, and not itself a symlink
    (mlgate.safepath): a committed link to /proc/self/environ must not be pasted into the PR comment."""
    if os.path.islink(path):
        raise BadInput(f"report template {path} is a symlink",
                       "mlgate never follows a symlink into a template: a pull request could link a host "
                       "file (its environment, with the job's tokens) into the comment",
                       "commit the template itself, not a link to it", file=str(path))
    return safepath.read_bytes(path, folder, "report.template").decode("utf-8")


def _confined_loader(folder: Path) -> object:
    """A loader of the templates in `folder` (what a user's template extends or includes): a name with
    `..`, a symlink, or a path leading out of the folder is refused."""
    from jinja2 import FunctionLoader
    from jinja2.loaders import split_template_path

    def load(name: str) -> str | None:
        path = folder.joinpath(*split_template_path(name))  # TemplateNotFound for `..`
        return read_template(path, folder) if os.path.lexists(path) else None

    return FunctionLoader(load)


def _environment(user_dir: Path | None) -> object:
    from jinja2 import ChoiceLoader, FunctionLoader, StrictUndefined
    from jinja2.sandbox import SandboxedEnvironment

    loaders: list[object] = [FunctionLoader(_builtin)]
    if user_dir is not None:
        loaders.append(_confined_loader(user_dir))
    env = SandboxedEnvironment(
        loader=ChoiceLoader(loaders),  # type: ignore[arg-type]
        autoescape=False,
        finalize=escape.finalize,
        undefined=StrictUndefined,
        trim_blocks=True,
        keep_trailing_newline=True,
    )
    env.globals.update(section=_section)
    env.filters.update(md=escape.md, html=escape.html, code=escape.code, link=escape.link)
    return env


def render(docs: Documents, ctx: Context, template: Path | None = None) -> Rendered:
    """Render the report; a missing or broken user template is BadInput naming the file and line."""
    import jinja2

    view = build(docs, ctx)
    env = _environment(template.parent if template else None)
    assert isinstance(env, jinja2.Environment)
    try:
        if template is None:
            compiled = env.get_template(BUILTIN)
        else:
            if not template.is_file():
                raise BadInput(f"report template {template} not found",
                               "report.template in mlgate.yaml names it",
                               "create the file or fix report.template", file=str(template))
            compiled = env.from_string(read_template(template, template.parent))
        text = compiled.render(view=view)
    except jinja2.TemplateSyntaxError as exc:
        raise BadInput(f"report template {exc.filename or template}: syntax error on line {exc.lineno}",
                       exc.message or "", "fix the template (see docs/config.md, custom templates)",
                       file=str(template) if template else None) from exc
    except jinja2.TemplateError as exc:
        raise BadInput(f"report template {template or BUILTIN} failed to render", str(exc),
                       "use only the `view` fields and blocks documented in docs/config.md",
                       file=str(template) if template else None) from exc
    except (ArithmeticError, LookupError, TypeError, ValueError) as exc:
        if template is None:
            raise  # the packaged template failing is a bug of ours
        raise BadInput(f"report template {template} failed to render",
                       f"{type(exc).__name__}: {exc}",
                       "fix the expression in the template (see docs/config.md, custom templates)",
                       file=str(template)) from exc
    if view.rules and view.rules not in text:  # a user's template never hides that the PR changes the gate
        text = text.replace(view.marker, f"{view.marker}\n{view.rules}", 1) if view.marker in text \
            else f"{view.rules}\n{text}"
    text = _tidy(text)
    if not text.startswith(view.marker):  # a template that does not extend ours: keep the comment sticky
        text = f"{view.marker}\n{text}"
    return Rendered(text=text, view=view)


def _tidy(text: str) -> str:
    """At most one blank line in a row, one newline at the end."""
    return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"
