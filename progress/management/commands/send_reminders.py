"""python manage.py send_reminders: remind each unit of the reports it still owes (催报).

A unit with channels (progress/channels: e-mail, 企业微信 or 钉钉 group robots) is reminded
through every one of them (channels_deliver: rate limits, retries, a record per message); a
unit without any is e-mailed at its active reporters' addresses, as before channels existed.

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
from progress.channels.messages import reminder_message
from progress.channels.models import Channel
from progress.channels.services import channels_deliver
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
        with_channels = set(
            Channel.objects.filter(enabled=True, unit__in=[r.unit for r in reminders]).values_list(
                "unit_id", flat=True
            )
        )
        for reminder in reminders:
            label = _unit_label(reminder.unit, with_jurisdiction=jurisdiction is None)
            count = len(reminder.items)
            if reminder.unit.pk in with_channels:
                sent, lost = self._through_channels(
                    reminder, period=period, label=label, dry_run=opts["dry_run"]
                )
                failed += lost
                if sent:
                    sent_units += 1
                    sent_messages += sent
                    sent_items += count
                continue
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

    def _through_channels(
        self, reminder: UnitReminder, *, period: date, label: str, dry_run: bool
    ) -> tuple[int, int]:
        """The unit's channels instead of the e-mail to its reporters: (sent, failed)."""
        count = len(reminder.items)
        if dry_run:
            channels = Channel.objects.filter(enabled=True, unit=reminder.unit)
            names = ", ".join(str(c.get_kind_display()) for c in channels)
            self.stdout.write(f"  {label}: {count} missing; would send through {names}")
            return len(channels), 0
        message = reminder_message(unit=reminder.unit, items=reminder.items, period=period)
        records = channels_deliver(
            unit=reminder.unit,
            kind=message.kind,
            title=message.title,
            markdown=message.markdown,
            items=message.item_ids,
            link=message.link,
        )
        sent = failed = 0
        for record in records:
            if record.outcome == record.Outcome.SENT:
                sent += 1
                self.stdout.write(f"  {label}: {count} missing; sent through {record.channel}")
            else:
                failed += 1
                self.stderr.write(f"  {label}: {record.channel} failed: {record.answer}")
        return sent, failed

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
