"""Each robot's rate limit, across processes: a sliding window over the posts in the database.

A slot is taken under a write lock on the channel's row (an UPDATE: PostgreSQL locks the row,
SQLite the database), so two app servers or workers that post to one robot take turns and
never both see the 20th free slot. settings.CHANNELS_RATE_LIMIT posts per
CHANNELS_RATE_WINDOW seconds.

The robot counts the posts as they arrive, which is some time after the slot was taken (a slow
first connection, a busy network). So a post's time is moved to when its answer came back
(`rate_done`): arrival lies between the two, and a slot that frees a window after the last
answer can never make the robot see one too many. A margin of 5 % of the window covers clocks
of different app servers that disagree a little.
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from progress.channels.models import Channel, RobotPost

MARGIN = 0.05  # of the window


def rate_take(*, channel_id: int, now: datetime | None = None) -> tuple[float, int | None]:
    """Take a slot for one post: (0.0, the post's id) when taken, otherwise (the seconds until
    one frees up, None) and nothing is taken."""
    limit = settings.CHANNELS_RATE_LIMIT
    window = timedelta(seconds=settings.CHANNELS_RATE_WINDOW * (1 + MARGIN))
    with transaction.atomic():
        Channel.objects.filter(pk=channel_id).update(rate_checked_at=timezone.now())  # the lock
        now = now or timezone.now()  # read once the lock is held
        recent = list(
            RobotPost.objects.filter(channel_id=channel_id, at__gt=now - window)
            .order_by("-at")
            .values_list("at", flat=True)[:limit]
        )
        if len(recent) < limit:
            post = RobotPost.objects.create(channel_id=channel_id, at=now)
            RobotPost.objects.filter(channel_id=channel_id, at__lt=now - 10 * window).delete()
            return 0.0, post.pk
        # the oldest of the last `limit` posts leaves the window first
        return max((recent[-1] + window - now).total_seconds(), 0.001), None


def rate_done(*, post_id: int) -> None:
    """The post's answer came back: count it from now (it arrived no later than this)."""
    RobotPost.objects.filter(pk=post_id).update(at=timezone.now())


def rate_wait(*, channel_id: int) -> int | None:
    """Wait for a slot (at most CHANNELS_RATE_MAX_WAIT seconds in all): the post's id, or None
    if no slot came."""
    waited = 0.0
    while True:
        wait, post_id = rate_take(channel_id=channel_id)
        if post_id is not None:
            return post_id
        if waited + wait > settings.CHANNELS_RATE_MAX_WAIT:
            return None
        time.sleep(wait)
        waited += wait
