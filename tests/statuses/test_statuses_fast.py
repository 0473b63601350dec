"""The short way of refresh_statuses (progress.statuses.unreported, for sub-items without a
counted report) stores exactly what the straightforward evaluation stores: every period
evaluated (evaluate), its light (item_lights) and reasons (light_reasons_json), its flags.

- a pure property test: unreported.rows against evaluate + item_lights on any milestones, any
  day, any thresholds, monthly and quarterly;
- on the database (SQLite and PostgreSQL): real imports (a plan without reports, a table with
  reports, a quarterly ledger), the synthetic jurisdiction (reports in every state, drafts,
  indicators, flags) and hand-made odd cases, refreshed with fast=False and fast=True on two
  days and two sets of thresholds: the ItemStatus rows (light_reasons as stored, byte for
  byte on SQLite) and the ReportFlag rows are the same.
"""

from __future__ import annotations

import io
from datetime import date

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone
from factories import (
    import_sample,
    make_indicator,
    make_milestone,
    make_plan,
    make_project,
    make_report,
    make_subitem,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from progress import periods as periods_mod
from progress.models import ItemStatus, ProgressReport, ReportFlag
from progress.statuses import refresh_statuses, stored, unreported
from progress.statuses.stored import COLUMNS, RuleInputs, evaluate
from progress.supervision import light_rules
from progress.supervision import stored as supervision
from projects.models import Plan, SubItem

YEAR = 2024


def _reference(milestones, reporting, quarterly, today, limits):
    """The straightforward way, as refresh_statuses takes it for a sub-item with reports."""
    inputs = RuleInputs(milestones=list(milestones))
    results = [evaluate(inputs, p, quarterly=quarterly) for p in reporting]
    lights = supervision.item_lights(results, today=today, limits=limits)
    assert supervision.item_flags(inputs, results) == {}
    return [
        (r.computed.status or "", light.light, supervision.light_reasons_json(light))
        for r, light in zip(results, lights, strict=True)
    ], results


def _fast(milestones, reporting, quarterly, today, limits):
    ends = [periods_mod.period_bounds(p, quarterly=quarterly)[1] for p in reporting]
    passed = [periods_mod.deadline_passed(p, today) for p in reporting]
    return unreported.rows(milestones, unreported.plan_periods(reporting, ends, passed, limits))


texts = st.one_of(
    st.sampled_from(["完成选址", "", "完成 100% 工程量", '签订"施工合同"', "a\\b\n%s %d", "——"]),
    st.text(max_size=12),
)
dues = st.dates(min_value=date(YEAR - 1, 10, 1), max_value=date(YEAR + 1, 3, 31))


@settings(max_examples=400, deadline=None)
@given(
    milestones=st.lists(st.tuples(dues, texts), max_size=6),
    sort=st.booleans(),
    quarterly=st.booleans(),
    today=st.dates(min_value=date(YEAR, 1, 1), max_value=date(YEAR + 1, 2, 1)),
    red_run=st.integers(1, 4),
    red_days=st.integers(1, 120),
)
def test_unreported_rows_are_the_straightforward_evaluation(
    milestones, sort, quarterly, today, red_run, red_days
):
    if sort:  # load_rule_inputs gives them by date; the short way does not rely on it
        milestones = sorted(milestones)
    ms = [(i, due, text) for i, (due, text) in enumerate(milestones, start=1)]
    reporting = [date(YEAR, m, 1) for m in ((3, 6, 9, 12) if quarterly else range(1, 13))]
    limits = light_rules.Thresholds(red_run=red_run, red_overdue_days=red_days)
    expected, results = _reference(ms, reporting, quarterly, today, limits)
    assert _fast(ms, reporting, quarterly, today, limits) == expected
    assert not any(r.mismatch or r.counted or r.completed_in for r in results)


# --- on the database ------------------------------------------------------------------------


def _snapshot():
    rows = list(ItemStatus.objects.order_by("subitem_id", "period").values_list(*COLUMNS))
    flags = list(
        ReportFlag.objects.order_by("report_id", "kind", "subject").values_list(
            "pk", "report_id", "kind", "subject", "params", "dismissed_at", "dismissed_reason"
        )
    )
    raw = None
    if connection.vendor == "sqlite":  # the JSON text as stored, not only its meaning
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT light_reasons FROM progress_itemstatus ORDER BY subitem_id, period"
            )
            raw = [r[0] for r in cursor.fetchall()]
    return rows, flags, raw


