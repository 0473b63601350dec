"""python manage.py send_notice_reminders: the daily 督办 messages through the units' channels
(progress/channels): the replies due tomorrow, and the replies that became overdue yesterday
(each overdue notice is announced once, on its first day overdue; --all-overdue repeats every
overdue one). Run it once a day from cron (or a scheduled task)."""

from __future__ import annotations

from datetime import date, timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from progress.channels.messages import notice_message
from progress.channels.models import ChannelMessage
from progress.channels.services import deliver_and_report
from progress.supervision import selectors


class Command(BaseCommand):
    help = "Tell each unit's channels of its 督办 replies due tomorrow and newly overdue."

    def add_arguments(self, parser):
        parser.add_argument("--date", metavar="YYYY-MM-DD", help="today (default: today)")
        parser.add_argument(
            "--all-overdue", action="store_true", help="every overdue reply, not only new ones"
        )
        parser.add_argument("--dry-run", action="store_true", help="show; send nothing")

    def handle(self, *args, **opts) -> None:
        today = self._today(opts["date"])
        overdue = selectors.notices_overdue(today)
        if not opts["all_overdue"]:
            overdue = overdue.filter(reply_due=today - timedelta(days=1))
        batches = (
            (ChannelMessage.Kind.NOTICE_DUE, selectors.notices_due_tomorrow(today)),
            (ChannelMessage.Kind.NOTICE_OVERDUE, overdue),
        )
        failed = 0
        for kind, notices in batches:
            by_unit: dict = {}
            for notice in notices.select_related("subitem__project", "unit").order_by("pk"):
                by_unit.setdefault(notice.unit, []).append(notice)
            for unit, unit_notices in by_unit.items():
                message = notice_message(kind=kind, unit=unit, notices=unit_notices)
                if opts["dry_run"]:
                    self.stdout.write(f"{unit.name}: would send “{message.title}”")
                    continue
                failed += deliver_and_report(self, owner=unit, message=message)
        if failed:
            raise CommandError(f"{failed} message(s) could not be sent.")

    def _today(self, text: str | None) -> date:
        if text is None:
            return timezone.localdate()
        try:
            return date.fromisoformat(text)
        except ValueError:
            raise CommandError(f"--date {text!r}: write it as YYYY-MM-DD.") from None
