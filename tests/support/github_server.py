"""A small local HTTP server that answers like the GitHub REST API, for the real PyGithub client.

It covers what mlgate calls: repositories, pull requests (and their files: `GET .../pulls/{n}/files`, paginated,
at most 3000 as GitHub lists; seed them with `add_pull(..., files=[(path, status[, previous])])`), file contents
at a commit (`GET .../contents/{path}?ref=`, seeded with `add_content(sha, path, text)`), the pull requests of a
commit, issue comments
(list with Link-header pagination, create, edit, delete), commit statuses, issues (list with the state,
labels and creator filters, create, get, edit: body, state, state_reason, labels), labels (list, get,
create, add to an issue; a label an issue is given that does not exist yet is created, as GitHub does) and
workflow dispatches (`POST .../actions/workflows/{file}/dispatches`, 204; 404 for an unknown workflow, 422
for one without a `workflow_dispatch` trigger or a ref that is not a branch). It behaves as GitHub does
where mlgate depends on it:

- JSON shapes of GitHub's REST API (ids, urls pointing back at this server, users, timestamps);
- pagination with `per_page` (default 30, at most 100) and `Link: <...>; rel="next"` headers;
- 422 "Validation Failed" for a comment or issue body over 65,536 characters, a blank issue title, or a status
  description over 140;
- 401 for an unknown token, 403 "Resource not accessible by integration" for a write with a read-only token
  (as GITHUB_TOKEN is on fork pull requests);
- injected failures (`fail(...)`): 403 or 429 with `Retry-After` for rate limits, 5xx, anything;
- faults after the fact (`apply_then_fail(...)`): the request is applied (a comment created), then answered
  with 502, or the connection is dropped, or answered too late — as a proxy in front of GitHub may do;
- `hold(...)`: the first N matching requests wait for each other, so concurrent clients interleave at the
  worst moment (both list the comments before either creates one).

Every request is recorded (`requests`), with the Authorization header reduced to the token's role.

Use the `github_server` fixture (registered in tests/conftest.py):

    def test_x(github_server, monkeypatch):
        github_server.add_pull(2, head_sha="ec26...")          # seed a PR (the events' PR #2)
        github_server.add_comment(2, "hello", user="octocat")   # seed comments
        for name, value in github_server.env().items():         # GITHUB_API_URL, GITHUB_TOKEN, ...
            monkeypatch.setenv(name, value)
        ...                                                     # run mlgate
        github_server.comments(2)                               # read back: list of comment dicts
        github_server.statuses("ec26...")                       # read back: list of status dicts
        github_server.count("GET", "/comments")                 # requests made, by method and path part

Issues: `add_issue("title", body, labels=[...], bot=True, state="closed")` seeds one, `issues()` /
`issue(number)` read them back (with `comments(number)`); `add_workflow("retrain.yml")` makes a workflow
that may be dispatched (`dispatchable=False`: one without the trigger), `dispatches` lists the dispatches.
"""

from __future__ import annotations

import json
import re
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

DEFAULT_REPO = "Codertocat/Hello-World"  # the repository of the webhook payloads in tests/fixtures
WRITE_TOKEN = "ghs_fakeWriteToken0123456789abcdefABCDEF"
READ_TOKEN = "ghs_fakeReadOnlyToken0123456789abcdefABC"
API_PREFIX = "/api/v3"  # GitHub Enterprise-style prefix: mlgate must honour GITHUB_API_URL's path
MAX_COMMENT = 65536
MAX_DESCRIPTION = 140
BOT = {"login": "github-actions[bot]", "id": 41898282, "type": "Bot"}
DOCS = "https://docs.github.com/rest"


@dataclass
class Recorded:
    """One request the server received."""

    method: str
    path: str  # without the API prefix and query, e.g. /repos/o/r/issues/2/comments
    query: dict[str, str]
    body: Any
    auth: str  # "write", "read", "none" or "unknown": never the token itself


@dataclass
class Failure:
    method: str
    pattern: re.Pattern[str]
    status: int
    message: str
    headers: dict[str, str]
    times: int


@dataclass
class Fault:
    """Apply the request, then answer `answer`: a status such as 502, or "drop" (close the connection)."""

    method: str
    pattern: re.Pattern[str]
    answer: int | str
    delay: float
    times: int


@dataclass
class Hold:
    method: str
    pattern: re.Pattern[str]
    barrier: threading.Barrier
    times: int


@dataclass
class Pull:
    number: int
    head_sha: str
    head_ref: str = "changes"
    base_ref: str = "main"
    base_sha: str = "f95f852bd8fca8fcc58a9a2d6c842781e32a215e"
    state: str = "open"
    head_repo: str | None = None  # another full name for a fork PR
    title: str = "Update the model"
    # the files it changes, as GET .../pulls/{n}/files lists them: (filename, status[, previous_filename])
    files: list[tuple[str, ...]] = field(default_factory=list)


