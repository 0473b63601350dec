"""The status rules of docs/status.md as plain functions over plain values (no ORM).

- Indicator rule: the expected value at the end of a period is the time-proportional value
  (序时进度) between the previous target (or zero at the start of the year) and the next one;
  actual / expected below `lagging_below` is lagging, above `ahead_above` — or reaching the
  next target before its date — is ahead.
- Milestone rule: a milestone whose date has passed without being marked achieved makes the
  item lagging; one marked achieved before the start of its own quarter (or month) makes it
  ahead.
- Completed earlier: a report of an earlier period of the year said 办结; the item is not
  reported again and counts as completed in every later period.
- Missing: no report by the deadline.
- Mismatch: the computed and the reported status disagree.

Every result carries its reasons, so a page can say why in words.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

LAGGING = "lagging"
AHEAD = "ahead"
ON_TRACK = "on_track"
COMPLETED = "completed"
NOT_STARTED = "not_started"


@dataclass(frozen=True)
class Target:
    due: date
    value: Decimal


@dataclass(frozen=True)
class IndicatorInput:
    name: str
    unit: str
    targets: Sequence[Target]
    actual: Decimal | None  # the latest value reported up to the period, cumulative


@dataclass(frozen=True)
class MilestoneInput:
    due: date
    text: str
    achieved_in: date | None  # the first period whose report marked it achieved


@dataclass(frozen=True)
class Reason:
    """One piece of evidence. kind: indicator | overdue | early | on_time."""

    kind: str
    status: str
    name: str = ""
    unit: str = ""
    actual: Decimal | None = None
    expected: Decimal | None = None
    ratio: Decimal | None = None
    due: date | None = None
    text: str = ""


@dataclass(frozen=True)
class Computed:
    status: str | None  # None: nothing to judge by yet
    reasons: tuple[Reason, ...] = field(default_factory=tuple)


def expected_value(targets: Sequence[Target], at: date) -> Decimal | None:
    """序时进度: the value the indicator should have reached on `at`.

    Linear between the previous target (or zero on 1 January) and the next target; after the
    last target, the last target. None without targets.
    """
    if not targets:
        return None
    ordered = sorted(targets, key=lambda t: t.due)
    prev = Target(date(at.year, 1, 1), Decimal(0))
    for target in ordered:
        if target.due >= at:
            if target.due == at:
                return target.value
            span = (target.due - prev.due).days
            if span <= 0:
                return target.value
            done = (at - prev.due).days
            return prev.value + (target.value - prev.value) * Decimal(done) / Decimal(span)
        prev = target
    return ordered[-1].value


def next_target(targets: Sequence[Target], at: date) -> Target | None:
    later = [t for t in targets if t.due > at]
    return min(later, key=lambda t: t.due) if later else None


def indicator_status(
    indicator: IndicatorInput, at: date, *, lagging_below: float, ahead_above: float
) -> Reason | None:
    """Judge one indicator at the end of a period; None when there is nothing to judge."""
    if indicator.actual is None:
        return None
    expected = expected_value(indicator.targets, at)
    if expected is None or expected <= 0:
        return None
    ratio = indicator.actual / expected
    upcoming = next_target(indicator.targets, at)
    if ratio < Decimal(str(lagging_below)):
        status = LAGGING
    elif ratio > Decimal(str(ahead_above)) or (
        upcoming is not None and indicator.actual >= upcoming.value
    ):
        status = AHEAD
    else:
        status = ON_TRACK
    return Reason(
        kind="indicator",
        status=status,
        name=indicator.name,
        unit=indicator.unit,
        actual=indicator.actual,
        expected=expected.quantize(Decimal("0.01")),
        ratio=ratio.quantize(Decimal("0.0001")),
    )


def own_window_start(due: date) -> date:
    """The start of a milestone's own quarter (quarter-end dates) or month (other month-ends)."""
    if due.month % 3 == 0 and due == _period_end(date(due.year, due.month, 1)):
        return date(due.year, due.month - 2, 1)
    return date(due.year, due.month, 1)


def milestone_status(
    milestone: MilestoneInput, period_start: date, period_end: date
) -> Reason | None:
    """Overdue (its date passed before the period's end, not achieved), achieved early (marked
    in a period ending before its own quarter or month began), achieved on time, or nothing."""
    achieved = milestone.achieved_in is not None and milestone.achieved_in <= period_start
    if achieved:
        assert milestone.achieved_in is not None
        early = _period_end(milestone.achieved_in) < own_window_start(milestone.due)
        return Reason(
            kind="early" if early else "on_time",
            status=AHEAD if early else ON_TRACK,
            due=milestone.due,
            text=milestone.text,
        )
    if milestone.due < period_end:
        return Reason(kind="overdue", status=LAGGING, due=milestone.due, text=milestone.text)
    return None


def _period_end(period: date) -> date:
    nxt = date(period.year + (period.month == 12), period.month % 12 + 1, 1)
    return date.fromordinal(nxt.toordinal() - 1)


def compute(
    *,
    indicators: Iterable[IndicatorInput],
    milestones: Iterable[MilestoneInput],
    period_start: date,
    period_end: date,
    reported_completed: bool = False,
    lagging_below: float = 0.95,
    ahead_above: float = 1.05,
) -> Computed:
    """The computed status of one sub-item for one period, with its reasons.

    `period_start` is the first day of the reporting period (its month; the report period);
    `period_end` its last day (the quarter's end for quarterly plans).
    """
    reasons: list[Reason] = []
    for ind in indicators:
        r = indicator_status(ind, period_end, lagging_below=lagging_below, ahead_above=ahead_above)
        if r:
            reasons.append(r)
    for ms in milestones:
        r = milestone_status(ms, period_start, period_end)
        if r:
            reasons.append(r)
    if reported_completed:
        return Computed(COMPLETED, tuple(reasons))
    if not reasons:
        return Computed(None, ())
    statuses = {r.status for r in reasons}
    if LAGGING in statuses:
        status = LAGGING
    elif AHEAD in statuses:
        status = AHEAD
    else:
        status = ON_TRACK
    return Computed(status, tuple(reasons))


def completed_in(reports: Iterable[tuple[date, str]], period: date) -> date | None:
    """办结 earlier: the first period before `period` whose report (one that counts: submitted,
    approved or imported) said completed; None when none did."""
    return min((p for p, s in reports if s == COMPLETED and p < period), default=None)


def is_mismatch(reported: str | None, computed: str | None) -> bool:
    """状态不符: both known and different (not started with nothing overdue is no contradiction)."""
    if not reported or not computed or reported == computed:
        return False
    return not (reported == NOT_STARTED and computed == ON_TRACK)
