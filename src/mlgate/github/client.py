"""The PyGithub client at the edge: GITHUB_API_URL (GitHub Enterprise), retries, and clear errors.

Retries: 5xx, and rate limits (403 or 429) that say Retry-After, waiting as told (at most
MAX_RETRY_AFTER seconds per wait). Writes are spaced by the context's write_interval seconds
(MLGATE_GITHUB_WRITE_INTERVAL, default 1: GitHub's advice against secondary rate limits). Failures become
ServiceError (exit 3) with what, why and how to fix; the token is never part of a message.

A create (a POST other than a commit status) is not repeated once it may have reached GitHub: after a 5xx,
a reset or a timeout GitHub may have done it. It is repeated only after a rate limit or when no connection
was made; comment.upsert looks for the comment before creating it again. Edits, deletes and commit statuses
are idempotent and retried as reads are.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from mlgate.errors import BadInput, ServiceError
from mlgate.github.context import GitHubContext

if TYPE_CHECKING:
    from github import Github
    from github.Repository import Repository

MAX_RETRY_AFTER = 60
RETRIES = 4
TIMEOUT = 30
READ_ONLY = "Resource not accessible by integration"
# Setting a commit status twice leaves the same state: the one POST repeated as freely as an edit.
IDEMPOTENT_POST = re.compile(r"/statuses/[0-9a-fA-F]+/?$")
FORK_HELP = (
    "on pull requests from forks GITHUB_TOKEN is read-only: run `mlgate report --bundle DIR` in the "
    "pull_request workflow and `mlgate publish --bundle DIR` in a workflow_run workflow "
    "(docs/security.md: fork pull requests); otherwise give the job `permissions: pull-requests: write` "
    "and `statuses: write`"
)


def repeats_safely(method: str | None, url: str | None) -> bool:
    """Whether a request may be sent again after it may have reached GitHub (not a create)."""
    if (method or "").upper() != "POST":
        return True
    path = (url or "").split("?", 1)[0]
    return bool(IDEMPOTENT_POST.search(path))


def _retry() -> Any:
    from github.GithubRetry import GithubRetry
    from urllib3.exceptions import MaxRetryError, ProtocolError, ReadTimeoutError, ResponseError

    class CappedRetry(GithubRetry):
        """GithubRetry that also retries 429, never sleeps longer than MAX_RETRY_AFTER per wait, and never
        repeats a create GitHub may have done (a 5xx answer, a reset or a timeout after sending it)."""

        def get_retry_after(self, response: Any) -> float | None:
            after = super().get_retry_after(response)
            return None if after is None else min(after, MAX_RETRY_AFTER)

        def increment(self, method: str | None = None, url: str | None = None, response: Any = None,
                      error: Exception | None = None, _pool: Any = None, _stacktrace: Any = None) -> Any:
            if not repeats_safely(method, url):
                if response is not None and response.status not in (403, 429):  # rate limits: not done
                    reason = f"{method} answered {response.status}: a create is not repeated"
                    raise MaxRetryError(_pool, url or "", ResponseError(reason))
                if isinstance(error, (ReadTimeoutError, ProtocolError)):
                    raise error.with_traceback(_stacktrace)
            return super().increment(method, url, response, error, _pool, _stacktrace)

    return CappedRetry(
        total=RETRIES,
        backoff_factor=0.5,
        status_forcelist=[*range(500, 600), 429],
        allowed_methods={"GET", "POST", "PATCH", "DELETE", "PUT", "HEAD"},
        raise_on_status=False,
        secondary_rate_wait=MAX_RETRY_AFTER,
        max_rate_limit_wait=MAX_RETRY_AFTER,
    )


def connect(ctx: GitHubContext) -> Github:
    """A lazy PyGithub client: objects are not fetched until a field is read (saves requests)."""
    if not ctx.token:
        raise BadInput("no GitHub token: GITHUB_TOKEN is not set",
                       "posting the report and the commit status needs the GitHub API",
                       "pass it to the step: `env: GITHUB_TOKEN: ${{ github.token }}`, or use --no-post")
    from github import Auth, Github

    return Github(
        auth=Auth.Token(ctx.token),
        base_url=ctx.api_url,
        timeout=TIMEOUT,
        per_page=100,
        retry=_retry(),
        seconds_between_requests=None,
        seconds_between_writes=ctx.write_interval or None,
        lazy=True,
        user_agent="mlgate",
    )


def repository(ctx: GitHubContext) -> Repository:
    if not ctx.repository:
        raise BadInput("GITHUB_REPOSITORY is not set", "mlgate needs to know which repository to post on",
                       "run inside GitHub Actions, or set GITHUB_REPOSITORY=owner/name")
    return connect(ctx).get_repo(ctx.repository)


@contextmanager
def api(ctx: GitHubContext, doing: str, *, read_only_fix: str = FORK_HELP) -> Iterator[None]:
    """Turn GitHub API and network failures into ServiceError naming what we were doing.

    `read_only_fix`: the fix said when the token may not write (403 "Resource not accessible by
    integration"); by default the pull request's (forks, `pull-requests: write`).
    """
    from github.GithubException import GithubException
    from requests import RequestException

    try:
        yield
    except GithubException as exc:
        raise _explain(ctx, doing, exc.status, _message(exc.data), read_only_fix) from None
    except (RequestException, OSError) as exc:
        raise ServiceError(f"cannot reach the GitHub API at {ctx.api_url} while {doing}",
                           _scrub(ctx, str(exc).splitlines()[0] if str(exc) else type(exc).__name__),
                           "check GITHUB_API_URL and the network; re-run the job") from None


def _message(data: Any) -> str:
    if isinstance(data, dict):
        text = str(data.get("message") or "")
        details = [str(e.get("message") or e.get("code") or "") for e in data.get("errors") or []
                   if isinstance(e, dict)]
        return "; ".join(t for t in [text, *details] if t)
    return str(data or "")[:300]


def _scrub(ctx: GitHubContext, text: str) -> str:
    return text.replace(ctx.token, "***") if ctx.token else text


def _explain(ctx: GitHubContext, doing: str, status: int, message: str,
             read_only_fix: str = FORK_HELP) -> ServiceError:
    message = _scrub(ctx, message)
    why = f"GitHub answered {status}: {message}" if message else f"GitHub answered {status}"
    if status == 403 and READ_ONLY.lower() in message.lower():
        return ServiceError(f"GitHub refused {doing}: the token may not write here", why, read_only_fix)
    if status == 401:
        return ServiceError(f"GitHub rejected the token while {doing}", why,
                            "pass a valid token: `env: GITHUB_TOKEN: ${{ github.token }}`")
    if status in (403, 429):
        return ServiceError(f"GitHub refused {doing}", why,
                            "if it is a rate limit, re-run the job later; else check the job's permissions")
    if status == 404:
        return ServiceError(f"GitHub found nothing while {doing}", why,
                            "check GITHUB_REPOSITORY, the pull request number, and that the token can "
                            "see the repository")
    if status == 422:
        return ServiceError(f"GitHub rejected the request while {doing}", why,
                            "this is a bug in mlgate if it persists: please report it")
    return ServiceError(f"the GitHub API failed while {doing}", why, "re-run the job; GitHub may be degraded")
