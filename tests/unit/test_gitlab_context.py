"""The forge factory and GitLab's CI context, read from CI_* variables (no network)."""

from __future__ import annotations

import pytest

from mlgate.commands.forge import forge_from_env, forge_name
from mlgate.commands.train import gitlab_ci
from mlgate.errors import BadInput
from mlgate.github.context import GitHubContext
from mlgate.gitlab.context import GitLabContext

HEAD, BASE, MERGED = "a" * 40, "b" * 40, "c" * 40
MR_PIPELINE = {
    "GITLAB_CI": "true", "CI_PROJECT_PATH": "acme/ml/churn", "CI_PROJECT_ID": "42",
    "CI_MERGE_REQUEST_IID": "7", "CI_MERGE_REQUEST_DIFF_BASE_SHA": BASE, "CI_COMMIT_SHA": HEAD,
    "CI_MERGE_REQUEST_TARGET_BRANCH_NAME": "main", "CI_SERVER_URL": "https://gitlab.example",
    "CI_API_V4_URL": "https://gitlab.example/api/v4", "CI_JOB_URL": "https://gitlab.example/acme/ml/churn/-/jobs/9",
    "CI_PIPELINE_URL": "https://gitlab.example/acme/ml/churn/-/pipelines/3", "GITLAB_TOKEN": "glpat-secret-value",
    "GITLAB_USER_LOGIN": "alice",
}


@pytest.mark.parametrize(("env", "forced", "expected"), [
    ({"GITLAB_CI": "true"}, None, "gitlab"),
    ({"GITHUB_ACTIONS": "true"}, None, "github"),
    ({}, None, "github"),
    ({"GITLAB_CI": "true", "GITHUB_ACTIONS": "true"}, None, "github"),
    ({"GITLAB_CI": "true"}, "github", "github"),
    ({}, "GitLab", "gitlab"),
])
def test_the_factory_picks_the_forge(env: dict[str, str], forced: str | None, expected: str) -> None:
    assert forge_name(forced, env) == expected
    forge = forge_from_env(forced, env)
    assert forge.name == expected
    assert isinstance(forge.context, GitLabContext if expected == "gitlab" else GitHubContext)


def test_an_unknown_forge_is_bad_input() -> None:
    with pytest.raises(BadInput, match="not github or gitlab"):
        forge_name("bitbucket", {})


def test_a_merge_request_pipeline() -> None:
    ctx = GitLabContext.from_env(MR_PIPELINE)
    assert (ctx.pr_number(), ctx.head_sha(), ctx.pr_head_sha()) == (7, HEAD, HEAD)
    assert ctx.base_ref() == BASE  # validate --base's default
    assert ctx.run_url() == MR_PIPELINE["CI_JOB_URL"] and ctx.who() == "alice" and ctx.project() == "42"
    assert "glpat-secret-value" not in repr(ctx)
    assert gitlab_ci(ctx) == {"repository": "acme/ml/churn", "pipeline_url": MR_PIPELINE["CI_PIPELINE_URL"]}
    assert gitlab_ci(GitHubContext(repository="o/r", run_id="1")) == {}  # GitHub's lineage is unchanged


def test_merged_results_and_branch_pipelines() -> None:
    merged = GitLabContext.from_env({**MR_PIPELINE, "CI_COMMIT_SHA": MERGED,
                                     "CI_MERGE_REQUEST_SOURCE_BRANCH_SHA": HEAD})
    assert merged.head_sha() == HEAD and merged.sha == MERGED  # the status goes on the MR's head
    no_base = GitLabContext.from_env({k: v for k, v in MR_PIPELINE.items() if "DIFF_BASE" not in k})
    assert no_base.base_ref() == "origin/main"
    branch = GitLabContext.from_env({"CI_COMMIT_SHA": HEAD, "CI_PROJECT_PATH": "g/p"})
    assert (branch.pr_number(), branch.pr_head_sha(), branch.base_ref(), branch.merged()) == (None, None, None, False)


@pytest.mark.parametrize(("name", "value"), [
    ("CI_PROJECT_PATH", "no-slash"), ("CI_API_V4_URL", "ftp://x/api/v4"), ("CI_SERVER_URL", "gitlab.example"),
    ("CI_MERGE_REQUEST_IID", "seven"),
])
def test_malformed_variables_are_bad_input(name: str, value: str) -> None:
    with pytest.raises(BadInput, match=name):
        GitLabContext.from_env({**MR_PIPELINE, name: value})
