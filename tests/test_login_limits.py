"""Issue 9.8: a successful login resets the failure counter; password reset by mail is off and
says to ask the administrator (as the lockout page does); the client address comes from the
trusted proxy header through django-ipware, as the settings say."""

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-pass-phrase-9"


@pytest.fixture
def user(reporter):
    reporter.set_password(PASSWORD)
    reporter.email = "reporter@example.org"
    reporter.save()
    return reporter


def log_in(client: Client, username: str, password: str, **extra):
    return client.post(reverse("login"), {"username": username, "password": password}, **extra)


def test_a_successful_login_resets_the_failure_counter(client, user):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert log_in(client, user.username, "wrong").status_code == 200
    assert log_in(client, user.username, PASSWORD).status_code == 302
    client.post(reverse("logout"))
    # a typo the next morning is not the last straw
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert log_in(client, user.username, "wrong").status_code == 200
    assert log_in(client, user.username, PASSWORD).status_code == 302


@pytest.mark.parametrize("url", ["/accounts/password_reset/", "/accounts/reset/MQ/set-password/"])
def test_password_reset_says_to_ask_the_administrator(client, url):
    response = client.get(url)
    assert response.status_code == 200
    body = response.content.decode()
    assert "请联系本站管理员" in body or "管理员" in body
    assert "<form" not in body.split("<main", 1)[1].split("</main>")[0]


def test_password_reset_sends_no_mail(client, user):
    response = client.post("/accounts/password_reset/", {"email": user.email})
    assert response.status_code in (200, 405)
    assert mail.outbox == []


def proxy_settings(count: int) -> dict:
    """The settings config.settings.base derives from TRUSTED_PROXY_COUNT, read as a server
    reads them at start."""
    import json
    import os
    import subprocess
    import sys
    from pathlib import Path

    code = (
        "import json, django; django.setup(); from django.conf import settings as s; "
        "print(json.dumps([s.AXES_IPWARE_PROXY_COUNT, s.AXES_IPWARE_PROXY_ORDER, "
        "list(s.AXES_IPWARE_META_PRECEDENCE_ORDER)]))"
    )
    env = {**os.environ, "TRUSTED_PROXY_COUNT": str(count)}
    env["DJANGO_SETTINGS_MODULE"] = "config.settings.test"
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=Path(__file__).resolve().parent.parent,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    keys = [
        "AXES_IPWARE_PROXY_COUNT",
        "AXES_IPWARE_PROXY_ORDER",
        "AXES_IPWARE_META_PRECEDENCE_ORDER",
    ]
    return dict(zip(keys, json.loads(out.splitlines()[-1]), strict=True))


def test_the_address_behind_a_proxy_comes_from_the_trusted_header(client, user, settings):
    """One proxy (nginx) in front, TRUSTED_PROXY_COUNT=1: the same user locked from one office
    is not locked from another, although every request arrives from the proxy's address; a
    header the client wrote itself (two entries where nginx writes one) is not believed."""
    for name, value in proxy_settings(1).items():
        setattr(settings, name, value)
    office_a = {"REMOTE_ADDR": "10.0.0.1", "HTTP_X_FORWARDED_FOR": "203.0.113.7"}
    office_b = {"REMOTE_ADDR": "10.0.0.1", "HTTP_X_FORWARDED_FOR": "198.51.100.9"}
    for _ in range(settings.AXES_FAILURE_LIMIT):
        log_in(client, user.username, "wrong", **office_a)
    assert log_in(Client(), user.username, PASSWORD, **office_a).status_code == 429
    assert log_in(Client(), user.username, PASSWORD, **office_b).status_code == 302
    from axes.helpers import get_client_ip_address
    from django.test import RequestFactory

    spoofed = RequestFactory().get("/", HTTP_X_FORWARDED_FOR="1.2.3.4, 198.51.100.9")
    spoofed.META["REMOTE_ADDR"] = "10.0.0.1"
    assert get_client_ip_address(spoofed) == "10.0.0.1"


def test_without_a_proxy_a_forwarded_header_is_not_believed(client, user):
    """By default (no proxy configured) the header is the client's to write: ignored."""
    assert settings.AXES_IPWARE_PROXY_COUNT in (None, 0)
    for n in range(settings.AXES_FAILURE_LIMIT):
        log_in(client, user.username, "wrong", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}")
    assert log_in(Client(), user.username, PASSWORD).status_code == 429


def test_ipware_is_what_axes_uses():
    from axes import helpers

    assert helpers.IPWARE_INSTALLED


def test_a_successful_login_still_forgets_expired_failures_and_keeps_recent_ones(client, user):
    from datetime import timedelta

    from axes.models import AccessAttempt
    from django.utils import timezone

    def failure(username: str, hours_ago: float) -> AccessAttempt:
        attempt = AccessAttempt.objects.create(
            username=username,
            ip_address="10.0.0.9",
            user_agent="test",
            get_data="",
            post_data="",
            http_accept="*/*",
            path_info="/accounts/login/",
            failures_since_start=1,
        )
        when = timezone.now() - timedelta(hours=hours_ago)  # attempt_time is auto_now_add
        AccessAttempt.objects.filter(pk=attempt.pk).update(attempt_time=when)
        return attempt

    expired = failure("somebody", settings.AXES_COOLOFF_TIME + 1)
    recent = failure("somebody else", 0.1)

    assert log_in(client, user.username, PASSWORD).status_code == 302

    assert not AccessAttempt.objects.filter(pk=expired.pk).exists()
    assert AccessAttempt.objects.filter(pk=recent.pk).exists()


def test_a_successful_login_without_failures_to_forget_deletes_nothing(client, user):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        assert log_in(client, user.username, PASSWORD).status_code == 302

    assert not [q for q in queries if q["sql"].startswith("DELETE")]
    attempts = [q for q in queries if "axes_accessattempt" in q["sql"]]
    assert len(attempts) == 2  # the lockout's count before the password, the one question after
