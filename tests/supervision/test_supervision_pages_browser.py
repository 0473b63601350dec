"""Supervision's pages at 390 and 1366 px in Chromium with the checks of the daily pages
(tests/start/test_daily_work_browser.py: axe-core without violations, no sideways scrolling, no
cell under two characters, a visible focus ring, no console error), on the demo's 北仑区 with a
notice, a reply and a flag."""

from __future__ import annotations

import datetime
import importlib.util
from pathlib import Path

import pytest
from browser import Console, log_in
from django.urls import reverse
from django.utils import timezone
from factories import BEILUN, import_sample, make_user

from progress.supervision import services
from projects import roles
from projects.models import SubItem

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

_spec = importlib.util.spec_from_file_location(
    "daily_pages", Path(__file__).parent.parent / "start" / "test_daily_work_browser.py"
)
daily = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(daily)


@pytest.fixture
def people(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    plan = import_sample(BEILUN, "北仑区")
    place = plan.jurisdiction
    sup = make_user("zhang", roles.SUPERVISOR, jurisdiction=place, first_name="伟", last_name="张")
    first, second = SubItem.objects.filter(project__plan=plan, lead_unit__isnull=False).order_by(
        "pk"
    )[:2]
    rep = make_user(
        "liu",
        roles.REPORTER,
        jurisdiction=place,
        unit=first.lead_unit,
        first_name="洋",
        last_name="刘",
    )
    notices = services.notice_create(
        subitems=[first, second],
        user=sup,
        level="listed",
        requirement="说明进展并报送整改措施",
        reply_due=timezone.localdate() + datetime.timedelta(days=3),
    )
    if second.lead_unit_id == first.lead_unit_id:
        services.notice_reply(
            notice=notices[1],
            user=rep,
            text="已整改",
            expected_completion=datetime.date(2024, 12, 31),
        )
    return {
        "supervisor": sup,
        "reporter": rep,
        "notice": notices[0],
        "leader": first.leaders.first(),
    }


@pytest.mark.parametrize("width", daily.WIDTHS)
def test_supervision_pages(live_server, browser, people, width):
    context = browser.new_context(viewport={"width": width, "height": 900}, locale="zh-CN")
    base = live_server.url
    pages = {
        "supervisor": [
            ("notices", reverse("supervision:notices")),
            ("notice", reverse("supervision:notice", args=[people["notice"].pk])),
            ("lights", reverse("supervision:lights") + "?period=2024-10"),
            ("flags", reverse("supervision:flags")),
            ("scorecard", reverse("supervision:scorecard") + "?year=2024"),
            ("leaders", reverse("supervision:leaders") + "?period=2024-10"),
        ],
        "reporter": [
            ("notice-reply", reverse("supervision:notice", args=[people["notice"].pk])),
            ("my-scorecard", reverse("supervision:scorecard") + "?year=2024"),
        ],
    }
    if people["leader"] is not None:
        pages["supervisor"].append(
            (
                "leader",
                f"{reverse('supervision:leaders')}?period=2024-10&leader={people['leader'].pk}",
            )
        )
    for role, username in (("supervisor", "zhang"), ("reporter", "liu")):
        page = context.new_page()
        console = Console()
        console.watch(page)
        log_in(page, base, username)
        for name, url in pages[role]:
            page.goto(base + url)
            daily.check(page, console, f"{role}-{name}", width)
        page.close()
        context.clear_cookies()
    context.close()
