"""What is sent: the title and the short markdown of each kind of message, in Chinese (the
site's language), with a link back. Only the target's own items, never persons, phone numbers
or attachments. Each builder returns a Message for channels_deliver / tasks.deliver_later."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.conf import settings
from django.db.models import Count
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from progress import periods
from progress.channels.models import ChannelMessage
from progress.models import ItemStatus, ProgressReport
from progress.statuses import shown
from projects.models import Jurisdiction, SubItem, Unit

MAX_LISTED = 10  # items named in one message; the rest as "…and N more"
MAX_NAME = 40
MAX_COMMENT = 300


@dataclass
class Message:
    kind: str
    title: str
    markdown: str
    link: str
    item_ids: list[int] = field(default_factory=list)


def site_link(path: str) -> str:
    return settings.SITE_URL + path


def _short(text: str, limit: int = MAX_NAME) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _item_line(item: SubItem) -> str:
    return f"- {item.project.number}（{item.number}）{_short(item.name)}"


def _item_lines(items: list[SubItem]) -> list[str]:
    lines = [_item_line(item) for item in items[:MAX_LISTED]]
    if len(items) > MAX_LISTED:
        lines.append(_("- …and %(count)s more") % {"count": len(items) - MAX_LISTED})
    return lines


def reminder_message(*, unit: Unit, items: list[SubItem], period: date) -> Message:
    """催报: the unit's items still owed for the period, with the deadline."""
    with translation.override(settings.LANGUAGE_CODE):
        params = {
            "unit": unit.name,
            "count": len(items),
            "period": periods.label(period),
            "deadline": f"{periods.deadline(period):%Y-%m-%d}",
        }
        title = _("Reminder: %(unit)s owes %(count)s report(s) for %(period)s") % params
        lines = [
            _("Due on **%(deadline)s**, not yet submitted (%(count)s):") % params,
            *_item_lines(items),
            _("Please fill in and submit them as soon as you can."),
        ]
    return Message(
        kind=ChannelMessage.Kind.REMINDER,
        title=title,
        markdown="\n".join(lines),
        link=site_link(reverse("reporting:my_reports")),
        item_ids=[item.pk for item in items],
    )


def returned_message(*, report: ProgressReport, comment: str) -> Message:
    """A report returned to its unit, with the supervisor's comment."""
    item = report.subitem
    with translation.override(settings.LANGUAGE_CODE):
        params = {"period": periods.label(report.period), "item": _short(item.name)}
        title = _("Report returned: %(item)s, %(period)s") % params
        lines = [
            _item_line(item),
            _("Comment: %(comment)s") % {"comment": _short(comment, MAX_COMMENT)},
            _("Please correct it and submit it again."),
        ]
    return Message(
        kind=ChannelMessage.Kind.RETURNED,
        title=title,
        markdown="\n".join(lines),
        link=site_link(
            reverse("reporting:report_edit", args=[item.pk, periods.label(report.period)])
        ),
        item_ids=[item.pk],
    )


def summary_counts(*, jurisdiction: Jurisdiction, period: date) -> dict[str, int]:
    """Reported, missing and lagging items of a jurisdiction's period (the dashboard's rules)."""
    c = shown.conditions()
    return ItemStatus.objects.filter(jurisdiction=jurisdiction, period=period).aggregate(
        total=Count("pk"),
        reported=Count("pk", filter=shown.REPORT),
        missing=Count("pk", filter=c[shown.ABSENT_KEY]),
        lagging=Count("pk", filter=c["lagging"]),
        completed=Count("pk", filter=c["completed"]),
    )


def summary_message(*, jurisdiction: Jurisdiction, period: date) -> Message:
    """The period's summary for the jurisdiction's group, after the deadline."""
    counts = summary_counts(jurisdiction=jurisdiction, period=period)
    missing_units = (
        ItemStatus.objects.filter(shown.ABSENT, jurisdiction=jurisdiction, period=period)
        .exclude(lead_unit=None)
        .values("lead_unit__name")
        .annotate(n=Count("pk"))
        .order_by("-n", "lead_unit__name")[:MAX_LISTED]
    )
    with translation.override(settings.LANGUAGE_CODE):
        params = {
            "jurisdiction": jurisdiction.name,
            "period": periods.label(period),
            "deadline": f"{periods.deadline(period):%Y-%m-%d}",
            **counts,
        }
        title = _("%(jurisdiction)s %(period)s: progress summary") % params
        lines = [
            _("Deadline %(deadline)s; %(total)s items in all.") % params,
            _("- Reported: **%(reported)s**") % params,
            _("- Not reported: **%(missing)s**") % params,
            _("- Lagging: **%(lagging)s**") % params,
            _("- Completed: **%(completed)s**") % params,
        ]
        if missing_units:
            lines.append(
                _("Not reported, by unit: %(units)s")
                % {
                    "units": "、".join(
                        f"{row['lead_unit__name']} {row['n']}" for row in missing_units
                    )
                }
            )
    query = f"?jurisdiction={jurisdiction.pk}&period={periods.label(period)}"
    return Message(
        kind=ChannelMessage.Kind.SUMMARY,
        title=title,
        markdown="\n".join(lines),
        link=site_link(reverse("dashboard:overview") + query),
    )


NOTICE_TITLES = {
    ChannelMessage.Kind.NOTICE_NEW: gettext_noop(
        "Supervision: %(unit)s has %(count)s new notice(s)"
    ),
    ChannelMessage.Kind.NOTICE_DUE: gettext_noop(
        "Supervision: %(count)s reply(ies) of %(unit)s due tomorrow"
    ),
    ChannelMessage.Kind.NOTICE_OVERDUE: gettext_noop(
        "Supervision: %(count)s reply(ies) of %(unit)s overdue"
    ),
}


def notice_message(*, kind: str, unit: Unit, notices: list) -> Message:
    """督办 events of one unit: new notices (with the requirement), replies due tomorrow, replies
    overdue. `notices` are progress.supervision Notice rows with their sub-items and projects."""
    with translation.override(settings.LANGUAGE_CODE):
        title = _(NOTICE_TITLES[kind]) % {"unit": unit.name, "count": len(notices)}
        lines = []
        for notice in notices[:MAX_LISTED]:
            lines.append(
                _("%(item)s — %(level)s, reply by **%(due)s**")
                % {
                    "item": _item_line(notice.subitem),
                    "level": notice.get_level_display(),
                    "due": f"{notice.reply_due:%Y-%m-%d}",
                }
            )
            if kind == ChannelMessage.Kind.NOTICE_NEW:
                lines.append(
                    _("  Required: %(text)s") % {"text": _short(notice.requirement, MAX_COMMENT)}
                )
        if len(notices) > MAX_LISTED:
            lines.append(_("- …and %(count)s more") % {"count": len(notices) - MAX_LISTED})
        lines.append(_("Please reply on the notice page."))
    if len(notices) == 1:
        link = site_link(reverse("supervision:notice", args=[notices[0].pk]))
    else:
        link = site_link(reverse("supervision:notices"))
    return Message(
        kind=kind,
        title=title,
        markdown="\n".join(lines),
        link=link,
        item_ids=sorted({n.subitem_id for n in notices}),
    )
