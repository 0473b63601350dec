"""The supervision world: 西青区's plan of 2024, one item led by 区教育局 (区财政局 co-operating)
lagging since March (its Q1 milestone never achieved), one on track, one item of 北仑区; a
notice on the lagging item, due five days from today (a test moves time by moving the
deadline: the pages read today's date)."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone
from factories import (
    make_leader,
    make_milestone,
    make_plan,
    make_project,
    make_report,
    make_subitem,
    make_unit,
)

from progress.models import Status
from progress.statuses import refresh_statuses
from progress.supervision import services


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    """Attachments go to a temporary directory, never the checkout's media/."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def plan(jurisdiction):
    return make_plan(jurisdiction, title="2024年西青区民心工程", year=2024)


@pytest.fixture
def leader(jurisdiction):
    return make_leader(jurisdiction, "柴树芳")


@pytest.fixture
def lagging(plan, unit, co_unit, leader):
    project = make_project(plan, number="1", name="新建养老服务设施", leaders=[leader])
    subitem = make_subitem(
        project, name="新建社区养老驿站", lead_unit=unit, co_units=[co_unit], leaders=[leader]
    )
    make_milestone(subitem, datetime.date(2024, 3, 31), "完成选址")
    for month in (4, 5, 6):
        make_report(subitem, datetime.date(2024, month, 1), status=Status.LAGGING, refresh=False)
    refresh_statuses(subitem_ids=[subitem.pk])
    return subitem


@pytest.fixture
def on_track(plan, unit, leader):
    project = make_project(plan, number="2", name="改造老旧小区", leaders=[leader])
    subitem = make_subitem(project, name="改造10个小区", lead_unit=unit, leaders=[leader])
    make_milestone(subitem, datetime.date(2024, 12, 31), "全部完工")
    make_report(subitem, datetime.date(2024, 6, 1), status=Status.ON_TRACK)
    return subitem


@pytest.fixture
def elsewhere(other_jurisdiction):
    plan = make_plan(other_jurisdiction, title="2024年北仑区重点工作", year=2024)
    return make_subitem(
        make_project(plan, name="教育设施增量提质"),
        name="新建北仑中学",
        lead_unit=make_unit(other_jurisdiction, "北仑区教育局"),
    )


@pytest.fixture
def notice(lagging, supervisor):
    (made,) = services.notice_create(
        subitems=[lagging],
        user=supervisor,
        level="supervise",
        requirement="7月底前完成选址并报送整改措施",
        reply_due=timezone.localdate() + datetime.timedelta(days=5),
    )
    return made
