"""Writes of publishing: a supervisor publishes a plan's table of one period, or takes it down.

Keyword-only typed functions that check their own rules and raise PublishError with a message
for the user. django-simple-history keeps every publication, change and removal with who and
when (the history user is set here, so that it is right outside a request too).
"""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from progress.models import Publication
from projects.models import Plan


class PublishError(Exception):
    """A rule refused the change; the message is for the user."""


def _check_period(plan: Plan, period: date) -> None:
    if not plan.reports_on(period):
        raise PublishError(
            _("%(period)s is not a reporting period of this plan.") % {"period": f"{period:%Y-%m}"}
        )


@transaction.atomic
def publication_publish(*, plan: Plan, period: date, user, show_persons: bool) -> Publication:
    """Publish the plan's table of the period, or change whether it shows persons' names.

    Publishing again keeps the first publication's date and publisher unless something changed.
    """
    _check_period(plan, period)
    pub = Publication.objects.select_for_update().filter(plan=plan, period=period).first()
    if pub is not None and pub.show_persons == show_persons:
        return pub
    if pub is None:
        pub = Publication(plan=plan, period=period)
    pub.show_persons = show_persons
    pub.published_by = user if getattr(user, "is_authenticated", False) else None
    pub.published_at = timezone.now()
    pub.full_clean()
    pub._history_user = pub.published_by
    pub.save()
    return pub


@transaction.atomic
def publication_unpublish(*, plan: Plan, period: date, user) -> bool:
    """Take the table down from the public pages; False when it was not published."""
    pub = Publication.objects.select_for_update().filter(plan=plan, period=period).first()
    if pub is None:
        return False
    pub._history_user = user if getattr(user, "is_authenticated", False) else None
    pub.delete()
    return True
