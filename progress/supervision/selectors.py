"""Reads of supervision's pages, and the hooks other areas call.

Access (docs/supervision.md): admins read everything; supervisors their jurisdiction; a
reporter only the notices addressed to its own unit and the flags of the reports its unit
leads. Every list here is one query (joined with select_related), every count one aggregate,
whatever the number of rows.

Hooks for notifications (issue 16): `notices_due_tomorrow(today=…)` and
`notices_overdue(today=…)` over all jurisdictions, `services.notice_create` for new notices.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from progress import periods
from progress.models import ItemStatus
from progress.supervision import light_rules
from progress.supervision.models import Notice, ReportFlag
from projects import roles

OPEN = Notice.State.OPEN
REPLIED = Notice.State.REPLIED
CLOSED = Notice.State.CLOSED
STATE_FILTERS = ("open", "overdue", "replied", "closed")


def _today(today: date | None) -> date:
    return today or timezone.localdate()


def overdue_q(today: date | None = None) -> Q:
    """逾期: waiting for a reply after its reply deadline."""
    return Q(state=OPEN, reply_due__lt=_today(today))


# --- notices ----------------------------------------------------------------------------


def notices_for(user) -> QuerySet[Notice]:
    """The notices a user may read, joined with what the lists show."""
    qs = Notice.objects.select_related("subitem__project", "unit", "created_by")
    if not user.is_authenticated:
        return qs.none()
    if roles.is_admin(user):
        return qs
    q = Q(pk__in=[])
    if roles.has_role(user, roles.SUPERVISOR) and user.jurisdiction_id:
        q |= Q(jurisdiction_id=user.jurisdiction_id)
    if user.unit_id:
        q |= Q(unit_id=user.unit_id)
    return qs.filter(q)


def filter_notices(
    qs: QuerySet[Notice],
    *,
    state: str = "",
    unit_id: int | None = None,
    level: str = "",
    jurisdiction_id: int | None = None,
    today: date | None = None,
) -> QuerySet[Notice]:
    if state == "open":
        qs = qs.filter(state__in=(OPEN, REPLIED))
    elif state == "overdue":
        qs = qs.filter(overdue_q(today))
    elif state in (REPLIED, CLOSED):
        qs = qs.filter(state=state)
    if unit_id:
        qs = qs.filter(unit_id=unit_id)
    if level in Notice.Level.values:
        qs = qs.filter(level=level)
    if jurisdiction_id:
        qs = qs.filter(jurisdiction_id=jurisdiction_id)
    return qs


def notice_counts(qs: QuerySet[Notice], today: date | None = None) -> dict[str, int]:
    """open (awaiting a reply or its acceptance), overdue, replied, closed: one query. Each is
    the filter of filter_notices with the same name, so a count and its list agree."""
    return qs.order_by().aggregate(
        open=Count("pk", filter=Q(state__in=(OPEN, REPLIED))),
        overdue=Count("pk", filter=overdue_q(today)),
        replied=Count("pk", filter=Q(state=REPLIED)),
        closed=Count("pk", filter=Q(state=CLOSED)),
    )


def notices_due_tomorrow(today: date | None = None) -> QuerySet[Notice]:
    """Notices still waiting for a reply whose deadline is tomorrow (the reminder's list)."""
    return Notice.objects.select_related("subitem", "unit").filter(
        state=OPEN, reply_due=_today(today) + timedelta(days=1)
    )


def notices_overdue(today: date | None = None) -> QuerySet[Notice]:
    """Notices past their reply deadline without a reply (逾期)."""
    return Notice.objects.select_related("subitem", "unit").filter(overdue_q(today))


def notices_of_item(subitem_id: int, user) -> QuerySet[Notice]:
    return notices_for(user).filter(subitem_id=subitem_id)


# --- flags ------------------------------------------------------------------------------


def flags_for(user) -> QuerySet[ReportFlag]:
    """The flags a user may read: supervisors their jurisdiction's, a reporter its unit's."""
    qs = ReportFlag.objects.select_related(
        "report__subitem__project", "report__subitem__lead_unit", "dismissed_by"
    )
    if not user.is_authenticated:
        return qs.none()
    if roles.is_admin(user):
        return qs
    q = Q(pk__in=[])
    if roles.has_role(user, roles.SUPERVISOR) and user.jurisdiction_id:
        q |= Q(report__subitem__project__plan__jurisdiction_id=user.jurisdiction_id)
    if user.unit_id:
        q |= Q(report__subitem__lead_unit_id=user.unit_id)
    return qs.filter(q)


def report_flags(report_id: int) -> list[ReportFlag]:
    return list(ReportFlag.objects.filter(report_id=report_id).select_related("dismissed_by"))


# --- lights -----------------------------------------------------------------------------


def light_rows(jurisdiction_id: int | None) -> QuerySet[ItemStatus]:
    qs = ItemStatus.objects.all()
    return qs.filter(jurisdiction_id=jurisdiction_id) if jurisdiction_id else qs


def light_period(rows: QuerySet[ItemStatus], today: date | None = None) -> date:
    """The period the lights pages open on: the dashboard's (progress.periods.default_period)."""
    return periods.default_period(rows, today)


LIGHT_KEYS = ("red", "yellow", "green", "none")


def light_count_expressions() -> dict[str, Count]:
    """red, yellow, green and none (no light) as Count(filter=…): the list filters on the same;
    the overview adds them to its own cached grouped count (progress.dashboard.selectors)."""
    return {
        "red": Count("pk", filter=Q(light=light_rules.RED)),
        "yellow": Count("pk", filter=Q(light=light_rules.YELLOW)),
        "green": Count("pk", filter=Q(light=light_rules.GREEN)),
        "none": Count("pk", filter=Q(light="")),
    }


def light_counts(rows: QuerySet[ItemStatus], period: date) -> dict[str, int]:
    """red, yellow, green and none (no light) in one query."""
    return rows.filter(period=period).aggregate(**light_count_expressions())


def light_list(rows: QuerySet[ItemStatus], period: date, light: str = "") -> QuerySet[ItemStatus]:
    qs = rows.filter(period=period).select_related("subitem__project", "lead_unit")
    if light in light_rules.LIGHTS:
        qs = qs.filter(light=light)
    elif light == "none":
        qs = qs.filter(light="")
    return qs.order_by("subitem__project__order", "subitem__number", "subitem_id")


def item_light(subitem_id: int, period: date) -> ItemStatus | None:
    return (
        ItemStatus.objects.filter(subitem_id=subitem_id, period=period)
        .only("light", "light_reasons", "period")
        .first()
    )


# --- the leaders' view ---------------------------------------------------------------------


def leader_summary(jurisdiction_id: int, period: date) -> list[dict]:
    """Each leader of the jurisdiction (by name) with the lights of the items in their charge
    in `period` and their open notices: three queries."""
    from projects.models import Leader

    lights = {
        row["subitem__leaders"]: row
        for row in ItemStatus.objects.filter(
            jurisdiction_id=jurisdiction_id, period=period, subitem__leaders__isnull=False
        )
        .values("subitem__leaders")
        .order_by()
        .annotate(
            items=Count("pk"),
            red=Count("pk", filter=Q(light=light_rules.RED)),
            yellow=Count("pk", filter=Q(light=light_rules.YELLOW)),
            green=Count("pk", filter=Q(light=light_rules.GREEN)),
        )
    }
    notices = dict(
        Notice.objects.filter(
            jurisdiction_id=jurisdiction_id,
            state__in=(OPEN, REPLIED),
            subitem__leaders__isnull=False,
        )
        .values("subitem__leaders")
        .order_by()
        .annotate(n=Count("pk"))
        .values_list("subitem__leaders", "n")
    )
    empty = {"items": 0, "red": 0, "yellow": 0, "green": 0}
    return [
        {
            "leader": leader,
            **{k: lights.get(leader.pk, empty)[k] for k in empty},
            "open_notices": notices.get(leader.pk, 0),
        }
        for leader in Leader.objects.filter(jurisdiction_id=jurisdiction_id).order_by("name")
    ]


def leader_items(leader_id: int, period: date) -> list[tuple[ItemStatus, int]]:
    """The items a leader is in charge of (SubItem.leaders), with their stored status of
    `period` and their open notices: two queries."""
    rows = list(
        ItemStatus.objects.filter(period=period, subitem__leaders=leader_id)
        .select_related("subitem__project", "lead_unit")
        .order_by("subitem__project__plan_id", "subitem__project__order", "subitem__number")
    )
    notices = dict(
        Notice.objects.filter(state__in=(OPEN, REPLIED), subitem__leaders=leader_id)
        .values("subitem_id")
        .order_by()
        .annotate(n=Count("pk"))
        .values_list("subitem_id", "n")
    )
    return [(row, notices.get(row.subitem_id, 0)) for row in rows]


# --- the start page -----------------------------------------------------------------------


@dataclass
class StartSummary:
    """What supervision adds to the start page (templates/progress/supervision/_start.html)."""

    unit_notices: list  # a reporter's unit: the notices waiting for its reply, soonest first
    unit_counts: dict | None
    counts: dict | None  # a supervisor's jurisdiction: open, overdue, replied, closed
    lights: dict | None  # red, yellow, green, none in `period`
    period: date | None
    today: date


START_LIST = 10


def start_summary(user, today: date | None = None) -> StartSummary:
    """At most four queries, whatever the number of notices and items."""
    today = _today(today)
    unit_notices: list = []
    unit_counts = counts = lights = None
    period = None
    if roles.is_reporter(user) and user.unit_id:
        mine = Notice.objects.filter(unit_id=user.unit_id)
        unit_counts = notice_counts(mine, today)
        unit_notices = list(
            mine.filter(state=OPEN)
            .select_related("subitem")
            .order_by("reply_due", "pk")[:START_LIST]
        )
    if roles.is_supervisor(user):
        jurisdiction_id = None if roles.is_admin(user) else user.jurisdiction_id
        if jurisdiction_id or roles.is_admin(user):
            counts = notice_counts(filter_notices(notices_for(user), today=today), today)
            rows = light_rows(jurisdiction_id)
            period = light_period(rows, today)
            lights = light_counts(rows, period)
    return StartSummary(unit_notices, unit_counts, counts, lights, period, today)
