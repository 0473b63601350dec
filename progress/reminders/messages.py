"""The text of a reminder: one message to a unit's reporters, in the site's language."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.core.mail import EmailMessage
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from progress import periods
from progress.reminders.selectors import UnitReminder


def build_message(reminder: UnitReminder, *, period: date, deadline: date) -> EmailMessage:
    """One message to a unit's reporters listing its missing items, in settings.LANGUAGE_CODE
    (the active language is left as it was)."""
    with translation.override(settings.LANGUAGE_CODE):
        count = len(reminder.items)
        params = {
            "unit": reminder.unit.name,
            "count": count,
            "period": periods.label(period),
            "deadline": f"{deadline:%Y-%m-%d}",
        }
        subject = (
            ngettext(
                "%(unit)s: %(count)d progress report for %(period)s is missing",
                "%(unit)s: %(count)d progress reports for %(period)s are missing",
                count,
            )
            % params
        )
        lines = [
            _("To the reporters of %(unit)s:") % params,
            "",
            ngettext(
                "The progress report of this item for %(period)s was due on %(deadline)s and "
                "has not been submitted (a saved draft is not submitted):",
                "The progress reports of these %(count)d items for %(period)s were due on "
                "%(deadline)s and have not been submitted (a saved draft is not submitted):",
                count,
            )
            % params,
            "",
        ]
        for n, item in enumerate(reminder.items, start=1):
            lines.append(
                _(
                    "%(n)d. %(plan)s, No. %(project)s (%(sub)s) %(name)s — %(period)s, due %(deadline)s"
                )
                % {
                    "n": n,
                    "plan": item.project.plan.title,
                    "project": item.project.number,
                    "sub": item.number,
                    "name": item.name,
                    "period": params["period"],
                    "deadline": params["deadline"],
                }
            )
        lines += [
            "",
            _("Please fill in and submit these reports as soon as you can."),
            _("This message was sent automatically; ask your supervisor if an item is not yours."),
        ]
    return EmailMessage(subject=subject, body="\n".join(lines), to=reminder.recipients)
