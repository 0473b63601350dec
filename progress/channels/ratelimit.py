"""Each robot's rate limit, across processes: a sliding window over the posts in the database.

A slot is taken under a write lock on the channel's row (an UPDATE: PostgreSQL locks the row,
SQLite the database), so two app servers or workers that post to one robot take turns and
never both see the 20th free slot. settings.CHANNELS_RATE_LIMIT posts per
CHANNELS_RATE_WINDOW seconds.
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from progress.channels.models import Channel, RobotPost


def rate_take(*, channel_id: int, now: datetime | None = None) -> float:
    """Take a slot for one post: 0.0 when taken (the post is counted from now on), otherwise
    the seconds until one frees up (nothing is taken)."""
    now = now or timezone.now()
    limit = settings.CHANNELS_RATE_LIMIT
    window = timedelta(seconds=settings.CHANNELS_RATE_WINDOW)
    with transaction.atomic():
        Channel.objects.filter(pk=channel_id).update(rate_checked_at=now)  # the lock
        recent = list(
            RobotPost.objects.filter(channel_id=channel_id, at__gt=now - window)
            .order_by("-at")
            .values_list("at", flat=True)[:limit]
        )
        if len(recent) < limit:
            RobotPost.objects.create(channel_id=channel_id, at=now)
            RobotPost.objects.filter(channel_id=channel_id, at__lt=now - 10 * window).delete()
            return 0.0
        # the oldest of the last `limit` posts leaves the window first
        return max((recent[-1] + window - now).total_seconds(), 0.001)


def rate_wait(*, channel_id: int) -> bool:
    """Wait for a slot (at most CHANNELS_RATE_MAX_WAIT seconds in all); False if none came."""
    waited = 0.0
    while True:
        wait = rate_take(channel_id=channel_id)
        if wait == 0.0:
            return True
        if waited + wait > settings.CHANNELS_RATE_MAX_WAIT:
            return False
        time.sleep(wait)
        waited += wait
