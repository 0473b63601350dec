"""Issue 12, "How it is checked": a month of work walked in Chromium through the real pages, at a
phone's 390 px and a laptop's 1366 px. The reporter fills and submits the monthly form from the
start page; the supervisor finds it in 待审核 and returns it with a comment, which the reporter
then sees first on the start page; the supervisor approves the unit's other reports in bulk and
reopens one of them. Every page visited passes the checks of test_daily_work_browser (no
page-wide horizontal scrolling, no table cell under two characters, no console error or CSP
violation, no axe-core violation, a visible focus ring)."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from browser import Console, log_in
from django.urls import reverse
from factories import BEILUN, import_sample, make_indicator, make_report, make_user
from test_daily_work_browser import WIDTHS, check

from progress.models import ProgressReport, ReviewEvent
from projects import roles
from projects.models import SubItem

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NOVEMBER = datetime.date(2024, 11, 1)
COMMENT = "请补充本月完成的具体数量和现场照片。"
REASON = "批复后发现完成情况表述有误，请更正。"
State = ProgressReport.State
Action = ReviewEvent.Action


@pytest.fixture
def month(db):
    """北仑区's October table; 卫健局's reporter and a supervisor. 2024-11 is the period to fill:
    the first of the unit's items (with a milestone, and an indicator added here) is to be
    filled through the form; two other items of the unit wait in 待审核 already."""
    plan = import_sample(BEILUN, "北仑区")
    place = plan.jurisdiction
    make_user("zhang", roles.SUPERVISOR, jurisdiction=place, first_name="伟", last_name="张")
    subitems = list(
        SubItem.objects.filter(project__plan=plan, lead_unit__name="卫健局").order_by("pk")
    )
    form_item, *others = subitems
    assert form_item.milestones.exists()
    indicator = make_indicator(form_item, name="新增床位", unit="张", targets=[10, 20, 30, 40])
    rep = make_user(
        "liu",
        roles.REPORTER,
        jurisdiction=place,
        unit=form_item.lead_unit,
        first_name="洋",
        last_name="刘",
    )
    waiting = [make_report(sub, NOVEMBER, submitted_by=rep) for sub in others[:2]]
    return {"item": form_item, "indicator": indicator, "waiting": waiting}


def events(report: ProgressReport) -> list[str]:
    return list(report.events.order_by("at", "pk").values_list("action", flat=True))


@pytest.mark.parametrize("width", WIDTHS)
def test_a_month_of_work_per_role(live_server, browser, month, width):
    base = live_server.url
    item, indicator = month["item"], month["indicator"]
    milestone = item.milestones.order_by("order", "pk").first()

    def open_page(username: str):
        context = browser.new_context(viewport={"width": width, "height": 900}, locale="zh-CN")
        page = context.new_page()
        console = Console()
        console.watch(page)
        log_in(page, base, username)
        return context, page, console

    # --- the reporter fills the month's form from the start page and submits it
    context, page, console = open_page("liu")
    check(page, console, "walk-reporter-home", width)
    todo = page.locator("#todo-heading").locator("xpath=..")
    assert "2024-11" in todo.locator("h2").inner_text()
    todo.get_by_role("link", name=item.name[:10]).first.click()
    assert page.url.endswith(reverse("reporting:report_edit", args=[item.pk, "2024-11"]))
    check(page, console, "walk-report-form", width)
    page.locator('select[name="status"]').select_option("on_track")
    page.locator('textarea[name="completion"]').fill("完成3家村级医疗卫生服务点改造。")
    page.locator('textarea[name="problems"]').fill("部分村点用地手续仍在办理。")
    page.locator('textarea[name="next_steps"]').fill("12月底前完成剩余点位验收。")
    page.locator(f'input[name="indicator_{indicator.pk}"]').fill("12")
    page.locator(f'input[name="milestones"][value="{milestone.pk}"]').check()
    page.locator('main button[name="action"][value="submit"]').click()
    page.wait_for_load_state("networkidle")
    assert console.errors == [], console.errors
    report = ProgressReport.objects.get(subitem=item, period=NOVEMBER)
    assert report.state == State.SUBMITTED
    assert report.submitted_by.username == "liu"
    assert report.completion == "完成3家村级医疗卫生服务点改造。"
    assert report.next_steps == "12月底前完成剩余点位验收。"
    assert report.values.get(indicator=indicator).value == Decimal(12)
    assert list(report.milestones_achieved.all()) == [milestone]
    assert events(report) == [Action.SUBMIT]
    assert report.history.count() >= 1
    check(page, console, "walk-reporter-after-submit", width)
    context.close()

    # --- the supervisor: 待审核 from the start page, return one with a comment
    context, page, console = open_page("zhang")
    check(page, console, "walk-supervisor-home", width)
    figure = page.locator('main [data-figure="awaiting_review"]')
    assert figure.locator(".figure__value").inner_text().strip() == "3"
    figure.click()
    check(page, console, "walk-queue", width)
    row = page.locator(f"#report-{report.pk}")
    assert row.count() == 1
    row.locator(f'a[href="{reverse("review:report", args=[report.pk])}"]').first.click()
    assert page.url.endswith(reverse("review:report", args=[report.pk]))
    check(page, console, "walk-review", width)
    page.locator("#return-comment").fill(COMMENT)
    page.locator("#return-form button[type=submit]").click()
    page.wait_for_load_state("networkidle")
    report.refresh_from_db()
    assert report.state == State.RETURNED
    returned = report.events.get(action=Action.RETURN)
    assert returned.comment == COMMENT and returned.actor.username == "zhang"

    # approve the other two in bulk from the queue: one history row each
    page.goto(base + reverse("review:queue"))
    check(page, console, "walk-queue-after-return", width)
    assert page.locator(f"#report-{report.pk}").count() == 0
    waiting = month["waiting"]
    for other in waiting:
        page.locator(f"#tick-{other.pk}").check()
    page.locator("#approve-selected button").click()
    assert "已批准 2 份报告" in page.locator(".messages").inner_text()
    for other in waiting:
        other.refresh_from_db()
        assert other.state == State.APPROVED
        assert events(other) == [Action.APPROVE]
        assert other.history.filter(state=State.APPROVED).count() == 1

    # reopen an approved one from its report page (the link, not a typed URL)
    first = waiting[0]
    page.goto(base + reverse("reporting:report_detail", args=[first.pk]))
    check(page, console, "walk-approved-report", width)
    page.locator(f'main a[href="{reverse("review:report", args=[first.pk])}"]').first.click()
    assert page.url.endswith(reverse("review:report", args=[first.pk]))
    check(page, console, "walk-reopen", width)
    page.locator("#reopen-reason").fill(REASON)
    page.locator("#reopen-form button[type=submit]").click()
    page.wait_for_load_state("networkidle")
    assert console.errors == [], console.errors
    first.refresh_from_db()
    assert first.state == State.RETURNED
    assert events(first) == [Action.APPROVE, Action.REOPEN]
    assert first.events.get(action=Action.REOPEN).comment == REASON
    context.close()

    # --- the reporter: the returned report first on the start page, with the comment
    context, page, console = open_page("liu")
    check(page, console, "walk-reporter-home-returned", width)
    entries = page.locator(".todo-list > li")
    top = entries.first
    assert item.name[:10] in top.inner_text()
    assert "todo-item--returned" in (top.get_attribute("class") or "")
    assert COMMENT in top.locator(".todo-item__comment").inner_text()
    assert "张伟" in top.locator(".todo-item__comment").inner_text()
    # and on the form itself, the comment above the fields
    top.locator("a").first.click()
    assert COMMENT in page.locator("main").inner_text()
    check(page, console, "walk-report-form-returned", width)
    context.close()
