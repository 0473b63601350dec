"""Sending through the channels, against the local robot of conftest.py: the JSON bodies,
DingTalk's signature, the answers, the retries, the rate limit, the records."""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging

import pytest
from factories import make_plan, make_project, make_subitem, make_user

from progress.channels import services
from progress.channels.messages import Message
from progress.channels.models import Channel, ChannelMessage, RobotPost
from progress.channels.ratelimit import rate_take
from progress.channels.tasks import deliver_later
from projects import roles

pytestmark = pytest.mark.django_db
SECRET = "SEC0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcd"
Kind = Channel.Kind


def wecom(unit, robot, key="ok", **kw):
    return services.channel_create(
        user=None, unit=unit, kind=Kind.WECOM, webhook=robot.wecom(key), **kw
    )


def dingtalk(unit, robot, token="ok", secret="", **kw):
    return services.channel_create(
        user=None, unit=unit, kind=Kind.DINGTALK, webhook=robot.dingtalk(token), secret=secret, **kw
    )


def deliver(unit, **kw):
    kw.setdefault("kind", ChannelMessage.Kind.REMINDER)
    kw.setdefault("title", "区教育局 2024-03 催报")
    kw.setdefault("markdown", "截止 **2024-04-05**：\n- 3（1）新建社区食堂5处")
    kw.setdefault("link", "https://shishi.example.cn/progress/")
    return services.channels_deliver(unit=unit, **kw)


def test_wecom_markdown_body_and_record(unit, robot):
    channel = wecom(unit, robot)
    subitem = make_subitem(make_project(make_plan(unit.jurisdiction)), lead_unit=unit)

    [record] = deliver(unit, items=[subitem])

    [seen] = robot.seen("ok")
    assert seen.path == "/cgi-bin/webhook/send"
    assert seen.content_type.startswith("application/json")
    assert seen.body == {
        "msgtype": "markdown",
        "markdown": {
            "content": "**区教育局 2024-03 催报**\n截止 **2024-04-05**：\n- 3（1）新建社区食堂5处\n"
            "[在实事进度中查看](https://shishi.example.cn/progress/)"
        },
    }
    record.refresh_from_db()
    assert record.channel == channel
    assert record.outcome == ChannelMessage.Outcome.SENT
    assert record.kind == ChannelMessage.Kind.REMINDER
    assert record.item_ids == [subitem.pk]
    assert record.attempts == 1
    assert record.errcode == 0
    assert "errcode 0" in record.answer
    channel.refresh_from_db()
    assert channel.health == Channel.Health.OK
    assert channel.last_used_at is not None


def test_dingtalk_signed_body_and_signature(unit, robot):
    dingtalk(unit, robot, secret=SECRET)

    [record] = deliver(unit)

    [seen] = robot.seen("ok")
    assert seen.path == "/robot/send"
    timestamp = seen.query["timestamp"]
    expected = base64.b64encode(
        hmac.new(SECRET.encode(), f"{timestamp}\n{SECRET}".encode(), hashlib.sha256).digest()
    ).decode()
    assert seen.query["sign"] == expected  # parse_qsl undid the URL encoding
    assert abs(int(timestamp) / 1000 - __import__("time").time()) < 60
    assert seen.body == {
        "msgtype": "markdown",
        "markdown": {
            "title": "区教育局 2024-03 催报",
            "text": "#### 区教育局 2024-03 催报\n\n截止 **2024-04-05**：\n\n- 3（1）新建社区食堂5处\n\n"
            "[在实事进度中查看](https://shishi.example.cn/progress/)",
        },
    }
    assert record.outcome == ChannelMessage.Outcome.SENT


def test_dingtalk_without_secret_is_not_signed(unit, robot):
    dingtalk(unit, robot)
    deliver(unit)
    [seen] = robot.seen("ok")
    assert "sign" not in seen.query and "timestamp" not in seen.query


def test_an_errcode_is_answered_in_words_and_not_retried(unit, robot):
    channel = wecom(unit, robot, key="err93000")

    [record] = deliver(unit)

    assert len(robot.seen("err93000")) == 1  # a wrong address does not get better by retrying
    assert record.outcome == ChannelMessage.Outcome.FAILED
    assert record.errcode == 93000
    assert "webhook 地址无效" in record.answer
    assert "93000" in record.answer and "invalid webhook url" in record.answer
    channel.refresh_from_db()
    assert channel.health == Channel.Health.FAILING
    assert channel.last_answer == record.answer


def test_dingtalk_wrong_secret(unit, robot):
    dingtalk(unit, robot, token="err310000", secret=SECRET)
    [record] = deliver(unit)
    assert record.errcode == 310000
    assert "签名" in record.answer


