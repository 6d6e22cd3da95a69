"""A small local HTTP server that answers like GitLab's REST API v4, for the real python-gitlab client.

It covers what mlgate calls: the token's user (`GET /user`), projects (by id or URL-encoded path), merge
requests, merge request notes (list with pagination, create, edit, delete), commit statuses
(`POST /projects/:id/statuses/:sha`, `GET .../repository/commits/:sha/statuses`), the merge requests of a
commit (`GET .../repository/commits/:sha/merge_requests`), issues (list with state/labels/author filters,
create, edit: description, title, state_event, labels; issue notes) and pipelines (`POST .../pipeline`).
It behaves as GitLab does where mlgate depends on it:

- GitLab's JSON shapes (ids and iids, `author` objects, `web_url`s pointing back at this server, timestamps);
- offset pagination: `per_page` (default 20, at most 100), `page`, and the headers `X-Page`, `X-Per-Page`,
  `X-Next-Page`, `X-Prev-Page`, `X-Total`, `X-Total-Pages` and `Link` (rel next/prev/first/last);
- `PRIVATE-TOKEN` (or `Authorization: Bearer`) authentication: 401 `{"message": "401 Unauthorized"}` for an
  unknown token; a `JOB-TOKEN` (CI_JOB_TOKEN) may not create notes or statuses: 403 (as GitLab answers);
  a Reporter token may comment but not set statuses (403); 404 `{"message": "404 Project Not Found"}`;
- a locked merge request (`discussion_locked`) refuses new notes with 403; a pending status set pending
  again answers 400 "Cannot transition status" (as GitLab does; a finished one is replaced by a new one); a note body over 1,000,000
  characters answers 400;
- injected failures (`fail(...)`, `rate_limit(...)`): 409, 422, 429 with Retry-After, 5xx, anything;
- faults after the fact (`apply_then_fail(...)`): the request is applied (a note created), then answered
  with 502, or the connection is dropped — as a proxy in front of GitLab may do.

Every request is recorded (`requests`), with the token reduced to its role.

Use the `gitlab_server` fixture:

    def test_x(gitlab_server, monkeypatch):
        gitlab_server.add_mr(7, sha="ec26...")                   # seed a merge request
        for name, value in gitlab_server.env(mr=7).items():     # CI_API_V4_URL, GITLAB_TOKEN, CI_* ...
            monkeypatch.setenv(name, value)
        ...                                                     # run mlgate
        gitlab_server.notes(7)                                  # read back: list of note dicts
        gitlab_server.statuses("ec26...")                       # read back: list of status dicts
"""

from __future__ import annotations

import json
import re
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlencode, urlsplit

import pytest

PROJECT = "acme/ml/breast-cancer"
PROJECT_ID = 4242
WRITE_TOKEN = "glpat-fakeWriteToken0123456789abc"  # a project access token, Developer, api scope
REPORTER_TOKEN = "glpat-fakeReporterToken012345678"  # Reporter: may comment, may not set statuses
JOB_TOKEN = "glcbt-fakeJobToken0123456789abcdef"  # CI_JOB_TOKEN
BOT = {"id": 901, "username": "project_4242_bot_mlgate", "name": "mlgate", "state": "active", "bot": True}
REPORTER = {"id": 902, "username": "project_4242_bot_reporter", "name": "reporter", "state": "active",
            "bot": True}
PERSON = {"id": 17, "username": "alice", "name": "Alice", "state": "active", "bot": False}
MAX_NOTE = 1_000_000
STATES = ("pending", "running", "success", "failed", "canceled", "skipped")


@dataclass
class Recorded:
    method: str
    path: str  # without /api/v4 and the query, the project's id or path as sent
    query: dict[str, str]
    body: Any
    auth: str  # "write", "reporter", "job", "none" or "unknown": never the token itself


@dataclass
class Failure:
    method: str
    pattern: re.Pattern[str]
    status: int
    message: Any
    headers: dict[str, str]
    times: int


@dataclass
class Fault:
    method: str
    pattern: re.Pattern[str]
    answer: int | str  # a status (applied, then answered so) or "drop" (applied, then the connection closed)
    times: int


@dataclass
class MergeRequest:
    iid: int
    sha: str
    source_branch: str = "changes"
    target_branch: str = "main"
    state: str = "opened"
    merge_commit_sha: str | None = None
    squash_commit_sha: str | None = None
    discussion_locked: bool = False
    title: str = "Update the model"
    notes: list[dict[str, Any]] = field(default_factory=list)


