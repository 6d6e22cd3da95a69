"""GitHub API requests a `mlgate monitor` run makes on its issue, in a repository with 300 other issues.

Target (issue 12): at most 4 for a run that updates its issue. Runs github/issue.sync (what `mlgate monitor
--post` calls) with the real PyGithub client against the local fake GitHub API (tests/support/github_server.py),
through a model's lifecycle: opened, updated, unchanged, warned, closed, reopened (with a retraining
dispatched), and prints each step's requests.

    .venv/bin/python benchmarks/monitor_requests.py
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "src"))

from mlgate.github import client  # noqa: E402
from mlgate.github.context import GitHubContext  # noqa: E402
from mlgate.github.issue import Status, Wanted, sync  # noqa: E402
from tests.support.github_server import start  # noqa: E402

MARKER = "<!-- mlgate-monitor: churn -->"
STEPS: list[tuple[str, Status, str]] = [
    ("first drift: open", "fail", "psi 0.41"),
    ("still drifted, new figures: update", "fail", "psi 0.45"),
    ("still drifted, same figures", "fail", "psi 0.45"),
    ("below the fail threshold: update + comment", "warn", "psi 0.15"),
    ("healthy: comment + close", "ok", "psi 0.02"),
    ("healthy again: nothing", "ok", "psi 0.02"),
    ("drifted again: comment + reopen + dispatch", "fail", "psi 0.5"),
]


def _kind(method: str, path: str) -> str:
    if method == "GET" and path.endswith("/issues"):
        return "list"
    if path.endswith("/dispatches"):
        return "dispatch"
    if method == "GET" and path.count("/") == 3:
        return "repository"
    return {"PATCH": "edit", "POST": "create" if path.endswith("/issues") else "comment"}.get(method, method)


def main() -> None:
    fake, server, thread = start()
    try:
        for index in range(300):
            fake.add_issue(f"Bug {index}", "something broke", labels=["bug"])
        for model in ("fraud", "ranker"):
            fake.add_issue(f"mlgate monitor: {model} drifted", f"<!-- mlgate-monitor: {model} -->\nx",
                           labels=["mlgate", "drift"], bot=True)
        fake.add_workflow("retrain.yml")
        ctx = GitHubContext.from_env(fake.env())
        print("300 other issues, 2 monitoring issues of other models; target: <= 4 requests for an update\n")
        print(f"{'step':<46} {'action':<10} {'requests':>8}  breakdown")
        for name, status, body in STEPS:
            before = len(fake.requests)
            want = Wanted(marker=MARKER, title="mlgate monitor: churn drifted", body=body, status=status,
                          labels=("mlgate", "drift"), retrain_workflow="retrain.yml", retrain_ref="main")
            synced = sync(ctx, client.repository(ctx), want, print)
            made = fake.requests[before:]
            kinds = Counter(_kind(r.method, r.path) for r in made)
            breakdown = ", ".join(f"{n} {k}" for k, n in kinds.items())
            print(f"{name:<46} {synced.action:<10} {len(made):>8}  {breakdown}")
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


if __name__ == "__main__":
    main()
