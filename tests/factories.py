"""Plain functions that create complete rows for tests: no factory library, no mocks.

Every argument is optional: a function creates what it needs (a sub-item without a project
gets a new project, plan and jurisdiction) and gives names that are unique within the test
run, so two calls never clash on a unique constraint. Pass the objects you care about:

    plan = make_plan(jurisdiction=jurisdiction, year=2024)
    subitem = make_subitem(make_project(plan), lead_unit=unit, co_units=[other_unit])
    make_quarterly_milestones(subitem)
    make_indicator(subitem, targets=[4600, 11000, 16000, 23000])
    make_report(subitem, period=date(2024, 3, 1), status=Status.ON_TRACK)

Users: make_user(username, role, ...) (the role fixtures of tests/conftest.py use it: admin_user,
supervisor, reporter, ...). Log test clients in with `client.force_login(user)` (or the
fixtures client_as and en_client): django-axes needs the request, which `client.login()` does
not pass.
"""

import calendar
import datetime
import itertools
from collections.abc import Iterable, Sequence
from decimal import Decimal
from pathlib import Path

from django.contrib.auth.models import Group

from importers.models import ImportBatch
from importers.services import run_import
from progress.models import IndicatorValue, ProgressReport, Status
from progress.statuses import refresh_statuses
from projects.models import (
    Category,
    CoUnit,
    Indicator,
    IndicatorTarget,
    Jurisdiction,
    Leader,
    Milestone,
    Person,
    Plan,
    Project,
    SubItem,
    Unit,
    User,
)

SAMPLES = Path(__file__).resolve().parent.parent / "fixtures" / "samples"  # docs/samples.md
BEILUN = "beilun-2024-10-progress.xlsx"  # 北仑区's monthly progress table, 2024-10
MINXIN = "xiqing-2023-minxin-plan.xlsx"  # 西青区's 民心工程 plan, 2023
WORK_TASKS = "xiqing-2023-work-report-tasks.docx"  # 西青区's key tasks, 2023
SHANTING = "shanting-2024-q1-ledger.docx"  # 山亭区's quarterly ledger, 2024-03
QINGDAO = "qingdao-2023-city-plan.xlsx"  # 青岛市's plan, 2023
PASSWORD = "test-pass-1234"
_sequence = itertools.count(1)
NEW = object()  # "create one" where None means "none"


def _next() -> int:
    return next(_sequence)


def quarter_ends(year: int) -> list[datetime.date]:
    """03-31, 06-30, 09-30 and 12-31 of the year: the due dates of 第一季度…第四季度."""
    return [
        datetime.date(year, month, calendar.monthrange(year, month)[1]) for month in (3, 6, 9, 12)
    ]


# --- Who -----------------------------------------------------------------------------------

# The personas of an access matrix, as fixture names (tests/conftest.py); None is anonymous.
ROLES = (
    "admin_user",
    "supervisor",
    "other_supervisor",  # of another jurisdiction
    "reporter",  # of the lead unit
    "co_reporter",  # of a co-operating unit
    "other_reporter",  # of an unrelated unit
    None,
)


def access_matrix(expected: dict[str, Sequence[int]]) -> list[tuple[str, str | None, int]]:
    """{view: (one status code per persona of ROLES)} as (view, persona, code) parameters."""
    return [
        (view, role, code)
        for view, codes in expected.items()
        for role, code in zip(ROLES, codes, strict=True)
    ]


def make_user(username: str, role: str, **fields) -> User:
    """A user in one of the three groups (projects.roles), with the password PASSWORD."""
    user = User.objects.create_user(username=username, password=PASSWORD, **fields)
    # get_or_create: transactional tests flush the groups that the migration created.
    user.groups.add(Group.objects.get_or_create(name=role)[0])
    return user


def make_jurisdiction(name: str | None = None, **fields) -> Jurisdiction:
    return Jurisdiction.objects.create(name=name or f"测试{_next()}区", **fields)


