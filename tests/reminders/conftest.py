"""The world of the reminder tests: 西青区 2024-03 with units that owe reports and some that don't."""

from __future__ import annotations

import datetime

import pytest
from factories import make_plan, make_project, make_report, make_subitem, make_unit, make_user

from progress.models import ProgressReport, Status
from progress.statuses import refresh_statuses
from projects import roles

PERIOD = datetime.date(2024, 3, 1)


@pytest.fixture
def world(jurisdiction, other_jurisdiction):
    """西青区 2024-03: 区教育局 owes two reports, 区民政局 reported everything, 区人社局 owes one
    but has no reporter; 北仑区 教育局 owes one."""
    education = make_unit(jurisdiction, "区教育局")
    welfare = make_unit(jurisdiction, "区民政局")
    labour = make_unit(jurisdiction, "区人社局")
    beilun = make_unit(other_jurisdiction, "教育局")
    plan = make_plan(jurisdiction, title="2024年民生实事项目清单", year=2024)
    project = make_project(plan, number="3", name="新建10处养老服务设施")
    draft = make_subitem(project, name="新建社区食堂5处", lead_unit=education)
    make_report(draft, PERIOD, state=ProgressReport.State.DRAFT)
    make_subitem(project, name="改造养老院2所", lead_unit=education)
    done = make_subitem(project, name="已办结的子项", lead_unit=education)
    make_report(done, datetime.date(2024, 2, 1), status=Status.COMPLETED)
    make_report(make_subitem(project, name="民政已报", lead_unit=welfare), PERIOD)
    make_report(
        make_subitem(project, name="民政已审", lead_unit=welfare),
        PERIOD,
        state=ProgressReport.State.APPROVED,
    )
    make_subitem(project, name="人社未报", lead_unit=labour)
    make_subitem(make_project(make_plan(other_jurisdiction, year=2024)), lead_unit=beilun)
    refresh_statuses()  # as the import or the admin does for new items

    def reporter(name, unit, **fields):
        return make_user(name, roles.REPORTER, jurisdiction=unit.jurisdiction, unit=unit, **fields)

    reporter("jy1", education, email="jy1@example.cn")
    reporter("jy2", education, email="jy2@example.cn")
    reporter("jy_gone", education, email="gone@example.cn", is_active=False)
    reporter("jy_nomail", education)
    make_user("sup", roles.SUPERVISOR, jurisdiction=jurisdiction, email="sup@example.cn")
    reporter("mz", welfare, email="mz@example.cn")
    reporter("bl", beilun, email="bl@example.cn")
