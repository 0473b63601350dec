"""The overview in Chromium: a supervisor logs in, the Beilun table's overview draws both charts
with the vendored Chart.js under the strict CSP (no console error, no page error, no CSP
violation), the badges carry a symbol as well as a colour, a phone-sized screen gets no page-wide
horizontal scrolling, and a click on the lagging count lands on the item list with as many rows
as the count said."""

from __future__ import annotations

import re

import pytest
from browser import Console, log_in
from django.urls import reverse
from factories import BEILUN, import_sample, make_user
from playwright.sync_api import Page, expect

from projects import roles

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


# Chromium reports CSP violations on the console too; this catches them by name as well.
WATCH_CSP = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__cspViolations.push(e.violatedDirective + " " + (e.blockedURI || "inline"));
});
"""
CHARTS_DRAWN = """() => {
  const ids = ["status-chart", "trend-chart"];
  return window.Chart && ids.every((id) => {
    const chart = window.Chart.getChart(document.getElementById(id));
    return chart && chart.width > 0 && chart.height > 0;
  });
}"""


def chart_summary(page: Page) -> dict:
    return page.evaluate(
        """() => {
          const s = Chart.getChart(document.getElementById("status-chart"));
          const t = Chart.getChart(document.getElementById("trend-chart"));
          return {
            statusLabels: s.data.labels,
            statusCounts: s.data.datasets[0].data,
            trendMonths: t.data.labels.length,
            trendSeries: t.data.datasets.map((d) => d.label),
          };
        }"""
    )


def list_row_count(page: Page) -> int:
    """The rows the item list shows (one per sub-item, all on its first page here), checked
    against the count it prints above them."""
    rows = page.locator("main .table-wrap table tbody tr").count()
    printed = page.locator(".item-count").inner_text()
    assert re.match(rf"\s*{rows}\b", printed), printed
    return rows


def test_overview_charts_and_the_lagging_link(live_server, page, new_context):
    make_user("beilun", roles.SUPERVISOR, jurisdiction=import_sample(BEILUN, "北仑区").jurisdiction)
    base = live_server.url
    console = Console()
    overview = base + reverse("dashboard:overview")

    page.add_init_script(WATCH_CSP)
    console.watch(page)
    log_in(page, base, "beilun")
    page.locator(f'nav a[href="{reverse("dashboard:overview")}"]').click()
    expect(page).to_have_url(overview)
    page.wait_for_function(CHARTS_DRAWN)

    # the figures: Beilun's October table
    counts = {
        status: int(page.locator(f"#count-{status} .figure__value").inner_text())
        for status in ("total", "on_track", "completed", "lagging", "ahead", "missing")
    }
    assert counts == {
        "total": 35,
        "on_track": 18,
        "completed": 15,
        "lagging": 1,
        "ahead": 1,
        "missing": 0,
    }
    # the charts carry the same numbers, named with a symbol and a text, and 12 months
    charts = chart_summary(page)
    assert charts["statusCounts"][:4] == [18, 1, 1, 15]
    assert charts["statusLabels"][2].startswith("▼ ")
    assert charts["trendMonths"] == 12
    assert all(re.match(r"^\S+ \S", label) for label in charts["trendSeries"])
    # not colour alone: the lagging badge has a text and a symbol before it
    badge = page.locator("#count-lagging .status-lagging")
    assert badge.inner_text().strip()
    symbol = badge.evaluate("(el) => getComputedStyle(el, '::before').content")
    assert symbol == '"▼"'

    # on a phone: the charts shrink, the wide tables scroll inside their wrappers
    phone = console.watch(new_context(viewport={"width": 375, "height": 740}).new_page())
    phone.add_init_script(WATCH_CSP)
    log_in(phone, base, "beilun")
    phone.goto(overview)
    phone.wait_for_function(CHARTS_DRAWN)
    widths = phone.evaluate(
        """() => ({
          page: document.documentElement.scrollWidth,
          viewport: window.innerWidth,
          chart: Chart.getChart(document.getElementById("trend-chart")).width,
        })"""
    )
    assert widths["page"] <= widths["viewport"]
    assert 0 < widths["chart"] <= widths["viewport"]
    assert phone.evaluate("window.__cspViolations") == []

    # the lagging count lands on the item list, filtered to exactly those items
    lagging = counts["lagging"]
    page.locator("#count-lagging").click()
    expect(page).to_have_url(re.compile(re.escape(base + reverse("items:list")) + r"\?"))
    assert "shown=lagging" in page.url and "period=2024-10" in page.url
    assert list_row_count(page) == lagging
    expect(page.locator("main")).to_contain_text("教育")  # project 1, 部分滞后

    # and the total lands on all 35
    page.goto(overview)
    page.locator("#count-total").click()
    expect(page).to_have_url(re.compile(re.escape(base + reverse("items:list")) + r"\?"))
    assert list_row_count(page) == counts["total"]

    assert page.evaluate("window.__cspViolations") == []
    assert console.errors == []
