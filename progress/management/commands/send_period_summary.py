"""python manage.py send_period_summary: after a period's deadline, send each jurisdiction's
group its summary (reported, not reported, lagging, completed, the units still owing, a link
to the dashboard) through the jurisdiction's channels (progress/channels)."""

from __future__ import annotations

from datetime import date

from django.core.management.base import BaseCommand, CommandError

from progress import periods
from progress.channels.messages import summary_message
from progress.channels.models import Channel
from progress.channels.services import deliver_and_report
from projects.models import Jurisdiction


class Command(BaseCommand):
    help = (
        "Send each jurisdiction's group the summary of a period after its deadline (by default "
        "the latest period whose deadline has passed), through the jurisdiction's channels."
    )

    def add_arguments(self, parser):
        parser.add_argument("--period", metavar="YYYY-MM", help="default: the last closed period")
        parser.add_argument("--jurisdiction", metavar="NAME", help="only this jurisdiction")
        parser.add_argument(
            "--dry-run", action="store_true", help="show the summaries; send nothing"
        )

    def handle(self, *args, **opts) -> None:
        period = self._period(opts["period"])
        if not periods.deadline_passed(period):
            raise CommandError(
                f"The deadline of {periods.label(period)} ({periods.deadline(period)}) has not "
                "passed: a summary is sent after it."
            )
        places = Jurisdiction.objects.filter(
            pk__in=Channel.objects.filter(enabled=True, jurisdiction__isnull=False).values(
                "jurisdiction_id"
            )
        ).order_by("name")
        if opts["jurisdiction"]:
            places = places.filter(name=opts["jurisdiction"].strip())
            if not places:
                raise CommandError(
                    f"--jurisdiction {opts['jurisdiction']!r}: no such jurisdiction with a channel."
                )
        failed = 0
        for place in places:
            message = summary_message(jurisdiction=place, period=period)
            if opts["dry_run"]:
                self.stdout.write(f"{place.name}: would send “{message.title}”")
                self.stdout.write(message.markdown)
                continue
            failed += deliver_and_report(self, owner=place, message=message)
        if not places:
            self.stdout.write("No jurisdiction has a channel: nothing to send.")
        if failed:
            raise CommandError(f"{failed} message(s) could not be sent.")

    def _period(self, text: str | None) -> date:
        if text is None:
            return periods.last_closed_period()
        period = periods.parse_period(text)
        if period is None:
            raise CommandError(f"--period {text!r}: write the period as YYYY-MM, e.g. 2024-10.")
        return period
