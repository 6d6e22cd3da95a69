"""Where we run on GitHub: repository, event, pull request, head commit, run URL, API URL, token.

Everything comes from the variables GitHub Actions sets (GITHUB_EVENT_PATH, GITHUB_EVENT_NAME,
GITHUB_REPOSITORY, GITHUB_SHA, GITHUB_API_URL, GITHUB_SERVER_URL, GITHUB_RUN_ID, GITHUB_RUN_ATTEMPT) and
GITHUB_TOKEN, and mlgate's own MLGATE_GITHUB_WRITE_INTERVAL. It is read once, here; the token is kept out
of repr() and never printed.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from mlgate.documents import REPOSITORY
from mlgate.errors import BadInput
from mlgate.parse import read_json

DEFAULT_API = "https://api.github.com"
DEFAULT_SERVER = "https://github.com"
SHA = re.compile(r"[0-9a-f]{40}")


@dataclass(frozen=True)
class GitHubContext:
    repository: str | None = None
    event_name: str | None = None
    event: Mapping[str, Any] = field(default_factory=dict, repr=False)
    sha: str | None = None  # GITHUB_SHA: on pull_request events, the merge commit
    api_url: str = DEFAULT_API
    server_url: str = DEFAULT_SERVER
    run_id: str | None = None
    run_attempt: str | None = None
    token: str | None = field(default=None, repr=False)
    actor: str | None = None  # GITHUB_ACTOR
    write_interval: float = 1.0  # MLGATE_GITHUB_WRITE_INTERVAL: seconds between writes to the API

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> GitHubContext:
        env = os.environ if environ is None else environ
        repository = env.get("GITHUB_REPOSITORY") or None
        if repository is not None and not REPOSITORY.fullmatch(repository):
            raise BadInput(f"GITHUB_REPOSITORY={repository!r} is not owner/name",
                           "GitHub Actions sets it to the repository the workflow runs in",
                           "unset it, or set it to owner/name")
        return cls(
            repository=repository,
            event_name=env.get("GITHUB_EVENT_NAME") or None,
            event=read_event(env.get("GITHUB_EVENT_PATH")),
            sha=env.get("GITHUB_SHA") or None,
            api_url=api_url(env.get("GITHUB_API_URL") or DEFAULT_API),
            server_url=(env.get("GITHUB_SERVER_URL") or DEFAULT_SERVER).rstrip("/"),
            run_id=env.get("GITHUB_RUN_ID") or None,
            run_attempt=env.get("GITHUB_RUN_ATTEMPT") or None,
            token=env.get("GITHUB_TOKEN") or env.get("GH_TOKEN") or None,
            actor=env.get("GITHUB_ACTOR") or None,
            write_interval=_write_interval(env.get("MLGATE_GITHUB_WRITE_INTERVAL")),
        )

    # --- what the event says ------------------------------------------------------------------------

    def pull_request(self) -> Mapping[str, Any]:
        pr = self.event.get("pull_request")
        return pr if isinstance(pr, Mapping) else {}

    def workflow_run(self) -> Mapping[str, Any]:
        run = self.event.get("workflow_run")
        return run if isinstance(run, Mapping) else {}

    def pr_number(self) -> int | None:
        """The PR number when the event is about one (pull_request, pull_request_target, workflow_run)."""
        number = self.pull_request().get("number")
        if isinstance(number, int) and _is_number(number):
            return number
        head = self.head_sha()
        for pr in self.workflow_run().get("pull_requests") or []:
            if isinstance(pr, Mapping) and _is_number(pr.get("number")):
                pr_head = pr.get("head")
                if not isinstance(pr_head, Mapping) or pr_head.get("sha") in (None, head):
                    return int(str(pr["number"]))
        return None

    def head_sha(self) -> str | None:
        """The commit the PR page shows: the PR's head, not the merge commit GITHUB_SHA names."""
        head = self.pull_request().get("head")
        for candidate in (head.get("sha") if isinstance(head, Mapping) else None,
                          self.workflow_run().get("head_sha"), self.sha):
            if isinstance(candidate, str) and SHA.fullmatch(candidate):
                return candidate
        return None

    def pr_head_sha(self) -> str | None:
        """The PR's head commit when the event is a pull request (what a PR workflow trained), else None."""
        head = self.pull_request().get("head")
        sha = head.get("sha") if isinstance(head, Mapping) else None
        return sha if isinstance(sha, str) and SHA.fullmatch(sha) else None

    def merged(self) -> bool:
        """True on the `closed` event of a merged pull request."""
        return self.pull_request().get("merged") is True

    def who(self) -> str:
        """Who acts: GITHUB_ACTOR in Actions, else the local user."""
        if self.actor:
            return self.actor
        import getpass

        try:
            return getpass.getuser()
        except (OSError, KeyError):
            return "unknown"

    def base_ref(self) -> str | None:
        """What a pull request is diffed against: its base commit, else `origin/<base branch>`."""
        base = self.pull_request().get("base")
        if not isinstance(base, Mapping):
            return None
        sha, ref = base.get("sha"), base.get("ref")
        if isinstance(sha, str) and sha:
            return sha
        return f"origin/{ref}" if isinstance(ref, str) and ref else None

    def head_branch(self) -> str | None:
        head = self.pull_request().get("head")
        ref = head.get("ref") if isinstance(head, Mapping) else self.workflow_run().get("head_branch")
        return ref if isinstance(ref, str) else None

    def run_url(self) -> str | None:
        """The workflow run's page (the commit status links there)."""
        if not (self.repository and self.run_id and self.run_id.isdigit()):
            return None
        url = f"{self.server_url}/{self.repository}/actions/runs/{self.run_id}"
        if self.run_attempt and self.run_attempt.isdigit() and self.run_attempt != "1":
            url += f"/attempts/{self.run_attempt}"
        return url

    def summary_url(self) -> str | None:
        """Where the job summary (the full report) can be read."""
        url = self.run_url()
        return f"{url}#summary" if url else None


