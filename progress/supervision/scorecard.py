"""Unit scorecards (单位考核) for one jurisdiction and year: per unit and month, the items led,
reports on time, late, missing, returned, items lagging, red lights, notices received and
overdue replies; a score with the weights of settings.SCORECARD_WEIGHTS; a ranking.

Five grouped queries whatever the data size (ItemStatus, late flags, returns, notices issued,
notices overdue), then pandas pivots. Each figure is the count of the list it links to:
missing is the shown status 未报送 (no report that counts, not completed earlier, deadline
passed), lagging the computed status 滞后, red the stored light, late the 迟报 flag.

score (per unit and month with items) = max(0, 100 - 100 * sum(weight[m] * count[m]) / items)
over m in late, missing, returned, lagging, red, overdue; the year's score is the mean of its
months; the ranking orders units by it (ties share a rank).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd
from django.conf import settings
from django.db.models import Count, F, Q
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from progress import periods
from progress.models import ItemStatus, ReviewEvent
from progress.statuses.shown import ABSENT
from progress.supervision.models import Notice, ReportFlag
from projects.models import Unit

MEASURES = (
    ("items", _("Items led")),
    ("on_time", _("Reports on time")),
    ("late", _("Late reports")),
    ("missing", _("Missing reports")),
    ("returned", _("Reports returned")),
    ("lagging", _("Items lagging")),
    ("red", _("Red lights")),
    ("notices", _("Notices received")),
    ("overdue", _("Overdue replies")),
    ("score", _("Score")),
)
COUNTS = [m for m, _label in MEASURES if m != "score"]


@dataclass
class Scorecard:
    year: int
    months: list[date]
    units: dict[int, str]
    frame: pd.DataFrame  # one row per (unit_id, month): COUNTS and score
    summary: pd.DataFrame  # one row per unit: year totals, score, rank

    def pivot(self, measure: str) -> pd.DataFrame:
        """units x months of one measure."""
        table = self.frame.pivot_table(
            index="unit_id", columns="month", values=measure, aggfunc="sum", fill_value=0
        )
        return table.reindex(index=self.summary.index, columns=self.months, fill_value=0)


def build(
    jurisdiction_id: int, year: int, *, unit_id: int | None = None, today: date | None = None
) -> Scorecard:
    today = today or timezone.localdate()
    closed = periods.last_closed_period(today)
    start, end = date(year, 1, 1), date(year, 12, 1)
    statuses = ItemStatus.objects.filter(
        jurisdiction_id=jurisdiction_id, period__gte=start, period__lte=end
    )
    flags = ReportFlag.objects.filter(
        kind=ReportFlag.Kind.LATE,
        report__subitem__project__plan__jurisdiction_id=jurisdiction_id,
        report__period__gte=start,
        report__period__lte=end,
    )
    returns = ReviewEvent.objects.filter(
        action=ReviewEvent.Action.RETURN,
        report__subitem__project__plan__jurisdiction_id=jurisdiction_id,
        report__period__gte=start,
        report__period__lte=end,
    )
    notices = Notice.objects.filter(jurisdiction_id=jurisdiction_id)
    if unit_id is not None:
        statuses = statuses.filter(lead_unit_id=unit_id)
        flags = flags.filter(report__subitem__lead_unit_id=unit_id)
        returns = returns.filter(report__subitem__lead_unit_id=unit_id)
        notices = notices.filter(unit_id=unit_id)
    rows = list(
        statuses.exclude(lead_unit_id=None)
        .values("lead_unit_id", "period")
        .order_by()
        .annotate(
            items=Count("pk"),
            reported=Count("pk", filter=Q(has_report=True)),
            missing=Count("pk", filter=ABSENT & Q(period__lte=closed)),
            lagging=Count("pk", filter=Q(computed_status="lagging")),
            red=Count("pk", filter=Q(light="red")),
        )
    )
    frame = pd.DataFrame(
        rows, columns=["lead_unit_id", "period", "items", "reported", "missing", "lagging", "red"]
    )
    frame = frame.rename(columns={"lead_unit_id": "unit_id", "period": "month"})
    extra = [
        _grouped(flags, "report__subitem__lead_unit_id", "report__period", "late"),
        _grouped(
            returns,
            "report__subitem__lead_unit_id",
            "report__period",
            "returned",
            distinct="report_id",
        ),
        _grouped(
            notices.filter(created_at__year=year).annotate(m=TruncMonth("created_at")),
            "unit_id",
            "m",
            "notices",
        ),
        _grouped(
            notices.filter(reply_due__year=year)
            .filter(
                Q(state=Notice.State.OPEN, reply_due__lt=today)
                | Q(replied_at__isnull=False, replied_at__date__gt=F("reply_due"))
            )
            .annotate(m=TruncMonth("reply_due")),
            "unit_id",
            "m",
            "overdue",
        ),
    ]
    for table in extra:
        frame = frame.merge(table, on=["unit_id", "month"], how="outer")
    for column in (
        "items",
        "reported",
        "missing",
        "lagging",
        "red",
        "late",
        "returned",
        "notices",
        "overdue",
    ):
        frame[column] = frame[column].fillna(0).astype(int)
    frame["on_time"] = (frame["reported"] - frame["late"]).clip(lower=0)
    frame["score"] = score(frame)
    unit_ids = sorted({int(u) for u in frame["unit_id"]}) if len(frame) else []
    if unit_id is not None and unit_id not in unit_ids:
        unit_ids.append(unit_id)
    units = dict(Unit.objects.filter(pk__in=unit_ids).values_list("pk", "name"))
    summary = _summary(frame, list(units))
    months = [date(year, m, 1) for m in range(1, 13)]
    return Scorecard(year, months, units, frame, summary)


def _grouped(
    qs, unit_field: str, month_field: str, name: str, *, distinct: str = ""
) -> pd.DataFrame:
    counted = Count(distinct, distinct=True) if distinct else Count("pk")
    rows = list(
        qs.values(unit_field, month_field)
        .order_by()
        .annotate(n=counted)
        .values_list(unit_field, month_field, "n")
    )
    table = pd.DataFrame(rows, columns=["unit_id", "month", name])
    if len(table):
        table["month"] = [
            m.date().replace(day=1) if hasattr(m, "date") else m.replace(day=1)
            for m in table["month"]
        ]
        table = table.groupby(["unit_id", "month"], as_index=False)[name].sum()
    return table


def score(frame: pd.DataFrame, weights: dict[str, float] | None = None) -> pd.Series:
    """The documented score of each (unit, month) row; NaN for a month without items."""
    weights = weights or settings.SCORECARD_WEIGHTS
    penalty = sum(frame[m] * w for m, w in weights.items())
    items = frame["items"].where(frame["items"] > 0)
    return (100 - 100 * penalty / items).clip(lower=0).round(1)


def _summary(frame: pd.DataFrame, unit_ids: list[int]) -> pd.DataFrame:
    if not len(frame):
        empty = pd.DataFrame(0, index=pd.Index(unit_ids, name="unit_id"), columns=COUNTS)
        empty["score"] = float("nan")
        empty["rank"] = float("nan")
        return empty
    totals = frame.groupby("unit_id")[COUNTS].sum()
    # items led: the most in any month (a year's total would count an item once a month)
    totals["items"] = frame.groupby("unit_id")["items"].max()
    totals["score"] = frame.groupby("unit_id")["score"].mean().round(1)
    totals = totals.reindex(unit_ids).fillna({c: 0 for c in COUNTS})
    totals["rank"] = totals["score"].rank(ascending=False, method="min")
    return totals.sort_values(["score", "items"], ascending=[False, False], na_position="last")


def weights() -> list[tuple[str, float]]:
    """The weights in use, labelled, for the page to print next to the scores."""
    labels = dict(MEASURES)
    return [(str(labels[m]), w) for m, w in settings.SCORECARD_WEIGHTS.items()]
