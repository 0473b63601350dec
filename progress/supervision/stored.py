"""The lights and flags of a chunk of sub-items, computed with their stored statuses.

progress.statuses.stored.refresh_statuses evaluates every reporting period of a sub-item and
hands the evaluations here: `item_lights` gives the light of each period (stored on the
ItemStatus row), `item_flags` the data-quality flags of each counted report, and `save_flags`
brings the ReportFlag rows in step (a dismissed flag whose cause remains stays dismissed).
The rules themselves are light_rules and flag_rules; this module only feeds them plain values.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.utils import timezone

from progress import periods
from progress.supervision import flag_rules, light_rules
from progress.supervision.models import ReportFlag


def thresholds() -> light_rules.Thresholds:
    return light_rules.Thresholds(
        yellow_below=settings.STATUS_LAGGING_BELOW,
        red_below=settings.LIGHT_RED_BELOW,
        red_overdue_days=settings.LIGHT_RED_OVERDUE_DAYS,
        red_run=settings.LIGHT_RED_RUN,
    )


def item_lights(
    evaluations: Sequence,
    *,
    today: date | None = None,
    limits: light_rules.Thresholds | None = None,
) -> list[light_rules.Light]:
    """The light of each evaluation (one sub-item's reporting periods, in order). A period is
    missing when it has no counted report, was not completed earlier and its deadline passed
    by `today`. The status judged is the computed one, or the reported one when the rules have
    nothing to judge by (a daily `refresh_statuses --all` keeps that fresh; see docs/supervision.md)."""
    today = today or timezone.localdate()
    limits = limits or thresholds()
    lagging: list[bool] = []
    missing: list[bool] = []
    out = []
    for e in evaluations:
        # the computed status; when the rules have nothing to judge by, the unit's own word
        computed = e.computed.status or e.reported or None
        lagging.append(computed == "lagging")
        missing.append(
            not e.counted and e.completed_in is None and periods.deadline_passed(e.period, today)
        )
        reasons = e.computed.reasons
        out.append(
            light_rules.light(
                computed=computed,
                completed=computed == "completed",
                lagging_run=light_rules.run_length(lagging),
                indicator_ratios=[
                    (r.name, r.ratio)
                    for r in reasons
                    if r.kind == "indicator" and r.ratio is not None
                ],
                overdue_milestones=[
                    (r.text, (e.period_end - r.due).days)
                    for r in reasons
                    if r.kind == "overdue" and r.due is not None
                ],
                missing_run=light_rules.run_length(missing),
                thresholds=limits,
            )
        )
    return out


def light_reasons_json(result: light_rules.Light) -> str:
    return json.dumps([r.as_dict() for r in result.reasons], ensure_ascii=False)


def item_flags(inputs, evaluations: Sequence) -> dict[tuple[int, str, str], dict]:
    """The flags of each counted report of one sub-item: (report id, kind, subject) -> params."""
    similar_at = settings.FLAG_SIMILAR_AT
    names = {pk: name for pk, (name, _unit) in inputs.indicators.items()}
    out: dict[tuple[int, str, str], dict] = {}
    previous_text: str | None = None
    computed: list[str | None] = []
    values = [(p, names[i], v) for p, i, v in inputs.values if i in names]  # sorted by period
    before: dict[str, Decimal] = {}  # the latest value of each indicator before the period
    seen = 0
    for e in evaluations:
        computed.append(e.computed.status)
        while seen < len(values) and values[seen][0] < e.period:
            before[values[seen][1]] = values[seen][2]
            seen += 1
        if not e.counted or e.report is None:
            continue
        report = e.report
        found: list[flag_rules.Flag] = []
        flag = flag_rules.copied(report.completion or "", previous_text, similar_at=similar_at)
        found += [flag] if flag else []
        previous_text = report.completion or previous_text
        this: dict[str, Decimal] = {}
        for p, name, v in values[seen:]:
            if p != e.period:
                break
            this[name] = v
        found += flag_rules.decreased(this, before)
        found += flag_rules.completed_early(
            report.status,
            e.period_end,
            [
                (text, due, (inputs.achieved.get(ms_id) or date.max) <= e.period)
                for ms_id, due, text in inputs.milestones
            ],
        )
        flag = flag_rules.on_track_lagging(report.status, computed)
        found += [flag] if flag else []
        if report.source == "web" and report.submitted_at is not None:
            flag = flag_rules.late(
                timezone.localtime(report.submitted_at).date(), periods.deadline(e.period)
            )
            found += [flag] if flag else []
        for f in found:
            out[(report.pk, f.kind, f.subject[:500])] = dict(f.params)
    return out


def save_flags(
    subitem_ids: Iterable[int],
    flags: dict[tuple[int, str, str], dict],
    *,
    plan_ids: list[int] | None = None,
) -> None:
    """Bring the flags of these sub-items' reports in step: remove those whose cause is gone,
    add the new ones, update the details of the others (keeping their dismissal). `plan_ids`:
    the sub-items are every one of these plans (selected by plan, not by a list of ids)."""
    where = (
        {"report__subitem_id__in": list(subitem_ids)}
        if plan_ids is None
        else {"report__subitem__project__plan_id__in": plan_ids}
    )
    existing = {
        (report_id, kind, subject): (pk, params)
        for pk, report_id, kind, subject, params in ReportFlag.objects.filter(**where)
        .order_by()  # the model's ordering (by report) joins up to the plans for nothing
        .values_list("pk", "report_id", "kind", "subject", "params")
    }
    gone = [pk for key, (pk, _p) in existing.items() if key not in flags]
    if gone:
        ReportFlag.objects.filter(pk__in=gone).delete()
    ReportFlag.objects.bulk_create(
        [
            ReportFlag(report_id=r, kind=k, subject=s, params=p)
            for (r, k, s), p in flags.items()
            if (r, k, s) not in existing
        ]
    )
    changed = [
        ReportFlag(pk=existing[key][0], params=params)
        for key, params in flags.items()
        if key in existing and existing[key][1] != params
    ]
    if changed:
        ReportFlag.objects.bulk_update(changed, ["params"])
