"""督办 in Chromium: the supervisor picks two lagging items on the lights page and issues a
notice on both; the unit replies to one with an attachment; the supervisor accepts it; the
other's deadline passes (the test moves it) and it shows overdue on the start pages. Real
server, real database; no console error, no failed request."""

from __future__ import annotations

import datetime

import pytest
from browser import Console, log_in
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from progress.supervision.models import Notice

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_issue_reply_accept_and_overdue(
    live_server, page, new_context, tmp_path, supervisor, reporter, lagging, on_track
):
    base = live_server.url
    console = Console()
    material = tmp_path / "整改方案.pdf"
    material.write_bytes(b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
    due = timezone.localdate() + datetime.timedelta(days=7)

    # --- the supervisor chooses both items on the lights page and issues one notice on each
    sup = console.watch(page)
    log_in(sup, base, "supervisor")
    sup.goto(f"{base}{reverse('supervision:lights')}?period=2024-06")
    sup.locator(f'input[name="items"][value="{lagging.pk}"]').check()
    sup.locator(f'input[name="items"][value="{on_track.pk}"]').check()
    sup.locator('form[action$="/notices/new/"] button[type="submit"]').click()
    sup.locator('select[name="level"]').select_option("supervise")
    sup.locator('textarea[name="requirement"]').fill("说明滞后原因，7日内报送整改措施")
    sup.locator('input[name="reply_due"]').fill(due.isoformat())
    sup.locator('main form button[type="submit"]').click()
    expect(sup.locator(".message--success")).to_be_visible()
    first, second = Notice.objects.order_by("subitem__project__order")
    assert (first.subitem, second.subitem) == (lagging, on_track)

    # --- the unit sees both on its start page and replies to the first with material
    rep_context = new_context()
    rep = console.watch(rep_context.new_page())
    log_in(rep, base, "reporter")
    unit_part = rep.locator('[data-part="supervision-unit"]')
    expect(unit_part).to_contain_text("新建社区养老驿站")
    expect(unit_part).to_contain_text("改造10个小区")
    unit_part.get_by_role("link", name="新建社区养老驿站").click()
    rep.locator('textarea[name="text"]').fill("已完成选址，正在办理用地手续")
    rep.locator('input[name="expected_completion"]').fill("2024-09-30")
    rep.locator('input[name="files"]').set_input_files(str(material))
    rep.locator('form[enctype] button[type="submit"]').click()
    expect(rep.locator(".message--success")).to_be_visible()
    expect(rep.get_by_role("link", name="整改方案.pdf")).to_be_visible()

    # --- the supervisor accepts the reply: the notice is closed
    sup.goto(f"{base}{reverse('supervision:notice', args=[first.pk])}")
    sup.locator('button[name="action"][value="accept"]').click()
    expect(sup.locator('[data-state="closed"]')).to_be_visible()

    # --- time moves on: the second notice's deadline passes without a reply
    Notice.objects.filter(pk=second.pk).update(
        reply_due=timezone.localdate() - datetime.timedelta(days=1)
    )
    sup.goto(base + reverse("home"))
    overdue = sup.locator('[data-part="supervision-summary"] [data-count="overdue"]')
    expect(overdue).to_have_text("1")
    rep.goto(base + reverse("home"))
    expect(rep.locator('[data-count="unit-overdue"]')).to_have_text("1")
    expect(rep.locator('[data-part="supervision-unit"] .badge--overdue')).to_be_visible()
    assert console.errors == []
