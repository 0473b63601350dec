"""Logging in and out, the lockout after too many failures, the language switch, the home page."""

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from factories import make_complete_subitem, make_plan, make_project, make_subitem

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-pass-phrase-9"


@pytest.fixture
def user(reporter):
    reporter.set_password(PASSWORD)
    reporter.save()
    return reporter


def log_in(client: Client, username: str, password: str):
    return client.post(reverse("login"), {"username": username, "password": password})


# --- Login and logout ----------------------------------------------------------------------


def test_login_page_is_in_chinese_by_default(client):
    response = client.get(reverse("login"))

    assert response.status_code == 200
    content = response.content.decode()
    assert '<html lang="zh-hans">' in content
    # from Django's own catalogs (ours is compiled later)
    assert "用户名" in content
    assert "密码" in content
    assert "登录" in content


def test_login_page_has_no_inline_script_or_style(client):
    response = client.get(reverse("login"))

    content = response.content.decode()
    assert "<script" not in content
    assert "style=" not in content
    assert "<style" not in content
    assert "Content-Security-Policy" in response.headers


def test_language_can_be_switched_to_english(client):
    client.post(reverse("set_language"), {"language": "en", "next": reverse("login")})

    response = client.get(reverse("login"))

    content = response.content.decode()
    assert '<html lang="en">' in content
    assert "Username" in content


def test_login_with_the_right_password_goes_home(client, user):
    response = log_in(client, user.username, PASSWORD)

    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert client.get(reverse("home")).status_code == 200


def test_login_with_a_wrong_password_shows_the_form_again(client, user):
    response = log_in(client, user.username, "wrong")

    assert response.status_code == 200
    assert response.context["form"].errors
    assert client.get(reverse("home")).status_code == 302


def test_logout_by_post_ends_the_session(client, user):
    client.force_login(user)

    response = client.post(reverse("logout"))

    assert response.status_code == 302
    assert response["Location"] == reverse("login")
    assert client.get(reverse("home")).status_code == 302


def test_logout_by_get_is_refused(client, user):
    client.force_login(user)

    response = client.get(reverse("logout"))

    assert response.status_code == 405
    home = client.get(reverse("home"))  # still signed in
    assert home.status_code == 200
    assert home.context["user"] == user


def test_every_page_has_a_logout_button_posting_to_logout(client, user):
    client.force_login(user)

    content = client.get(reverse("home")).content.decode()

    assert f'method="post" action="{reverse("logout")}"' in content


def test_too_many_failures_lock_the_account_with_a_clear_page(client, user):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert log_in(client, user.username, "wrong").status_code == 200

    last_failure = log_in(client, user.username, "wrong")
    right_password = log_in(client, user.username, PASSWORD)

    for response in (last_failure, right_password):
        assert response.status_code == settings.AXES_HTTP_RESPONSE_CODE
        assert "registration/locked_out.html" in [t.name for t in response.templates]
    content = right_password.content.decode()
    assert str(settings.AXES_FAILURE_LIMIT) in content
    assert "Traceback" not in content
    assert client.get(reverse("home")).status_code == 302


def test_a_locked_out_user_does_not_lock_out_others(client, user, supervisor):
    supervisor.set_password(PASSWORD)
    supervisor.save()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        log_in(client, user.username, "wrong")

    other_client = Client(REMOTE_ADDR="10.0.0.2")
    response = log_in(other_client, supervisor.username, PASSWORD)

    assert response.status_code == 302


# --- Home ----------------------------------------------------------------------------------


def test_home_sends_anonymous_users_to_login(client):
    response = client.get(reverse("home"))

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next=/"


@pytest.mark.parametrize("role", ["admin_user", "supervisor", "reporter", "other_reporter"])
def test_home_opens_for_every_role(client_as, request, role):
    user = request.getfixturevalue(role)

    response = client_as(user).get(reverse("home"))

    assert response.status_code == 200
    assert user.username in response.content.decode()