def test_a_timeout_is_retried_with_back_off_then_recorded(unit, robot):
    wecom(unit, robot, key="slow")

    [record] = deliver(unit)

    assert len(robot.seen("slow")) == 3
    assert record.outcome == ChannelMessage.Outcome.FAILED
    assert record.attempts == 3
    assert "0.3" in record.answer  # "no answer within 0.3 seconds"


@pytest.mark.parametrize("key", ["429once", "500once"])
def test_a_429_or_a_server_error_is_retried_and_then_sent(unit, robot, key):
    wecom(unit, robot, key=key)

    [record] = deliver(unit)

    assert len(robot.seen(key)) == 2
    assert record.outcome == ChannelMessage.Outcome.SENT
    assert record.attempts == 2


def test_always_429_gives_up_after_the_attempts(unit, robot):
    wecom(unit, robot, key="always429")
    [record] = deliver(unit)
    assert len(robot.seen("always429")) == 3
    assert record.outcome == ChannelMessage.Outcome.FAILED
    assert "429" in record.answer


def test_the_rate_limit_spaces_the_posts_of_one_robot(unit, robot, settings):
    settings.CHANNELS_RATE_LIMIT = 2
    settings.CHANNELS_RATE_WINDOW = 1.0
    wecom(unit, robot)

    records = [deliver(unit, title=f"第{n}条")[0] for n in range(3)]

    seen = robot.seen("ok")
    assert [r.body["markdown"]["content"].split("\n")[0] for r in seen] == [
        "**第0条**",
        "**第1条**",
        "**第2条**",
    ]
    assert seen[1].at - seen[0].at < 0.5
    assert seen[2].at - seen[0].at >= 0.9  # the third waited for the window
    assert all(r.outcome == ChannelMessage.Outcome.SENT for r in records)


def test_the_rate_limit_gives_up_after_the_longest_wait(unit, robot, settings):
    settings.CHANNELS_RATE_LIMIT = 2
    settings.CHANNELS_RATE_MAX_WAIT = 0
    wecom(unit, robot)

    records = [deliver(unit)[0] for _ in range(3)]

    assert len(robot.seen("ok")) == 2
    assert [r.outcome for r in records] == ["sent", "sent", "failed"]
    assert "20" not in records[2].answer and "2" in records[2].answer


def test_the_rate_limit_counts_each_robot_and_is_kept_in_the_database(unit, robot, settings):
    settings.CHANNELS_RATE_LIMIT = 2
    first, second = wecom(unit, robot), dingtalk(unit, robot)
    assert rate_take(channel_id=first.pk)[0] == 0.0
    assert rate_take(channel_id=first.pk)[0] == 0.0
    wait, post_id = rate_take(channel_id=first.pk)
    assert 62 < wait <= 63 and post_id is None  # the oldest leaves the 60 s window (+5 %) first
    assert rate_take(channel_id=second.pk)[0] == 0.0  # another robot, another window
    # the count lives in the database: any process that asks sees the same two posts
    assert RobotPost.objects.filter(channel=first).count() == 2


def test_a_failing_channel_does_not_stop_the_others(unit, robot, mailoutbox):
    make_user(
        "jy1", roles.REPORTER, unit=unit, jurisdiction=unit.jurisdiction, email="jy1@example.cn"
    )
    wecom(unit, robot, key="err93000")
    wecom(unit, robot, key="slow")
    dingtalk(unit, robot)
    services.channel_create(user=None, unit=unit, kind=Kind.EMAIL)

    records = deliver(unit)

    outcomes = sorted((r.channel.kind, r.outcome) for r in records)
    assert outcomes == [
        ("dingtalk", "sent"),
        ("email", "sent"),
        ("wecom", "failed"),
        ("wecom", "failed"),
    ]
    assert len(robot.seen("ok")) == 1
    [mail] = mailoutbox
    assert mail.to == ["jy1@example.cn"]
    assert "**" not in mail.body
    assert "在实事进度中查看: https://shishi.example.cn/progress/" in mail.body


def test_disabled_channels_and_other_units_channels_are_not_used(unit, other_unit, robot):
    wecom(unit, robot, key="err1", enabled=False)
    wecom(other_unit, robot, key="err2")
    assert deliver(unit) == []
    assert robot.requests == []


def test_another_units_items_are_never_sent(unit, other_unit, robot):
    wecom(unit, robot)
    theirs = make_subitem(make_project(make_plan(unit.jurisdiction)), lead_unit=other_unit)
    with pytest.raises(ValueError):
        deliver(unit, items=[theirs])
    assert robot.requests == []
    assert not ChannelMessage.objects.exists()


