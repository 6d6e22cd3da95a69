"""The report's first lines about the gate's rules (verdict.json `rules`, mlgate.rules): which rules judged
this pull request and what it changes in them. Every value is escaped: keys and values come from the PR's
mlgate.yaml."""

from __future__ import annotations

from mlgate.documents import Verdict
from mlgate.report.escape import Safe, code, md

MAX_CHANGES = 20


def notice(verdict: Verdict | None) -> Safe | None:
    """A GitHub alert block, or None when the rules are the base's and unchanged (or not a pull request)."""
    rules = verdict.rules if verdict is not None else None
    if rules is None:
        return None
    path = code(rules.path or "mlgate.yaml", 200)
    where = f"{path} at the base commit {code((rules.commit or '')[:12], 12)}"
    if rules.source == "pr-first":
        return Safe(f"> [!NOTE]\n> **This PR adds the gate's config** ({path}): "
                    "it is judged by its own rules, which a reviewer must check.\n")
    if rules.source == "pr-base-invalid":
        return Safe(f"> [!WARNING]\n> **The base's rules cannot be used**: {where} is not valid "
                    f"({md(rules.problem or '', 300)}). This PR is judged by its own rules, which a "
                    "reviewer must check.\n")
    if not rules.changes:
        return None
    lines = [f"> - {md(_label(c.key), 200)} {md(c.base, 200)} → {md(c.pr, 200)}"
             for c in rules.changes[:MAX_CHANGES]]
    if len(rules.changes) > MAX_CHANGES:
        lines.append(f"> - and {len(rules.changes) - MAX_CHANGES} more (verdict.json `rules`)")
    return Safe(f"> [!WARNING]\n> **This PR changes the gate.** It is judged by the rules of {where}; its "
                "changes apply after merge:\n>\n" + "\n".join(lines) + "\n")


def _label(key: str) -> str:
    """`metrics.roc_auc.max_regression` → `roc_auc max_regression`; other keys as they are."""
    if not key.startswith("metrics."):
        return key
    name, _, field = key.removeprefix("metrics.").rpartition(".")
    return f"{name} {field}" if name else field

