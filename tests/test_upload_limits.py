"""Issue 9.5: uploads are bounded. The image pixel limit is checked from the header before
decoding, at the limit documented (not at Pillow's twice the limit); the attachments of one
request and of one report have totals; every view caps the request body (the login page does
not take 200 MB), before anything reads it."""

from __future__ import annotations

import datetime
import io
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from factories import make_plan, make_project, make_report, make_subitem
from PIL import Image

from progress.models import Attachment, ProgressReport
from progress.reporting import services

pytestmark = pytest.mark.django_db

MB = 1024 * 1024
PERIOD = "2024-05"


def png(size: tuple[int, int], mode: str = "RGB") -> bytes:
    out = io.BytesIO()
    Image.new(mode, size).save(out, "PNG")
    return out.getvalue()


@pytest.fixture
def subitem(jurisdiction, unit):
    return make_subitem(make_project(make_plan(jurisdiction, year=2024)), lead_unit=unit)


@pytest.fixture
def report(subitem):
    return make_report(subitem, datetime.date(2024, 5, 1), state=ProgressReport.State.DRAFT)


def edit_url(subitem) -> str:
    return reverse("reporting:report_edit", args=[subitem.pk, PERIOD])


def form(*files) -> dict:
    return {
        "action": "save",
        "status": "on_track",
        "completion": "按计划推进。",
        "version": "",
        "attachments": list(files),
    }


# --- pixels ------------------------------------------------------------------------------


def test_an_image_at_the_pixel_limit_is_taken(report, reporter, settings):
    settings.IMAGE_MAX_PIXELS = 1000
    services.attachment_add(report=report, user=reporter, name="a.png", data=png((40, 25)))
    assert report.attachments.count() == 1


def test_an_image_one_row_over_the_pixel_limit_is_refused_naming_both(report, reporter, settings):
    """Pillow itself refuses only above twice MAX_IMAGE_PIXELS."""
    settings.IMAGE_MAX_PIXELS = 1000
    with pytest.raises(services.ReportError) as refusal:
        services.attachment_add(report=report, user=reporter, name="a.png", data=png((40, 26)))
    assert "40 × 26" in str(refusal.value) and "1,040" in str(refusal.value)
    assert "1,000" in str(refusal.value)
    assert report.attachments.count() == 0


def test_a_huge_image_is_refused_from_its_header_without_decoding(report, reporter, settings):
    """60 megapixels (under Pillow's 2 × 50 MP) in a small file: refused in milliseconds."""
    assert settings.IMAGE_MAX_PIXELS == 50_000_000
    data = png((8000, 7500), mode="1")
    assert len(data) < 2 * MB
    started = time.perf_counter()
    with pytest.raises(services.ReportError) as refusal:
        services.attachment_add(report=report, user=reporter, name="a.png", data=data)
    assert time.perf_counter() - started < 0.5
    assert "8000 × 7500" in str(refusal.value)


# --- totals ------------------------------------------------------------------------------


def test_attachments_of_one_request_over_the_total_save_nothing(
    en_client, reporter, subitem, settings
):
    settings.ATTACHMENT_REQUEST_MAX_BYTES = 3000
    files = [
        SimpleUploadedFile(f"{n}.pdf", b"%PDF-" + b"0" * 1200, "application/pdf") for n in range(3)
    ]
    response = en_client(reporter).post(edit_url(subitem), form(*files))
    assert response.status_code == 200
    assert "The files sent together are 3.53 KB (3,615 bytes)" in response.content.decode()
    assert not ProgressReport.objects.filter(subitem=subitem).exists()
    assert Attachment.objects.count() == 0


def test_attachments_of_one_report_over_the_total_are_refused(
    en_client, reporter, subitem, report, settings
):
    settings.ATTACHMENT_REPORT_MAX_BYTES = 3000
    services.attachment_add(report=report, user=reporter, name="a.pdf", data=b"%PDF-" + b"0" * 2000)
    version = ProgressReport.objects.get(pk=report.pk).version
    data = form(SimpleUploadedFile("b.pdf", b"%PDF-" + b"0" * 1200, "application/pdf"))
    data["version"] = str(version)
    response = en_client(reporter).post(edit_url(subitem), data)
    assert "The attachments of one report may total" in response.content.decode()
    assert report.attachments.count() == 1


# --- the request body ----------------------------------------------------------------------


def test_the_login_page_refuses_a_200_mb_body_before_reading_it(client):
    """Declared 200 MB, a few bytes sent: refused from CONTENT_LENGTH, the body never read."""
    response = client.generic(
        "POST",
        reverse("login"),
        b"username=a&password=b",
        content_type="application/x-www-form-urlencoded",
        CONTENT_LENGTH=str(200 * MB),
    )
    assert response.status_code == 413
    assert "200.0 MB" in response.content.decode() or "200 MB" in response.content.decode()


def test_a_multipart_body_over_the_cap_is_refused_on_the_login_page(client, settings):
    """A file part is not counted by DATA_UPLOAD_MAX_MEMORY_SIZE: the cap holds for it too."""
    big = SimpleUploadedFile("x.bin", b"0" * (settings.REQUEST_MAX_BYTES + 1))
    response = client.post(reverse("login"), {"username": "a", "password": "b", "f": big})
    assert response.status_code == 413


def test_the_report_form_takes_a_body_up_to_its_own_cap(client_as, reporter, subitem, settings):
    assert settings.ATTACHMENT_REQUEST_MAX_BYTES > settings.REQUEST_MAX_BYTES
    photo = SimpleUploadedFile("a.pdf", b"%PDF-" + b"0" * (settings.REQUEST_MAX_BYTES + 10))
    response = client_as(reporter).post(edit_url(subitem), form(photo))
    assert response.status_code == 302
    assert Attachment.objects.count() == 1


def test_the_report_form_refuses_a_body_over_its_cap(client_as, reporter, subitem, settings):
    settings.ATTACHMENT_REQUEST_MAX_BYTES = 50_000  # and a megabyte for the form around it
    photo = SimpleUploadedFile("a.pdf", b"%PDF-" + b"0" * (50_000 + MB))
    response = client_as(reporter).post(edit_url(subitem), form(photo))
    assert response.status_code == 413
    assert not ProgressReport.objects.filter(subitem=subitem).exists()


def test_the_import_page_takes_a_file_over_the_general_cap(client_as, admin_user, settings):
    data = b"0" * (settings.REQUEST_MAX_BYTES + 10)
    response = client_as(admin_user).post(
        reverse("importers:upload"), {"file": SimpleUploadedFile("a.csv", data)}
    )
    assert response.status_code != 413


def test_gunicorn_limits_the_request_line_and_headers():
    import runpy
    from pathlib import Path

    conf = runpy.run_path(str(Path(__file__).resolve().parent.parent / "gunicorn.conf.py"))
    assert conf["limit_request_line"] <= 8190
    assert conf["limit_request_fields"] <= 100
    assert conf["limit_request_field_size"] <= 8190
