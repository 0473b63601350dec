"""The whole monthly round in Chromium: a reporter fills and submits the form with a photo, a
supervisor returns it with a comment, the reporter reads the comment and submits again, the
supervisor approves. Real server (live_server), real database, Debian's Chromium; no console
error and no CSP violation on any page."""

from __future__ import annotations

import re

import pytest
from browser import Console, log_in
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from factories import make_plan, make_project, make_subitem, make_user
from PIL import Image
from playwright.sync_api import expect

from progress import periods
from progress.models import ProgressReport, ReviewEvent, Status
from projects import roles

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

RETURN_COMMENT = "请补充现场照片的说明，并写明滞后的具体原因。"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def photo(tmp_path):
    path = tmp_path / "现场照片.png"
    Image.new("RGB", (320, 240), (40, 120, 200)).save(path)
    return path


def test_report_return_resubmit_approve(live_server, page, new_context, photo):
    # --- the data: one item led by the reporter's unit, in the period being reported now
    supervisor = make_user("supervisor", roles.SUPERVISOR)
    year = periods.current_period(timezone.localdate(), settings.REPORT_DEADLINE_DAY).year
    plan = make_plan(title=f"{year}年民生实事项目清单", year=year)
    jurisdiction = plan.jurisdiction
    supervisor.jurisdiction = jurisdiction
    supervisor.save()
    project = make_project(plan, number="3", name="新建10处养老服务设施")
    subitem = make_subitem(project, name="新建社区食堂5处")
    make_user("reporter", roles.REPORTER, jurisdiction=jurisdiction, unit=subitem.lead_unit)
    period = periods.period_now()  # the start page opens on it: the plan has items in it
    assert period.year == plan.year
    base = live_server.url
    console = Console()

    # --- the reporter fills in the form and submits it with a photo
    reporter_page = console.watch(page)
    log_in(reporter_page, base, "reporter")
    reporter_page.locator(f'nav a[href="{reverse("reporting:my_reports")}"]').click()
    edit_url = reverse("reporting:report_edit", args=[subitem.pk, periods.label(period)])
    reporter_page.locator(f'a[href="{edit_url}"]').first.click()
    expect(reporter_page).to_have_url(base + edit_url)
    form = reporter_page.locator('form[enctype="multipart/form-data"]')
    form.locator('select[name="status"]').select_option(Status.LAGGING)
    form.locator('textarea[name="completion"]').fill("完成选址3处，开工建设2处。")
    form.locator('textarea[name="explanation"]').fill("2处因征地推迟，下月开工。")
    form.locator('textarea[name="problems"]').fill("征地协调进度慢")
    form.locator('textarea[name="next_steps"]').fill("协调街道加快征地")
    form.locator('input[name="attachments"]').set_input_files(photo)
    form.locator('button[name="action"][value="submit"]').click()
    expect(reporter_page).to_have_url(re.compile(re.escape(reverse("reporting:my_reports"))))

    report = ProgressReport.objects.get(subitem=subitem, period=period)
    assert report.state == ProgressReport.State.SUBMITTED
    assert (report.status, report.explanation) == (Status.LAGGING, "2处因征地推迟，下月开工。")
    assert report.attachments.get().original_name == "现场照片.png"

    # --- the supervisor, in a browser of their own, returns it with a comment
    supervisor_page = console.watch(new_context().new_page())
    log_in(supervisor_page, base, "supervisor")
    supervisor_page.locator(f'nav a[href="{reverse("review:queue")}"]').click()
    review_url = reverse("review:report", args=[report.pk])
    row = supervisor_page.locator(f"#report-{report.pk}")
    expect(row).to_contain_text("新建社区食堂5处")
    row.locator(f'a[href="{review_url}"]').first.click()
    expect(supervisor_page.locator(".report-content")).to_contain_text("2处因征地推迟")
    attachment_link = supervisor_page.get_by_role("link", name="现场照片.png")
    expect(attachment_link).to_be_visible()
    photo_response = supervisor_page.request.get(base + attachment_link.get_attribute("href"))
    assert photo_response.ok
    assert photo_response.headers["content-type"].startswith("image/")
    supervisor_page.locator("#return-comment").fill(RETURN_COMMENT)
    supervisor_page.locator('#return-form button[value="return"]').click()
    expect(supervisor_page).to_have_url(base + reverse("review:queue"))
    expect(supervisor_page.locator(f"#report-{report.pk}")).to_have_count(0)
    report.refresh_from_db()
    assert report.state == ProgressReport.State.RETURNED

    # --- the reporter sees the comment and submits again
    reporter_page.goto(base + reverse("reporting:my_reports"))
    reporter_page.locator(f'a[href="{edit_url}"]').first.click()
    expect(reporter_page.locator("main")).to_contain_text(RETURN_COMMENT)
    form = reporter_page.locator('form[enctype="multipart/form-data"]')
    expect(form.locator('textarea[name="completion"]')).to_have_value("完成选址3处，开工建设2处。")
    form.locator('textarea[name="explanation"]').fill(
        "2处因征地推迟：街道尚未完成拆迁补偿，预计下月开工。照片为已开工的3处。"
    )
    form.locator('button[name="action"][value="submit"]').click()
    expect(reporter_page).to_have_url(re.compile(re.escape(reverse("reporting:my_reports"))))
    report.refresh_from_db()
    assert report.state == ProgressReport.State.SUBMITTED

    # --- the supervisor approves; the report is locked for the unit
    supervisor_page.goto(base + reverse("review:queue"))
    supervisor_page.locator(f'#report-{report.pk} a[href="{review_url}"]').first.click()
    expect(supervisor_page.locator(".review-events")).to_contain_text(RETURN_COMMENT)
    supervisor_page.locator('#approve-form button[value="approve"]').click()
    expect(supervisor_page).to_have_url(base + reverse("review:queue"))

    reporter_page.goto(base + edit_url)
    expect(reporter_page.locator('textarea[name="completion"]')).to_have_count(0)  # locked

    report.refresh_from_db()
    assert report.state == ProgressReport.State.APPROVED
    assert report.explanation.startswith("2处因征地推迟：街道尚未完成拆迁补偿")
    assert report.attachments.count() == 1
    assert list(report.events.values_list("action", "actor__username")) == [
        (ReviewEvent.Action.SUBMIT, "reporter"),
        (ReviewEvent.Action.RETURN, "supervisor"),
        (ReviewEvent.Action.SUBMIT, "reporter"),
        (ReviewEvent.Action.APPROVE, "supervisor"),
    ]
    assert report.events.get(action=ReviewEvent.Action.RETURN).comment == RETURN_COMMENT
    assert console.errors == []