def _odd_cases():
    """Sub-items the samples and the synthetic world may not have."""
    plan = make_plan(title="2024年快慢对照", year=YEAR)
    project = make_project(plan, number="1", name="对照项目")
    percent = make_subitem(project, name="百分号与引号")
    make_milestone(percent, date(YEAR, 2, 29), '完成 100% "主体" 工程\\量', order=1)
    make_milestone(percent, date(YEAR, 2, 29), "同日第二个节点", order=2)
    make_milestone(percent, date(YEAR, 11, 15), "年底前完工", order=3)
    draft_only = make_subitem(project, name="只有草稿")
    make_milestone(draft_only, date(YEAR, 4, 30), "四月节点")
    make_report(draft_only, date(YEAR, 5, 1), state=ProgressReport.State.DRAFT, refresh=False)
    returned = make_subitem(project, name="退回的报告")
    make_milestone(returned, date(YEAR, 6, 30), "六月节点")
    make_report(returned, date(YEAR, 7, 1), state=ProgressReport.State.RETURNED, refresh=False)
    indicator_only = make_subitem(project, name="只有指标")
    make_indicator(indicator_only, targets=[100, 200, 300, 400])
    nothing = make_subitem(project, name="什么都没有")
    withdrawn = make_subitem(project, name="已撤销")
    make_milestone(withdrawn, date(YEAR, 1, 31), "一月节点")
    withdrawn.withdrawn_at = timezone.now()
    withdrawn.save()
    reported = make_subitem(project, name="有报告")
    make_milestone(reported, date(YEAR, 3, 31), "三月节点")
    make_report(reported, date(YEAR, 4, 1), status="on_track", refresh=False)
    return [percent, draft_only, returned, indicator_only, nothing, reported]


@pytest.mark.django_db(transaction=False)
def test_fast_refresh_stores_what_the_straightforward_one_stores(monkeypatch, settings):
    import_sample("xiqing-2023-minxin-plan.xlsx")  # milestones, no report
    import_sample("beilun-2024-10-progress.xlsx", jurisdiction="北仑区")  # reports
    import_sample("shanting-2024-q1-ledger.docx", jurisdiction="山亭区")  # quarterly
    call_command(
        "seed_synthetic", "--subitems", "200", "--months", "7", "--year", str(YEAR),
        stdout=io.StringIO(),
    )  # fmt: skip
    odd = _odd_cases()
    plan_ids = list(Plan.objects.values_list("pk", flat=True))
    all_ids = list(SubItem.objects.values_list("pk", flat=True))

    unreported_count = (
        SubItem.objects.filter(withdrawn_at=None)
        .exclude(reports__state__in=stored.COUNTED_STATES)
        .count()
    )
    short_ways = []
    real_rows = unreported.rows
    monkeypatch.setattr(
        unreported, "rows", lambda *a, **k: short_ways.append(a[0]) or real_rows(*a, **k)
    )
    days = [timezone.localdate(), date(YEAR, 6, 3), date(YEAR, 6, 7)]
    thresholds = [(settings.LIGHT_RED_RUN, settings.LIGHT_RED_OVERDUE_DAYS), (3, 45)]
    for today in days:
        monkeypatch.setattr(stored.timezone, "localdate", lambda today=today: today)
        for red_run, red_days in thresholds:
            settings.LIGHT_RED_RUN, settings.LIGHT_RED_OVERDUE_DAYS = red_run, red_days
            # the reference: every period evaluated, sub-items asked for by id, in chunks
            monkeypatch.setattr(stored, "CHUNK", 97)
            refresh_statuses(subitem_ids=all_ids, fast=False)
            monkeypatch.setattr(stored, "CHUNK", 2000)
            slow = _snapshot()
            short_ways.clear()
            # as an import does: whole plans at once (their rows inserted by slices)
            monkeypatch.setattr(stored, "FLUSH_ROWS", 500 if red_run == 3 else 24000)
            refresh_statuses(plan_ids=plan_ids)
            fast = _snapshot()
            assert fast[0] == slow[0]
            assert fast[1] == slow[1]
            assert fast[2] == slow[2]
            # the short way was taken, for the items without a counted report only
            assert len(short_ways) == unreported_count > 40
            rows = slow[0]
            assert {r[12] for r in rows} >= {"red", "yellow", "green", ""}
            assert {r[6] for r in rows} >= {"lagging", "on_track", ""}
            assert any(r[7] for r in rows)  # mismatches
            assert slow[1]  # flags
    # the odd cases: withdrawn keeps no row, the others one per month
    kept = ItemStatus.objects.filter(subitem__in=odd)
    assert kept.count() == len(odd) * 12
    assert kept.filter(has_report=True).count() == 1
    reasons = kept.get(subitem=odd[0], period=date(YEAR, 3, 1)).light_reasons
    assert [r.get("name") for r in reasons if r["kind"] == "milestone"] == [
        '完成 100% "主体" 工程\\量',
        "同日第二个节点",
    ]


def test_a_plan_periods_missing_run_restarts_after_a_period_not_yet_due():
    limits = light_rules.Thresholds()
    plan = unreported.plan_periods(
        [date(YEAR, 1, 1), date(YEAR, 2, 1), date(YEAR, 3, 1)],
        [date(YEAR, 1, 31), date(YEAR, 2, 29), date(YEAR, 3, 31)],
        [True, True, False],
        limits,
    )
    assert plan.missing_runs == (1, 2, 0)
    assert unreported.rows([], plan) == [
        ("", "", "[]"),
        ("", "red", '[{"kind": "missing_run", "light": "red", "run": 2}]'),
        ("", "", "[]"),
    ]