def make_unit(jurisdiction: Jurisdiction | None = None, name: str | None = None) -> Unit:
    return Unit.objects.create(
        jurisdiction=jurisdiction or make_jurisdiction(), name=name or f"区测试{_next()}局"
    )


def make_person(unit: Unit | None = None, name: str | None = None) -> Person:
    return Person.objects.create(unit=unit or make_unit(), name=name or f"张{_next()}")


def make_leader(jurisdiction: Jurisdiction | None = None, name: str | None = None) -> Leader:
    return Leader.objects.create(
        jurisdiction=jurisdiction or make_jurisdiction(), name=name or f"李{_next()}"
    )


# --- What ----------------------------------------------------------------------------------


def make_plan(
    jurisdiction: Jurisdiction | None = None,
    *,
    title: str | None = None,
    year: int = 2024,
    kind: str = Plan.Kind.LIVELIHOOD,
    **fields,
) -> Plan:
    return Plan.objects.create(
        jurisdiction=jurisdiction or make_jurisdiction(),
        title=title or f"{year}年民生实事项目清单 {_next()}",
        year=year,
        kind=kind,
        **fields,
    )


def make_category(plan: Plan | None = None, name: str | None = None, order: int = 0) -> Category:
    return Category.objects.create(
        plan=plan or make_plan(), name=name or f"增加教育资源配置 {_next()}", order=order
    )


def make_project(
    plan: Plan | None = None,
    *,
    number: str | None = None,
    name: str | None = None,
    category: Category | None = None,
    leaders: Iterable[Leader] = (),
    **fields,
) -> Project:
    plan = plan or (category.plan if category else make_plan())
    n = _next()
    project = Project.objects.create(
        plan=plan,
        category=category,
        number=number or str(n),
        name=name or f"新建养老服务设施 {n}",
        order=fields.pop("order", n),
        **fields,
    )
    if leaders:
        project.leaders.set(leaders)
    return project


def make_subitem(
    project: Project | None = None,
    *,
    number: int | None = None,
    name: str | None = None,
    lead_unit: Unit | object | None = NEW,
    co_units: Sequence[Unit] = (),
    persons: Iterable[Person] = (),
    leaders: Iterable[Leader] = (),
    **fields,
) -> SubItem:
    """A sub-item with a lead unit: a new unit of the plan's jurisdiction unless given
    (lead_unit=None makes a sub-item without one)."""
    project = project or make_project()
    if number is None:
        number = project.subitems.count() + 1
    subitem = SubItem.objects.create(
        project=project,
        number=number,
        name=name or f"子项 {_next()}",
        lead_unit=make_unit(project.plan.jurisdiction) if lead_unit is NEW else lead_unit,
        **fields,
    )
    for order, unit in enumerate(co_units):
        CoUnit.objects.create(subitem=subitem, unit=unit, order=order)
    if persons:
        subitem.persons.set(persons)
    if leaders:
        subitem.leaders.set(leaders)
    return subitem


def make_milestone(
    subitem: SubItem,
    due: datetime.date,
    text: str | None = None,
    order: int | None = None,
) -> Milestone:
    if order is None:
        order = subitem.milestones.count()
    return Milestone.objects.create(
        subitem=subitem, due=due, text=text or f"完成 {due:%m}月 计划", order=order
    )


def make_quarterly_milestones(subitem: SubItem) -> list[Milestone]:
    """One milestone at the end of every quarter of the plan's year."""
    year = subitem.project.plan.year
    return [
        make_milestone(subitem, due, f"第{i}季度计划", order=i)
        for i, due in enumerate(quarter_ends(year), start=1)
    ]


