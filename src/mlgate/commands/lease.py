"""Promote's lease: at most one `mlgate promote` moves a model's production alias at a time, on any store.

The lease is a registered model named `mlgate-lease-<model>`, created with its tags in one call: creating a
registered model whose name exists fails (RESOURCE_ALREADY_EXISTS) on the SQLite store, on a SQL database
behind a tracking server and on the server's REST API alike, so of any number of promotes exactly one holds
it. Its tags say which version the holder promotes, who started it, and when the lease expires; the holder
deletes it when it is done. A promote that crashed leaves its lease behind: once it has expired, the next
promote takes it over. A takeover is itself made exclusive by creating a second uniquely named model,
`mlgate-lease-<model>-takeover-<nonce of the expired lease>`: only the process that creates it deletes the
expired lease (the markers are kept a day, so a process that read the old lease late cannot delete a new one).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

from mlgate.errors import GateFailed, ServiceError

if TYPE_CHECKING:
    from mlgate.output import Output
    from mlgate.registry import Registry

LEASE_SECONDS = 600.0  # far more than a promote takes (seconds); a crashed one blocks for at most this long
MARGIN_SECONDS = 60.0  # the holder stops this long before its lease expires: a takeover cannot overlap it
MARKER_DAYS = 1.0  # takeover markers older than this are deleted by the next takeover
VERSION, HOLDER, NONCE = "mlgate.lease.version", "mlgate.lease.holder", "mlgate.lease.nonce"
CREATED, EXPIRES = "mlgate.lease.created_at", "mlgate.lease.expires_at"
_ATTEMPTS = 5


def lease_name(model: str) -> str:
    return f"mlgate-lease-{model}"


def _takeover_prefix(model: str) -> str:
    return f"{lease_name(model)}-takeover-"


@dataclass(frozen=True)
class Held:
    """A lease this process holds: its nonce, and when (time.monotonic) it must stop writing."""

    model: str
    nonce: str
    stop_at: float

    def check(self, doing: str) -> None:
        """ServiceError (exit 3) when too little of the lease is left to do `doing` safely."""
        if time.monotonic() < self.stop_at:
            return
        raise ServiceError(
            f"stopped before {doing}: the promotion lease of {self.model} is about to expire",
            f"this promote ran longer than {LEASE_SECONDS - MARGIN_SECONDS:.0f}s; past that another promote "
            "may take the lease over",
            "promote again; if the registry is this slow, check the tracking server")


def _stamp(seconds: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(seconds))


def _expires(tags: dict[str, str]) -> float:
    try:
        return float(tags.get(EXPIRES, "0"))
    except ValueError:
        return 0.0  # unreadable: treated as expired, so that it cannot block promotion forever


def held_elsewhere(model: str, alias: str, tags: dict[str, str]) -> GateFailed:
    """The loser's error: another promote holds the lease, naming the version it promotes."""
    version = tags.get(VERSION, "?")
    who = tags.get(HOLDER) or "someone"
    since = tags.get(CREATED, "")
    since_text = f" since {_stamp(float(since))}" if since.replace(".", "", 1).isdigit() else ""
    return GateFailed(
        f"another mlgate promote is moving {model}@{alias} to version {version} right now",
        f"it was started by {who}{since_text} and holds the promotion lease (registered model "
        f"{lease_name(model)}); promotions of one model run one at a time and this one did not move anything",
        f"see whether version {version} became @{alias}; promote this version afterwards only if it should "
        f"replace that one (its gate must then be run against it); a lease left by a crashed promote expires "
        f"at {_stamp(_expires(tags))}")


def _read_lease(registry: Registry, name: str, *, tries: int = 10) -> dict[str, str] | None:
    """The lease's tags; a lease whose tags are not visible yet (another process created it an instant ago:
    the store writes the model, then its tags) is read again for a moment, never taken for an expired one."""
    found = registry.marker(name)
    for _ in range(tries):
        if found is None or NONCE in found:
            return found
        time.sleep(0.2)
        found = registry.marker(name)
    return found


