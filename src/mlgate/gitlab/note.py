"""One note per model on the merge request, found by its hidden marker among the token user's notes.

All note pages are read (100 a page). Only notes written by the token's own user count (a person who pastes
the marker into their note neither gets it overwritten nor deleted); of several (two jobs raced), the oldest
is kept and edited and the newer ones deleted.

A create is never repeated blindly: when GitLab answers it with a 5xx, resets the connection or does not
answer in time, it may have created the note all the same, so the notes are listed again and the marker
looked for; only when it is not there is the note created again. After creating, the notes are listed again
and only the oldest of ours kept, so two jobs that both created one end with exactly one.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from mlgate.errors import ServiceError
from mlgate.gitlab.client import api, may_have_happened
from mlgate.gitlab.context import GitLabContext

if TYPE_CHECKING:
    from gitlab.v4.objects import ProjectMergeRequest

CREATE_ATTEMPTS = 3
BACKOFF = 0.5  # seconds before looking again for a note whose create failed, doubled each time
LOCKED_FIX = ("unlock the merge request's discussion (the MR's menu > Unlock discussion), or give the token "
              "a role that may comment on locked discussions (Reporter or higher)")


def _ours(notes: Iterable[Any], marker: str, me: int) -> list[Any]:
    """The token user's notes that start with the marker, oldest first."""
    mine = [n for n in notes if (getattr(n, "author", None) or {}).get("id") == me
            and (n.body or "").lstrip().startswith(marker)]
    return sorted(mine, key=lambda n: (n.created_at, n.id))


def _list(ctx: GitLabContext, mr: ProjectMergeRequest, marker: str, me: int) -> list[Any]:
    with api(ctx, f"listing the notes of merge request !{mr.iid}"):
        return _ours(mr.notes.list(iterator=True, sort="asc", order_by="created_at"), marker, me)


def upsert(ctx: GitLabContext, mr: ProjectMergeRequest, body: str, marker: str, me: int,
           warn: Callable[[str], None]) -> tuple[str, Any]:
    """Create or update this model's note; delete duplicates. Returns (action, the note)."""
    ours = _list(ctx, mr, marker, me)
    if ours:
        action = _update(ctx, mr, ours[0], body)
        _delete(ctx, mr, ours[1:], warn)
        return action, ours[0]
    created = _create(ctx, mr, body, marker, me, warn)
    ours = _list(ctx, mr, marker, me)
    if not any(n.id == created.id for n in ours):
        ours = sorted([*ours, created], key=lambda n: (n.created_at, n.id))
    keep = ours[0]
    _delete(ctx, mr, ours[1:], warn)
    if keep.id == created.id:
        return "created", keep
    return _update(ctx, mr, keep, body) if keep.body != body else "created", keep


def _update(ctx: GitLabContext, mr: ProjectMergeRequest, note: Any, body: str) -> str:
    if note.body == body:
        return "unchanged"
    with api(ctx, f"editing note {note.id} of merge request !{mr.iid}", fix_403=LOCKED_FIX):
        mr.notes.update(note.id, {"body": body})
    note.body = body
    return "updated"


def _delete(ctx: GitLabContext, mr: ProjectMergeRequest, notes: list[Any],
            warn: Callable[[str], None]) -> None:
    """A leftover duplicate is untidy, not a failure; gone already (404) is fine."""
    from gitlab.exceptions import GitlabError

    for note in notes:
        try:
            with api(ctx, f"deleting duplicate note {note.id}"):
                try:
                    mr.notes.delete(note.id)
                except GitlabError as exc:
                    if exc.response_code != 404:
                        raise
        except ServiceError as exc:
            warn(f"could not delete duplicate mlgate note {note.id}: {exc.why or exc.what}")


def _create(ctx: GitLabContext, mr: ProjectMergeRequest, body: str, marker: str, me: int,
            warn: Callable[[str], None]) -> Any:
    doing = f"commenting on merge request !{mr.iid}"
    for attempt in range(CREATE_ATTEMPTS):
        try:
            return mr.notes.create({"body": body})
        except Exception as exc:
            if not may_have_happened(exc) or attempt == CREATE_ATTEMPTS - 1:
                with api(ctx, doing, fix_403=_locked_fix(ctx, mr) if _status(exc) == 403 else None):
                    raise
            warn(f"GitLab did not confirm the note on merge request !{mr.iid} ({type(exc).__name__}); "
                 "looking whether it was created")
        time.sleep(BACKOFF * 2 ** attempt)
        new = _list(ctx, mr, marker, me)
        if new:
            return new[0]
    raise ServiceError(f"GitLab's API failed while {doing}")  # not reached: the last attempt raised


def _status(exc: Exception) -> int | None:
    code = getattr(exc, "response_code", None)
    return code if isinstance(code, int) else None


def _locked_fix(ctx: GitLabContext, mr: ProjectMergeRequest) -> str | None:
    """When a create was refused: the fix for a locked discussion, if the MR says it is locked."""
    try:
        with api(ctx, f"reading merge request !{mr.iid}"):
            manager: Any = mr.manager
            locked = bool(manager.get(mr.iid).attributes.get("discussion_locked"))
    except ServiceError:
        return None
    return f"the merge request's discussion is locked: {LOCKED_FIX}" if locked else None
