"""The one month picker: the same form on 我的填报, 未报送, the dashboard, the item list, the item,
unit and leader pages, the lights and the leaders' view."""

from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_the_same_picker_on_each_page_keeping_the_other_parameters(
    client_as, reporter, supervisor, admin_user, jurisdiction
):
    pages = [
        (reporter, reverse("reporting:my_reports"), {"period": "2024-03"}),
        (supervisor, reverse("review:missing"), {"period": "2024-03"}),
        (
            admin_user,
            reverse("review:missing"),
            {"period": "2024-03", "jurisdiction": jurisdiction.pk},
        ),
    ]
    for user, url, params in pages:
        html = client_as(user).get(url, params).content.decode()
        assert html.count('class="month-picker"') == 1, url
        assert 'type="month" id="month-picker" name="period" value="2024-03"' in html
        assert 'rel="prev"' in html and "2024-02" in html and "2024-04" in html
        if "jurisdiction" in params:
            assert f'href="?period=2024-02&amp;jurisdiction={jurisdiction.pk}"' in html
            assert f'<input type="hidden" name="jurisdiction" value="{jurisdiction.pk}">' in html


def test_the_dashboard_item_list_lights_and_leaders_use_the_same_picker(
    client_as, supervisor, admin_user, jurisdiction
):
    """Issue 12.12: the dashboard, the item list, the lights and the leaders' view step by
    month keeping their filters."""
    pages = [
        (
            admin_user,
            reverse("dashboard:overview"),
            {"period": "2024-03", "jurisdiction": jurisdiction.pk},
        ),
        (supervisor, reverse("items:list"), {"period": "2024-03", "shown": "lagging"}),
        (supervisor, reverse("supervision:lights"), {"period": "2024-03", "light": "red"}),
        (
            admin_user,
            reverse("supervision:leaders"),
            {"period": "2024-03", "jurisdiction": jurisdiction.pk},
        ),
    ]
    for user, url, params in pages:
        html = client_as(user).get(url, params).content.decode()
        assert html.count('class="month-picker"') == 1, url
        assert 'type="month" id="month-picker" name="period" value="2024-03"' in html, url
        name, value = next((k, v) for k, v in params.items() if k != "period")
        assert f'href="?period=2024-02&amp;{name}={value}" rel="prev"' in html, url
        assert f'href="?period=2024-04&amp;{name}={value}" rel="next"' in html, url
        assert f'<input type="hidden" name="{name}" value="{value}">' in html, url


def test_the_item_list_filters_keep_the_period_in_a_hidden_field(client_as, supervisor):
    html = client_as(supervisor).get(reverse("items:list"), {"period": "2024-03"}).content
    html = html.decode()
    assert html.count('name="period"') == 2  # the picker, and the filter form's hidden field
    assert '<input type="hidden" name="period" value="2024-03">' in html


def test_the_dashboard_jurisdiction_menu_keeps_the_period(client_as, admin_user, jurisdiction):
    response = client_as(admin_user).get(
        reverse("dashboard:overview"), {"period": "2024-03", "jurisdiction": jurisdiction.pk}
    )
    html = response.content.decode()
    assert 'id="dashboard-jurisdiction"' in html
    assert html.count('<input type="hidden" name="period" value="2024-03">') == 1
