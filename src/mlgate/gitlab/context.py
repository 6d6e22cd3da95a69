"""Where we run on GitLab CI: project, merge request, commits, pipeline and job URLs, API URL, token.

From the predefined variables GitLab CI sets (CI_PROJECT_PATH, CI_PROJECT_ID, CI_MERGE_REQUEST_IID,
CI_MERGE_REQUEST_DIFF_BASE_SHA, CI_MERGE_REQUEST_SOURCE_BRANCH_SHA, CI_MERGE_REQUEST_TARGET_BRANCH_NAME,
CI_COMMIT_SHA, CI_COMMIT_BRANCH, CI_DEFAULT_BRANCH, CI_PIPELINE_URL, CI_JOB_URL, CI_API_V4_URL,
CI_SERVER_URL, GITLAB_USER_LOGIN) and the token GITLAB_TOKEN (CI_JOB_TOKEN is only noted: it cannot post
notes). Read once, here; the tokens are kept out of repr() and never printed.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from mlgate.errors import BadInput

DEFAULT_SERVER = "https://gitlab.com"
SHA = re.compile(r"[0-9a-f]{40}")
PROJECT = re.compile(r"[A-Za-z0-9_.][A-Za-z0-9_.-]*(?:/[A-Za-z0-9_.][A-Za-z0-9_.-]*)+")


@dataclass(frozen=True)
class GitLabContext:
    repository: str | None = None  # CI_PROJECT_PATH: group/subgroup/project
    project_id: str | None = None  # CI_PROJECT_ID
    mr_iid: int | None = None
    diff_base_sha: str | None = None
    source_sha: str | None = None  # merged-results pipelines: the MR's head (CI_COMMIT_SHA is the merge)
    target_branch: str | None = None
    sha: str | None = None
    branch: str | None = None
    default_branch: str | None = None
    pipeline_url: str | None = None
    job_url: str | None = None
    api_url: str = f"{DEFAULT_SERVER}/api/v4"
    server_url: str = DEFAULT_SERVER
    user: str | None = None
    token: str | None = field(default=None, repr=False)
    job_token: bool = False  # CI_JOB_TOKEN is set (it cannot post notes: said so when GITLAB_TOKEN is not)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> GitLabContext:
        env = os.environ if environ is None else environ
        project = env.get("CI_PROJECT_PATH") or None
        if project is not None and not PROJECT.fullmatch(project):
            raise BadInput(f"CI_PROJECT_PATH={project[:100]!r} is not group/project",
                           "GitLab CI sets it to the project the pipeline runs in",
                           "unset it, or set it to the project's path, e.g. group/project")
        server = _http_url("CI_SERVER_URL", env.get("CI_SERVER_URL") or DEFAULT_SERVER)
        return cls(
            repository=project,
            project_id=_digits(env.get("CI_PROJECT_ID")),
            mr_iid=_number(env.get("CI_MERGE_REQUEST_IID")),
            diff_base_sha=_sha(env.get("CI_MERGE_REQUEST_DIFF_BASE_SHA")),
            source_sha=_sha(env.get("CI_MERGE_REQUEST_SOURCE_BRANCH_SHA")),
            target_branch=env.get("CI_MERGE_REQUEST_TARGET_BRANCH_NAME") or None,
            sha=_sha(env.get("CI_COMMIT_SHA")),
            branch=env.get("CI_COMMIT_BRANCH") or None,
            default_branch=env.get("CI_DEFAULT_BRANCH") or None,
            pipeline_url=env.get("CI_PIPELINE_URL") or None,
            job_url=env.get("CI_JOB_URL") or None,
            api_url=_http_url("CI_API_V4_URL", env.get("CI_API_V4_URL") or f"{server}/api/v4"),
            server_url=server,
            user=env.get("GITLAB_USER_LOGIN") or None,
            token=env.get("GITLAB_TOKEN") or None,
            job_token=bool(env.get("CI_JOB_TOKEN")),
        )

    def pr_number(self) -> int | None:
        return self.mr_iid

    def head_sha(self) -> str | None:
        """The MR's head commit (a merged-results pipeline runs on a merge commit), else CI_COMMIT_SHA."""
        return self.source_sha or self.sha

    def pr_head_sha(self) -> str | None:
        return self.head_sha() if self.mr_iid is not None else None

    def base_ref(self) -> str | None:
        """CI_MERGE_REQUEST_DIFF_BASE_SHA in a merge-request pipeline, else `origin/<target branch>`."""
        if self.diff_base_sha:
            return self.diff_base_sha
        return f"origin/{self.target_branch}" if self.target_branch else None

    def run_url(self) -> str | None:
        """The job's page (its log and artifacts), else the pipeline's."""
        return self.job_url or self.pipeline_url

    def summary_url(self) -> str | None:
        return self.run_url()

    def merged(self) -> bool:
        return False  # a pipeline has no merge event: promote asks the API (GitLabForge.merged_change)

    def who(self) -> str:
        if self.user:
            return self.user
        import getpass

        try:
            return getpass.getuser()
        except (OSError, KeyError):
            return "unknown"

    def project(self) -> str:
        """The project as the API names it: CI_PROJECT_ID, else the path."""
        if self.project_id:
            return self.project_id
        if self.repository:
            return self.repository
        raise BadInput("CI_PROJECT_PATH is not set", "mlgate needs to know which GitLab project to post on",
                       "run inside GitLab CI, or set CI_PROJECT_PATH=group/project")


def _http_url(name: str, raw: str) -> str:
    try:
        parts = urlsplit(raw.strip())
        host = parts.hostname
    except ValueError:
        host = None
    if host is None or parts.scheme not in ("http", "https"):
        raise BadInput(f"{name}={raw[:100]!r} is not an http(s) URL with a host",
                       "mlgate calls GitLab's REST API there; GitLab CI sets it",
                       f"unset {name} outside GitLab CI, or set it to e.g. https://gitlab.com"
                       + ("/api/v4" if name == "CI_API_V4_URL" else ""))
    return raw.strip().rstrip("/")


def _sha(raw: str | None) -> str | None:
    return raw if raw and SHA.fullmatch(raw) else None


def _digits(raw: str | None) -> str | None:
    return raw if raw and raw.isdigit() else None


def _number(raw: str | None) -> int | None:
    if not raw:
        return None
    if not raw.isdigit() or int(raw) <= 0:
        raise BadInput(f"CI_MERGE_REQUEST_IID={raw[:40]!r} is not a merge request number",
                       "GitLab CI sets it in merge-request pipelines", "unset it outside such a pipeline")
    return int(raw)
