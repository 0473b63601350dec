"""The preview says what will change: row by row for an updated list (old -> new), the rows that
are not data with their reason, where the jurisdiction, year and period came from; a missing
one is given on the preview itself, without uploading the file again."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from importers.models import ImportBatch
from progress.models import ProgressReport
from projects.models import Milestone, Plan, SubItem

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "fixtures" / "samples"
_spec = importlib.util.spec_from_file_location(
    "make_habits", ROOT / "fixtures" / "habits" / "make_habits.py"
)
make_habits = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(make_habits)
UPLOAD_URL = reverse("importers:upload")

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def admin_client(en_client, admin_user):
    return en_client(admin_user)


def upload(client, path: Path, **options):
    form = {"file": SimpleUploadedFile(path.name, path.read_bytes())}
    form.update({k: v for k, v in options.items() if v})
    response = client.post(UPLOAD_URL, form)
    assert response.status_code == 302, response.context and response.context["form"].errors
    return ImportBatch.objects.latest("pk"), response["Location"]


def confirm(client, batch: ImportBatch, **extra) -> ImportBatch:
    client.post(reverse("importers:confirm", args=[batch.pk]), extra)
    batch.refresh_from_db()
    return batch


def test_an_updated_list_shows_each_changed_field_old_and_new(admin_client, tmp_path):
    sample = SAMPLES / "qingdao-2023-city-plan.xlsx"
    first, _url = upload(admin_client, sample, jurisdiction="青岛市")
    assert confirm(admin_client, first).state == ImportBatch.State.APPLIED

    wb = openpyxl.load_workbook(sample)
    ws = wb.active
    ws["B5"] = ws["B5"].value.replace("30所", "32所")  # project 3's name
    ws["C6"] = "市卫生健康委"  # project 4's lead unit (was 市民政局)
    ws["D6"] = "市财政局"  # and its co-operating units (were 市财政局,各区(市)政府)
    ws["E7"] = ws["E7"].value.replace("3月底前,出台", "4月底前,出台")  # project 5's first milestone
    edited = tmp_path / "qingdao-edited.xlsx"
    wb.save(edited)

    batch, url = upload(admin_client, edited, jurisdiction="青岛市")
    response = admin_client.get(url)
    page = response.content.decode()
    rows = response.context["updated_rows"]
    changes = {
        (r["kind"], r["number"], c["field"]): (c["old"], c["new"])
        for r in rows
        for c in r["changes"]
    }
    old_name = SubItem.objects.get(project__number="3").name
    assert changes[("project", "3", "name")] == (old_name, old_name.replace("30所", "32所"))
    assert changes[("subitem", "3", "name")] == (old_name, old_name.replace("30所", "32所"))
    assert changes[("subitem", "4", "lead_unit")] == ("市民政局", "市卫生健康委")
    assert changes[("subitem", "4", "co_units")] == ("市财政局、各区(市)政府", "市财政局")
    old_due, new_due = changes[("milestone", "5", "due")]
    assert (old_due, new_due) == ("2023-03-31", "2023-04-30")
    assert len(rows) == 4  # project 3, its sub-item, project 4's sub-item, project 5's milestone
    assert "What changes, row by row" in page
    assert "<del>市民政局</del>" in page and "<ins>市卫生健康委</ins>" in page
    # created, updated and unchanged add up to the file's rows
    counts = batch.summary["changes"]
    for kind in ("projects", "subitems", "milestones"):
        c = counts[kind]
        assert c["created"] + c["updated"] + c["unchanged"] == batch.summary["counts"][kind], kind
    assert counts["subitems"]["updated"] == 2 and counts["projects"]["updated"] == 1
    assert Milestone.objects.filter(due="2023-04-30").count() == 0  # the preview wrote nothing
    assert 'class="button button--quiet"' in page  # Cancel: a plain secondary button


def test_rows_that_are_not_data_are_listed_with_their_reason(admin_client, tmp_path):
    path = make_habits.qingdao_seen(tmp_path / "qingdao-seen.xlsx")
    _batch, url = upload(admin_client, path, jurisdiction="青岛市")
    response = admin_client.get(url)
    page = response.content.decode()
    skipped = response.context["skipped"]
    assert [s["message"] for s in skipped][:2] == ["A total row (小计).", "A total row (合计)."]
    assert len(skipped) == 6
    assert "Rows that are not data (skipped)" in page
    assert "审核人：张三" in page
    assert "Columns not read:</strong> 计划投资（万元）" in page
    assert "(given by you)" in page and "(from the title)" in page
    assert response.context["can_confirm"]


def test_a_missing_jurisdiction_is_given_on_the_preview(admin_client, tmp_path):
    path = make_habits.beilun_progress_text(tmp_path / "beilun-progress-text.xlsx")
    batch, url = upload(admin_client, path)
    response = admin_client.get(url)
    assert response.context["errors"] and not response.context["can_confirm"]
    assert response.context["missing"] == ["jurisdiction"]
    page = response.content.decode()
    options_url = reverse("importers:options", args=[batch.pk])
    assert options_url in page and 'name="jurisdiction"' in page

    response = admin_client.post(options_url, {"jurisdiction": "北仑区"})
    assert response["Location"] == url
    batch.refresh_from_db()
    assert batch.state == ImportBatch.State.PREVIEWED
    assert batch.jurisdiction_name == "北仑区" and batch.summary["errors"] == []
    assert batch.summary["sources"]["jurisdiction"] == "option"
    assert not Plan.objects.exists()
    response = admin_client.get(url)
    assert response.context["can_confirm"] and response.context["options_form"] is None
    assert confirm(admin_client, batch).state == ImportBatch.State.APPLIED
    assert Plan.objects.get().jurisdiction.name == "北仑区"
    assert ProgressReport.objects.count() == 7


def test_bad_options_on_the_preview_change_nothing(admin_client, tmp_path):
    path = make_habits.beilun_progress_text(tmp_path / "beilun-progress-text.xlsx")
    batch, _url = upload(admin_client, path)
    before = batch.summary
    response = admin_client.post(
        reverse("importers:options", args=[batch.pk]), {"period": "2024-13"}, follow=True
    )
    assert "Enter the period as YYYY-MM" in response.content.decode()
    batch.refresh_from_db()
    assert batch.summary == before


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("anonymous", 302),
        ("admin_user", 302),
        ("supervisor", 403),
        ("reporter", 403),
        ("other_reporter", 403),
    ],
)
def test_giving_options_checks_access(request, en_client, persona, expected, tmp_path):
    path = make_habits.beilun_progress_text(tmp_path / "beilun-progress-text.xlsx")
    admin = en_client(request.getfixturevalue("admin_user"))
    batch, url = upload(admin, path)
    user = None if persona == "anonymous" else request.getfixturevalue(persona)
    client = en_client(user)
    options_url = reverse("importers:options", args=[batch.pk])
    get_expected = {"anonymous": 302, "admin_user": 405}.get(persona, 403)
    assert client.get(options_url).status_code == get_expected  # POST only
    response = client.post(options_url, {"jurisdiction": "北仑区"})
    assert response.status_code == expected
    batch.refresh_from_db()
    if persona == "admin_user":
        assert response["Location"] == url and batch.jurisdiction_name == "北仑区"
    else:
        if persona == "anonymous":
            assert "next=" in response["Location"]
        assert batch.jurisdiction_name == "" and batch.summary["errors"]
    assert not Plan.objects.exists()
