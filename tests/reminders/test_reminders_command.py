"""send_reminders: one message per unit with missing reports, to that unit's active reporters."""

from __future__ import annotations

import datetime
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from factories import make_plan, make_project, make_subitem, make_unit, make_user

from progress.periods import last_closed_period
from progress.statuses import refresh_statuses
from projects import roles

pytestmark = pytest.mark.django_db

PERIOD = datetime.date(2024, 3, 1)


def run(*args: str) -> str:
    out = StringIO()
    call_command("send_reminders", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_one_message_per_unit_to_its_reporters(world, mailoutbox):
    out = run("--period", "2024-03", "--jurisdiction", "西青区")

    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == ["jy1@example.cn", "jy2@example.cn"]  # active reporters with an address
    assert "区教育局" in message.subject
    assert "2" in message.subject
    assert "2024-03" in message.subject
    body = message.body
    assert "新建社区食堂5处" in body  # a draft is not a report
    assert "改造养老院2所" in body
    assert "已办结的子项" not in body  # completed in February
    assert "2024年民生实事项目清单" in body
    assert "3 (1)" in body  # 序号 of the project and the sub-item
    assert "2024-04-05" in body  # the deadline
    assert "区人社局" in out and "no active reporter" in out  # skipped, and said so
    assert "Emailed 1 unit(s): 1 message(s), 2 item(s)." in out
    assert "1 unit(s) without reporters skipped" in out


def test_units_that_reported_get_nothing(world, mailoutbox):
    run("--period", "2024-03")

    recipients = sorted(address for m in mailoutbox for address in m.to)
    assert recipients == ["bl@example.cn", "jy1@example.cn", "jy2@example.cn"]
    assert not any("区民政局" in m.subject for m in mailoutbox)
    assert len(mailoutbox) == 2  # 区教育局 and 北仑区 教育局


def test_dry_run_sends_nothing(world, mailoutbox):
    out = run("--period", "2024-03", "--dry-run")

    assert mailoutbox == []
    assert "would email jy1@example.cn, jy2@example.cn" in out
    assert "Would email 2 unit(s): 2 message(s), 3 item(s)." in out


def test_the_message_is_in_the_sites_language(world, mailoutbox, settings):
    """The command is not run in a request: the mail uses LANGUAGE_CODE, and leaves the
    active language as it was."""
    from django.utils import translation

    settings.LANGUAGE_CODE = "en"
    with translation.override("zh-hans"):
        run("--period", "2024-03", "--jurisdiction", "北仑区")
        assert translation.get_language() == "zh-hans"

    assert mailoutbox[0].subject == "教育局: 1 progress report for 2024-03 is missing"


def test_nothing_missing_sends_nothing(world, mailoutbox):
    out = run("--period", "2023-03")  # no plan of 2023

    assert mailoutbox == []
    assert "Nothing is missing" in out


def test_the_default_period_is_the_last_closed_one(jurisdiction, mailoutbox):
    period = last_closed_period()
    unit = make_unit(jurisdiction, "区教育局")
    make_subitem(make_project(make_plan(jurisdiction, year=period.year)), lead_unit=unit)
    refresh_statuses()
    make_user("jy", roles.REPORTER, jurisdiction=jurisdiction, unit=unit, email="jy@example.cn")

    out = run()

    assert f"Missing reports for {period:%Y-%m}" in out
    assert len(mailoutbox) == 1
    assert f"{period:%Y-%m}" in mailoutbox[0].subject


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (("--period", "2024/03"), "YYYY-MM"),
        (("--period", "2024-13"), "YYYY-MM"),
        (("--jurisdiction", "火星区"), "no such jurisdiction"),
    ],
)
def test_bad_options_are_clear_errors(world, args, error):
    with pytest.raises(CommandError, match=error):
        run(*args)


def test_the_demo_has_reporters_to_remind_and_a_report_to_review(samples_dir, mailoutbox):
    from progress.review.selectors import review_queue
    from projects.models import User

    call_command("load_demo", samples=str(samples_dir), stdout=StringIO())
    call_command("load_demo", samples=str(samples_dir), stdout=StringIO())  # again: no change

    supervisor = User.objects.get(username="supervisor_beilun")
    queue = list(review_queue(supervisor))
    assert [(r.subitem.lead_unit.name, f"{r.period:%Y-%m}") for r in queue] == [
        ("卫健局", "2024-11")
    ]
    assert queue[0].submitted_by.username == "beilun_weijian"
    for username, unit in [
        ("beilun_weijian", "卫健局"),
        ("beilun_zhujian", "住建局"),
        ("xiqing_minzheng", "区民政局"),
        ("xiqing_renshe", "区人社局"),
    ]:
        user = User.objects.get(username=username)
        assert (user.unit.name, user.groups.get().name) == (unit, roles.REPORTER)

    out = run("--period", "2024-11", "--jurisdiction", "北仑区")

    to = {address for m in mailoutbox for address in m.to}
    assert {"beilun_weijian@example.com", "beilun_zhujian@example.com"} <= to
    assert "no active reporter" in out  # most imported units have no account


def test_a_unit_is_not_reminded_twice_within_a_day_unless_forced(world, mailoutbox):
    run("--period", "2024-03", "--jurisdiction", "西青区")
    out = run("--period", "2024-03", "--jurisdiction", "西青区")

    assert len(mailoutbox) == 1
    assert "already reminded at" in out
    assert "1 unit(s) reminded within a day skipped" in out

    run("--period", "2024-03", "--jurisdiction", "西青区", "--force")
    assert len(mailoutbox) == 2
