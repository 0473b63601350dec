"""Each role's daily pages in Chromium, in Chinese, at a phone's 390 px and a laptop's 1366 px:
no axe-core violation, no page-wide horizontal scrolling, no table cell narrower than two
characters, a focus ring of at least 3:1 against what surrounds it, no console error and no CSP
violation. Screenshots go to $SCREENSHOTS (default: none) for a person to look at."""

from __future__ import annotations

import datetime
import os
from pathlib import Path

import pytest
from browser import Console, log_in
from django.urls import reverse
from factories import BEILUN, import_sample, make_report, make_user

from progress.models import ProgressReport
from projects import roles
from projects.models import SubItem

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = (Path(__file__).parent.parent / "vendor" / "axe.min.js").read_text(encoding="utf-8")
SHOTS = os.environ.get("SCREENSHOTS", "")
WIDTHS = (390, 1366)

LAYOUT = """() => {
  const doc = document.documentElement;
  const em = parseFloat(getComputedStyle(document.body).fontSize);
  const narrow = [];
  for (const cell of document.querySelectorAll("main td, main th")) {
    const box = cell.getBoundingClientRect();
    const text = cell.innerText.trim();
    const head = cell.closest("thead");
    if (head && head.getBoundingClientRect().width <= 1) continue; // a card layout's hidden head
    if (box.width > 0 && text.length > 1 && box.width < 2 * em) {
      narrow.push(text.slice(0, 20) + " " + Math.round(box.width) + "px");
    }
  }
  return {overflow: doc.scrollWidth - doc.clientWidth, narrow: narrow};
}"""

# the contrast of the focus outline against the colour behind the focused element
FOCUS_CONTRAST = """(el) => {
  function rgb(text) { return text.match(/[\\d.]+/g).slice(0, 4).map(Number); }
  function lum(c) {
    const v = c.slice(0, 3).map((x) => { x /= 255; return x <= 0.03928 ? x / 12.92 : Math.pow((x + 0.055) / 1.055, 2.4); });
    return 0.2126 * v[0] + 0.7152 * v[1] + 0.0722 * v[2];
  }
  function background(node) {
    for (let n = node.parentElement; n; n = n.parentElement) {
      const c = rgb(getComputedStyle(n).backgroundColor);
      if (c.length < 4 || c[3] > 0) return c;
    }
    return [255, 255, 255];
  }
  const style = getComputedStyle(el);
  if (style.outlineStyle === "none" || parseFloat(style.outlineWidth) < 2) return 0;
  const a = lum(rgb(style.outlineColor)), b = lum(background(el));
  return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
}"""


@pytest.fixture
def people(db):
    """北仑区's October table, a supervisor and the reporter of 卫健局 with one submitted report."""
    plan = import_sample(BEILUN, "北仑区")
    place = plan.jurisdiction
    sup = make_user("zhang", roles.SUPERVISOR, jurisdiction=place, first_name="伟", last_name="张")
    first = SubItem.objects.filter(project__plan=plan, lead_unit__isnull=False).order_by("pk")[0]
    unit = first.lead_unit
    rep = make_user(
        "liu",
        roles.REPORTER,
        jurisdiction=place,
        unit=unit,
        first_name="洋",
        last_name="刘",
        email="liu@example.cn",
    )
    report = make_report(first, datetime.date(2024, 11, 1), submitted_by=rep)
    return {"supervisor": sup, "reporter": rep, "report": report, "plan": plan}


def check(page, console, name: str, width: int) -> None:
    page.wait_for_load_state("networkidle")
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=f"{SHOTS}/{name}-{width}.png", full_page=True)
    layout = page.evaluate(LAYOUT)
    assert layout["overflow"] <= 1, (
        f"{name} at {width}px scrolls sideways by {layout['overflow']}px"
    )
    assert not layout["narrow"], (
        f"{name} at {width}px: cells narrower than two characters {layout['narrow']}"
    )
    # through the DevTools protocol, not a <script> the page's CSP would (rightly) refuse
    page.evaluate(f"() => {{ {AXE}\n; window.axe = axe; }}")
    result = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
        ".map((v) => v.id + ': ' + v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(', '))"
    )
    assert result == [], f"{name} at {width}px: {result}"
    # the focus ring of the first link of the page's content and of the header
    for selector in ("main a[href]", ".site-header a[href]"):
        link = page.locator(selector).first
        if link.count() and link.is_visible():
            link.focus()
            page.keyboard.press("Shift+Tab")
            page.keyboard.press("Tab")
            ratio = link.evaluate(FOCUS_CONTRAST)
            assert ratio >= 3, f"{name} at {width}px: focus ring {selector} {ratio:.2f}:1"
    assert console.errors == [], console.errors


