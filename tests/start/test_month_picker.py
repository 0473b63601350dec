"""The one month picker: the same form on 我的填报, 未报送 and the item, unit and leader pages."""

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