class FakeGitLab:
    """The state behind the server, helpers to seed and read it, and the recorded requests."""

    def __init__(self, host: str, port: int) -> None:
        self.root = f"http://{host}:{port}"
        self.url = self.root + "/api/v4"
        self.mrs: dict[int, MergeRequest] = {}
        self.commit_statuses: dict[str, list[dict[str, Any]]] = {}
        self.issue_list: dict[int, dict[str, Any]] = {}
        self.pipelines: list[dict[str, Any]] = []
        self.tokens = {WRITE_TOKEN: "write", REPORTER_TOKEN: "reporter"}
        self.users = {"write": BOT, "reporter": REPORTER}
        self.requests: list[Recorded] = []
        self.failures: list[Failure] = []
        self.faults: list[Fault] = []
        self._ids = iter(range(5_000_001, 10**9))
        self._clock = datetime(2026, 1, 1, tzinfo=timezone.utc)
        self.lock = threading.RLock()

    # --- seeding ------------------------------------------------------------------------------------

    def add_mr(self, iid: int, sha: str, **kwargs: Any) -> MergeRequest:
        """Seed a merge request (kwargs: source_branch, target_branch, state, merge_commit_sha, ...)."""
        with self.lock:
            self.mrs[iid] = MergeRequest(iid=iid, sha=sha, **kwargs)
            return self.mrs[iid]

    def add_note(self, iid: int, body: str, *, author: dict[str, Any] = PERSON) -> dict[str, Any]:
        with self.lock:
            return self._new_note(self.mrs[iid].notes, iid, "MergeRequest", body, author)

    def fail(self, method: str, path_regex: str, status: int, message: Any = None, *, times: int = 1,
             headers: dict[str, str] | None = None) -> None:
        """Answer the next `times` matching requests with `status`, without applying them."""
        with self.lock:
            self.failures.append(Failure(method, re.compile(path_regex), status,
                                         message or f"{status} {_REASONS.get(status, 'Error')}",
                                         headers or {}, times))

    def rate_limit(self, method: str, path_regex: str, *, retry_after: int = 1, times: int = 1) -> None:
        """429 with Retry-After, as GitLab's rate limiter answers (plain text body "Retry later")."""
        self.fail(method, path_regex, 429, "Retry later", times=times,
                  headers={"Retry-After": str(retry_after), "RateLimit-Limit": "600",
                           "RateLimit-Remaining": "0"})

    def apply_then_fail(self, method: str, path_regex: str, answer: int | str = 502, *, times: int = 1) -> None:
        with self.lock:
            self.faults.append(Fault(method, re.compile(path_regex), answer, times))

    # --- reading back -------------------------------------------------------------------------------

    def notes(self, iid: int) -> list[dict[str, Any]]:
        with self.lock:
            return [dict(n) for n in self.mrs[iid].notes]

    def statuses(self, sha: str) -> list[dict[str, Any]]:
        with self.lock:
            return [dict(s) for s in self.commit_statuses.get(sha, [])]

    def issues(self) -> list[dict[str, Any]]:
        with self.lock:
            return [dict(i) for i in self.issue_list.values()]

    def add_issue(self, title: str, description: str, *, author: dict[str, Any] = BOT, state: str = "opened",
                  labels: list[str] | None = None) -> dict[str, Any]:
        """Seed an issue (by the token's bot user unless `author` says otherwise)."""
        with self.lock:
            _status, created, _headers = _create_issue(self, {}, {"title": title, "description": description,
                                                                 "labels": ",".join(labels or [])}, "write")
            issue = self.issue_list[created["iid"]]
            issue.update(author=self._user(author), state=state)
            return dict(issue)

    def count(self, method: str | None = None, path_contains: str = "") -> int:
        with self.lock:
            return sum(1 for r in self.requests
                       if (method is None or r.method == method) and path_contains in r.path)

    def env(self, *, token: str | None = WRITE_TOKEN, mr: int | None = None, sha: str | None = None,
            job_token: bool = True) -> dict[str, str]:
        """The variables a GitLab CI job has (a merge-request pipeline when `mr` is given)."""
        env = {
            "GITLAB_CI": "true", "CI": "true", "CI_SERVER_URL": self.root, "CI_API_V4_URL": self.url,
            "CI_PROJECT_PATH": PROJECT, "CI_PROJECT_ID": str(PROJECT_ID), "CI_DEFAULT_BRANCH": "main",
            "CI_PIPELINE_URL": f"{self.root}/{PROJECT}/-/pipelines/77",
            "CI_JOB_URL": f"{self.root}/{PROJECT}/-/jobs/501", "GITLAB_USER_LOGIN": "alice",
        }
        if token:
            env["GITLAB_TOKEN"] = token
        if job_token:
            env["CI_JOB_TOKEN"] = JOB_TOKEN
        if mr is not None:
            merge = self.mrs[mr]
            env.update(CI_MERGE_REQUEST_IID=str(mr), CI_COMMIT_SHA=merge.sha, CI_PIPELINE_SOURCE="merge_request_event",
                       CI_MERGE_REQUEST_TARGET_BRANCH_NAME=merge.target_branch,
                       CI_MERGE_REQUEST_SOURCE_BRANCH_NAME=merge.source_branch)
        elif sha is not None:
            env.update(CI_COMMIT_SHA=sha, CI_COMMIT_BRANCH="main", CI_PIPELINE_SOURCE="push")
        return env

    # --- helpers ------------------------------------------------------------------------------------

    def _now(self) -> str:
        self._clock += timedelta(seconds=1)
        return self._clock.strftime("%Y-%m-%dT%H:%M:%S.000Z")

    def _new_note(self, notes: list[dict[str, Any]], iid: int, kind: str, body: str,
                  author: dict[str, Any]) -> dict[str, Any]:
        now = self._now()
        note = {"id": next(self._ids), "type": None, "body": body, "attachment": None,
                "author": self._user(author), "created_at": now, "updated_at": now, "system": False,
                "noteable_id": 1000 + iid, "noteable_type": kind, "project_id": PROJECT_ID,
                "noteable_iid": iid, "resolvable": False, "confidential": False, "internal": False}
        notes.append(note)
        return note

    def _user(self, user: dict[str, Any]) -> dict[str, Any]:
        return {**user, "avatar_url": None, "web_url": f"{self.root}/{user['username']}"}

    def mr_json(self, mr: MergeRequest) -> dict[str, Any]:
        return {"id": 1000 + mr.iid, "iid": mr.iid, "project_id": PROJECT_ID, "title": mr.title,
                "state": mr.state, "source_branch": mr.source_branch, "target_branch": mr.target_branch,
                "sha": mr.sha, "merge_commit_sha": mr.merge_commit_sha,
                "squash_commit_sha": mr.squash_commit_sha, "discussion_locked": mr.discussion_locked,
                "author": self._user(PERSON), "web_url": f"{self.root}/{PROJECT}/-/merge_requests/{mr.iid}"}


