"""Error pages (issue 9, issue 12 point 10): 400, 403, 404, 500 and the CSRF failure page in
the site's layout and language, each with a way home; the 500 page renders without a request."""

import pytest
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import translation
from django.views import defaults
from factories import make_plan

pytestmark = pytest.mark.django_db

SITE_NAME_ZH = "实事进度"


def assert_site_page(response, status: int, *texts: str) -> str:
    assert response.status_code == status
    body = response.content.decode()
    assert 'class="site-header"' in body  # the site's layout
    assert 'href="/"' in body or f'href="{reverse("home")}"' in body  # a way home
    for text in texts:
        assert text in body, body
    return body


def test_404_is_the_sites_page_in_chinese(client_as, supervisor):
    response = client_as(supervisor).get("/items/no-such-page/")
    assert_site_page(response, 404, "页面不存在", SITE_NAME_ZH)


def test_404_of_a_bad_period_says_what_a_period_is(en_client, admin_user):
    plan = make_plan(year=2024)
    response = en_client(admin_user).get(f"/exports/plans/{plan.pk}/monthly/9999-12.xlsx")
    assert_site_page(response, 404, "There is no period “9999-12”", "YYYY-MM")


def test_404_for_the_anonymous_public(client):
    response = client.get("/public/999999/2024-10/")
    assert_site_page(response, 404, "页面不存在")


def test_403_is_the_sites_page_in_chinese(client_as, reporter):
    response = client_as(reporter).get(reverse("dashboard:overview"))
    assert_site_page(response, 403, "无权", "管理员")


def test_400_shows_what_could_not_be_read(client_as, supervisor):
    response = client_as(supervisor).get(reverse("dashboard:overview"), {"period": "2024-13"})
    assert_site_page(response, 400, "2024-13", "YYYY-MM")


def test_400_back_link_goes_to_the_page_the_user_came_from(en_client, supervisor):
    came_from = "http://testserver" + reverse("items:list")
    response = en_client(supervisor).get(
        reverse("dashboard:overview"), {"period": "x"}, HTTP_REFERER=came_from
    )
    assert f'href="{came_from}"' in assert_site_page(response, 400, "Back to the previous page")


def test_400_back_link_never_leaves_the_site(en_client, supervisor):
    response = en_client(supervisor).get(
        reverse("dashboard:overview"), {"period": "x"}, HTTP_REFERER="https://evil.example/"
    )
    assert "evil.example" not in assert_site_page(response, 400)


def test_csrf_failure_is_the_sites_page_in_chinese(reporter):
    client = Client(enforce_csrf_checks=True)
    client.force_login(reporter)
    response = client.post(reverse("logout"))
    assert_site_page(response, 403, "表单已过期", "重新")


def test_500_renders_without_a_request_context_in_the_sites_language():
    request = RequestFactory().get("/")
    with translation.override("zh-hans"):
        response = defaults.server_error(request)
    body = assert_site_page(response, 500, "服务器出错", SITE_NAME_ZH, 'lang="zh-hans"')
    assert "app.css" in body
