"""In Chromium, with a real worker process on PostgreSQL: an admin uploads a 5,000-row list on
the web page, watches the progress bar move (static/js/job_progress.js under the strict CSP),
lands on the preview, confirms, waits for the write, then exports the item list, which is
written in the background, and downloads it from the job's page."""

from __future__ import annotations

import importlib.util
import tempfile
from pathlib import Path

import openpyxl
import pytest
from browser import Console, log_in
from django.urls import reverse
from factories import make_user
from playwright.sync_api import Page, expect
from workers import ROOT, start_worker, stop

from importers.models import ImportBatch
from projects import roles
from projects.models import SubItem

pytestmark = [pytest.mark.browser, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ROWS = 5000
BAR = """() => {
  const bar = document.querySelector("[data-job-bar]");
  return bar ? [bar.value, bar.max, location.pathname] : null;
}"""


def _list_file(directory: Path) -> Path:
    spec = importlib.util.spec_from_file_location(
        "import_bench", ROOT / "benchmarks/import_bench.py"
    )
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    path = directory / bench.FILENAME
    bench.generate_xlsx(path, ROWS, 2024)
    return path


def _watch_bar(page: Page, leaves_for: str, timeout_s: float = 300) -> list:
    """The bar's (value, max) every 100 ms until the page is no longer the job's page."""
    seen = []
    for _ in range(int(timeout_s * 10)):
        if leaves_for in page.url:
            return seen
        try:
            state = page.evaluate(BAR)
        except Exception:  # navigating
            state = None
        if state and state[0:2] not in seen:
            seen.append(state[0:2])
        page.wait_for_timeout(100)
    raise AssertionError(f"still on {page.url}; the bar went {seen}")


def test_upload_watch_confirm_and_download_in_the_background(
    page: Page, live_server, settings, tmp_path
):
    settings.IMPORT_IN_BACKGROUND = True
    settings.EXPORT_BACKGROUND_ROWS = 1000
    make_user("admin", roles.ADMIN, is_staff=True)
    console = Console()
    console.watch(page)
    worker = start_worker()
    try:
        base = live_server.url
        log_in(page, base, "admin")
        page.goto(base + reverse("importers:upload"))
        page.set_input_files('input[type="file"]', str(_list_file(tmp_path)))
        page.get_by_role("button", name="Upload and preview").click()
        expect(page.locator("[data-job-bar]")).to_be_visible()

        seen = _watch_bar(page, "/imports/")
        assert any(0 < value < maximum for value, maximum in seen), seen  # it moved
        batch = ImportBatch.objects.get()
        expect(page).to_have_url(base + reverse("importers:preview", args=[batch.pk]))

        page.get_by_role("button", name="Confirm and import").click()
        _watch_bar(page, "/imports/")
        expect(page).to_have_url(base + reverse("importers:preview", args=[batch.pk]))
        assert SubItem.objects.count() == ROWS

        page.goto(base + reverse("items:list"))
        page.get_by_role("link", name="Export to Excel (.xlsx)").click()
        download_link = page.locator("[data-job-download]")
        expect(download_link).to_be_visible(timeout=300_000)
        with page.expect_download() as download:
            download_link.click()
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "items.xlsx"
            download.value.save_as(path)
            sheet = openpyxl.load_workbook(path, read_only=True).active
            assert sum(1 for _ in sheet.iter_rows()) == 2 + 1 + ROWS  # title, filters, header
    finally:
        stop(worker)
    assert console.errors == []
