"""python manage.py send_reminders: email each unit's reporters the reports they still owe.

After the deadline of a period, every unit that leads items without a submitted or approved
report for it gets one message, sent to each active reporter of the unit, listing those items:
the items the missing-reports page lists (progress.review.selectors.missing_items), so an item
completed in an earlier period is never asked for. Items without a lead unit have nobody to
remind.
"""

from __future__ import annotations

import smtplib
from dataclasses import dataclass, field
from datetime import date

from django.conf import settings
from django.core.mail import EmailMessage, mailers
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from progress import periods
from progress.review import selectors
from projects import roles
from projects.models import Jurisdiction, SubItem, Unit, User


@dataclass
class UnitReminder:
    unit: Unit
    items: list[SubItem] = field(default_factory=list)
    recipients: list[str] = field(default_factory=list)


class Command(BaseCommand):
    help = (
        "Email each unit's reporters the progress reports they still owe for a period "
        "(by default the latest period whose deadline has passed)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--period",
            metavar="YYYY-MM",
            help="the period to remind of; default: the latest period whose deadline has passed",
        )
        parser.add_argument(
            "--jurisdiction", metavar="NAME", help="only the units of this jurisdiction"
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="show what would be sent; send nothing"
        )

    def handle(self, *args, **opts) -> None:
        period = self._period(opts["period"])
        jurisdiction = self._jurisdiction(opts["jurisdiction"])
        deadline = periods.deadline(period)
        reminders = collect_reminders(
            period=period, jurisdiction_id=jurisdiction.pk if jurisdiction else None
        )
        where = jurisdiction.name if jurisdiction else "all jurisdictions"
        self.stdout.write(f"Missing reports for {periods.label(period)} ({where}), due {deadline}")

        sent_units = sent_messages = sent_items = 0
        skipped = failed = 0
        connection = None if opts["dry_run"] else mailers.default
        for reminder in reminders:
            label = _unit_label(reminder.unit, with_jurisdiction=jurisdiction is None)
            count = len(reminder.items)
            if not reminder.recipients:
                skipped += 1
                self.stdout.write(
                    self.style.WARNING(
                        f"  {label}: {count} missing, but no active reporter with an email "
                        "address: not reminded"
                    )
                )
                continue
            message = build_message(reminder, period=period, deadline=deadline)
            to = ", ".join(reminder.recipients)
            if connection is None:
                self.stdout.write(f"  {label}: {count} missing; would email {to}")
                self.stdout.write(f"    subject: {message.subject}")
            else:
                try:
                    connection.send_messages([message])
                except (smtplib.SMTPException, OSError) as exc:
                    failed += 1
                    self.stderr.write(f"  {label}: sending to {to} failed: {exc}")
                    continue
                self.stdout.write(f"  {label}: {count} missing; emailed {to}")
            sent_units += 1
            sent_messages += 1
            sent_items += count

        verb = "Would email" if opts["dry_run"] else "Emailed"
        summary = (
            f"{verb} {sent_units} unit(s): {sent_messages} message(s), {sent_items} item(s)."
            f" {skipped} unit(s) without reporters skipped."
        )
        if not reminders:
            summary = "Nothing is missing: no reminder to send."
        self.stdout.write(self.style.SUCCESS(summary))
        if failed:
            raise CommandError(f"{failed} message(s) could not be sent.")

    def _period(self, text: str | None) -> date:
        if text is None:
            return periods.last_closed_period()
        period = periods.parse_period(text)
        if period is None:
            raise CommandError(f"--period {text!r}: write the period as YYYY-MM, e.g. 2024-10.")
        return period

    def _jurisdiction(self, name: str | None) -> Jurisdiction | None:
        if name is None:
            return None
        try:
            return Jurisdiction.objects.get(name=name.strip())
        except Jurisdiction.DoesNotExist:
            known = ", ".join(Jurisdiction.objects.values_list("name", flat=True)) or "none"
            raise CommandError(
                f"--jurisdiction {name!r}: no such jurisdiction (known: {known})."
            ) from None


def collect_reminders(*, period: date, jurisdiction_id: int | None) -> list[UnitReminder]:
    """The units with missing reports for the period, each with its items and the addresses of
    its active reporters; ordered by jurisdiction and unit name."""
    items = selectors.missing_items(jurisdiction_id=jurisdiction_id, period=period)
    by_unit: dict[int, UnitReminder] = {}
    for item in items:
        if item.lead_unit_id is None:
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


def build_message(reminder: UnitReminder, *, period: date, deadline: date) -> EmailMessage:
    """One message to a unit's reporters, in the site's language."""
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


def _unit_label(unit: Unit, *, with_jurisdiction: bool) -> str:
    return f"{unit.jurisdiction.name} {unit.name}" if with_jurisdiction else unit.name
