"""The import service's write path (importers/bulk.py, importers/services.py): rows written in
plain SQL carry the same values and creation history as the ORM would give them, an unchanged
re-import writes nothing (not even the stored statuses), and the statuses of unreported
sub-items equal what the rules give one by one.

Through the real service and database, with a small plan in the shape of the 西青区 list.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from importers.cells import clear_memos
from importers.services import run_import
from progress.models import ItemStatus
from progress.statuses.stored import evaluate, load_rule_inputs
from projects.models import (
    Category,
    CoUnit,
    Indicator,
    IndicatorTarget,
    Leader,
    Milestone,
    Person,
    Plan,
    Project,
    SubItem,
    Unit,
)

pytestmark = pytest.mark.django_db

TITLE = "西青区2024年民心工程清单"
HEADER = ["序号", "项目名称", "牵头单位", "责任人", "配合单位", "分管区领导"]
QUARTERS = ["第一季度", "第二季度", "第三季度", "第四季度"]
SEATS = [f"累计新增学位{n}个" for n in (500, 1000, 1500, 2000)]
ROWS = [
    ["1", "新建养老服务设施", "区民政局", "王芳", "区卫健委", "柴树芳", "完成选址", "开工建设", "主体完工", "建成投用"],
    ["2", "新增中小学学位", "区教育局", "李强", "区民政局、区住建委", "梁军", *SEATS],
    ["3", "新建口袋公园", "区城管委", "张磊", "", "柴树芳", "完成设计", "——", "完工", "——"],
]  # fmt: skip


def plan_csv(rows=ROWS) -> bytes:
    lines = [[TITLE], [*HEADER, *QUARTERS], *rows]
    return "\n".join(",".join(r) for r in lines).encode()


def imported(data: bytes, user=None):
    clear_memos()
    outcome = run_import(data=data, filename="清单.csv", user=user, confirm_large=True)
    assert outcome.ok and outcome.applied, outcome.document["errors"]
    return outcome


def test_rows_and_their_creation_history_are_written_as_the_orm_would(admin_user):
    outcome = imported(plan_csv(), user=admin_user)
    assert outcome.changes["subitems"]["created"] == 3
    plan = Plan.objects.get(title=TITLE)
    subs = {s.name: s for s in SubItem.objects.filter(project__plan=plan)}
    pension = subs["新建养老服务设施"]
    assert pension.project.number == "1" and pension.number == 1
    assert pension.lead_unit.name == "区民政局"
    links = CoUnit.objects.filter(subitem=subs["新增中小学学位"]).order_by("order")
    assert list(links.values_list("unit__name", "order")) == [("区民政局", 0), ("区住建委", 1)]
    assert list(pension.persons.values_list("name", flat=True)) == ["王芳"]
    assert list(pension.leaders.values_list("name", flat=True)) == ["柴树芳"]
    # milestones: dates and texts, in order; "——" is no milestone
    park = subs["新建口袋公园"]
    assert list(park.milestones.order_by("order").values_list("due", "text", "order")) == [
        (date(2024, 3, 31), "完成设计", 1),
        (date(2024, 9, 30), "完工", 2),
    ]
    # the indicator and its cumulative targets (decimals)
    [seats] = Indicator.objects.filter(subitem=subs["新增中小学学位"])
    assert list(seats.targets.order_by("due").values_list("due", "value")) == [
        (date(2024, 3, 31), Decimal(500)),
        (date(2024, 6, 30), Decimal(1000)),
        (date(2024, 9, 30), Decimal(1500)),
        (date(2024, 12, 31), Decimal(2000)),
    ]
    # the creation history of what the import created: one "+" row each, by the importing
    # user, with the row's own values
    for model in (Category, Project, SubItem, Unit, Person, Leader):
        for obj in model.objects.all():
            [h] = obj.history.all()
            assert h.history_type == "+" and h.history_user == admin_user, model
    [h] = pension.history.all()
    assert (h.id, h.name, h.number, h.lead_unit_id, h.project_id, h.withdrawn_at) == (
        pension.pk,
        pension.name,
        1,
        pension.lead_unit_id,
        pension.project_id,
        None,
    )
    # rows derived from the plan text keep no per-row history (the import batch is the record)
    assert not Milestone.history.exists() and not IndicatorTarget.history.exists()


def test_an_unchanged_reimport_writes_nothing_not_even_the_statuses():
    imported(plan_csv())
    rows_before = set(
        ItemStatus.objects.values_list("pk", "subitem_id", "period", "computed_status")
    )
    assert len(rows_before) == 3 * 12
    history_before = SubItem.history.count() + Project.history.count()

    again = imported(plan_csv())
    written = {k: v for k, v in again.changes.items() if v["created"] or v["updated"]}
    assert written == {}
    # the very same stored rows (same ids): not deleted and inserted again
    assert (
        set(ItemStatus.objects.values_list("pk", "subitem_id", "period", "computed_status"))
        == rows_before
    )
    assert SubItem.history.count() + Project.history.count() == history_before


def test_a_changed_reimport_refreshes_the_statuses():
    imported(plan_csv())
    park = SubItem.objects.get(name="新建口袋公园")
    april = ItemStatus.objects.get(subitem=park, period=date(2024, 4, 1))
    assert april.computed_status == "lagging"  # 完成设计 was due at the end of March
    edited = [row[:] for row in ROWS]
    edited[2][6:8] = ["——", "完成设计"]  # the design moves to the second quarter: its
    # milestone (matched by its text) is due in June, nothing is overdue in April
    again = imported(plan_csv(edited))
    assert again.changes["milestones"]["updated"] == 1
    april = ItemStatus.objects.get(subitem=park, period=date(2024, 4, 1))
    assert april.computed_status == ""


def test_stored_statuses_of_unreported_items_equal_the_rules_one_by_one():
    imported(plan_csv())
    plan = Plan.objects.get(title=TITLE)
    subs = list(SubItem.objects.filter(project__plan=plan))
    inputs = load_rule_inputs(s.pk for s in subs)
    stored = {(r.subitem_id, r.period): r for r in ItemStatus.objects.filter(subitem__in=subs)}
    computed = set()
    for sub in subs:
        for period in plan.reporting_periods():
            result = evaluate(inputs[sub.pk], period, quarterly=plan.is_quarterly)
            row = stored[(sub.pk, period)]
            assert row.computed_status == (result.computed.status or "")
            assert (row.has_report, row.awaiting_review, row.reported_status, row.mismatch) == (
                False,
                False,
                "",
                False,
            )
            computed.add(row.computed_status)
    assert "lagging" in computed and "" in computed  # both kinds of rows were checked


def test_an_unchanged_reimport_reads_the_stored_plan_in_fixed_queries():
    """One query per kind (jurisdiction, units, aliases, persons, leaders, plan, categories,
    projects, sub-items, the four link tables, milestones, indicators, targets), whatever the
    plan's size, and nothing written; the co-units and the sub-items' leaders are read once,
    for the preview's diff and for the sync."""
    more = [*ROWS, ["4", "新建社区食堂", "区民政局", "王芳", "区商务局", "梁军", *SEATS]]
    for rows in (ROWS, more):
        Plan.objects.all().delete()
        imported(plan_csv(rows))
        clear_memos()
        with CaptureQueriesContext(connection) as queries:
            again = run_import(data=plan_csv(rows), filename="清单.csv")
        assert again.applied and not again.changes["subitems"]["updated"]
        statements = [q["sql"].split(None, 1)[0].upper() for q in queries.captured_queries]
        statements = [s for s in statements if s not in ("BEGIN", "COMMIT", "SAVEPOINT", "RELEASE")]
        assert statements == ["SELECT"] * 16
