"""PDFs that are not a list: each gets its own message, in Chinese by default, naming what was
found, and nothing is written. The size guards of the other formats (bytes, pages, time)
apply. And a PDF goes through the web import's preview with the page of each row."""

from __future__ import annotations

import io
import zlib
from pathlib import Path

import pytest
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import translation
from PIL import Image, ImageDraw
from test_bad_files import NOTHING, command, counts, refused, xlsx_bytes
from test_import_views import _upload

from importers.forms import UploadForm
from importers.models import ImportBatch
from importers.services import run_import
from importers.types import ImportFileError

ROOT = Path(__file__).resolve().parent.parent
PDFS = ROOT / "fixtures" / "pdf"
LEDGER = PDFS / "shanting-2024-q1-ledger.pdf"  # 13 pages, Writer

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    """The messages are translated; the assertions name the English ones unless they say."""
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def scanned_pdf(pages: int = 2) -> bytes:
    """A scan: each page one image of a ruled table, no text layer (Pillow writes the PDF)."""
    images = []
    for _ in range(pages):
        image = Image.new("RGB", (1240, 1754), "white")
        draw = ImageDraw.Draw(image)
        for y in range(200, 1500, 100):
            draw.line((100, y, 1140, y), fill="black", width=3)
        for x in (100, 300, 700, 1140):
            draw.line((x, 200, x, 1400), fill="black", width=3)
        images.append(image)
    out = io.BytesIO()
    images[0].save(out, "PDF", save_all=True, append_images=images[1:], resolution=150)
    return out.getvalue()


def one_page_pdf(content: bytes) -> bytes:
    """A valid one-page PDF drawing `content` (a content stream), written out by hand."""
    stream = zlib.compress(content)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for n, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % n + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


# --- what was found instead of a list ------------------------------------------------------------

FOUND = {
    "scan": (scanned_pdf, ["no text, only images", "2 on its 2 pages", "scan"], "扫描件"),
    "encrypted": (
        lambda: (PDFS / "notice-encrypted.pdf").read_bytes(),
        ["encrypted", "password"],
        "已加密",
    ),
    "prose": (
        lambda: (PDFS / "notice-prose.pdf").read_bytes(),
        ["no table drawn with ruled lines", "on its 1 page", "西青区人民政府办公室关于印发"],
        "没有带框线的表格",
    ),
    "empty pages": (
        lambda: one_page_pdf(b""),
        ["no text and no images"],
        "既无文字也无图像",
    ),
}


@pytest.mark.parametrize("case", list(FOUND))
def test_each_kind_of_pdf_that_is_not_a_list_gets_its_own_message(tmp_path, case):
    make, words, chinese = FOUND[case]
    data = make()
    message = refused(tmp_path, data, "清单.pdf", jurisdiction="西青区", year=2023)
    for word in words:
        assert word in message
    with translation.override("zh-hans"), pytest.raises(ImportFileError) as zh:
        run_import(data=data, filename="清单.pdf", jurisdiction="西青区", year=2023)
    assert chinese in str(zh.value)
    assert not ImportBatch.objects.exists()


def test_the_messages_differ():
    messages = set()
    for make, _words, _chinese in FOUND.values():
        with pytest.raises(ImportFileError) as exc:
            run_import(data=make(), filename="x.pdf", jurisdiction="西青区", year=2023)
        messages.add(str(exc.value))
    assert len(messages) == len(FOUND)


def test_a_pdf_with_copying_restricted_but_no_open_password_is_read(tmp_path):
    """Only a password needed to open the file stops the reader: a notice whose owner forbade
    copying is read, and refused for what it holds (prose), not for its protection."""
    message = refused(tmp_path, (PDFS / "notice-restricted.pdf").read_bytes(), "通知.pdf")
    assert "no table drawn with ruled lines" in message
    assert "encrypted" not in message


def test_a_damaged_pdf_is_refused(tmp_path):
    data = LEDGER.read_bytes()
    message = refused(tmp_path, data[:2000], "清单.pdf")
    assert "damaged" in message


# --- size guards ---------------------------------------------------------------------------


def test_a_pdf_over_the_byte_limit_is_refused_before_it_is_read(tmp_path, settings):
    settings.IMPORT_MAX_UPLOAD_BYTES = 100_000
    message = refused(tmp_path, LEDGER.read_bytes(), LEDGER.name, jurisdiction="山亭区")
    assert "too large" in message and "(100,000 bytes)" in message


