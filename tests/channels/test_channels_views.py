"""The channel pages: who may see and change what (the role matrix), the forms, the test
button with the robot's answer, secrets never shown back, and the index's query count."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from factories import ROLES, access_matrix, make_jurisdiction, make_unit

from progress.channels import services
from progress.channels.models import Channel, ChannelMessage

pytestmark = pytest.mark.django_db
SECRET = "SECabcdef0123456789abcdef0123456789abcdef0123456789abcdef01234567"


@pytest.fixture
def channel(unit, robot) -> Channel:
    return services.channel_create(user=None, unit=unit, kind="wecom", webhook=robot.wecom("ok"))


@pytest.fixture
def place_channel(jurisdiction, robot) -> Channel:
    return services.channel_create(
        user=None, jurisdiction=jurisdiction, kind="dingtalk", webhook=robot.dingtalk("ok")
    )


def _url(view: str, unit, jurisdiction, channel) -> str:
    return {
        "index": reverse("channels:index"),
        "unit": reverse("channels:unit", args=[unit.pk]),
        "jurisdiction": reverse("channels:jurisdiction", args=[jurisdiction.pk]),
        "edit": reverse("channels:edit", args=[channel.pk]),
        "test": reverse("channels:test", args=[channel.pk]),
        "delete": reverse("channels:delete", args=[channel.pk]),
        "add": reverse("channels:unit", args=[unit.pk]),
    }[view]


# admin, supervisor, other jurisdiction's supervisor, reporter, co-reporter, other reporter, anon
GETS = access_matrix(
    {
        "index": (200, 200, 200, 403, 403, 403, 302),
        "unit": (200, 200, 404, 403, 403, 403, 302),
        "jurisdiction": (200, 200, 404, 403, 403, 403, 302),
        "edit": (200, 200, 404, 403, 403, 403, 302),
    }
)
POSTS = access_matrix(
    {
        "test": (302, 302, 404, 403, 403, 403, 302),
        "delete": (302, 302, 404, 403, 403, 403, 302),
        "add": (302, 302, 404, 403, 403, 403, 302),
    }
)


@pytest.mark.parametrize(("view", "role", "code"), GETS)
def test_it_checks_access_to_the_pages(
    request, client_as, view, role, code, unit, jurisdiction, channel
):
    user = request.getfixturevalue(role) if role else None
    request.getfixturevalue("co_reporter")
    response = client_as(user).get(_url(view, unit, jurisdiction, channel))
    assert response.status_code == code
    if role is None:
        assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize(("view", "role", "code"), POSTS)
def test_it_checks_access_to_the_changes(
    request, client_as, view, role, code, unit, jurisdiction, channel, robot
):
    user = request.getfixturevalue(role) if role else None
    data = {"kind": "wecom", "webhook": robot.wecom("new1"), "enabled": "on"}
    response = client_as(user).post(_url(view, unit, jurisdiction, channel), data)
    assert response.status_code == code
    allowed = role in ("admin_user", "supervisor")
    if role is None:
        assert response["Location"].startswith(reverse("login"))
    else:
        assert response.status_code != 302 or response["Location"].startswith("/channels/")
    # nothing changed for anyone else: the channel is there, nothing was sent or added
    if not allowed:
        assert Channel.objects.filter(pk=channel.pk).exists()
        assert not ChannelMessage.objects.exists()
        assert Channel.objects.count() == 1
        assert robot.requests == []


def test_supervisor_sees_only_their_jurisdiction_on_the_index(
    client_as, supervisor, unit, jurisdiction, other_jurisdiction, channel
):
    theirs = make_unit(other_jurisdiction, "北仑区教育局")
    services.channel_create(
        user=None, unit=theirs, kind="email", addresses="bl@example.cn"
    ).__class__.objects.filter(unit=theirs).update(health="failing", last_answer="北仑区的错误")
    page = client_as(supervisor).get(reverse("channels:index")).content.decode()
    assert unit.name in page
    assert "北仑区教育局" not in page and "北仑区的错误" not in page


def test_adding_a_dingtalk_robot_keeps_the_secrets_out_of_the_pages(
    en_client, supervisor, unit, robot
):
    client = en_client(supervisor)
    url = reverse("channels:unit", args=[unit.pk])
    webhook = robot.dingtalk("tok9876")
    response = client.post(
        url,
        {
            "kind": "dingtalk",
            "name": "教育局工作群",
            "webhook": webhook,
            "secret": SECRET,
            "enabled": "on",
        },
    )
    assert response.status_code == 302
    channel = Channel.objects.get()
    assert channel.unit == unit and channel.has_secret and channel.created_by == supervisor
    for page_url in (url, reverse("channels:edit", args=[channel.pk]), reverse("channels:index")):
        page = client.get(page_url).content.decode()
        assert "tok9876" not in page and SECRET not in page
    assert "127.0.0.1 …9876" in client.get(url).content.decode()


def test_a_bad_webhook_is_refused_with_a_message(en_client, admin_user, unit):
    response = en_client(admin_user).post(
        reverse("channels:unit", args=[unit.pk]),
        {"kind": "wecom", "webhook": "https://example.com/hook?key=1", "enabled": "on"},
    )
    assert response.status_code == 400
    assert "not the robot&#x27;s webhook address" in response.content.decode()
    assert not Channel.objects.exists()


def test_a_bad_address_is_refused_in_chinese(client_as, admin_user, unit):
    response = client_as(admin_user).post(
        reverse("channels:unit", args=[unit.pk]),
        {"kind": "email", "addresses": "jy1@example.cn, 不是地址", "enabled": "on"},
    )
    assert response.status_code == 400
    assert "不是电子邮件地址" in response.content.decode()
    assert not Channel.objects.exists()


def test_changing_a_channel_keeps_the_saved_webhook_and_secret(client_as, admin_user, unit, robot):
    channel = services.channel_create(
        user=None, unit=unit, kind="dingtalk", webhook=robot.dingtalk("keep"), secret=SECRET
    )
    before = (channel.webhook_encrypted, channel.secret_encrypted)
    response = client_as(admin_user).post(
        reverse("channels:edit", args=[channel.pk]), {"name": "新名字", "webhook": "", "secret": ""}
    )
    assert response.status_code == 302
    channel.refresh_from_db()
    assert channel.name == "新名字" and not channel.enabled
    assert (channel.webhook_encrypted, channel.secret_encrypted) == before
    client_as(admin_user).post(
        reverse("channels:edit", args=[channel.pk]),
        {"name": "新名字", "remove_secret": "on", "enabled": "on"},
    )
    channel.refresh_from_db()
    assert not channel.has_secret and channel.enabled


@pytest.mark.parametrize(
    ("key", "outcome", "words"),
    [("ok", "sent", "已送达"), ("err93000", "failed", "webhook 地址无效")],
)
def test_the_test_button_shows_the_robots_answer(
    client_as, supervisor, unit, robot, key, outcome, words
):
    channel = services.channel_create(user=None, unit=unit, kind="wecom", webhook=robot.wecom(key))
    client = client_as(supervisor)
    response = client.post(reverse("channels:test", args=[channel.pk]), follow=True)
    page = response.content.decode()
    assert words in page
    assert ChannelMessage.objects.get().outcome == outcome
    assert len(robot.seen(key)) == 1


def test_a_failing_channel_is_shown_to_the_admin(client_as, admin_user, unit, robot):
    channel = services.channel_create(
        user=None, unit=unit, kind="wecom", webhook=robot.wecom("err93000")
    )
    services.channels_deliver(unit=unit, kind="reminder", title="催报", markdown="- 一项")
    page = client_as(admin_user).get(reverse("channels:index")).content.decode()
    assert "webhook 地址无效" in page
    assert reverse("channels:unit", args=[unit.pk]) in page
    assert channel.pk


def test_the_index_has_a_fixed_number_of_queries(client_as, admin_user, robot):
    def count() -> int:
        client = client_as(admin_user)
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("channels:index")).status_code == 200
        return len(ctx.captured_queries)

    place = make_jurisdiction()
    unit = make_unit(place)
    services.channel_create(user=None, unit=unit, kind="wecom", webhook=robot.wecom("a"))
    few = count()
    for _ in range(3):
        more = make_jurisdiction()
        for _ in range(8):
            u = make_unit(more)
            services.channel_create(user=None, unit=u, kind="wecom", webhook=robot.wecom("b"))
        Channel.objects.update(health="failing", last_answer="错")
    assert count() == few


def test_roles_cover_the_matrix():
    assert len(ROLES) == 7


def test_the_unit_page_has_a_fixed_number_of_queries(client_as, admin_user, unit, robot):
    def count() -> int:
        client = client_as(admin_user)
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("channels:unit", args=[unit.pk])).status_code == 200
        return len(ctx.captured_queries)

    services.channel_create(user=None, unit=unit, kind="wecom", webhook=robot.wecom("a"))
    few = count()
    for n in range(6):
        channel = services.channel_create(
            user=None, unit=unit, kind="dingtalk", webhook=robot.dingtalk(f"k{n}")
        )
        services.channel_send(channel=channel, kind="reminder", title="催报", markdown="- 一项")
    assert count() == few


def test_the_records_are_in_the_admin_site(client_as, admin_user, unit, robot):
    channel = services.channel_create(user=None, unit=unit, kind="wecom", webhook=robot.wecom("a"))
    for _ in range(5):
        services.channel_send(channel=channel, kind="reminder", title="催报测试", markdown="- 一项")
    client = client_as(admin_user)
    response = client.get(reverse("admin:progress_channelmessage_changelist"))
    assert response.status_code == 200 and "催报测试" in response.content.decode()
    assert "key=a" not in response.content.decode()


def test_the_webhook_and_secret_are_hidden_from_error_reports(rf, admin_user, unit):
    from django.views.debug import SafeExceptionReporterFilter

    from progress.channels import views

    request = rf.post("/", {"webhook": "https://x/?key=k1", "secret": "SECxyz", "name": "群"})
    request.user = admin_user
    views.unit_channels(request, unit.pk)
    cleaned = SafeExceptionReporterFilter().get_post_parameters(request)
    assert cleaned["webhook"] != "https://x/?key=k1" and cleaned["secret"] != "SECxyz"
    assert cleaned["name"] == "群"
