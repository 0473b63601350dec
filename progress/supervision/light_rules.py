"""The 红黄绿 three-colour warning (docs/supervision.md) as a pure function over plain values.

- green: on track, ahead or completed (and nothing below says otherwise);
- yellow: lagging this period only; an indicator between `red_below` and `yellow_below` of its
  序时进度; a milestone overdue by fewer than `red_overdue_days`;
- red: lagging `red_run` or more periods running; an indicator under `red_below`; a milestone
  overdue `red_overdue_days` or more; missing `red_run` or more periods running.

A period is lagging when the status rules (progress.statuses.status_rules) compute it lagging,
or, when they have nothing to judge by, when the unit reported it lagging.
An item completed (reported 办结 now or earlier) is green whatever else. Nothing to judge by
and no missing run gives no light (""). Every light carries its reasons.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

GREEN = "green"
YELLOW = "yellow"
RED = "red"
NONE = ""
LIGHTS = (RED, YELLOW, GREEN)
_RANK = {NONE: 0, GREEN: 1, YELLOW: 2, RED: 3}
GREEN_STATUSES = ("on_track", "ahead", "completed", "not_started")


@dataclass(frozen=True)
class LightReason:
    """kind: lagging_run | indicator | milestone | missing_run | completed | on_track."""

    kind: str
    light: str
    name: str = ""
    ratio: Decimal | None = None
    days: int | None = None
    run: int | None = None

    def as_dict(self) -> dict:
        out: dict = {"kind": self.kind, "light": self.light}
        if self.name:
            out["name"] = self.name
        if self.ratio is not None:
            out["ratio"] = str(self.ratio)
        if self.days is not None:
            out["days"] = self.days
        if self.run is not None:
            out["run"] = self.run
        return out


@dataclass(frozen=True)
class Light:
    light: str
    reasons: tuple[LightReason, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class Thresholds:
    yellow_below: float = 0.95  # the status rules' STATUS_LAGGING_BELOW
    red_below: float = 0.85
    red_overdue_days: int = 30
    red_run: int = 2


def light(
    *,
    computed: str | None,
    completed: bool,
    lagging_run: int,
    indicator_ratios: Sequence[tuple[str, Decimal]] = (),
    overdue_milestones: Sequence[tuple[str, int]] = (),
    missing_run: int = 0,
    thresholds: Thresholds = Thresholds(),
) -> Light:
    """The light of one sub-item in one period.

    computed: the computed status of the period (None: nothing to judge by);
    lagging_run: periods running, ending with this one, computed lagging (0 when this one isn't);
    indicator_ratios: (name, actual / expected) of each judged indicator;
    overdue_milestones: (text, days overdue at the period's end) of each overdue milestone;
    missing_run: periods running, ending with this one, with no report after the deadline.
    """
    if completed:
        return Light(GREEN, (LightReason("completed", GREEN),))
    t = thresholds
    reasons: list[LightReason] = []
    if lagging_run >= 1:
        level = RED if lagging_run >= t.red_run else YELLOW
        reasons.append(LightReason("lagging_run", level, run=lagging_run))
    for name, ratio in indicator_ratios:
        if ratio < Decimal(str(t.red_below)):
            reasons.append(LightReason("indicator", RED, name=name, ratio=ratio))
        elif ratio < Decimal(str(t.yellow_below)):
            reasons.append(LightReason("indicator", YELLOW, name=name, ratio=ratio))
    for text, days in overdue_milestones:
        level = RED if days >= t.red_overdue_days else YELLOW
        reasons.append(LightReason("milestone", level, name=text, days=days))
    if missing_run >= t.red_run:
        reasons.append(LightReason("missing_run", RED, run=missing_run))
    if reasons:
        worst = max((r.light for r in reasons), key=_RANK.__getitem__)
        # the reasons of the light shown first, the lesser ones after
        reasons.sort(key=lambda r: -_RANK[r.light])
        return Light(worst, tuple(reasons))
    if computed in GREEN_STATUSES:
        return Light(GREEN, (LightReason("on_track", GREEN),))
    return Light(NONE, ())


def run_length(flags: Sequence[bool]) -> int:
    """How many of the last flags are True in a row (flags in period order, this one last)."""
    n = 0
    for flag in reversed(flags):
        if not flag:
            break
        n += 1
    return n
