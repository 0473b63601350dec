"""Password change inside the site's own layout, linked from the header."""

from __future__ import annotations

import pytest
from django.urls import reverse
from factories import PASSWORD

pytestmark = pytest.mark.django_db

URL = reverse("password_change")


def test_the_header_links_to_the_password_change_in_the_sites_layout(client_as, reporter):
    client = client_as(reporter)
    assert f'href="{URL}"' in client.get(reverse("home")).content.decode()
    page = client.get(URL)
    html = page.content.decode()
    assert page.status_code == 200
    assert 'class="site-header"' in html  # ours, not the admin's screen
    assert "修改密码" in html and "Django" not in html


def test_a_password_is_changed_and_the_user_stays_in(client_as, reporter):
    client = client_as(reporter)
    response = client.post(
        URL,
        {
            "old_password": PASSWORD,
            "new_password1": "新的Passw0rd-2024",
            "new_password2": "新的Passw0rd-2024",
        },
        follow=True,
    )
    assert "密码已修改" in response.content.decode()
    reporter.refresh_from_db()
    assert reporter.check_password("新的Passw0rd-2024")
    assert client.get(reverse("home")).status_code == 200


def test_anonymous_users_log_in_first(client_as):
    assert client_as(None).get(URL).status_code == 302


def test_the_menu_names_items_once(client_as, supervisor):
    html = client_as(supervisor).get(reverse("items:list")).content.decode()
    nav = html[html.index('class="site-nav"') : html.index("</nav>")]
    assert nav.count(f'href="{reverse("items:list")}"') == 1
    assert 'aria-current="page"' in nav