@pytest.mark.parametrize("width", WIDTHS)
def test_the_reporters_pages(live_server, browser, people, width):
    context = browser.new_context(viewport={"width": width, "height": 900}, locale="zh-CN")
    page = context.new_page()
    console = Console()
    console.watch(page)
    base = live_server.url
    log_in(page, base, "liu")
    assert "刘洋，您好" in page.locator("h1").inner_text()
    check(page, console, "reporter-home", width)
    page.goto(base + reverse("reporting:my_reports") + "?period=2024-11")
    check(page, console, "reporter-my-reports", width)
    page.goto(base + reverse("items:list"))
    check(page, console, "reporter-items", width)
    context.close()


@pytest.mark.parametrize("width", WIDTHS)
def test_the_supervisors_pages(live_server, browser, people, width):
    context = browser.new_context(viewport={"width": width, "height": 900}, locale="zh-CN")
    page = context.new_page()
    console = Console()
    console.watch(page)
    base = live_server.url
    log_in(page, base, "zhang")
    check(page, console, "supervisor-home", width)
    # the 待审核 figure opens the queue with as many reports as it says
    waiting = int(page.locator('[data-figure="awaiting_review"] .figure__value').inner_text())
    if width < 640:
        page.locator(".menu-toggle").click()  # the menu is folded on a phone
    page.locator('[data-figure="awaiting_review"]').click()
    assert page.locator("main tbody tr").count() == waiting == 1
    check(page, console, "supervisor-queue", width)
    page.goto(base + reverse("review:report", args=[people["report"].pk]))
    check(page, console, "supervisor-review", width)
    page.goto(base + reverse("review:missing") + "?period=2024-10")
    check(page, console, "supervisor-missing", width)
    page.goto(base + reverse("items:list") + "?period=2024-10")
    check(page, console, "supervisor-items", width)
    # approve from the queue, in bulk
    page.goto(base + reverse("review:queue"))
    page.locator('input[name="report"]').first.check()
    page.locator("#approve-selected button").click()
    assert "已批准 1 份报告" in page.locator(".messages").inner_text()
    assert ProgressReport.objects.get(pk=people["report"].pk).state == "approved"
    context.close()


def test_the_supervisor_reminds_and_publishes_with_the_warning(
    live_server, browser, people, mailoutbox
):
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    page = context.new_page()
    console = Console()
    console.watch(page)
    base = live_server.url
    log_in(page, base, "zhang")

    # 催报 on the missing-reports page of 2024-11: one message to the one unit whose reporter
    # has an address (卫健局), recorded and shown on the page; the others are named as skipped
    from projects.models import Unit

    health = Unit.objects.get(jurisdiction=people["supervisor"].jurisdiction, name="卫健局")
    make_user(
        "zhao",
        roles.REPORTER,
        jurisdiction=health.jurisdiction,
        unit=health,
        email="zhao@example.cn",
    )
    page.goto(base + reverse("review:missing") + "?period=2024-11")
    page.get_by_role("button", name="催报").click()
    assert "已催报" in page.locator(".messages").inner_text()
    assert "张伟" in page.locator("#reminders").inner_text()
    assert [m.to for m in mailoutbox] == [["zhao@example.cn"]]
    assert "卫健局" in mailoutbox[0].subject

    # publishing 2024-11 asks first and warns: one report waiting, the rest missing
    plan = people["plan"]
    page.goto(base + reverse("exports:index", args=[plan.pk]))
    row = page.locator("tr", has=page.locator("th", has_text="2024-11"))
    row.get_by_role("button", name="发布").click()
    warning = page.locator("#publish-warning").inner_text()
    assert "1 份报告待审核" in warning
    check(page, console, "supervisor-publish-confirm", 1366)
    page.get_by_role("button", name="仍然发布").click()
    assert "已发布" in page.locator(".messages").inner_text() or "发布" in page.content()
    from progress.models import Publication

    assert Publication.objects.filter(plan=plan, period=datetime.date(2024, 11, 1)).exists()
    assert console.errors == []
    context.close()


def test_the_public_table_on_a_phone(live_server, browser, people):
    """Issue 12.11: the published table becomes cards at 390 px, each cell named by its column,
    with the same content as at 1366 px and nothing to change."""
    from progress.exports.services import publication_publish

    plan = people["plan"]
    october = datetime.date(2024, 10, 1)
    publication_publish(plan=plan, period=october, user=people["supervisor"], show_persons=False)
    url = live_server.url + reverse("public:table", args=[plan.pk, "2024-10"])
    texts = {}
    for width in WIDTHS:
        context = browser.new_context(viewport={"width": width, "height": 900}, locale="zh-CN")
        page = context.new_page()
        console = Console()
        console.watch(page)
        page.goto(url)
        check(page, console, "public-table", width)
        cells = page.locator("main .public-table tbody td")
        assert cells.count() > 10
        texts[width] = cells.all_inner_texts()
        # a card: one row's cells stacked full width, labelled by their column
        first = cells.nth(1)
        assert first.get_attribute("data-label")
        display = first.evaluate("(td) => getComputedStyle(td).display")
        assert display == ("block" if width < 640 else "table-cell")
        assert page.locator("main form[method=post], main input, main textarea").count() == 0
        context.close()
    assert texts[390] == texts[1366]  # the same content, laid out as cards
