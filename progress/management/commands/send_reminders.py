"""python manage.py send_reminders: email each unit's reporters the reports they still owe.

After the deadline of a period, every unit that leads items without a submitted or approved
report for it gets one message, sent to each active reporter of the unit, listing those items:
the items the missing-reports page lists, so an item completed in an earlier period is never
asked for. Items without a lead unit have nobody to remind. The sending is
progress.reminders.services.reminders_send (the 催报 button of the missing-reports page uses
it too): each message is recorded, and a unit reminded of the period within a day is skipped
unless --force.
"""

from __future__ import annotations

from datetime import date

from django.core.management.base import BaseCommand, CommandError

from progress import periods
from progress.reminders import services
from projects.models import Jurisdiction, Unit


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
        parser.add_argument(
            "--force",
            action="store_true",
            help="also remind units already reminded of this period within the last day",
        )

    def handle(self, *args, **opts) -> None:
        period = self._period(opts["period"])
        jurisdiction = self._jurisdiction(opts["jurisdiction"])
        result = services.reminders_send(
            period=period,
            jurisdiction_id=jurisdiction.pk if jurisdiction else None,
            sent_by=None,
            force=opts["force"],
            dry_run=opts["dry_run"],
        )
        where = jurisdiction.name if jurisdiction else "all jurisdictions"
        self.stdout.write(
            f"Missing reports for {periods.label(period)} ({where}), due {result.deadline}"
        )
        for unit in result.units:
            label = _unit_label(unit.unit, with_jurisdiction=jurisdiction is None)
            to = ", ".join(unit.reminder.recipients)
            count = unit.item_count
            if unit.outcome == services.NO_RECIPIENTS:
                self.stdout.write(
                    self.style.WARNING(
                        f"  {label}: {count} missing, but no active reporter with an email "
                        "address: not reminded"
                    )
                )
            elif unit.outcome == services.ALREADY_SENT:
                self.stdout.write(
                    f"  {label}: {count} missing; already reminded at "
                    f"{unit.last_sent.sent_at:%Y-%m-%d %H:%M} (--force to send again)"
                )
            elif unit.outcome == services.WOULD_SEND and unit.channels:
                channels = ", ".join(unit.channels)
                self.stdout.write(f"  {label}: {count} missing; would send through {channels}")
                self.stdout.write(f"    title: {unit.subject}")
            elif unit.outcome == services.WOULD_SEND:
                self.stdout.write(f"  {label}: {count} missing; would email {to}")
                self.stdout.write(f"    subject: {unit.subject}")
            elif unit.outcome == services.FAILED:
                self.stderr.write(f"  {label}: sending to {to} failed: {unit.error}")
            elif unit.channels:
                channels = ", ".join(unit.channels)
                self.stdout.write(f"  {label}: {count} missing; sent through {channels}")
            else:
                self.stdout.write(f"  {label}: {count} missing; emailed {to}")

        sent = result.of(services.WOULD_SEND if opts["dry_run"] else services.SENT)
        verb = "Would email" if opts["dry_run"] else "Emailed"
        summary = (
            f"{verb} {len(sent)} unit(s): {len(sent)} message(s), {result.sent_items} item(s)."
            f" {len(result.of(services.NO_RECIPIENTS))} unit(s) without reporters skipped."
        )
        if already := result.of(services.ALREADY_SENT):
            summary += f" {len(already)} unit(s) reminded within a day skipped."
        if not result.units:
            summary = "Nothing is missing: no reminder to send."
        self.stdout.write(self.style.SUCCESS(summary))
        if failed := result.of(services.FAILED):
            raise CommandError(f"{len(failed)} message(s) could not be sent.")

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


def _unit_label(unit: Unit, *, with_jurisdiction: bool) -> str:
    return f"{unit.jurisdiction.name} {unit.name}" if with_jurisdiction else unit.name