def test_a_pdf_over_the_page_limit_is_refused_before_its_pages_are_read(tmp_path, settings):
    settings.IMPORT_MAX_PDF_PAGES = 12
    message = refused(tmp_path, LEDGER.read_bytes(), LEDGER.name, jurisdiction="山亭区")
    assert message == "The PDF has 13 pages, more than the 12 allowed; it is refused."


def test_a_pdf_that_takes_too_long_is_refused_between_pages(tmp_path, settings):
    settings.IMPORT_MAX_PDF_SECONDS = 0
    message = refused(tmp_path, LEDGER.read_bytes(), LEDGER.name, jurisdiction="山亭区")
    assert "took more than 0 seconds (1 of its 13 pages read)" in message


def test_a_page_of_countless_lines_is_refused(tmp_path):
    """pdfplumber intersects every horizontal line with every vertical one: a page that draws
    tens of thousands of them is refused before tables are looked for."""
    lines = b"".join(
        b"0 %d m 500 %d l S 50 0 m 50 800 l S\n" % (y % 800, y % 800) for y in range(10_001)
    )
    message = refused(tmp_path, one_page_pdf(lines), "清单.pdf")
    assert "Page 1 of the PDF draws 20002 lines and boxes" in message


# --- the title's year and jurisdiction from a 发布时间 / 来源 line ------------------------------


def test_a_published_line_gives_the_year_and_source_line_the_jurisdiction(tmp_path):
    """A table copied from a web page: the title says neither the year nor the jurisdiction;
    the 来源 line names the publisher, the 发布时间 line the date (a December table published
    in January is of the year before)."""
    data = xlsx_bytes(
        [
            ["发布时间：2025-01-08 10:00 来源：宁波市北仑区发展和改革局"],
            ["区政府民生实事项目12月进度表"],
            ["序号", "重点工作", "牵头单位", "12月完成情况", "进度状态"],
            ["1", "新建养老服务设施", "民政局", "已完成", "办结"],
        ]
    )
    outcome = run_import(data=data, filename="进度表.xlsx", dry_run=True)
    doc = outcome.document
    assert doc["errors"] == []
    assert (doc["jurisdiction"], doc["year"], doc["period"]) == ("北仑区", 2024, "2024-12")


# --- the web import ------------------------------------------------------------------------


@pytest.fixture
def admin_client(client_as, admin_user):
    """An admin reading the pages in English, so that the assertions can name the labels."""
    client = client_as(admin_user)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def test_the_upload_form_offers_pdf():
    widget = UploadForm().fields["file"].widget
    assert ".pdf" in widget.attrs["accept"]


def test_a_pdf_previews_with_the_page_of_each_row_then_imports(admin_client):
    response = _upload(admin_client, LEDGER.name, LEDGER.read_bytes(), jurisdiction="山亭区")
    assert response.status_code == 302
    batch = ImportBatch.objects.get()
    page = admin_client.get(reverse("importers:preview", args=[batch.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert '<th scope="col">Page</th>' in html
    sample = page.context["sample"]
    # the page each sub-item begins on (pdftotext -layout shows the same)
    assert [s["page"] for p in sample for s in p["subitems"]] == [1, 1, 2, 2, 2, 3, 3, 4, 4, 4, 6]
    assert batch.summary["counts"]["subitems"] == 25
    admin_client.post(reverse("importers:confirm", args=[batch.pk]))
    batch.refresh_from_db()
    assert batch.state == ImportBatch.State.APPLIED


def test_the_preview_of_a_pdf_reads_page_in_chinese(client_as, admin_user):
    client = client_as(admin_user)
    _upload(client, LEDGER.name, LEDGER.read_bytes(), jurisdiction="山亭区")
    page = client.get(reverse("importers:preview", args=[ImportBatch.objects.get().pk]))
    assert '<th scope="col">页码</th>' in page.content.decode()


def test_other_files_preview_without_a_page_column(admin_client):
    data = (ROOT / "fixtures" / "samples" / "shanting-2024-q1-ledger.docx").read_bytes()
    _upload(admin_client, "shanting-2024-q1-ledger.docx", data, jurisdiction="山亭区")
    page = admin_client.get(reverse("importers:preview", args=[ImportBatch.objects.get().pk]))
    assert '<th scope="col">Page</th>' not in page.content.decode()


def test_the_command_refuses_a_scan_with_the_same_message(tmp_path):
    path = tmp_path / "扫描件.pdf"
    path.write_bytes(scanned_pdf(1))
    with pytest.raises(CommandError) as exc:
        command(path, "--jurisdiction=西青区")
    assert "scan" in str(exc.value)
    assert counts() == NOTHING
