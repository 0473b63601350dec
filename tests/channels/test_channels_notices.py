"""督办 through the channels: a new notice, a reply due tomorrow, an overdue reply."""

from __future__ import annotations

import datetime
from io import StringIO

import pytest
from django.core.management import call_command
from factories import make_plan, make_project, make_subitem

from progress.channels import services
from progress.channels.models import ChannelMessage
from progress.supervision import services as supervision

pytestmark = pytest.mark.django_db
TODAY = datetime.date.today()


@pytest.fixture
def items(jurisdiction, unit, other_unit):
    project = make_project(make_plan(jurisdiction, year=2024), number="5", name="老旧小区改造")
    return {
        "ours": [
            make_subitem(project, name="改造小区12个", lead_unit=unit),
            make_subitem(project, name="加装电梯30部", lead_unit=unit),
        ],
        "theirs": make_subitem(project, name="民政的子项", lead_unit=other_unit),
    }


def issue(subitems, supervisor, due):
    return supervision.notice_create(
        subitems=subitems,
        user=supervisor,
        level="supervise",
        requirement="7月底前完成选址并报送整改措施，联系 13912345678",
        reply_due=due,
    )


def test_new_notices_reach_their_units_group_once_committed(
    items, unit, supervisor, robot, django_capture_on_commit_callbacks
):
    services.channel_create(user=None, unit=unit, kind="wecom", webhook=robot.wecom("jy"))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        notices = issue(
            [*items["ours"], items["theirs"]], supervisor, TODAY + datetime.timedelta(days=5)
        )
    assert robot.requests == []  # nothing before the commit
    for callback in callbacks:
        callback()
    [seen] = robot.seen("jy")  # one message for the unit's two notices
    content = seen.body["markdown"]["content"]
    assert content.startswith("**督办：区教育局 新收到 2 项督办**")
    assert "改造小区12个" in content and "加装电梯30部" in content
    assert "民政的子项" not in content
    assert "7月底前完成选址并报送整改措施" in content and "13912345678" not in content
    assert "/supervision/notices/" in content
    record = ChannelMessage.objects.get()
    assert record.kind == "notice_new"
    assert record.item_ids == sorted(i.pk for i in items["ours"])
    assert len(notices) == 3


def test_due_tomorrow_and_newly_overdue_replies(items, unit, supervisor, robot):
    services.channel_create(user=None, unit=unit, kind="dingtalk", webhook=robot.dingtalk("jy"))
    due = TODAY + datetime.timedelta(days=3)
    [first] = issue([items["ours"][0]], supervisor, due)
    [second] = issue([items["ours"][1]], supervisor, due + datetime.timedelta(days=1))
    out = StringIO()

    # the day before the first deadline: one due tomorrow
    call_command(
        "send_notice_reminders", "--date", f"{due - datetime.timedelta(days=1)}", stdout=out
    )
    [seen] = robot.seen("jy")
    assert seen.body["markdown"]["title"] == "督办提醒：区教育局 1 项回复明日到期"
    assert "改造小区12个" in seen.body["markdown"]["text"]

    def day(offset: int) -> list[str]:
        before = len(robot.seen("jy"))
        when = due + datetime.timedelta(days=offset)
        call_command("send_notice_reminders", "--date", f"{when}", stdout=out)
        return [r.body["markdown"]["title"] for r in robot.seen("jy")[before:]]

    assert day(0) == ["督办提醒：区教育局 1 项回复明日到期"]  # the second's deadline
    assert day(1) == ["督办逾期：区教育局 1 项回复已逾期"]  # the first, on its first day overdue
    assert day(2) == ["督办逾期：区教育局 1 项回复已逾期"]  # the second; the first not again
    assert "加装电梯30部" in robot.seen("jy")[-1].body["markdown"]["text"]
    kinds = list(ChannelMessage.objects.order_by("pk").values_list("kind", flat=True))
    assert kinds == ["notice_due", "notice_due", "notice_overdue", "notice_overdue"]
    assert first.pk and second.pk


def test_no_channel_no_message(items, supervisor, robot):
    issue(items["ours"], supervisor, TODAY + datetime.timedelta(days=1))
    call_command("send_notice_reminders", stdout=StringIO())
    assert robot.requests == [] and not ChannelMessage.objects.exists()