def test_home_counts_what_the_user_can_see(client_as, supervisor, admin_user, other_jurisdiction):
    own_plan = make_plan(supervisor.jurisdiction)
    project = make_project(own_plan)
    make_subitem(project)
    make_subitem(project)
    make_complete_subitem(make_plan(other_jurisdiction))

    as_supervisor = client_as(supervisor).get(reverse("home")).context["counts"]
    as_admin = client_as(admin_user).get(reverse("home")).context["counts"]

    assert as_supervisor == {"plan_count": 1, "project_count": 1, "subitem_count": 2}
    assert as_admin == {"plan_count": 2, "project_count": 2, "subitem_count": 3}


def test_home_shows_jurisdiction_and_unit(client_as, reporter):
    content = client_as(reporter).get(reverse("home")).content.decode()

    assert reporter.jurisdiction.name in content
    assert reporter.unit.name in content


def test_home_without_jurisdiction_counts_nothing(client_as, django_user_model):
    user = django_user_model.objects.create_user("nobody", password=PASSWORD)
    make_complete_subitem()

    counts = client_as(user).get(reverse("home")).context["counts"]

    assert counts == {"plan_count": 0, "project_count": 0, "subitem_count": 0}


@pytest.mark.parametrize("role", ["admin_user", "supervisor", "reporter"])
def test_home_queries_do_not_grow_with_rows(client_as, request, role):
    user = request.getfixturevalue(role)
    client = client_as(user)
    plan = make_plan(user.jurisdiction) if user.jurisdiction else make_plan()
    make_complete_subitem(plan)
    client.get(reverse("home"))  # warm up
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("home"))

    for _ in range(20):
        make_complete_subitem(plan)
        make_complete_subitem()
    with CaptureQueriesContext(connection) as many:
        response = client.get(reverse("home"))

    assert response.context["counts"]["subitem_count"] > 1
    assert len(many) == len(few)


# --- The login's session and queries (issue 14) --------------------------------------------


def test_login_gives_a_new_session_and_forgets_the_old_one(client, user):
    from django.contrib.sessions.models import Session

    session = client.session
    session["before_login"] = "kept"
    session.save()
    old_key = session.session_key

    assert log_in(client, user.username, PASSWORD).status_code == 302

    new_key = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert new_key != old_key
    assert not Session.objects.filter(session_key=old_key).exists()
    stored = Session.objects.get(session_key=new_key).get_decoded()
    assert stored["_auth_user_id"] == str(user.pk)
    assert stored["before_login"] == "kept"
    assert client.get(reverse("home")).context["user"] == user


def test_login_writes_its_session_once(client, user):
    client.get(reverse("login"))
    with CaptureQueriesContext(connection) as queries:
        assert log_in(client, user.username, PASSWORD).status_code == 302

    session_writes = [q["sql"] for q in queries if "django_session" in q["sql"]]
    assert len(session_writes) == 1
    assert session_writes[0].startswith("INSERT")
    # axes' lockout count, the user, axes' pending clean-ups, the access log, last_login,
    # the session (in a transaction of its own: a savepoint and its release inside the test's)
    assert len(queries) == 8, "\n".join(q["sql"] for q in queries)


def test_a_failed_login_after_a_session_was_created_keeps_the_session(client, user):
    client.force_login(user)
    key = client.session.session_key
    client.post(reverse("logout"))

    assert log_in(client, user.username, "wrong").status_code == 200
    assert log_in(client, user.username, PASSWORD).status_code == 302
    assert client.session.session_key != key
    assert client.get(reverse("home")).context["user"] == user


def test_a_taken_session_key_at_login_gets_a_fresh_one(user):
    from django.contrib.sessions.models import Session

    from config.sessions.db import SessionStore

    store = SessionStore()
    store["_auth_user_id"] = str(user.pk)
    store.cycle_key()
    drawn = store.session_key
    Session.objects.create(session_key=drawn, session_data="", expire_date=store.get_expiry_date())

    store.save()

    assert store.session_key != drawn
    assert Session.objects.get(session_key=drawn).session_data == ""  # the other one untouched
    saved = Session.objects.get(session_key=store.session_key).get_decoded()
    assert saved["_auth_user_id"] == str(user.pk)
