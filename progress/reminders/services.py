"""Writes of the reminders: reminders_send, the one way 催报 messages go out.

    result = reminders_send(period=date(2024, 10, 1), jurisdiction_id=j.pk, sent_by=user)

For every unit with missing reports for the period (progress.reminders.selectors
.collect_reminders, i.e. the missing-reports page's items), one message to the unit's active
reporters with an email address, listing the items; each message sent is kept as a Reminder
row (who sent it, when, to whom, how many items). A unit reminded of the same period within
the last REPEAT_AFTER is skipped unless `force=True`; a unit without reporters is skipped and
said so; a message the mail server refuses is reported and not recorded. `dry_run=True` sends
and records nothing. Messages go out one by one, outside any transaction, each recorded as it
is sent, so a failure half-way loses nothing already sent.

A unit that has channels (progress/channels: 企业微信 or 钉钉 group robots, e-mail) is reminded
through those instead: the message is handed to the channels' background task
(progress.channels.tasks.deliver_later), which sends through every channel within each robot's
rate limit, with retries, and records each message (ChannelMessage); the Reminder row says
channel "channels" and names the channels. Such a unit needs no reporter with an address.

Callers: the send_reminders command (sent_by=None) and the 催报 button of the missing-reports
page (sent_by=the supervisor). Its keyword-only signature and UnitOutcome codes are the
interface.
"""

from __future__ import annotations

import smtplib
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.core.mail import mailers
from django.utils import timezone

from progress import periods
from progress.channels.messages import reminder_message
from progress.channels.models import Channel
from progress.channels.tasks import deliver_later
from progress.models import Reminder
from progress.reminders.messages import build_message
from progress.reminders.selectors import UnitReminder, collect_reminders

REPEAT_AFTER = timedelta(days=1)

SENT = "sent"
WOULD_SEND = "would_send"  # dry run
NO_RECIPIENTS = "no_recipients"
ALREADY_SENT = "already_sent"  # within REPEAT_AFTER, not forced
FAILED = "failed"


@dataclass
class UnitOutcome:
    """What happened to one unit's reminder."""

    reminder: UnitReminder
    outcome: str  # SENT, WOULD_SEND, NO_RECIPIENTS, ALREADY_SENT or FAILED
    subject: str = ""
    error: str = ""
    last_sent: Reminder | None = None  # for ALREADY_SENT: the earlier reminder
    channels: list[str] = field(default_factory=list)  # through the unit's channels, if any

    @property
    def unit(self):
        return self.reminder.unit

    @property
    def item_count(self) -> int:
        return len(self.reminder.items)


@dataclass
class RemindersResult:
    period: date
    deadline: date
    units: list[UnitOutcome] = field(default_factory=list)

    def of(self, outcome: str) -> list[UnitOutcome]:
        return [u for u in self.units if u.outcome == outcome]

    @property
    def sent_items(self) -> int:
        return sum(u.item_count for u in self.units if u.outcome in (SENT, WOULD_SEND))


def reminders_send(
    *,
    period: date,
    jurisdiction_id: int | None = None,
    unit_ids: list[int] | None = None,
    sent_by=None,
    force: bool = False,
    dry_run: bool = False,
) -> RemindersResult:
    """Remind every unit (of the jurisdiction, of `unit_ids`, or all) that owes reports for the
    period; see the module docstring."""
    result = RemindersResult(period=period, deadline=periods.deadline(period))
    reminders = collect_reminders(period=period, jurisdiction_id=jurisdiction_id, unit_ids=unit_ids)
    since = timezone.now() - REPEAT_AFTER
    recent = {}
    for earlier in Reminder.objects.filter(
        period=period, unit_id__in=[r.unit.pk for r in reminders], sent_at__gte=since
    ).select_related("sent_by"):
        recent.setdefault(earlier.unit_id, earlier)  # ordered latest first
    connection = None if dry_run else mailers.default
    channels: dict[int, list[str]] = {}
    for channel in Channel.objects.filter(
        enabled=True, unit_id__in=[r.unit.pk for r in reminders]
    ).order_by("kind", "pk"):
        channels.setdefault(channel.unit_id, []).append(str(channel))
    for reminder in reminders:
        names = channels.get(reminder.unit.pk, [])
        if not reminder.recipients and not names:
            result.units.append(UnitOutcome(reminder, NO_RECIPIENTS))
            continue
        if reminder.unit.pk in recent and not force:
            result.units.append(
                UnitOutcome(reminder, ALREADY_SENT, last_sent=recent[reminder.unit.pk])
            )
            continue
        if names:
            result.units.append(
                _through_channels(reminder, names, period=period, sent_by=sent_by, dry_run=dry_run)
            )
            continue
        message = build_message(reminder, period=period, deadline=result.deadline)
        if connection is None:
            result.units.append(UnitOutcome(reminder, WOULD_SEND, subject=message.subject))
            continue
        try:
            connection.send_messages([message])
        except (smtplib.SMTPException, OSError) as exc:
            result.units.append(
                UnitOutcome(reminder, FAILED, subject=message.subject, error=str(exc))
            )
            continue
        Reminder.objects.create(
            period=period,
            unit=reminder.unit,
            channel=Reminder.Channel.EMAIL,
            recipients="\n".join(reminder.recipients),
            item_count=len(reminder.items),
            subject=message.subject[:255],
            sent_by=sent_by,
        )
        result.units.append(UnitOutcome(reminder, SENT, subject=message.subject))
    return result


def _through_channels(
    reminder: UnitReminder, names: list[str], *, period: date, sent_by, dry_run: bool
) -> UnitOutcome:
    """Hand the unit's reminder to its channels' task; recorded as a Reminder like an e-mail."""
    message = reminder_message(unit=reminder.unit, items=reminder.items, period=period)
    if dry_run:
        return UnitOutcome(reminder, WOULD_SEND, subject=message.title, channels=names)
    deliver_later(message, unit=reminder.unit)
    Reminder.objects.create(
        period=period,
        unit=reminder.unit,
        channel=Reminder.Channel.CHANNELS,
        recipients="\n".join(names),
        item_count=len(reminder.items),
        subject=message.title[:255],
        sent_by=sent_by,
    )
    return UnitOutcome(reminder, SENT, subject=message.title, channels=names)
