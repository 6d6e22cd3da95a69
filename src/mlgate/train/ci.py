"""What the CI run says about itself: the PR number, the run URL, the actor, the commit."""

from __future__ import annotations

import getpass
import json
import os
from pathlib import Path
from typing import Any


def event() -> dict[str, Any]:
    """The GitHub webhook payload at GITHUB_EVENT_PATH, or {} outside Actions or when unreadable."""
    path = os.environ.get("GITHUB_EVENT_PATH")
    if not path:
        return {}
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def pull_request(payload: dict[str, Any] | None = None) -> dict[str, Any]:
    payload = event() if payload is None else payload
    pr = payload.get("pull_request")
    return pr if isinstance(pr, dict) else {}


def pr_number(payload: dict[str, Any] | None = None) -> int | None:
    """The pull request's number when the event is about one."""
    number = pull_request(payload).get("number")
    return number if isinstance(number, int) and not isinstance(number, bool) else None


def run_url() -> str | None:
    """The Actions run's URL, when in Actions."""
    server = os.environ.get("GITHUB_SERVER_URL", "https://github.com")
    repo, run_id = os.environ.get("GITHUB_REPOSITORY"), os.environ.get("GITHUB_RUN_ID")
    if not (repo and run_id):
        return None
    return f"{server.rstrip('/')}/{repo}/actions/runs/{run_id}"


def actor() -> str:
    """Who acts: GITHUB_ACTOR in Actions, else the local user."""
    name = os.environ.get("GITHUB_ACTOR")
    if name:
        return name
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return "unknown"


def head_sha(payload: dict[str, Any] | None = None) -> str | None:
    """The PR's head commit (what a PR workflow trained), when the event is about a pull request."""
    head = pull_request(payload).get("head")
    sha = head.get("sha") if isinstance(head, dict) else None
    return sha if isinstance(sha, str) and sha else None
