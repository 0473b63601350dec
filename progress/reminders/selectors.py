"""Reads of the reminders: who is owed a reminder for a period, and the reminders sent."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.db.models import QuerySet

from progress.models import Reminder
from progress.review import selectors as review_selectors
from projects import roles
from projects.models import SubItem, Unit, User


@dataclass
class UnitReminder:
    """A unit with missing reports for the period: its items and its reporters' addresses."""

    unit: Unit
    items: list[SubItem] = field(default_factory=list)
    recipients: list[str] = field(default_factory=list)


def collect_reminders(
    *, period: date, jurisdiction_id: int | None, unit_ids: list[int] | None = None
) -> list[UnitReminder]:
    """The units with missing reports for the period (the items the missing-reports page lists,
    progress.review.selectors.missing_items), each with its items and the addresses of its
    active reporters; ordered by jurisdiction and unit name. `unit_ids` narrows to those units.
    Items without a lead unit have nobody to remind. Three queries."""
    items = review_selectors.missing_items(jurisdiction_id=jurisdiction_id, period=period)
    by_unit: dict[int, UnitReminder] = {}
    for item in items:
        if item.lead_unit_id is None:
            continue
        if unit_ids is not None and item.lead_unit_id not in unit_ids:
            continue
        by_unit.setdefault(item.lead_unit_id, UnitReminder(unit=item.lead_unit)).items.append(item)
    reporters = (
        User.objects.filter(is_active=True, groups__name=roles.REPORTER, unit_id__in=by_unit)
        .exclude(email="")
        .order_by("username")
        .values_list("unit_id", "email")
        .distinct()
    )
    for unit_id, email in reporters:
        if email not in by_unit[unit_id].recipients:
            by_unit[unit_id].recipients.append(email)
    return sorted(by_unit.values(), key=lambda r: (r.unit.jurisdiction.name, r.unit.name))


def reminders_of(*, period: date, jurisdiction_id: int | None) -> QuerySet[Reminder]:
    """The reminders sent for a period (one jurisdiction's units, or all), latest first."""
    qs = Reminder.objects.filter(period=period).select_related("unit__jurisdiction", "sent_by")
    if jurisdiction_id is not None:
        qs = qs.filter(unit__jurisdiction_id=jurisdiction_id)
    return qs.order_by("-sent_at", "-id")