def make_indicator(
    subitem: SubItem,
    name: str = "新增就业",
    unit: str = "人",
    targets: Sequence[int | str | Decimal] = (),
    dues: Sequence[datetime.date] | None = None,
) -> Indicator:
    """An indicator; `targets` are due at the quarter ends of the plan's year unless `dues`."""
    indicator = Indicator.objects.create(subitem=subitem, name=name, unit=unit)
    dues = dues or quarter_ends(subitem.project.plan.year)
    for due, value in zip(dues, targets, strict=False):
        IndicatorTarget.objects.create(indicator=indicator, due=due, value=Decimal(value))
    return indicator


# --- Reports and imports -------------------------------------------------------------------


def import_sample(name: str, jurisdiction: str | None = None) -> Plan:
    """One of the five samples, imported through the real import service (it refreshes the
    stored statuses as every import does)."""
    outcome = run_import(
        data=(SAMPLES / name).read_bytes(), filename=name, jurisdiction=jurisdiction
    )
    assert outcome.applied, outcome.document["errors"]
    return Plan.objects.select_related("jurisdiction").get(pk=outcome.plan_id)


def make_report(
    subitem: SubItem,
    period: datetime.date | None = None,
    *,
    status: str = Status.ON_TRACK,
    state: str = ProgressReport.State.SUBMITTED,
    completion: str = "按计划推进。",
    explanation: str = "",
    values: dict[Indicator, int | str | Decimal] | None = None,
    milestones_achieved: Iterable[Milestone] = (),
    refresh: bool = True,
    **fields,
) -> ProgressReport:
    """A report for one month (`period` is moved to the first day of its month), and the
    sub-item's stored statuses refreshed, as every write of the application does
    (refresh=False to leave them, e.g. when the test refreshes a whole plan after).

    Ahead or lagging reports get an explanation unless one is given (the model requires it
    once a report is submitted).
    """
    period = (period or datetime.date(subitem.project.plan.year, 3, 1)).replace(day=1)
    if status in {Status.AHEAD, Status.LAGGING} and not explanation:
        explanation = "原因及下步措施。"
    report = ProgressReport.objects.create(
        subitem=subitem,
        period=period,
        status=status,
        state=state,
        completion=completion,
        explanation=explanation,
        **fields,
    )
    for indicator, value in (values or {}).items():
        IndicatorValue.objects.create(report=report, indicator=indicator, value=Decimal(value))
    if milestones_achieved:
        report.milestones_achieved.set(milestones_achieved)
    if refresh:
        refresh_statuses(subitem_ids=[subitem.pk])
    return report


def make_import_batch(plan: Plan | None = None, **fields) -> ImportBatch:
    """A batch as the upload page leaves it after a successful import (without a file)."""
    plan = plan or make_plan()
    defaults = {
        "original_name": f"清单{_next()}.xlsx",
        "jurisdiction_name": plan.jurisdiction.name,
        "year": plan.year,
        "state": ImportBatch.State.APPLIED,
        "plan": plan,
        "jurisdiction": plan.jurisdiction,
    }
    return ImportBatch.objects.create(**{**defaults, **fields})


def make_complete_subitem(plan: Plan | None = None, *, report: bool = True) -> SubItem:
    """Everything a sub-item can have: a category, a project with a leader, a lead unit, a
    co-unit, a responsible person, quarterly milestones, an indicator with targets, and
    (unless report=False) a March report with an indicator value and one milestone achieved."""
    plan = plan or make_plan()
    jurisdiction = plan.jurisdiction
    leader = make_leader(jurisdiction)
    project = make_project(plan, category=make_category(plan), leaders=[leader])
    lead_unit = make_unit(jurisdiction)
    subitem = make_subitem(
        project,
        lead_unit=lead_unit,
        co_units=[make_unit(jurisdiction)],
        persons=[make_person(lead_unit)],
        leaders=[leader],
    )
    milestones = make_quarterly_milestones(subitem)
    indicator = make_indicator(subitem, targets=[4600, 11000, 16000, 23000])
    if report:
        make_report(
            subitem,
            datetime.date(plan.year, 3, 1),
            values={indicator: 4700},
            milestones_achieved=milestones[:1],
        )
    return subitem
