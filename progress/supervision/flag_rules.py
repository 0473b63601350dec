"""Data-quality flags on one report (docs/supervision.md), as pure functions over plain values.

- copied: the progress text is the same as, or very like (similarity >= `similar_at`), the
  same item's previous counted report;
- decreased: a cumulative indicator value lower than the latest earlier counted value;
- completed_early: the report says 办结 while milestones due after the period are not marked
  achieved;
- on_track_lagging: the report says 正常 while the computed status is 滞后 this period and the
  period before (two running);
- late: submitted after the period's deadline (迟报), by one day or more.

Each flag carries what its reason says in words (the page renders it in the user's language).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from difflib import SequenceMatcher

COPIED = "copied"
DECREASED = "decreased"
COMPLETED_EARLY = "completed_early"
ON_TRACK_LAGGING = "on_track_lagging"
LATE = "late"
KINDS = (COPIED, DECREASED, COMPLETED_EARLY, ON_TRACK_LAGGING, LATE)


@dataclass(frozen=True)
class Flag:
    kind: str
    subject: str = ""  # which indicator / milestone; "" when the flag is about the report
    params: tuple[tuple[str, str], ...] = ()

    @property
    def key(self) -> tuple[str, str]:
        return (self.kind, self.subject)


def similarity(a: str, b: str) -> float:
    """0..1, whitespace ignored; 1.0 for the same text."""
    a, b = "".join(a.split()), "".join(b.split())
    if a == b:
        return 1.0
    return SequenceMatcher(None, a, b, autojunk=False).ratio()


def copied(text: str, previous: str | None, *, similar_at: float = 0.9) -> Flag | None:
    if not previous or not text.strip() or not previous.strip():
        return None
    a, b = "".join(text.split()), "".join(previous.split())
    if a == b:
        ratio = 1.0
    else:
        matcher = SequenceMatcher(None, a, b, autojunk=False)
        # both quick ratios are upper bounds of ratio(): most different texts stop here
        if matcher.real_quick_ratio() < similar_at or matcher.quick_ratio() < similar_at:
            return None
        ratio = matcher.ratio()
    if ratio >= similar_at:
        return Flag(COPIED, params=(("similarity", f"{ratio:.2f}"),))
    return None


def decreased(values: Mapping[str, Decimal], previous: Mapping[str, Decimal]) -> list[Flag]:
    """values / previous: indicator name -> this report's / the latest earlier value."""
    out = []
    for name, value in values.items():
        before = previous.get(name)
        if before is not None and value < before:
            out.append(
                Flag(
                    DECREASED,
                    subject=name,
                    params=(("value", _num(value)), ("previous", _num(before))),
                )
            )
    return out


def completed_early(
    status: str, period_end: date, milestones: Sequence[tuple[str, date, bool]]
) -> list[Flag]:
    """milestones: (text, due, achieved by this report or earlier)."""
    if status != "completed":
        return []
    return [
        Flag(COMPLETED_EARLY, subject=text, params=(("due", due.isoformat()),))
        for text, due, achieved in milestones
        if due > period_end and not achieved
    ]


def on_track_lagging(status: str, computed_run: Sequence[str | None]) -> Flag | None:
    """computed_run: the computed statuses of the periods before and of this one, in order."""
    if status != "on_track" or len(computed_run) < 2:
        return None
    if all(c == "lagging" for c in computed_run[-2:]):
        return Flag(ON_TRACK_LAGGING)
    return None


def late(submitted_at: datetime | date | None, deadline: date) -> Flag | None:
    if submitted_at is None:
        return None
    day = submitted_at.date() if isinstance(submitted_at, datetime) else submitted_at
    days = (day - deadline).days
    if days >= 1:
        return Flag(LATE, params=(("days", str(days)), ("deadline", deadline.isoformat())))
    return None


def _num(value: Decimal) -> str:
    return f"{value.normalize():f}"
