"""The one factory of the forge port: which host we run on, read from the environment once.

`--forge github|gitlab` (MLGATE_FORGE) forces it; else GITLAB_CI=true picks GitLab, and GitHub otherwise
(GITHUB_ACTIONS=true, or outside CI, where posting is off by default and the context empty).
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from mlgate.errors import BadInput
from mlgate.forge import FORGES, Forge, ForgeName


def forge_name(forced: str | None, environ: Mapping[str, str] | None = None) -> ForgeName:
    env = os.environ if environ is None else environ
    name = (forced or "").strip().lower()
    if name:
        if name not in FORGES:
            raise BadInput(f"--forge {name[:40]!r} is not github or gitlab", "it names the host to post on",
                           "pass --forge github or --forge gitlab (or leave it out: mlgate reads "
                           "GITHUB_ACTIONS / GITLAB_CI)")
        return "gitlab" if name == "gitlab" else "github"
    if env.get("GITLAB_CI") == "true" and env.get("GITHUB_ACTIONS") != "true":
        return "gitlab"
    return "github"


def forge_from_env(forced: str | None = None, environ: Mapping[str, str] | None = None) -> Forge:
    """The forge adapter with its context, read from the environment (only here)."""
    if forge_name(forced, environ) == "gitlab":
        from mlgate.gitlab.context import GitLabContext
        from mlgate.gitlab.forge import GitLabForge

        return GitLabForge(GitLabContext.from_env(environ))
    from mlgate.github.context import GitHubContext
    from mlgate.github.forge import GitHubForge

    return GitHubForge(GitHubContext.from_env(environ))
