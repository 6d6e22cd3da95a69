"""The python-gitlab client at the edge: CI_API_V4_URL (self-managed GitLab), rate limits, clear errors.

Rate limits (429) are waited out as GitLab's Retry-After says (at most MAX_RETRIES times, never longer than
MAX_RETRY_AFTER seconds a wait: a job does not sleep for an hour on one header); other failures
are not retried by the client: a create answered 5xx may have been applied, so note.upsert looks for the
note before creating it again, and reads are cheap to repeat by re-running the job. Failures become
ServiceError (exit 3) with what, why and how to fix; the token is never part of a message.

GITLAB_TOKEN is a project (or group) access token with the `api` scope, stored as a masked CI/CD variable.
CI_JOB_TOKEN cannot write notes or statuses: with only it, mlgate says so (exit 3) and how to fix it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from mlgate.errors import BadInput, ServiceError
from mlgate.gitlab.context import GitLabContext

if TYPE_CHECKING:
    from gitlab import Gitlab
    from gitlab.v4.objects import Project

TIMEOUT = 30
MAX_RETRIES = 4  # 429s waited out per request
MAX_RETRY_AFTER = 60  # seconds, at most, per wait (as on GitHub: github/client.py)
TOKEN_FIX = ("create a project access token (Settings > Access tokens) with the `api` scope and the Reporter "
             "role or higher, and store it as the masked, protected CI/CD variable GITLAB_TOKEN "
             "(docs/gitlab.md: the token)")


def connect(ctx: GitLabContext) -> Gitlab:
    """A python-gitlab client on CI_API_V4_URL with GITLAB_TOKEN."""
    if not ctx.token:
        if ctx.job_token:
            raise ServiceError("GITLAB_TOKEN is not set, and CI_JOB_TOKEN cannot post",
                               "GitLab's job token may not create merge request notes or commit statuses",
                               TOKEN_FIX)
        raise BadInput("no GitLab token: GITLAB_TOKEN is not set",
                       "posting the note and the commit status needs GitLab's API",
                       f"{TOKEN_FIX}; or pass --no-post")
    try:
        import gitlab
    except ImportError:
        raise BadInput("python-gitlab is not installed", "mlgate talks to GitLab with it",
                       "pip install 'mlgate[gitlab]' (or python-gitlab)") from None

    server = ctx.api_url.removesuffix("/api/v4")
    class Client(gitlab.Gitlab):
        def http_request(self, *args: Any, **kwargs: Any) -> Any:
            kwargs.setdefault("max_retries", MAX_RETRIES)  # 429s waited out (python-gitlab's default: 10)
            return super().http_request(*args, **kwargs)

    client = Client(server, private_token=ctx.token, timeout=TIMEOUT, per_page=100,
                    retry_transient_errors=False, user_agent="mlgate")
    client.session.hooks["response"].append(_cap_wait)
    if server + "/api/v4" != ctx.api_url:  # an API somewhere else than SERVER/api/v4
        client._url = ctx.api_url  # python-gitlab has no option for it
    return client


def _cap_wait(response: Any, *_args: Any, **_kwargs: Any) -> None:
    """A 429's wait (Retry-After, else RateLimit-Reset), as python-gitlab reads it, cut to MAX_RETRY_AFTER."""
    import time

    if response.status_code != 429:
        return
    headers = response.headers
    try:
        if "Retry-After" in headers:
            headers["Retry-After"] = str(min(int(headers["Retry-After"]), MAX_RETRY_AFTER))
        elif "RateLimit-Reset" in headers:
            latest = int(time.time()) + MAX_RETRY_AFTER
            headers["RateLimit-Reset"] = str(min(int(headers["RateLimit-Reset"]), latest))
    except ValueError:  # not a number of seconds (an HTTP date): python-gitlab fails on it; wait the cap
        headers["Retry-After"] = str(MAX_RETRY_AFTER)


def project(ctx: GitLabContext, client: Gitlab) -> Project:
    """The project, lazily (no request)."""
    return client.projects.get(ctx.project(), lazy=True)


def me(ctx: GitLabContext, client: Gitlab) -> int:
    """The token user's id (GET /user): whose notes and issues are ours."""
    with api(ctx, "reading the token's user"):
        client.auth()
    user = client.user
    if user is None:
        raise ServiceError("GitLab did not say who the token belongs to", "GET /user answered nothing",
                           TOKEN_FIX)
    return int(user.id)


@contextmanager
def api(ctx: GitLabContext, doing: str, *, fix_403: str | None = None) -> Iterator[None]:
    """Turn python-gitlab and network failures into ServiceError naming what we were doing."""
    from gitlab.exceptions import GitlabError
    from requests import RequestException

    try:
        yield
    except GitlabError as exc:
        raise explain(ctx, doing, exc.response_code, _text(exc.error_message), fix_403) from None
    except (RequestException, OSError) as exc:
        raise ServiceError(f"cannot reach GitLab's API at {ctx.api_url} while {doing}",
                           scrub(ctx, str(exc).splitlines()[0] if str(exc) else type(exc).__name__),
                           "check CI_API_V4_URL and the network; re-run the job") from None


def _text(message: Any) -> str:
    if isinstance(message, bytes):
        message = message.decode("utf-8", "replace")
    return str(message or "")[:300]


def scrub(ctx: GitLabContext, text: str) -> str:
    return text.replace(ctx.token, "***") if ctx.token else text


def explain(ctx: GitLabContext, doing: str, status: int | None, message: str,
            fix_403: str | None = None) -> ServiceError:
    message = scrub(ctx, message)
    why = f"GitLab answered {status}: {message}" if message else f"GitLab answered {status}"
    if status == 401:
        return ServiceError(f"GitLab rejected the token while {doing}", why,
                            f"the token is wrong, expired or revoked: {TOKEN_FIX}")
    if status == 403:
        return ServiceError(f"GitLab refused {doing}", why, fix_403 or
                            "the token may not do this: give it the `api` scope and at least the Reporter "
                            "role (Developer to set commit statuses)")
    if status == 404:
        return ServiceError(f"GitLab found nothing while {doing}", why,
                            "check CI_PROJECT_PATH and the merge request, and that the token's user is a "
                            "member of the project (GitLab answers 404 for what a token may not see)")
    if status == 429:
        return ServiceError(f"GitLab rate-limited {doing}", why, "re-run the job later")
    if status in (400, 409, 422):
        return ServiceError(f"GitLab rejected the request while {doing}", why,
                            "this is a bug in mlgate if it persists: please report it")
    return ServiceError(f"GitLab's API failed while {doing}", why, "re-run the job; GitLab may be degraded")


def may_have_happened(exc: Exception) -> bool:
    """A failure after which GitLab may have done the request: a 5xx, a reset, a timeout."""
    from gitlab.exceptions import GitlabError
    from requests import RequestException

    if isinstance(exc, GitlabError):
        return (exc.response_code or 0) >= 500
    return isinstance(exc, (RequestException, OSError))
