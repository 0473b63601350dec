"""The stored status rows of a sub-item that has no counted report, without evaluating each
period one by one. Pure.

Most sub-items of a freshly imported plan (and many later) have no submitted, approved or
imported report. For them the rules of status_rules, light_rules and flag_rules reduce to very
little, and refresh_statuses would otherwise spend most of its time building the same objects
60,000 times over:

- no counted report means no reported status, no 办结 earlier, no indicator values and no
  achieved milestones (values and achieved marks are read from counted reports only);
- so no indicator is judged (no actual value), and the computed status is 滞后 exactly when a
  milestone is overdue at the period's end (due before it), with the overdue milestones as its
  reasons, and nothing otherwise; never a mismatch (nothing reported);
- the light (light_rules.light) then only sees the lagging run, the overdue milestones and the
  missing run: every period with its deadline passed is missing;
- and there is no flag (flags are on counted reports).

`rows` gives, per period, what refresh_statuses stores: (computed status, light, the light's
reasons as the JSON that supervision.stored.light_reasons_json writes). The reasons are written
as JSON text directly, in the same form (json.dumps with ensure_ascii=False and the default
separators), each milestone's text encoded once. tests/statuses/test_statuses_fast.py holds
this against the straightforward evaluation (evaluate, item_lights, light_reasons_json).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from progress.statuses.status_rules import LAGGING
from progress.supervision.light_rules import RED, YELLOW, Thresholds


@dataclass(frozen=True)
class Periods:
    """One plan's reporting periods, with what the rows of every sub-item share."""

    periods: tuple[date, ...]
    ends: tuple[date, ...]  # each period's last day (the quarter's for quarterly plans)
    missing_runs: tuple[int, ...]  # periods running, ending with this one, past the deadline
    limits: Thresholds


def plan_periods(
    periods: Sequence[date], ends: Sequence[date], deadline_passed: Sequence[bool], limits
) -> Periods:
    runs, run = [], 0
    for passed in deadline_passed:
        run = run + 1 if passed else 0
        runs.append(run)
    return Periods(tuple(periods), tuple(ends), tuple(runs), limits)


def rows(milestones: Sequence[tuple[int, date, str]], plan: Periods) -> list[tuple[str, str, str]]:
    """(computed status, light, light reasons JSON) of each period of a sub-item without a
    counted report; `milestones` as load_rule_inputs gives them: (id, due, text) in order."""
    limits = plan.limits
    red_run, red_days = limits.red_run, limits.red_overdue_days
    # each milestone's reason but its light and days, encoded once
    named = [
        (due, f'{{"kind": "milestone", "light": "%s", "name": {_text(text)}, "days": %d}}')
        if text
        else (due, '{"kind": "milestone", "light": "%s", "days": %d}')
        for _id, due, text in milestones
    ]
    out = []
    lagging_run = 0
    for end, missing_run in zip(plan.ends, plan.missing_runs, strict=True):
        reds: list[str] = []
        yellows: list[str] = []
        overdue = False
        for due, template in named:
            if due < end:
                overdue = True
                days = (end - due).days
                (reds if days >= red_days else yellows).append(
                    template % (RED if days >= red_days else YELLOW, days)
                )
        lagging_run = lagging_run + 1 if overdue else 0
        if lagging_run:
            level = RED if lagging_run >= red_run else YELLOW
            piece = f'{{"kind": "lagging_run", "light": "{level}", "run": {lagging_run}}}'
            (reds if level == RED else yellows).insert(0, piece)
        if missing_run >= red_run:
            reds.append(f'{{"kind": "missing_run", "light": "red", "run": {missing_run}}}')
        # the reasons of the worst light first, each group in the rules' order
        light = RED if reds else YELLOW if yellows else ""
        out.append((LAGGING if overdue else "", light, "[" + ", ".join(reds + yellows) + "]"))
    return out


def _text(text: str) -> str:
    # a literal "%" in the text must survive the template's formatting
    return json.dumps(text, ensure_ascii=False).replace("%", "%%")
