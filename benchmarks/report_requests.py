"""GitHub API requests `mlgate report` makes on a pull request that already has 250 comments.

Target (issue 5): at most one request per comment page (100 a page: 3) + one edit + one status = 5.
Runs the real CLI in a subprocess with the real PyGithub client against the local fake GitHub API server
(tests/support/github_server.py), and prints each scenario's requests and wall time.

    .venv/bin/python benchmarks/report_requests.py
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.support import report_documents as docs  # noqa: E402
from tests.support.github_server import FakeGitHub, start  # noqa: E402

COMMENTS = 250
MARKER = "<!-- mlgate-report: churn -->"
EVENT = ROOT / "tests" / "fixtures" / "github-events" / "pull_request.synchronize.payload.json"


def seed(fake: FakeGitHub, scenario: str) -> None:
    fake.add_pull(2, head_sha=docs.HEAD_SHA)
    if scenario == "first report (create)":
        fake.seed_comments(2, COMMENTS)
    elif scenario == "update in place (edit)":
        fake.seed_comments(2, 120)
        fake.add_comment(2, MARKER + "\nprevious report", bot=True)
        fake.seed_comments(2, COMMENTS - 121)
    else:  # two earlier reports raced: one is deleted
        fake.seed_comments(2, 100)
        fake.add_comment(2, MARKER + "\nolder report", bot=True)
        fake.seed_comments(2, 100)
        fake.add_comment(2, MARKER + "\nnewer report", bot=True)
        fake.seed_comments(2, COMMENTS - 202)


def run(scenario: str) -> tuple[Counter[str], int, float]:
    fake, server, thread = start()
    try:
        seed(fake, scenario)
        with tempfile.TemporaryDirectory() as folder:
            root = Path(folder)
            docs.config_file(root)
            docs.write_workdir(root / ".mlgate", verdict_doc=docs.verdict("failed"),
                               validation_doc=docs.validation(passed=False), lineage_doc=docs.lineage())
            env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "MLFLOW_", "MLGATE_"))}
            env.update(fake.env(), GITHUB_EVENT_NAME="pull_request", GITHUB_EVENT_PATH=str(EVENT),
                       GITHUB_SHA="1" * 40)
            env["MLGATE_GITHUB_WRITE_INTERVAL"] = "0"  # count requests; don't measure PyGithub's pacing
            started = time.perf_counter()
            done = subprocess.run([sys.executable, "-m", "mlgate", "report", "--post"], cwd=root, env=env,
                                  capture_output=True, text=True, check=False)
            elapsed = time.perf_counter() - started
        if done.returncode != 0:
            raise SystemExit(f"mlgate report failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
        kinds = Counter(_kind(r.method, r.path) for r in fake.requests)
        return kinds, len(fake.requests), elapsed
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def _kind(method: str, path: str) -> str:
    if path.endswith("/comments") and method == "GET":
        return "comment pages"
    if "/statuses/" in path:
        return "status"
    return {"PATCH": "edit", "POST": "create", "DELETE": "delete"}.get(method, f"{method} {path}")


def main() -> None:
    pages = -(-COMMENTS // 100)
    print(f"PR with {COMMENTS} comments; target: {pages} pages + 1 edit + 1 status = {pages + 2} requests\n")
    print(f"{'scenario':<34} {'requests':>8}  breakdown{'':<40} {'time':>6}")
    for scenario in ("first report (create)", "update in place (edit)", "duplicates (edit + delete 1)"):
        kinds, total, elapsed = run(scenario)
        breakdown = ", ".join(f"{n} {k}" for k, n in sorted(kinds.items()))
        print(f"{scenario:<34} {total:>8}  {breakdown:<49} {elapsed:>5.2f}s")


if __name__ == "__main__":
    main()