_REASONS = {400: "Bad request", 401: "Unauthorized", 403: "Forbidden", 404: "Not found", 409: "Conflict",
            422: "Unprocessable", 429: "Too Many Requests", 500: "Internal Server Error", 502: "Bad Gateway"}
Response = tuple[int, Any, dict[str, str]]


def _error(status: int, message: Any = None) -> Response:
    return status, {"message": message or f"{status} {_REASONS.get(status, 'Error')}"}, {}


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def do_PUT(self) -> None:
        self._handle("PUT")

    def do_DELETE(self) -> None:
        self._handle("DELETE")

    def _handle(self, method: str) -> None:
        fake = self.server.fake
        split = urlsplit(self.path)
        path = split.path.removeprefix("/api/v4")
        query = {k: v[-1] for k, v in parse_qs(split.query).items()}
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw) if raw else {}
        except json.JSONDecodeError:
            body = {k: v[-1] for k, v in parse_qs(raw.decode("utf-8", "replace")).items()}
        auth = self._role()
        with fake.lock:
            fake.requests.append(Recorded(method, path, query, body, auth))
            failure = _take(fake.failures, method, path)
        if failure is not None:
            payload = failure.message if isinstance(failure.message, dict) else {"message": failure.message}
            self._send(failure.status, payload, failure.headers)
            return
        if not split.path.startswith("/api/v4/"):
            self._send(*_error(404))
            return
        if auth in ("none", "unknown"):
            self._send(*_error(401))
            return
        with fake.lock:
            status, payload, headers = _route(fake, method, path, query, body, auth)
            fault = _take(fake.faults, method, path) if status < 300 else None
        if fault is not None:
            if fault.answer == "drop":
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)
                return
            status, payload, headers = int(fault.answer), {"message": "502 Bad Gateway"}, {}
        self._send(status, payload, headers)

    def _role(self) -> str:
        fake = self.server.fake
        if self.headers.get("JOB-TOKEN"):
            return "job" if self.headers["JOB-TOKEN"] == JOB_TOKEN else "unknown"
        token = self.headers.get("PRIVATE-TOKEN") or self.headers.get("Authorization", "").removeprefix("Bearer ")
        if not token:
            return "none"
        if token == JOB_TOKEN:
            return "job"
        return fake.tokens.get(token, "unknown")

    def _send(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
        data = b"" if payload is None or status == 204 else json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if data:
            self.wfile.write(data)


def _take(items: list[Any], method: str, path: str) -> Any:
    for item in items:
        if item.times > 0 and item.method == method and item.pattern.search(path):
            item.times -= 1
            return item
    return None


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    fake: FakeGitLab


def _route(fake: FakeGitLab, method: str, path: str, query: dict[str, str], body: Any, auth: str) -> Response:
    if method == "GET" and path == "/user":
        if auth == "job":
            return _error(401)  # a job token has no user endpoint
        return 200, fake._user(fake.users[auth]), {}
    match = re.fullmatch(r"/projects/([^/]+)(/.*)?", path)
    if not match:
        return _error(404)
    if unquote(match.group(1)) not in (PROJECT, str(PROJECT_ID)):
        return _error(404, "404 Project Not Found")
    rest = match.group(2) or ""
    for pattern, handler in _ROUTES:
        found = re.fullmatch(pattern, f"{method} {rest}")
        if found:
            return handler(fake, query, body, auth, *found.groups())  # type: ignore[no-any-return]
    return _error(404)


def _mr(fake: FakeGitLab, iid: str) -> MergeRequest | None:
    return fake.mrs.get(int(iid))


def _get_project(fake: FakeGitLab, query: dict[str, str], body: Any, auth: str) -> Response:
    return 200, {"id": PROJECT_ID, "path_with_namespace": PROJECT, "default_branch": "main",
                 "web_url": f"{fake.root}/{PROJECT}"}, {}


def _get_mr(fake: FakeGitLab, query: dict[str, str], body: Any, auth: str, iid: str) -> Response:
    mr = _mr(fake, iid)
    return (200, fake.mr_json(mr), {}) if mr else _error(404)


def _list_notes(fake: FakeGitLab, query: dict[str, str], body: Any, auth: str, iid: str) -> Response:
    mr = _mr(fake, iid)
    if mr is None:
        return _error(404)
    notes = sorted(mr.notes, key=lambda n: (n["created_at"], n["id"]), reverse=query.get("sort") != "asc")
    return _page(fake, f"/projects/{PROJECT_ID}/merge_requests/{iid}/notes", notes, query)


def _create_note(fake: FakeGitLab, query: dict[str, str], body: Any, auth: str, iid: str) -> Response:
    mr = _mr(fake, iid)
    if mr is None:
        return _error(404)
    if auth == "job" or mr.discussion_locked:
        return _error(403)
    text = body.get("body") if isinstance(body, dict) else None
    if not text:
        return _error(400, "400 Bad request - body is missing")
    if len(text) > MAX_NOTE:
        return _error(400, {"note": [f"is too long (maximum is {MAX_NOTE} characters)"]})
    return 201, fake._new_note(mr.notes, mr.iid, "MergeRequest", text, fake.users[auth]), {}


def _find_note(mr: MergeRequest, nid: str) -> dict[str, Any] | None:
    return next((n for n in mr.notes if n["id"] == int(nid)), None)


def _edit_note(fake: FakeGitLab, query: dict[str, str], body: Any, auth: str, iid: str, nid: str) -> Response:
    mr = _mr(fake, iid)
    note = _find_note(mr, nid) if mr else None
    if mr is None or note is None:
        return _error(404, "404 Note Not Found")
    if auth == "job" or note["author"]["id"] != fake.users[auth]["id"]:
        return _error(403)
    note.update(body=body.get("body", note["body"]), updated_at=fake._now())
    return 200, dict(note), {}


def _delete_note(fake: FakeGitLab, query: dict[str, str], body: Any, auth: str, iid: str, nid: str) -> Response:
    mr = _mr(fake, iid)
    note = _find_note(mr, nid) if mr else None
    if mr is None or note is None:
        return _error(404, "404 Note Not Found")
    if auth == "job" or note["author"]["id"] != fake.users[auth]["id"]:
        return _error(403)
    mr.notes.remove(note)
    return 204, None, {}


def _create_status(fake: FakeGitLab, query: dict[str, str], body: Any, auth: str, sha: str) -> Response:
    if auth != "write":
        return _error(403)
    state, name = body.get("state"), body.get("name") or body.get("context") or "default"
    if state not in STATES:
        return _error(400, "400 Bad request - state does not have a valid value")
    statuses = fake.commit_statuses.setdefault(sha, [])
    latest = next((s for s in reversed(statuses) if s["name"] == name), None)
    if latest is not None and latest["status"] == state and state in ("pending", "running"):
        return _error(400, f"Cannot transition status via :{state} from :{state} (Reason(s): Status cannot "
                           "transition via \"" + state + "\")")
    now = fake._now()
    status = {"id": next(fake._ids), "sha": sha, "ref": body.get("ref"), "status": state, "name": name,
              "target_url": body.get("target_url"), "description": body.get("description"),
              "created_at": now, "started_at": now, "finished_at": now, "allow_failure": False,
              "coverage": None, "pipeline_id": 77, "author": fake._user(fake.users[auth])}
    statuses.append(status)
    return 201, status, {}


def _list_statuses(fake: FakeGitLab, query: dict[str, str], body: Any, auth: str, sha: str) -> Response:
    return _page(fake, f"/projects/{PROJECT_ID}/repository/commits/{sha}/statuses",
                 fake.commit_statuses.get(sha, []), query)


def _commit_mrs(fake: FakeGitLab, query: dict[str, str], body: Any, auth: str, sha: str) -> Response:
    found = [fake.mr_json(m) for m in fake.mrs.values()
             if sha in (m.sha, m.merge_commit_sha, m.squash_commit_sha)]
    return _page(fake, f"/projects/{PROJECT_ID}/repository/commits/{sha}/merge_requests", found, query)


def _create_pipeline(fake: FakeGitLab, query: dict[str, str], body: Any, auth: str) -> Response:
    if auth != "write":
        return _error(403)
    ref = body.get("ref")
    if not ref:
        return _error(400, "400 Bad request - ref is missing")
    pipeline = {"id": 1000 + len(fake.pipelines), "iid": len(fake.pipelines) + 1, "ref": ref,
                "status": "created", "source": "api", "variables": body.get("variables") or [],
                "web_url": f"{fake.root}/{PROJECT}/-/pipelines/{1000 + len(fake.pipelines)}"}
    fake.pipelines.append(pipeline)
    return 201, {k: v for k, v in pipeline.items() if k != "variables"}, {}


def _issue_json(fake: FakeGitLab, issue: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in issue.items() if k != "notes"}


def _list_issues(fake: FakeGitLab, query: dict[str, str], body: Any, auth: str) -> Response:
    issues = list(fake.issue_list.values())
    if query.get("state") in ("opened", "closed"):
        issues = [i for i in issues if i["state"] == query["state"]]
    if query.get("labels"):
        wanted = {name.strip().lower() for name in query["labels"].split(",")}
        issues = [i for i in issues if wanted <= {label.lower() for label in i["labels"]}]
    if query.get("author_id"):
        issues = [i for i in issues if str(i["author"]["id"]) == query["author_id"]]
    issues.sort(key=lambda i: (i["created_at"], i["iid"]), reverse=query.get("sort") != "asc")
    return _page(fake, f"/projects/{PROJECT_ID}/issues", [_issue_json(fake, i) for i in issues], query)


def _create_issue(fake: FakeGitLab, query: dict[str, str], body: Any, auth: str) -> Response:
    if auth == "job":
        return _error(403)
    if not body.get("title"):
        return _error(400, "400 Bad request - title is missing")
    iid = max([0, *fake.issue_list]) + 1
    now = fake._now()
    labels = [name for name in str(body.get("labels") or "").split(",") if name]
    fake.issue_list[iid] = {
        "id": next(fake._ids), "iid": iid, "project_id": PROJECT_ID, "title": body["title"],
        "description": body.get("description"), "state": "opened", "labels": labels,
        "author": fake._user(fake.users[auth]), "created_at": now, "updated_at": now, "closed_at": None,
        "web_url": f"{fake.root}/{PROJECT}/-/issues/{iid}", "notes": []}
    return 201, _issue_json(fake, fake.issue_list[iid]), {}


def _get_issue(fake: FakeGitLab, query: dict[str, str], body: Any, auth: str, iid: str) -> Response:
    issue = fake.issue_list.get(int(iid))
    return (200, _issue_json(fake, issue), {}) if issue else _error(404, "404 Issue Not Found")


def _edit_issue(fake: FakeGitLab, query: dict[str, str], body: Any, auth: str, iid: str) -> Response:
    issue = fake.issue_list.get(int(iid))
    if issue is None:
        return _error(404, "404 Issue Not Found")
    if auth == "job":
        return _error(403)
    for key in ("title", "description"):
        if key in body:
            issue[key] = body[key]
    if "labels" in body:
        issue["labels"] = [name for name in str(body["labels"]).split(",") if name]
    for name in str(body.get("add_labels") or "").split(","):
        if name and name not in issue["labels"]:
            issue["labels"].append(name)
    event = body.get("state_event")
    if event == "close":
        issue.update(state="closed", closed_at=fake._now())
    elif event == "reopen":
        issue.update(state="opened", closed_at=None)
    issue["updated_at"] = fake._now()
    return 200, _issue_json(fake, issue), {}


def _create_issue_note(fake: FakeGitLab, query: dict[str, str], body: Any, auth: str, iid: str) -> Response:
    issue = fake.issue_list.get(int(iid))
    if issue is None:
        return _error(404, "404 Issue Not Found")
    if auth == "job":
        return _error(403)
    return 201, fake._new_note(issue["notes"], int(iid), "Issue", body.get("body", ""), fake.users[auth]), {}


_ROUTES = [
    (r"GET /issues", _list_issues),
    (r"POST /issues", _create_issue),
    (r"GET /issues/(\d+)", _get_issue),
    (r"PUT /issues/(\d+)", _edit_issue),
    (r"POST /issues/(\d+)/notes", _create_issue_note),
    (r"GET ", _get_project),
    (r"GET /merge_requests/(\d+)", _get_mr),
    (r"GET /merge_requests/(\d+)/notes", _list_notes),
    (r"POST /merge_requests/(\d+)/notes", _create_note),
    (r"PUT /merge_requests/(\d+)/notes/(\d+)", _edit_note),
    (r"DELETE /merge_requests/(\d+)/notes/(\d+)", _delete_note),
    (r"POST /statuses/([0-9a-f]{40})", _create_status),
    (r"GET /repository/commits/([0-9a-f]{40})/statuses", _list_statuses),
    (r"GET /repository/commits/([0-9a-f]{40})/merge_requests", _commit_mrs),
    (r"POST /pipeline", _create_pipeline),
]


def _page(fake: FakeGitLab, path: str, items: list[dict[str, Any]], query: dict[str, str]) -> Response:
    """One page as GitLab serves it: offset pagination headers and a Link header."""
    per_page = min(max(int(query.get("per_page", 20)), 1), 100)
    page = max(int(query.get("page", 1)), 1)
    last = max((len(items) + per_page - 1) // per_page, 1)
    chunk = items[(page - 1) * per_page: page * per_page]
    keep = {k: v for k, v in query.items() if k not in ("page", "per_page")}

    def url(number: int) -> str:
        return f"{fake.url}{path}?{urlencode({**keep, 'page': number, 'per_page': per_page})}"

    links = [f'<{url(1)}>; rel="first"', f'<{url(last)}>; rel="last"']
    if page < last:
        links.insert(0, f'<{url(page + 1)}>; rel="next"')
    if page > 1:
        links.insert(0, f'<{url(page - 1)}>; rel="prev"')
    headers = {"X-Page": str(page), "X-Per-Page": str(per_page), "X-Total": str(len(items)),
               "X-Total-Pages": str(last), "X-Next-Page": str(page + 1) if page < last else "",
               "X-Prev-Page": str(page - 1) if page > 1 else "", "Link": ", ".join(links)}
    return 200, chunk, headers


def start(host: str = "127.0.0.1") -> tuple[FakeGitLab, _Server, threading.Thread]:
    server = _Server((host, 0), _Handler)
    address, port = server.server_address[:2]
    server.fake = FakeGitLab(str(address), int(port))
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="fake-gitlab",
                              daemon=True)
    thread.start()
    return server.fake, server, thread


@pytest.fixture
def gitlab_server() -> Iterator[FakeGitLab]:
    """A running fake GitLab API (see the module docstring for the helpers)."""
    fake, server, thread = start()
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
