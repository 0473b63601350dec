"""Stored statuses follow the imports and the reports (progress.statuses.refresh_statuses)."""

import io
from collections import Counter
from datetime import date

import pytest
from django.core.management import call_command
from factories import SAMPLES

from progress.models import ItemStatus, ProgressReport
from progress.statuses import refresh_statuses
from projects.models import SubItem


def _import(name, *args):
    call_command("import_tasklist", str(SAMPLES / name), *args, stdout=io.StringIO())


@pytest.mark.django_db
def test_beilun_statuses_are_stored_for_its_period():
    _import("beilun-2024-10-progress.xlsx", "--jurisdiction", "北仑区")
    rows = ItemStatus.objects.filter(period=date(2024, 10, 1))
    assert rows.count() == SubItem.objects.count() == 35
    assert Counter(rows.values_list("reported_status", flat=True)) == {
        "on_track": 18,
        "completed": 15,
        "lagging": 1,
        "ahead": 1,
    }
    # one row per sub-item and month of the plan's year
    assert ItemStatus.objects.count() == 35 * 12
    assert not ItemStatus.objects.filter(period=date(2024, 9, 1), has_report=True).exists()


@pytest.mark.django_db
def test_minxin_plan_overdue_milestones_make_items_lagging_later_in_the_year():
    _import("xiqing-2023-minxin-plan.xlsx")
    jan = ItemStatus.objects.filter(period=date(2023, 1, 1))
    jul = ItemStatus.objects.filter(period=date(2023, 7, 1))
    assert not jan.filter(computed_status="lagging").exists()  # nothing due yet
    # by July every sub-item with a Q1 or Q2 milestone and no report is overdue
    assert jul.filter(computed_status="lagging").count() == 39
    assert not jul.filter(has_report=True).exists()


@pytest.mark.django_db
def test_refresh_is_idempotent_and_follows_a_changed_report():
    _import("beilun-2024-10-progress.xlsx", "--jurisdiction", "北仑区")
    fields = (
        "subitem_id",
        "period",
        "has_report",
        "reported_status",
        "computed_status",
        "mismatch",
    )
    before = list(ItemStatus.objects.order_by("subitem_id", "period").values_list(*fields))
    refresh_statuses()
    assert list(ItemStatus.objects.order_by("subitem_id", "period").values_list(*fields)) == before
    report = ProgressReport.objects.filter(status="on_track").first()
    report.status = "lagging"
    report.save()
    refresh_statuses(subitem_ids=[report.subitem_id])
    row = ItemStatus.objects.get(subitem_id=report.subitem_id, period=report.period)
    assert row.reported_status == "lagging"


@pytest.mark.django_db
def test_a_quarterly_ledger_makes_a_quarterly_plan_with_quarterly_statuses():
    from projects.models import Plan

    _import("shanting-2024-q1-ledger.docx", "--jurisdiction", "山亭区")
    plan = Plan.objects.get()
    assert plan.reporting_cycle == Plan.Cycle.QUARTERLY
    assert sorted({p.month for p in ItemStatus.objects.values_list("period", flat=True)}) == [
        3,
        6,
        9,
        12,
    ]
    assert ItemStatus.objects.filter(period=date(2024, 3, 1), has_report=True).count() == 25


@pytest.mark.django_db
def test_status_rows_follow_deletes_without_database_constraints():
    """ItemStatus's references have no database constraint (progress.models): Django's
    collector deletes the rows of a deleted sub-item and plan and clears a deleted unit."""
    from factories import make_plan, make_project, make_subitem, make_unit

    plan = make_plan(year=2024)
    project = make_project(plan)
    unit = make_unit(plan.jurisdiction)
    kept = make_subitem(project, lead_unit=unit)
    gone = make_subitem(project)
    refresh_statuses(plan_ids=[plan.pk])
    assert ItemStatus.objects.count() == 24
    gone.delete()
    assert set(ItemStatus.objects.values_list("subitem_id", flat=True)) == {kept.pk}
    kept.lead_unit = None
    kept.save()
    unit.delete()
    assert not ItemStatus.objects.exclude(lead_unit=None).exists()
    plan.delete()
    assert not ItemStatus.objects.exists()


@pytest.mark.django_db
def test_the_database_refuses_a_status_period_that_is_not_a_first_day():
    """item_status_period_first_day is checked in SQL (progress.models.DayOfMonth), also on
    SQLite where Django's period__day would be a Python function per row."""
    from django.core.exceptions import ValidationError
    from django.db import IntegrityError, transaction
    from factories import make_plan, make_project, make_subitem

    plan = make_plan(year=2024)
    sub = make_subitem(make_project(plan))
    refresh_statuses(plan_ids=[plan.pk])
    row = ItemStatus.objects.get(subitem=sub, period=date(2024, 3, 1))
    row.validate_constraints()  # Django's own check of the constraint accepts a first day
    for day in (2, 10, 31):
        with pytest.raises(IntegrityError), transaction.atomic():
            ItemStatus.objects.filter(pk=row.pk).update(period=date(2024, 1, day))
        with pytest.raises(ValidationError):
            ItemStatus(**{**_fields(row), "period": date(2024, 1, day)}).validate_constraints()
    ItemStatus.objects.filter(pk=row.pk).update(period=date(2025, 12, 1))  # another first day
    assert ItemStatus.objects.get(pk=row.pk).period == date(2025, 12, 1)


def _fields(row: ItemStatus) -> dict:
    return {f.attname: getattr(row, f.attname) for f in ItemStatus._meta.concrete_fields[1:]}
