"""What is sent, end to end: the 催报 command through a unit's robots, a returned report with
its comment, and the period summary to the jurisdiction's group."""

from __future__ import annotations

import datetime
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from factories import make_plan, make_project, make_report, make_subitem, make_unit, make_user

from progress.channels import services
from progress.channels.models import ChannelMessage
from progress.models import ProgressReport, Reminder, Status
from progress.statuses import refresh_statuses
from projects import roles

pytestmark = pytest.mark.django_db
PERIOD = datetime.date(2024, 3, 1)


@pytest.fixture
def world(jurisdiction, unit, other_unit):
    """西青区 2024-03: 区教育局 (`unit`) owes two reports, 区民政局 (`other_unit`) owes one and
    reported one, a lagging one."""
    plan = make_plan(jurisdiction, title="2024年民生实事项目清单", year=2024)
    project = make_project(plan, number="3", name="新建10处养老服务设施")
    owed = [
        make_subitem(project, name="新建社区食堂5处", lead_unit=unit),
        make_subitem(project, name="改造养老院2所", lead_unit=unit),
    ]
    theirs = make_subitem(project, name="民政未报", lead_unit=other_unit)
    make_report(
        make_subitem(project, name="民政已报", lead_unit=other_unit),
        PERIOD,
        status=Status.LAGGING,
        state=ProgressReport.State.APPROVED,
    )
    refresh_statuses()
    make_user(
        "mz", roles.REPORTER, jurisdiction=jurisdiction, unit=other_unit, email="mz@example.cn"
    )
    return {"owed": owed, "theirs": theirs}


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run what waits for the commit (the channels' task), as a real request's commit would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def test_reminders_go_through_the_units_robots(world, unit, robot, mailoutbox, committed):
    services.channel_create(user=None, unit=unit, kind="wecom", webhook=robot.wecom("jy"))
    services.channel_create(user=None, unit=unit, kind="dingtalk", webhook=robot.dingtalk("jy"))
    out = StringIO()

    with committed():
        call_command("send_reminders", "--period", "2024-03", stdout=out, stderr=StringIO())

    wecom, dingtalk = sorted(robot.seen("jy"), key=lambda r: r.path)
    content = wecom.body["markdown"]["content"]
    assert content.startswith("**催报：区教育局 2024-03 尚有 2 项未报送**\n")
    assert "截止 **2024-04-05**" in content
    assert "- 3（1）新建社区食堂5处" in content and "- 3（2）改造养老院2所" in content
    assert "民政" not in content  # never another unit's items
    assert "(https://shishi.example.cn/progress/)" in content
    assert dingtalk.body["markdown"]["title"] == "催报：区教育局 2024-03 尚有 2 项未报送"
    records = ChannelMessage.objects.filter(kind="reminder")
    assert {tuple(r.item_ids) for r in records} == {tuple(sorted(i.pk for i in world["owed"]))}
    # a unit without channels is still e-mailed, as before
    [mail] = mailoutbox
    assert mail.to == ["mz@example.cn"] and "民政未报" in mail.body
    assert "sent through" in out.getvalue()


def test_a_failing_robot_does_not_stop_the_others(world, unit, robot, mailoutbox, committed):
    services.channel_create(user=None, unit=unit, kind="wecom", webhook=robot.wecom("err93000"))
    services.channel_create(user=None, unit=unit, kind="wecom", webhook=robot.wecom("jy"))
    with committed():
        call_command("send_reminders", "--period", "2024-03", stdout=StringIO(), stderr=StringIO())
    assert len(robot.seen("jy")) == 1
    assert len(mailoutbox) == 1  # the e-mail of the other unit went too
    failed = ChannelMessage.objects.get(outcome="failed")
    assert failed.errcode == 93000 and failed.channel.health == "failing"


def test_the_reminder_is_recorded_and_not_repeated_within_a_day(world, unit, robot, committed):
    services.channel_create(user=None, unit=unit, kind="wecom", webhook=robot.wecom("jy"))
    with committed():
        call_command("send_reminders", "--period", "2024-03", stdout=StringIO())
    out = StringIO()
    with committed():
        call_command("send_reminders", "--period", "2024-03", stdout=out)
    assert len(robot.seen("jy")) == 1
    assert "already reminded" in out.getvalue()
    reminder = Reminder.objects.get(unit=unit)
    assert reminder.channel == Reminder.Channel.CHANNELS
    assert reminder.recipients == "企业微信群机器人" and reminder.item_count == 2
    with committed():
        call_command("send_reminders", "--period", "2024-03", "--force", stdout=StringIO())
    assert len(robot.seen("jy")) == 2


def test_the_reminder_button_goes_through_the_robots(
    world, unit, supervisor, client_as, robot, committed
):
    services.channel_create(user=None, unit=unit, kind="dingtalk", webhook=robot.dingtalk("jy"))
    with committed():
        response = client_as(supervisor).post(reverse("reminders:send"), {"period": "2024-03"})
    assert response.status_code == 302
    [seen] = robot.seen("jy")
    assert "新建社区食堂5处" in seen.body["markdown"]["text"]
    assert Reminder.objects.get(unit=unit).sent_by == supervisor


def test_a_dry_run_sends_nothing(world, unit, robot):
    services.channel_create(user=None, unit=unit, kind="wecom", webhook=robot.wecom("jy"))
    out = StringIO()
    call_command("send_reminders", "--period", "2024-03", "--dry-run", stdout=out)
    assert robot.requests == [] and not ChannelMessage.objects.exists()
    assert "would send through" in out.getvalue()


def test_a_returned_report_is_told_to_the_unit_with_its_comment(
    world, unit, supervisor, client_as, robot, django_capture_on_commit_callbacks
):
    services.channel_create(user=None, unit=unit, kind="wecom", webhook=robot.wecom("jy"))
    report = make_report(world["owed"][0], PERIOD)
    with django_capture_on_commit_callbacks(execute=True):
        response = client_as(supervisor).post(
            reverse("review:report", args=[report.pk]),
            {
                "action": "return",
                "comment": "完成数与台账不符，请核实。联系人 13812345678",
                "version": report.version,
            },
        )
    assert response.status_code == 302
    [seen] = robot.seen("jy")
    content = seen.body["markdown"]["content"]
    assert content.startswith("**报告被退回：新建社区食堂5处，2024-03**")
    assert "退回意见：完成数与台账不符，请核实。" in content
    assert "13812345678" not in content
    assert f"/progress/items/{world['owed'][0].pk}/2024-03/" in content
    [record] = ChannelMessage.objects.all()
    assert record.kind == "returned" and record.item_ids == [world["owed"][0].pk]


def test_an_approval_sends_nothing(
    world, unit, supervisor, client_as, robot, django_capture_on_commit_callbacks
):
    services.channel_create(user=None, unit=unit, kind="wecom", webhook=robot.wecom("jy"))
    report = make_report(world["owed"][0], PERIOD)
    with django_capture_on_commit_callbacks(execute=True):
        client_as(supervisor).post(
            reverse("review:report", args=[report.pk]),
            {"action": "approve", "version": report.version},
        )
    assert robot.requests == []


def test_the_period_summary_goes_to_the_jurisdictions_group(world, jurisdiction, unit, robot):
    services.channel_create(
        user=None, jurisdiction=jurisdiction, kind="dingtalk", webhook=robot.dingtalk("xq")
    )
    services.channel_create(user=None, unit=unit, kind="wecom", webhook=robot.wecom("jy"))
    out = StringIO()

    call_command("send_period_summary", "--period", "2024-03", stdout=out)

    assert robot.seen("jy") == []  # units' groups get their own reminders, not the summary
    [seen] = robot.seen("xq")
    text = seen.body["markdown"]["text"]
    assert seen.body["markdown"]["title"] == "西青区 2024-03 进度汇总"
    assert "共 4 项" in text
    assert "- 已报送：**1**" in text
    assert "- 未报送：**3**" in text
    assert "- 滞后：**1**" in text
    assert "未报送单位：区教育局 2、区民政局 1" in text
    assert f"/dashboard/?jurisdiction={jurisdiction.pk}&period=2024-03" in text
    assert ChannelMessage.objects.get().kind == "summary"


def test_no_summary_before_the_deadline(jurisdiction, robot):
    services.channel_create(
        user=None, jurisdiction=jurisdiction, kind="dingtalk", webhook=robot.dingtalk("xq")
    )
    future = datetime.date.today().replace(day=1) + datetime.timedelta(days=40)
    with pytest.raises(CommandError, match="has not passed"):
        call_command("send_period_summary", "--period", f"{future:%Y-%m}", stdout=StringIO())
    assert robot.requests == []


def test_another_jurisdiction_never_gets_the_summary(
    world, jurisdiction, other_jurisdiction, robot
):
    services.channel_create(
        user=None, jurisdiction=other_jurisdiction, kind="wecom", webhook=robot.wecom("bl")
    )
    make_unit(other_jurisdiction)
    call_command("send_period_summary", "--period", "2024-03", stdout=StringIO())
    text = robot.seen("bl")[0].body["markdown"]["content"]
    assert "北仑区" in text and "区教育局" not in text and "共 0 项" in text