def acquire(registry: Registry, model: str, alias: str, version: str, who: str, *,
            clock: Callable[[], float] = time.time) -> Held:
    """Take the lease of `model`; GateFailed (exit 1) naming the holder's version when another promote holds
    it; an expired lease is taken over."""
    name = lease_name(model)
    for _ in range(_ATTEMPTS):
        nonce, now = uuid.uuid4().hex, clock()
        tags = {VERSION: version, HOLDER: who, NONCE: nonce, CREATED: f"{now:.3f}",
                EXPIRES: f"{now + LEASE_SECONDS:.3f}"}
        description = (f"Held by `mlgate promote` while it moves {model}@{alias} to version {version}; "
                       "deleted when it finishes. If that promote crashed, it expires at "
                       f"{_stamp(now + LEASE_SECONDS)}.")
        started = time.monotonic()
        if registry.create_marker(name, tags, description):
            return Held(model, nonce, started + LEASE_SECONDS - MARGIN_SECONDS)
        found = _read_lease(registry, name)
        if found is None:  # released between our create and our read: try again
            continue
        if found.get(NONCE) == nonce:  # ours: the client retried a create whose answer was lost
            return Held(model, nonce, started + LEASE_SECONDS - MARGIN_SECONDS)
        if NONCE not in found or _expires(found) > clock():  # tagless: being created this instant
            raise held_elsewhere(model, alias, found)
        take_over(registry, model, found, clock=clock)
    raise ServiceError(f"could not take the promotion lease of {model} (registered model {name})",
                       f"other promotes took and released it {_ATTEMPTS} times while this one tried",
                       "promote again once the other promotions have finished")


def take_over(registry: Registry, model: str, expired: dict[str, str], *,
              clock: Callable[[], float] = time.time) -> None:
    """Delete an expired lease, if this process wins the right to (by creating its takeover marker)."""
    name, old = lease_name(model), expired.get(NONCE, "")
    marker = f"{_takeover_prefix(model)}{old or 'none'}"
    now = clock()
    if not registry.create_marker(marker, {CREATED: f"{now:.3f}", NONCE: old},
                                  f"mlgate promote took over the expired lease {name} ({old})"):
        taker = registry.marker(marker)
        if taker is None or _expires({EXPIRES: taker.get(CREATED, "0")}) > now - MARGIN_SECONDS:
            time.sleep(0.5)  # another promote is taking it over right now: give it a moment
            return
        # the promote that made the marker crashed before it deleted the lease: finish its takeover
    current = registry.marker(name)
    if current is not None and current.get(NONCE, "") == old:
        registry.delete_marker(name)
    for stale, tags in registry.markers(_takeover_prefix(model)).items():
        if stale != marker and _expires({EXPIRES: tags.get(CREATED, "0")}) < now - MARKER_DAYS * 86400:
            registry.delete_marker(stale)


def release(registry: Registry, output: Output, held: Held) -> None:
    """Delete the lease if this process still holds it (before its expiry); a failure is only a warning:
    the lease then expires by itself."""
    name = lease_name(held.model)
    if time.monotonic() >= held.stop_at:
        output.warn(f"left the promotion lease {name} to expire: this promote outlived it")
        return
    try:
        current = registry.marker(name)
        if current is not None and current.get(NONCE) == held.nonce:
            registry.delete_marker(name)
    except ServiceError as exc:
        output.warn(f"could not delete the promotion lease {name} ({exc.what}); it expires within "
                    f"{LEASE_SECONDS:.0f}s and the next promote takes it over")


@contextmanager
def promotion_lease(registry: Registry, output: Output, model: str, alias: str, version: str,
                    who: str) -> Iterator[Held]:
    """Hold the lease of `model` for the duration of the block (see `acquire`)."""
    held = acquire(registry, model, alias, version, who)
    try:
        yield held
    finally:
        release(registry, output, held)