def test_a_co_operating_units_items_may_be_sent(unit, other_unit, robot):
    wecom(other_unit, robot)
    item = make_subitem(
        make_project(make_plan(unit.jurisdiction)), lead_unit=unit, co_units=[other_unit]
    )
    [record] = deliver(other_unit, items=[item.pk])
    assert record.item_ids == [item.pk]


def test_phone_numbers_never_reach_a_group(unit, robot):
    wecom(unit, robot)
    deliver(unit, markdown="意见：请联系 13812345678 核实")
    content = robot.seen("ok")[0].body["markdown"]["content"]
    assert "13812345678" not in content
    assert "138********" in content


def test_secrets_are_stored_encrypted_and_never_logged(unit, robot, caplog):
    key = "err93000"
    channel = dingtalk(unit, robot, token=key, secret=SECRET)
    stored = Channel.objects.values("webhook_encrypted", "secret_encrypted", "hint").get()
    assert robot.dingtalk(key) not in str(stored) and SECRET not in str(stored)
    assert stored["hint"] == "127.0.0.1 …3000"

    with caplog.at_level(logging.DEBUG):
        [record] = deliver(unit)

    assert record.outcome == "failed"
    assert caplog.records  # the failure is logged…
    logged = " ".join(r.getMessage() for r in caplog.records)
    assert f"access_token={key}" not in logged and SECRET not in logged  # …without the secrets
    assert f"channel {channel.pk}" in logged
    assert SECRET not in record.answer and "access_token" not in record.answer


def test_a_key_that_is_no_longer_configured_is_reported(unit, robot, settings):
    wecom(unit, robot)
    settings.CHANNELS_SECRET_KEY = "9bxK3tXl8mT1qXh7b5Qm2mN4vZs6Yp0aW3eR5tY7uI8="
    [record] = deliver(unit)
    assert record.outcome == "failed" and "CHANNELS_SECRET_KEY" in record.answer
    assert robot.requests == []


@pytest.mark.parametrize(
    ("kind", "url"),
    [
        ("wecom", "http://169.254.169.254/latest/meta-data?key=x"),
        ("wecom", "https://qyapi.weixin.qq.com.evil.cn/cgi-bin/webhook/send?key=x"),
        ("wecom", "http://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=x"),
        ("wecom", "https://qyapi.weixin.qq.com/cgi-bin/webhook/send"),
        ("dingtalk", "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=x"),
    ],
)
def test_only_the_robots_own_addresses_are_accepted(unit, kind, url):
    with pytest.raises(services.ChannelError):
        services.channel_create(user=None, unit=unit, kind=kind, webhook=url)
    assert not Channel.objects.exists()


def test_the_real_addresses_are_accepted(unit):
    channel = services.channel_create(
        user=None,
        unit=unit,
        kind="dingtalk",
        webhook="https://oapi.dingtalk.com/robot/send?access_token=abcd1234",
    )
    assert channel.hint == "oapi.dingtalk.com …1234"


def test_the_task_delivers_after_the_commit(unit, robot, django_capture_on_commit_callbacks):
    wecom(unit, robot)
    message = Message(kind="reminder", title="催报", markdown="- 一项", link="", item_ids=[])
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        deliver_later(message, unit=unit)
    assert robot.requests == []  # nothing before the commit
    for callback in callbacks:
        callback()
    [record] = ChannelMessage.objects.all()
    assert record.outcome == "sent" and record.title == "催报"


def test_the_test_message(unit, robot):
    channel = wecom(unit, robot)
    record = services.channel_test(channel=channel)
    assert record.kind == ChannelMessage.Kind.TEST
    assert "区教育局" in robot.seen("ok")[0].body["markdown"]["content"]


def test_a_malformed_key_is_an_error_at_start_up(settings):
    from django.core.checks import run_checks

    settings.CHANNELS_SECRET_KEY = "not-a-key"
    assert [e.id for e in run_checks() if e.id.startswith("channels.")] == ["channels.E001"]
    settings.CHANNELS_SECRET_KEY = ""
    ids = [e.id for e in run_checks(include_deployment_checks=True) if e.id.startswith("channels.")]
    assert ids == ["channels.W001"]


def test_the_back_off_doubles_between_attempts(unit, robot, settings):
    settings.CHANNELS_BACKOFF = 0.2
    wecom(unit, robot, key="always429")
    deliver(unit)
    first, second, third = (r.at for r in robot.seen("always429"))
    assert 0.2 <= second - first < 0.6
    assert 0.4 <= third - second < 0.9
