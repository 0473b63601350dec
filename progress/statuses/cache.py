"""The cache versions of the dashboards' counts.

The overview dashboard keeps its computed counts (never HTML, never names) in Django's cache
under (jurisdiction, a per-jurisdiction version number, …). refresh_statuses — the only writer
of ItemStatus — bumps the version of every jurisdiction it touched once its transaction
commits, so a changed report, milestone or target is on the next request. Deleting plans in
the admin bumps the version every jurisdiction shares.

With Redis or DatabaseCache (production) the versions are shared by every app server; with the
LocMem default of local settings each process has its own cache and versions, so a change made
through another process is not seen by this one until its entry expires: fine for one dev
server, never for several workers.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import Any

from django.core.cache import cache

PREFIX = "dashboard:3"  # bump the number when the cached structures change
TIMEOUT = 24 * 3600  # an entry also goes stale by version; this only frees memory


def _version_key(jurisdiction_id: int | None) -> str:
    return f"{PREFIX}:version:{'all' if jurisdiction_id is None else jurisdiction_id}"


def versions(jurisdiction_id: int) -> tuple[int, int]:
    """The jurisdiction's version and the one every jurisdiction shares (bumped when a refresh
    cannot tell whose rows it removed). A missing one (never set, or evicted) starts at the
    clock in nanoseconds, never at a number an older entry may still be cached under."""
    keys = [_version_key(jurisdiction_id), _version_key(None)]
    got = cache.get_many(keys)
    for key in keys:
        if key not in got:
            cache.add(key, time.time_ns(), timeout=None)
            got[key] = cache.get(key)
    return got[keys[0]], got[keys[1]]


def bump_versions(jurisdiction_ids: Iterable[int], *, everywhere: bool = False) -> None:
    """Make every cached count of these jurisdictions (or of all) stale."""
    for key in [_version_key(j) for j in set(jurisdiction_ids)] + (
        [_version_key(None)] if everywhere else []
    ):
        try:
            cache.incr(key)
        except ValueError:  # not in the cache: any new number will do
            cache.set(key, time.time_ns(), timeout=None)


def cached(key: str, compute: Callable[[], Any]) -> Any:
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, timeout=TIMEOUT)
    return value