def _write_interval(raw: str | None) -> float:
    """MLGATE_GITHUB_WRITE_INTERVAL: seconds (default 1, GitHub's advice against secondary rate limits)."""
    if raw is None or not raw.strip():
        return 1.0
    try:
        seconds = float(raw)
    except ValueError:
        seconds = math.nan
    if not math.isfinite(seconds):
        raise BadInput(f"MLGATE_GITHUB_WRITE_INTERVAL={raw[:40]!r} is not a number of seconds",
                       "it spaces mlgate's writes to the GitHub API", "set it to e.g. 1, or unset it")
    return max(seconds, 0.0)


def api_url(raw: str) -> str:
    """GITHUB_API_URL, checked: an http(s) URL with a host (PyGithub fails obscurely on anything else)."""
    try:
        parts = urlsplit(raw.strip())
        host = parts.hostname
    except ValueError:
        host = None
    if host is None or parts.scheme not in ("http", "https"):
        raise BadInput(f"GITHUB_API_URL={raw!r} is not an http(s) URL with a host",
                       "mlgate calls the GitHub REST API there; GitHub Actions sets it to "
                       "https://api.github.com, or https://HOST/api/v3 on GitHub Enterprise Server",
                       "unset it, or set it to the API's URL, e.g. https://api.github.com")
    return raw.strip().rstrip("/")


def _is_number(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def read_event(path: str | None) -> Mapping[str, Any]:
    """The webhook payload GitHub wrote at GITHUB_EVENT_PATH ({} when unset)."""
    if not path:
        return {}
    file = Path(path)
    if file.is_dir():
        raise BadInput(f"GITHUB_EVENT_PATH={path} is a directory, not the event's JSON file",
                       "GitHub Actions writes the webhook payload to a file and points the variable at it",
                       "point GITHUB_EVENT_PATH at the event's JSON file (e.g. event.json), or unset it "
                       "outside Actions")
    if not file.exists():
        raise BadInput(f"GITHUB_EVENT_PATH={path} does not exist",
                       "GitHub Actions writes the event payload there",
                       "unset GITHUB_EVENT_PATH outside Actions")
    if not file.is_file():
        raise BadInput(f"GITHUB_EVENT_PATH={path} is not a regular file",
                       "GitHub Actions writes the event payload to a JSON file there",
                       "point GITHUB_EVENT_PATH at the event's JSON file, or unset it outside Actions")
    data = read_json(file, f"the GitHub event at GITHUB_EVENT_PATH={path}",
                     "unset GITHUB_EVENT_PATH, or point it at the event JSON")
    return data if isinstance(data, Mapping) else {}
