"""Reads of the channel pages: the targets a user manages, with their channels' counts and
health, one target's channels and its latest messages."""

from __future__ import annotations

from django.db.models import Count, Prefetch, Q, QuerySet

from progress.channels.models import Channel, ChannelMessage
from projects import roles
from projects.models import Jurisdiction, Unit

RECENT_MESSAGES = 20


def managed_jurisdictions(user) -> QuerySet[Jurisdiction]:
    """Admins: every jurisdiction; supervisors: their own; anybody else: none."""
    if roles.is_admin(user):
        return Jurisdiction.objects.all()
    if roles.has_role(user, roles.SUPERVISOR) and user.jurisdiction_id:
        return Jurisdiction.objects.filter(pk=user.jurisdiction_id)
    return Jurisdiction.objects.none()


def _counts() -> dict:
    return {
        "channel_count": Count("channels", distinct=True),
        "failing_count": Count(
            "channels", filter=Q(channels__health=Channel.Health.FAILING), distinct=True
        ),
    }


def jurisdictions_with_units(user) -> list[Jurisdiction]:
    """The managed jurisdictions, each with its channel counts and its units (with theirs):
    two queries, whatever the number of units."""
    units = Unit.objects.annotate(**_counts()).order_by("name")
    return list(
        managed_jurisdictions(user)
        .annotate(**_counts())
        .prefetch_related(Prefetch("units", queryset=units))
        .order_by("name")
    )


def failing_channels(user) -> QuerySet[Channel]:
    """The channels whose last send failed, of the managed jurisdictions."""
    places = managed_jurisdictions(user).values("pk")
    return (
        Channel.objects.filter(health=Channel.Health.FAILING)
        .filter(Q(jurisdiction_id__in=places) | Q(unit__jurisdiction_id__in=places))
        .select_related("unit__jurisdiction", "jurisdiction")
        .order_by("-last_used_at")
    )


def target_channels(*, unit: Unit | None = None, jurisdiction: Jurisdiction | None = None):
    target = Q(unit=unit) if unit is not None else Q(jurisdiction=jurisdiction)
    return Channel.objects.filter(target).order_by("kind", "pk")


def target_messages(*, unit: Unit | None = None, jurisdiction: Jurisdiction | None = None):
    target = Q(channel__unit=unit) if unit is not None else Q(channel__jurisdiction=jurisdiction)
    return (
        ChannelMessage.objects.filter(target)
        .select_related("channel")
        .order_by("-created_at", "-pk")[:RECENT_MESSAGES]
    )