@dataclass
class Repo:
    full_name: str
    id: int
    pulls: dict[int, Pull] = field(default_factory=dict)
    comments: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    statuses: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    issues: dict[int, dict[str, Any]] = field(default_factory=dict)  # issues proper (not pull requests)
    labels: dict[str, dict[str, Any]] = field(default_factory=dict)  # by name
    # file name -> the inputs its workflow_dispatch trigger declares (None: no workflow_dispatch trigger)
    workflows: dict[str, list[str] | None] = field(default_factory=dict)
    branches: set[str] = field(default_factory=lambda: {"main"})
    dispatches: list[dict[str, Any]] = field(default_factory=list)
    contents: dict[tuple[str, str], bytes] = field(default_factory=dict)  # (commit sha, path) -> bytes

    def next_number(self) -> int:
        """Issues and pull requests share one sequence of numbers."""
        return max([0, *self.pulls, *self.issues]) + 1


class FakeGitHub:
    """The state behind the server, helpers to seed and read it, and the recorded requests."""

    def __init__(self, host: str, port: int) -> None:
        self.root = f"http://{host}:{port}"
        self.url = self.root + API_PREFIX  # GITHUB_API_URL
        self.html = self.root  # GITHUB_SERVER_URL
        self.repos: dict[str, Repo] = {}
        self.tokens = {WRITE_TOKEN: "write", READ_TOKEN: "read"}
        self.requests: list[Recorded] = []
        self.failures: list[Failure] = []
        self.faults: list[Fault] = []
        self.holds: list[Hold] = []
        self._ids = iter(range(1_000_001, 10**9))
        self._clock = datetime(2026, 1, 1, tzinfo=timezone.utc)
        self.lock = threading.RLock()
        self.repo(DEFAULT_REPO)

    # --- seeding ------------------------------------------------------------------------------------

    def repo(self, full_name: str = DEFAULT_REPO) -> Repo:
        with self.lock:
            if full_name not in self.repos:
                self.repos[full_name] = Repo(full_name, id=186853002 + len(self.repos))
            return self.repos[full_name]

    def add_pull(self, number: int, head_sha: str, *, repo: str = DEFAULT_REPO, **kwargs: Any) -> Pull:
        """Seed an open pull request (kwargs: head_ref, base_ref, state, head_repo for a fork, title)."""
        pull = Pull(number=number, head_sha=head_sha, **kwargs)
        with self.lock:
            self.repo(repo).pulls[number] = pull
        return pull

    def add_content(self, sha: str, path: str, text: str, *, repo: str = DEFAULT_REPO) -> None:
        """A file at a commit, served by GET .../contents/{path}?ref={sha}."""
        with self.lock:
            self.repo(repo).contents[(sha, path)] = text.encode()

    def add_comment(self, number: int, body: str, *, user: str = "octocat", bot: bool = False,
                    repo: str = DEFAULT_REPO) -> dict[str, Any]:
        """Seed one comment on issue/PR `number` (by a user, or by github-actions[bot] with bot=True)."""
        author = BOT if bot else {"login": user, "id": 583231, "type": "User"}
        with self.lock:
            return self._new_comment(self.repo(repo), number, body, author)

    def seed_comments(self, number: int, count: int, *, repo: str = DEFAULT_REPO) -> None:
        """Seed `count` ordinary comments by people (the noise a busy PR has)."""
        for index in range(count):
            self.add_comment(number, f"Comment {index}: looks good to me", user=f"reviewer{index % 7}",
                             repo=repo)

    def add_issue(self, title: str, body: str = "", *, labels: list[str] | None = None, bot: bool = False,
                  user: str = "octocat", state: str = "open", locked: bool = False,
                  repo: str = DEFAULT_REPO) -> dict[str, Any]:
        """Seed an issue (by github-actions[bot] with bot=True, else by `user`); a `locked` one refuses
        comments with 403, as GitHub does for the bot."""
        author = BOT if bot else {"login": user, "id": 583231, "type": "User"}
        with self.lock:
            issue = self._new_issue(self.repo(repo), title, body or None, labels or [], author)
            issue["locked"] = locked
            if state == "closed":
                issue.update(state="closed", state_reason="completed", closed_at=self._now())
            return dict(issue)

    def add_workflow(self, file_name: str, *, dispatchable: bool = True, inputs: list[str] | None = None,
                     repo: str = DEFAULT_REPO) -> None:
        """A workflow file of the repository; `dispatchable`: it has a `workflow_dispatch:` trigger, which
        declares `inputs` (a dispatch with any other input is refused with 422, as GitHub does)."""
        with self.lock:
            self.repo(repo).workflows[file_name] = list(inputs or []) if dispatchable else None

    def fail(self, method: str, path_regex: str, status: int, message: str = "", *,
             headers: dict[str, str] | None = None, times: int = 1) -> None:
        """Answer the next `times` matching requests with `status` (e.g. 429 + Retry-After, or 502)."""
        with self.lock:
            self.failures.append(
                Failure(method.upper(), re.compile(path_regex), status, message or "Server Error",
                        dict(headers or {}), times)
            )

    def apply_then_fail(self, method: str, path_regex: str, answer: int | str = 502, *, delay: float = 0.0,
                        times: int = 1) -> None:
        """Apply the next `times` matching requests, then answer `answer` after `delay` seconds.

        `answer` is a status (502: GitHub did it but the client hears a server error) or "drop" (the
        connection is closed without an answer: a reset; with a delay longer than the client's timeout,
        a timeout).
        """
        with self.lock:
            self.faults.append(Fault(method.upper(), re.compile(path_regex), answer, delay, times))

    def hold(self, method: str, path_regex: str, *, parties: int = 2, timeout: float = 20.0) -> None:
        """The next `parties` matching requests wait until all of them have arrived (or `timeout`)."""
        with self.lock:
            self.holds.append(Hold(method.upper(), re.compile(path_regex),
                                   threading.Barrier(parties, timeout=timeout), parties))

    def rate_limit(self, method: str, path_regex: str, *, status: int = 403, retry_after: int = 1,
                   times: int = 1) -> None:
        """A secondary rate limit as GitHub sends it: 403 (or 429) with Retry-After."""
        self.fail(method, path_regex, status,
                  "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.",
                  headers={"Retry-After": str(retry_after)}, times=times)

    # --- reading back -------------------------------------------------------------------------------

    def comments(self, number: int, repo: str = DEFAULT_REPO) -> list[dict[str, Any]]:
        with self.lock:
            return [dict(c) for c in self.repo(repo).comments.get(number, [])]

    def statuses(self, sha: str, repo: str = DEFAULT_REPO) -> list[dict[str, Any]]:
        """Statuses set on a commit, oldest first."""
        with self.lock:
            return [dict(s) for s in self.repo(repo).statuses.get(sha, [])]

    def issues(self, repo: str = DEFAULT_REPO) -> list[dict[str, Any]]:
        """The issues proper (not pull requests), oldest first."""
        with self.lock:
            return [dict(i) for _, i in sorted(self.repo(repo).issues.items())]

    def issue(self, number: int, repo: str = DEFAULT_REPO) -> dict[str, Any]:
        with self.lock:
            return dict(self.repo(repo).issues[number])

    def dispatches(self, repo: str = DEFAULT_REPO) -> list[dict[str, Any]]:
        """The workflow dispatches made: {"workflow", "ref", "inputs"}."""
        with self.lock:
            return [dict(d) for d in self.repo(repo).dispatches]

    def count(self, method: str | None = None, path_contains: str = "") -> int:
        with self.lock:
            return sum(
                1 for r in self.requests
                if (method is None or r.method == method.upper()) and path_contains in r.path
            )

    def env(self, *, token: str = WRITE_TOKEN, repo: str = DEFAULT_REPO) -> dict[str, str]:
        """The GitHub Actions variables that point mlgate at this server (add GITHUB_EVENT_PATH etc.)."""
        return {
            "GITHUB_API_URL": self.url,
            "GITHUB_SERVER_URL": self.html,
            "GITHUB_REPOSITORY": repo,
            "GITHUB_TOKEN": token,
            "GITHUB_RUN_ID": "4242",
            "GITHUB_RUN_ATTEMPT": "1",
            # the writes' pacing PyGithub applies for GitHub's secondary rate limits is not needed here
            "MLGATE_GITHUB_WRITE_INTERVAL": "0",
        }

    # --- JSON shapes --------------------------------------------------------------------------------

    def _now(self) -> str:
        self._clock += timedelta(seconds=1)
        return self._clock.strftime("%Y-%m-%dT%H:%M:%SZ")

    def _user(self, author: dict[str, Any]) -> dict[str, Any]:
        login = author["login"]
        return {
            "login": login, "id": author["id"], "node_id": f"U_{author['id']}", "type": author["type"],
            "url": f"{self.url}/users/{login}", "html_url": f"{self.html}/{login}", "site_admin": False,
            "avatar_url": f"{self.html}/avatars/{author['id']}",
        }

    def _new_comment(self, repo: Repo, number: int, body: str, author: dict[str, Any]) -> dict[str, Any]:
        cid = next(self._ids)
        now = self._now()
        kind = "issues" if number in repo.issues else "pull"
        comment = {
            "id": cid, "node_id": f"IC_{cid}",
            "url": f"{self.url}/repos/{repo.full_name}/issues/comments/{cid}",
            "html_url": f"{self.html}/{repo.full_name}/{kind}/{number}#issuecomment-{cid}",
            "issue_url": f"{self.url}/repos/{repo.full_name}/issues/{number}",
            "body": body, "user": self._user(author), "created_at": now, "updated_at": now,
            "author_association": "NONE" if author["type"] == "Bot" else "CONTRIBUTOR",
            "performed_via_github_app": None,
        }
        repo.comments.setdefault(number, []).append(comment)
        return comment

    def label(self, repo: Repo, name: str, *, color: str = "ededed", description: str | None = None
              ) -> dict[str, Any]:
        """The label `name`, created when the repository has none by that name (case-insensitive)."""
        for existing in repo.labels.values():
            if existing["name"].lower() == name.lower():
                return existing
        lid = next(self._ids)
        label = {"id": lid, "node_id": f"LA_{lid}", "url": f"{self.url}/repos/{repo.full_name}/labels/{name}",
                 "name": name, "color": color, "default": False, "description": description}
        repo.labels[name] = label
        return label

    def _new_issue(self, repo: Repo, title: str, body: str | None, labels: list[str],
                   author: dict[str, Any]) -> dict[str, Any]:
        number = repo.next_number()
        iid = 444500041 + number
        now = self._now()
        base = f"{self.url}/repos/{repo.full_name}/issues/{number}"
        issue = {
            "url": base, "repository_url": f"{self.url}/repos/{repo.full_name}",
            "labels_url": f"{base}/labels{{/name}}", "comments_url": f"{base}/comments",
            "events_url": f"{base}/events", "html_url": f"{self.html}/{repo.full_name}/issues/{number}",
            "id": iid, "node_id": f"I_{iid}", "number": number, "title": title, "user": self._user(author),
            "labels": [self.label(repo, name) for name in dict.fromkeys(labels)], "state": "open",
            "state_reason": None, "locked": False, "assignee": None, "assignees": [], "milestone": None,
            "comments": 0, "created_at": now, "updated_at": now, "closed_at": None,
            "author_association": "NONE" if author["type"] == "Bot" else "OWNER", "body": body,
            "performed_via_github_app": None,
        }
        repo.issues[number] = issue
        return issue

    def repo_json(self, repo: Repo) -> dict[str, Any]:
        owner, name = repo.full_name.split("/", 1)
        return {
            "id": repo.id, "node_id": f"R_{repo.id}", "name": name, "full_name": repo.full_name,
            "owner": self._user({"login": owner, "id": 21031067, "type": "User"}), "private": False,
            "html_url": f"{self.html}/{repo.full_name}", "url": f"{self.url}/repos/{repo.full_name}",
            "fork": False, "default_branch": "main", "visibility": "public",
        }

    def pull_json(self, repo: Repo, pull: Pull) -> dict[str, Any]:
        head_repo = self.repo_json(self.repo(pull.head_repo)) if pull.head_repo else self.repo_json(repo)
        if pull.head_repo:
            head_repo["fork"] = True
        return {
            "url": f"{self.url}/repos/{repo.full_name}/pulls/{pull.number}",
            "id": 279147437 + pull.number, "node_id": f"PR_{pull.number}", "number": pull.number,
            "html_url": f"{self.html}/{repo.full_name}/pull/{pull.number}",
            "issue_url": f"{self.url}/repos/{repo.full_name}/issues/{pull.number}",
            "changed_files": len(pull.files),
            "state": pull.state, "title": pull.title, "locked": False, "draft": False, "merged": False,
            "user": self._user({"login": "Codertocat", "id": 21031067, "type": "User"}),
            "head": {"label": f"{head_repo['owner']['login']}:{pull.head_ref}", "ref": pull.head_ref,
                     "sha": pull.head_sha, "repo": head_repo, "user": head_repo["owner"]},
            "base": {"label": f"{repo.full_name.split('/')[0]}:{pull.base_ref}", "ref": pull.base_ref,
                     "sha": pull.base_sha, "repo": self.repo_json(repo)},
        }

    def issue_json(self, repo: Repo, number: int) -> dict[str, Any]:
        if number in repo.issues:
            issue = dict(repo.issues[number])
            issue["comments"] = len(repo.comments.get(number, []))
            return issue
        pull = repo.pulls.get(number)
        return {
            "url": f"{self.url}/repos/{repo.full_name}/issues/{number}", "id": 444500041 + number,
            "number": number, "title": pull.title if pull else f"Issue {number}",
            "state": pull.state if pull else "open", "comments": len(repo.comments.get(number, [])),
            "html_url": f"{self.html}/{repo.full_name}/pull/{number}",
            "user": self._user({"login": "Codertocat", "id": 21031067, "type": "User"}),
            **({"pull_request": {"url": f"{self.url}/repos/{repo.full_name}/pulls/{number}"}}
               if pull else {}),
        }


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # silence the default stderr log
        pass

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def do_PATCH(self) -> None:
        self._handle("PATCH")

    def do_DELETE(self) -> None:
        self._handle("DELETE")

    # --- plumbing -----------------------------------------------------------------------------------

    def _handle(self, method: str) -> None:
        fake = self.server.fake
        split = urlsplit(self.path)
        path = split.path[len(API_PREFIX):] if split.path.startswith(API_PREFIX) else split.path
        query = {k: v[-1] for k, v in parse_qs(split.query).items()}
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw) if raw else None
        except json.JSONDecodeError:
            body = raw.decode("utf-8", "replace")
        auth = self._role()
        with fake.lock:
            fake.requests.append(Recorded(method, path, query, body, auth))
            failure = self._injected(method, path)
            hold = self._held(method, path)
        if hold is not None:
            try:
                hold.barrier.wait()
            except threading.BrokenBarrierError:
                pass
        if failure is not None:
            self._send(failure.status, {"message": failure.message, "documentation_url": DOCS},
                       failure.headers)
            return
        if not split.path.startswith(API_PREFIX):
            self._send(404, {"message": "Not Found", "documentation_url": DOCS})
            return
        if auth in ("none", "unknown"):
            self._send(401, {"message": "Bad credentials", "documentation_url": DOCS})
            return
        with fake.lock:
            status, payload, headers = _route(fake, method, path, query, body, auth)
            fault = self._fault(method, path)
        if fault is not None:
            time.sleep(fault.delay)
            if fault.answer == "drop":
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)
                return
            status, payload, headers = int(fault.answer), {"message": "Server Error"}, {}
        self._send(status, payload, headers)

    def _role(self) -> str:
        header = self.headers.get("Authorization", "")
        if not header:
            return "none"
        token = header.split(" ", 1)[-1]
        return self.server.fake.tokens.get(token, "unknown")

    def _injected(self, method: str, path: str) -> Failure | None:
        for failure in self.server.fake.failures:
            if failure.times > 0 and failure.method == method and failure.pattern.search(path):
                failure.times -= 1
                return failure
        return None

    def _held(self, method: str, path: str) -> Hold | None:
        for hold in self.server.fake.holds:
            if hold.times > 0 and hold.method == method and hold.pattern.search(path):
                hold.times -= 1
                return hold
        return None

    def _fault(self, method: str, path: str) -> Fault | None:
        for fault in self.server.fake.faults:
            if fault.times > 0 and fault.method == method and fault.pattern.search(path):
                fault.times -= 1
                return fault
        return None

    def _send(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
        data = b"" if payload is None else json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("X-RateLimit-Limit", "5000")
        self.send_header("X-RateLimit-Remaining", "4999")
        self.send_header("X-GitHub-Media-Type", "github.v3; format=json")
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if data:
            self.wfile.write(data)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    fake: FakeGitHub


Response = tuple[int, Any, dict[str, str]]
_FORBIDDEN: Response = (403, {"message": "Resource not accessible by integration", "documentation_url":
                              "https://docs.github.com/rest/issues/comments#create-an-issue-comment",
                              "status": "403"}, {})
_NOT_FOUND: Response = (404, {"message": "Not Found", "documentation_url": DOCS, "status": "404"}, {})


def _invalid(resource: str, field_name: str, message: str) -> Response:
    return (422, {"message": "Validation Failed", "errors": [
        {"resource": resource, "code": "custom", "field": field_name, "message": message}],
        "documentation_url": DOCS, "status": "422"}, {})


def _route(fake: FakeGitHub, method: str, path: str, query: dict[str, str], body: Any,
           auth: str) -> Response:
    match = re.fullmatch(r"/repos/([^/]+/[^/]+)(/.*)?", path)
    if not match:
        return _NOT_FOUND
    if match.group(1) not in fake.repos:
        return _NOT_FOUND
    repo = fake.repos[match.group(1)]
    rest = match.group(2) or ""
    if method != "GET" and auth != "write":
        return _FORBIDDEN
    for pattern, handler in _ROUTES:
        found = re.fullmatch(pattern, f"{method} {rest}")
        if found:
            return handler(fake, repo, query, body, *found.groups())
    return _NOT_FOUND


def _get_repo(fake: FakeGitHub, repo: Repo, query: dict[str, str], body: Any) -> Response:
    return 200, fake.repo_json(repo), {}


def _get_pull(fake: FakeGitHub, repo: Repo, query: dict[str, str], body: Any, number: str) -> Response:
    pull = repo.pulls.get(int(number))
    return (200, fake.pull_json(repo, pull), {}) if pull else _NOT_FOUND


def _pull_files(fake: FakeGitHub, repo: Repo, query: dict[str, str], body: Any, number: str) -> Response:
    pull = repo.pulls.get(int(number))
    if pull is None:
        return _NOT_FOUND
    items = []
    for filename, status, *previous in pull.files[:3000]:  # GitHub lists at most 3000 files
        item: dict[str, Any] = {
            "sha": f"{abs(hash(filename)):040x}"[:40], "filename": filename, "status": status,
            "additions": 1, "deletions": 1, "changes": 2,
            "blob_url": f"{fake.html}/{repo.full_name}/blob/{pull.head_sha}/{filename}",
            "raw_url": f"{fake.html}/{repo.full_name}/raw/{pull.head_sha}/{filename}",
            "contents_url": f"{fake.url}/repos/{repo.full_name}/contents/{filename}?ref={pull.head_sha}",
            "patch": "@@ -1 +1 @@"}
        if previous:
            item["previous_filename"] = previous[0]
        items.append(item)
    return _page(fake, f"/repos/{repo.full_name}/pulls/{number}/files", items, query)


def _get_contents(fake: FakeGitHub, repo: Repo, query: dict[str, str], body: Any, path: str) -> Response:
    import base64

    ref = query.get("ref", "")
    data = repo.contents.get((ref, path))
    if data is None:
        return _NOT_FOUND
    url = f"{fake.url}/repos/{repo.full_name}/contents/{path}?ref={ref}"
    return 200, {"type": "file", "encoding": "base64", "size": len(data), "name": path.rsplit("/", 1)[-1],
                 "path": path, "content": base64.encodebytes(data).decode(), "sha": f"{abs(hash(data)):040x}"[:40],
                 "url": url, "git_url": url, "html_url": f"{fake.html}/{repo.full_name}/blob/{ref}/{path}",
                 "download_url": None, "_links": {"self": url}}, {}


def _commit_pulls(fake: FakeGitHub, repo: Repo, query: dict[str, str], body: Any, sha: str) -> Response:
    pulls = [fake.pull_json(repo, p) for p in repo.pulls.values() if p.head_sha == sha]
    return _page(fake, f"/repos/{repo.full_name}/commits/{sha}/pulls", pulls, query)


def _list_comments(fake: FakeGitHub, repo: Repo, query: dict[str, str], body: Any, number: str) -> Response:
    items = repo.comments.get(int(number), [])
    return _page(fake, f"/repos/{repo.full_name}/issues/{number}/comments", items, query)


def _create_comment(fake: FakeGitHub, repo: Repo, query: dict[str, str], body: Any, number: str) -> Response:
    text = (body or {}).get("body")
    if not isinstance(text, str) or not text:
        return _invalid("IssueComment", "body", "body can't be blank")
    if len(text) > MAX_COMMENT:
        return _invalid("IssueComment", "body", f"body is too long (maximum is {MAX_COMMENT} characters)")
    issue = repo.issues.get(int(number))
    if issue is not None and issue.get("locked"):
        return 403, {"message": "Unable to create comment because issue is locked.", "documentation_url": DOCS,
                     "status": "403"}, {}
    return 201, fake._new_comment(repo, int(number), text, BOT), {}


def _find_comment(repo: Repo, cid: int) -> tuple[list[dict[str, Any]], dict[str, Any]] | None:
    for comments in repo.comments.values():
        for comment in comments:
            if comment["id"] == cid:
                return comments, comment
    return None


def _edit_comment(fake: FakeGitHub, repo: Repo, query: dict[str, str], body: Any, cid: str) -> Response:
    found = _find_comment(repo, int(cid))
    if found is None:
        return _NOT_FOUND
    text = (body or {}).get("body")
    if not isinstance(text, str) or not text:
        return _invalid("IssueComment", "body", "body can't be blank")
    if len(text) > MAX_COMMENT:
        return _invalid("IssueComment", "body", f"body is too long (maximum is {MAX_COMMENT} characters)")
    if found[1]["user"]["type"] != "Bot":  # the bot may only edit its own comments
        return _FORBIDDEN
    found[1].update(body=text, updated_at=fake._now())
    return 200, found[1], {}


def _delete_comment(fake: FakeGitHub, repo: Repo, query: dict[str, str], body: Any, cid: str) -> Response:
    found = _find_comment(repo, int(cid))
    if found is None:
        return _NOT_FOUND
    found[0].remove(found[1])
    return 204, None, {}


def _create_status(fake: FakeGitHub, repo: Repo, query: dict[str, str], body: Any, sha: str) -> Response:
    body = body or {}
    if body.get("state") not in ("error", "failure", "pending", "success"):
        return _invalid("Status", "state", "state is not included in the list")
    description = body.get("description") or ""
    if len(description) > MAX_DESCRIPTION:
        return _invalid("Status", "description",
                        f"description is too long (maximum is {MAX_DESCRIPTION} characters)")
    sid = next(fake._ids)
    now = fake._now()
    status = {
        "url": f"{fake.url}/repos/{repo.full_name}/statuses/{sha}", "id": sid, "node_id": f"SC_{sid}",
        "state": body["state"], "description": description or None, "target_url": body.get("target_url"),
        "context": body.get("context") or "default", "created_at": now, "updated_at": now,
        "avatar_url": None, "creator": fake._user(BOT),
    }
    repo.statuses.setdefault(sha, []).append(status)
    return 201, status, {}


def _get_commit(fake: FakeGitHub, repo: Repo, query: dict[str, str], body: Any, sha: str) -> Response:
    return 200, {"sha": sha, "node_id": f"C_{sha}", "url": f"{fake.url}/repos/{repo.full_name}/commits/{sha}",
                 "html_url": f"{fake.html}/{repo.full_name}/commit/{sha}",
                 "commit": {"message": "Update the model", "tree": {"sha": "0" * 40}},
                 "parents": [], "files": []}, {}


def _list_statuses(fake: FakeGitHub, repo: Repo, query: dict[str, str], body: Any, sha: str) -> Response:
    items = list(reversed(repo.statuses.get(sha, [])))
    return _page(fake, f"/repos/{repo.full_name}/commits/{sha}/statuses", items, query)


def _list_issues(fake: FakeGitHub, repo: Repo, query: dict[str, str], body: Any) -> Response:
    """GET /issues: issues and pull requests (as GitHub lists them), newest first unless direction=asc."""
    state = query.get("state", "open")
    wanted = [name.strip().lower() for name in query.get("labels", "").split(",") if name.strip()]
    numbers = sorted({*repo.issues, *repo.pulls}, reverse=query.get("direction", "desc") != "asc")
    items = []
    for number in numbers:
        item = fake.issue_json(repo, number)
        names = {label["name"].lower() for label in item.get("labels", [])}
        if state != "all" and item["state"] != state:
            continue
        if any(name not in names for name in wanted):
            continue
        if query.get("creator") and item["user"]["login"] != query["creator"]:
            continue
        items.append(item)
    return _page(fake, f"/repos/{repo.full_name}/issues", items, query)


def _issue_fields(resource: str, body: dict[str, Any]) -> Response | None:
    """The checks GitHub makes on an issue's fields: a 422 answer, or None when they are fine."""
    if "title" in body and (not isinstance(body["title"], str) or not body["title"].strip()):
        return _invalid(resource, "title", "title can't be blank")
    text = body.get("body")
    if text is not None and (not isinstance(text, str) or len(text) > MAX_COMMENT):
        return _invalid(resource, "body", f"body is too long (maximum is {MAX_COMMENT} characters)")
    labels = body.get("labels")
    if labels is not None and (not isinstance(labels, list)
                               or not all(isinstance(name, str) and name for name in labels)):
        return _invalid(resource, "labels", "labels must be a list of names")
    if body.get("state") not in (None, "open", "closed"):
        return _invalid(resource, "state", "state is not included in the list")
    if body.get("state_reason") not in (None, "completed", "not_planned", "reopened", "duplicate"):
        return _invalid(resource, "state_reason", "state_reason is not included in the list")
    return None


def _create_issue(fake: FakeGitHub, repo: Repo, query: dict[str, str], body: Any) -> Response:
    body = body if isinstance(body, dict) else {}
    if "title" not in body:
        return _invalid("Issue", "title", "title can't be blank")
    refused = _issue_fields("Issue", body)
    if refused is not None:
        return refused
    issue = fake._new_issue(repo, body["title"], body.get("body"), body.get("labels") or [], BOT)
    return 201, fake.issue_json(repo, issue["number"]), {}


def _get_issue(fake: FakeGitHub, repo: Repo, query: dict[str, str], body: Any, number: str) -> Response:
    return 200, fake.issue_json(repo, int(number)), {}


def _edit_issue(fake: FakeGitHub, repo: Repo, query: dict[str, str], body: Any, number: str) -> Response:
    issue = repo.issues.get(int(number))
    if issue is None:
        return _NOT_FOUND
    body = body if isinstance(body, dict) else {}
    refused = _issue_fields("Issue", body)
    if refused is not None:
        return refused
    for name in ("title", "body"):
        if name in body:
            issue[name] = body[name]
    if "labels" in body:
        issue["labels"] = [fake.label(repo, name) for name in dict.fromkeys(body["labels"])]
    now = fake._now()
    state = body.get("state")
    if state == "closed" and issue["state"] != "closed":
        issue.update(state="closed", closed_at=now, state_reason=body.get("state_reason") or "completed")
    elif state == "open" and issue["state"] != "open":
        issue.update(state="open", closed_at=None, state_reason="reopened")
    elif "state_reason" in body:
        issue["state_reason"] = body["state_reason"]
    issue["updated_at"] = now
    return 200, fake.issue_json(repo, issue["number"]), {}


def _list_labels(fake: FakeGitHub, repo: Repo, query: dict[str, str], body: Any) -> Response:
    return _page(fake, f"/repos/{repo.full_name}/labels", list(repo.labels.values()), query)


def _get_label(fake: FakeGitHub, repo: Repo, query: dict[str, str], body: Any, name: str) -> Response:
    for label in repo.labels.values():
        if label["name"].lower() == name.lower():
            return 200, label, {}
    return _NOT_FOUND


def _create_label(fake: FakeGitHub, repo: Repo, query: dict[str, str], body: Any) -> Response:
    body = body if isinstance(body, dict) else {}
    name = body.get("name")
    if not isinstance(name, str) or not name.strip():
        return _invalid("Label", "name", "name can't be blank")
    if any(label["name"].lower() == name.lower() for label in repo.labels.values()):
        return (422, {"message": "Validation Failed", "errors": [
            {"resource": "Label", "code": "already_exists", "field": "name"}],
            "documentation_url": DOCS, "status": "422"}, {})
    label = fake.label(repo, name, color=str(body.get("color") or "ededed"), description=body.get("description"))
    return 201, label, {}


def _add_labels(fake: FakeGitHub, repo: Repo, query: dict[str, str], body: Any, number: str) -> Response:
    issue = repo.issues.get(int(number))
    if issue is None:
        return _NOT_FOUND
    names = body.get("labels") if isinstance(body, dict) else body
    if not isinstance(names, list) or not all(isinstance(name, str) and name for name in names):
        return _invalid("Label", "labels", "labels must be a list of names")
    have = {label["name"].lower() for label in issue["labels"]}
    issue["labels"] = [*issue["labels"], *(fake.label(repo, name) for name in dict.fromkeys(names)
                                          if name.lower() not in have)]
    return 200, issue["labels"], {}


def _workflow_json(fake: FakeGitHub, repo: Repo, file_name: str) -> dict[str, Any]:
    wid = 161335 + sorted(repo.workflows).index(file_name)
    return {"id": wid, "node_id": f"W_{wid}", "name": file_name.rsplit(".", 1)[0],
            "path": f".github/workflows/{file_name}", "state": "active",
            "url": f"{fake.url}/repos/{repo.full_name}/actions/workflows/{wid}",
            "html_url": f"{fake.html}/{repo.full_name}/blob/main/.github/workflows/{file_name}"}


def _find_workflow(fake: FakeGitHub, repo: Repo, key: str) -> str | None:
    for file_name in repo.workflows:
        if key == file_name or key == str(_workflow_json(fake, repo, file_name)["id"]):
            return file_name
    return None


def _get_workflow(fake: FakeGitHub, repo: Repo, query: dict[str, str], body: Any, key: str) -> Response:
    file_name = _find_workflow(fake, repo, key)
    return (200, _workflow_json(fake, repo, file_name), {}) if file_name else _NOT_FOUND


def _dispatch(fake: FakeGitHub, repo: Repo, query: dict[str, str], body: Any, key: str) -> Response:
    """POST .../dispatches: 204 No Content; 422 as GitHub words it for a workflow it cannot dispatch."""
    file_name = _find_workflow(fake, repo, key)
    if file_name is None:
        return _NOT_FOUND
    body = body if isinstance(body, dict) else {}
    declared = repo.workflows[file_name]
    if declared is None:
        return 422, {"message": "Workflow does not have 'workflow_dispatch' trigger",
                     "documentation_url": DOCS, "status": "422"}, {}
    ref = body.get("ref")
    if not isinstance(ref, str) or not ref:
        return _invalid("WorkflowDispatch", "ref", "ref wasn't supplied.")
    if ref.removeprefix("refs/heads/") not in repo.branches:
        return 422, {"message": f"No ref found for: {ref}", "documentation_url": DOCS, "status": "422"}, {}
    inputs = body.get("inputs") or {}
    unexpected = sorted(set(inputs) - set(declared))
    if unexpected:
        return 422, {"message": f"Unexpected inputs provided: {unexpected}", "documentation_url": DOCS,
                     "status": "422"}, {}
    repo.dispatches.append({"workflow": file_name, "ref": ref, "inputs": dict(inputs)})
    return 204, None, {}


_ROUTES = [
    (r"GET ", _get_repo),
    (r"GET /pulls/(\d+)", _get_pull),
    (r"GET /pulls/(\d+)/files", _pull_files),
    (r"GET /contents/(.+)", _get_contents),
    (r"GET /issues", _list_issues),
    (r"POST /issues", _create_issue),
    (r"GET /issues/(\d+)", _get_issue),
    (r"PATCH /issues/(\d+)", _edit_issue),
    (r"POST /issues/(\d+)/labels", _add_labels),
    (r"GET /labels", _list_labels),
    (r"POST /labels", _create_label),
    (r"GET /labels/([^/]+)", _get_label),
    (r"GET /actions/workflows/([^/]+)", _get_workflow),
    (r"POST /actions/workflows/([^/]+)/dispatches", _dispatch),
    (r"GET /commits/([0-9a-fA-F]{4,40})/pulls", _commit_pulls),
    (r"GET /issues/(\d+)/comments", _list_comments),
    (r"POST /issues/(\d+)/comments", _create_comment),
    (r"PATCH /issues/comments/(\d+)", _edit_comment),
    (r"DELETE /issues/comments/(\d+)", _delete_comment),
    (r"POST /statuses/([0-9a-fA-F]{4,40})", _create_status),
    (r"GET /commits/([0-9a-fA-F]{4,40})/statuses", _list_statuses),
    (r"GET /commits/([0-9a-fA-F]{40})", _get_commit),
]


def _page(fake: FakeGitHub, path: str, items: list[dict[str, Any]], query: dict[str, str]) -> Response:
    """One page as GitHub serves it, with the Link header PyGithub follows."""
    per_page = min(max(int(query.get("per_page", 30)), 1), 100)
    page = max(int(query.get("page", 1)), 1)
    last = max((len(items) + per_page - 1) // per_page, 1)
    chunk = items[(page - 1) * per_page: page * per_page]
    links = []
    if page < last:
        links.append(f'<{fake.url}{path}?{urlencode({"per_page": per_page, "page": page + 1})}>; rel="next"')
        links.append(f'<{fake.url}{path}?{urlencode({"per_page": per_page, "page": last})}>; rel="last"')
    if page > 1:
        links.append(f'<{fake.url}{path}?{urlencode({"per_page": per_page, "page": 1})}>; rel="first"')
        links.append(f'<{fake.url}{path}?{urlencode({"per_page": per_page, "page": page - 1})}>; rel="prev"')
    return 200, chunk, ({"Link": ", ".join(links)} if links else {})


def start() -> tuple[FakeGitHub, _Server, threading.Thread]:
    """Start a server on 127.0.0.1 and a random port, in a daemon thread."""
    server = _Server(("127.0.0.1", 0), _Handler)
    host, port = server.server_address[:2]
    server.fake = FakeGitHub(str(host), int(port))
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="fake-github",
                              daemon=True)
    thread.start()
    return server.fake, server, thread


@pytest.fixture
def github_server() -> Iterator[FakeGitHub]:
    """A running fake GitHub API (see the module docstring for the helpers)."""
    fake, server, thread = start()
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
