"""The web import: upload -> preview -> confirm, through the real service, database and views."""

from __future__ import annotations

import io
import json
import threading
import zipfile
from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.urls import reverse

from importers.batches import batch_apply
from importers.models import ImportBatch
from importers.safety import size_text
from progress.models import ProgressReport
from projects import roles
from projects.models import Jurisdiction, Milestone, Plan, Project, SubItem, Unit, User

SAMPLES = Path(__file__).resolve().parent.parent / "fixtures" / "samples"
EXPECTED = json.loads((SAMPLES / "expected.json").read_text(encoding="utf-8"))
UPLOAD_URL = reverse("importers:upload")

PASTED = (
    "序号\t实施内容\t牵头单位\t协办单位\t实施计划\n"
    "1\t新建口袋公园10处\t区园林局\t区财政局、区住建局\t3月底前,完成选址。 12月底前,全面建成。\n"
    "2\t新增停车泊位2000个\t区住建局\t区公安局\t6月底前,新增泊位1000个。 12月底前,全面完成目标任务。\n"
)

pytestmark = pytest.mark.django_db


def _jurisdiction_of(name: str) -> str:
    args = EXPECTED[name].get("args", [])
    return args[args.index("--jurisdiction") + 1] if "--jurisdiction" in args else ""


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def admin_client(en_client, admin_user) -> Client:
    return en_client(admin_user)


@pytest.fixture
def group_admin(db) -> User:
    """An admin by group only: not staff, not superuser."""
    user = User.objects.create_user(username="group-admin", password="x")
    user.groups.add(Group.objects.get_or_create(name=roles.ADMIN)[0])
    return user


def _plan_rows() -> dict[str, int]:
    return {
        "plans": Plan.objects.count(),
        "projects": Project.objects.count(),
        "subitems": SubItem.objects.count(),
        "milestones": Milestone.objects.count(),
        "reports": ProgressReport.objects.count(),
        "units": Unit.objects.count(),
    }


NOTHING = {"plans": 0, "projects": 0, "subitems": 0, "milestones": 0, "reports": 0, "units": 0}


def _upload(client: Client, name: str, data: bytes, **options) -> object:
    form = {"file": SimpleUploadedFile(name, data), **{k: v for k, v in options.items() if v}}
    return client.post(UPLOAD_URL, form)


def _upload_sample(client: Client, name: str):
    return _upload(client, name, (SAMPLES / name).read_bytes(), jurisdiction=_jurisdiction_of(name))


def _stored_batch(name: str, **fields) -> ImportBatch:
    """A batch as batch_create leaves it, but without a stored file (confirming it fails)."""
    summary = {
        **{"title": "", "jurisdiction": "", "year": 2024, "period": "", "counts": {}},
        **{"changes": {}, "errors": [], "warnings": [], "project_total": 0, "sample": []},
    }
    return ImportBatch.objects.create(original_name=name, summary=summary, **fields)


# --- access --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("anonymous", 302),
        ("admin_user", 200),
        ("group_admin", 200),
        ("supervisor", 403),
        ("reporter", 403),
        ("other_reporter", 403),
    ],
)
def test_it_checks_access(request, en_client, persona, expected):
    user = None if persona == "anonymous" else request.getfixturevalue(persona)
    batch = _stored_batch("list.tsv")
    before = _plan_rows()
    client = en_client(user)
    preview_url = reverse("importers:preview", args=[batch.pk])
    confirm_url = reverse("importers:confirm", args=[batch.pk])

    for url in (UPLOAD_URL, preview_url):
        response = client.get(url)
        assert response.status_code == expected, url
        if persona == "anonymous":
            assert "next=" in response["Location"]

    response = client.post(confirm_url)
    assert response.status_code == (302 if expected == 200 else expected)
    if persona == "anonymous":
        assert "next=" in response["Location"]
    batch.refresh_from_db()
    if expected == 200:
        # an admin confirmed a batch without a stored file: it fails and writes nothing
        assert batch.state == ImportBatch.State.FAILED
    else:
        assert batch.state == ImportBatch.State.PREVIEWED
    assert _plan_rows() == before


def test_confirm_is_post_only(admin_client):
    batch = _stored_batch("list.tsv")
    response = admin_client.get(reverse("importers:confirm", args=[batch.pk]))
    assert response.status_code == 405
    batch.refresh_from_db()
    assert batch.state == ImportBatch.State.PREVIEWED


def test_missing_batch_is_404(admin_client):
    assert admin_client.get(reverse("importers:preview", args=[999])).status_code == 404
    assert admin_client.post(reverse("importers:confirm", args=[999])).status_code == 404


def test_upload_page_lists_recent_imports_in_fixed_queries(admin_client, django_assert_num_queries):
    admin = User.objects.get(username="admin")
    for i in range(12):
        _stored_batch(f"list-{i}.xlsx", created_by=admin)
    Jurisdiction.objects.create(name="北仑区")
    # session, user, recent imports (joined with their users), jurisdiction names
    with django_assert_num_queries(4):
        response = admin_client.get(UPLOAD_URL)
    assert response.status_code == 200
    assert response.content.decode().count("list-") == 10
    assert "北仑区" in response.content.decode()


# --- the five sample files -------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(n for n in EXPECTED if n.endswith((".xlsx", ".docx"))))
def test_sample_previews_then_imports_once(admin_client, name):
    expected = EXPECTED[name]["summary"]

    response = _upload_sample(admin_client, name)
    assert response.status_code == 302, response.context and response.context["form"].errors
    batch = ImportBatch.objects.get()
    assert response["Location"] == reverse("importers:preview", args=[batch.pk])
    assert batch.state == ImportBatch.State.PREVIEWED
    assert batch.file.name and batch.original_name == name
    assert _plan_rows() == NOTHING  # the preview writes no plan data

    response = admin_client.get(response["Location"])
    assert response.status_code == 200
    page = response.content.decode()
    counts = batch.summary["counts"]
    for kind, value in expected.items():
        assert counts[kind] == value, kind
    rows = {str(r["label"]): r for r in response.context["rows"]}
    assert rows["Projects"]["in_file"] == expected["projects"]
    assert rows["Projects"]["created"] == expected["projects"]
    assert rows["Sub-items"]["created"] == expected["subitems"]
    assert batch.summary["year"] == EXPECTED[name]["year"]
    assert batch.summary["title"] in page
    assert response.context["errors"] == []
    assert response.context["can_confirm"]
    assert reverse("importers:confirm", args=[batch.pk]) in page
    assert 0 < len(response.context["sample"]) <= 5
    assert response.context["sample"][0]["name"] in page

    response = admin_client.post(reverse("importers:confirm", args=[batch.pk]), follow=True)
    assert response.status_code == 200
    batch.refresh_from_db()
    assert batch.state == ImportBatch.State.APPLIED
    assert batch.applied_at is not None
    assert batch.plan is not None and batch.jurisdiction is not None
    assert "was imported" in response.content.decode()
    assert reverse("importers:confirm", args=[batch.pk]) not in response.content.decode()
    written = _plan_rows()
    assert written["plans"] == 1
    assert written["projects"] == expected["projects"]
    assert written["subitems"] == expected["subitems"]
    assert written["reports"] == expected["reports"]
    if "milestones" in expected:
        assert written["milestones"] == expected["milestones"]

    # confirming the same batch again imports nothing twice
    response = admin_client.post(reverse("importers:confirm", args=[batch.pk]), follow=True)
    assert "already confirmed" in response.content.decode()
    assert batch_apply(batch=batch) is False
    assert _plan_rows() == written

    # the same file again: the preview says everything is unchanged, confirming changes nothing
    response = _upload_sample(admin_client, name)
    again = ImportBatch.objects.exclude(pk=batch.pk).get()
    changes = again.summary["changes"]
    assert changes["projects"]["created"] == 0
    assert changes["projects"]["updated"] == 0
    assert changes["projects"]["unchanged"] == expected["projects"]
    assert changes["subitems"]["unchanged"] == expected["subitems"]
    assert _plan_rows() == written
    response = admin_client.post(reverse("importers:confirm", args=[again.pk]))
    again.refresh_from_db()
    assert again.state == ImportBatch.State.APPLIED
    assert again.plan_id == batch.plan_id
    assert _plan_rows() == written


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_confirmations_at_once_import_once(admin_client, admin_user):
    name = "qingdao-2023-city-plan.xlsx"
    _upload_sample(admin_client, name)
    batch = ImportBatch.objects.get()
    barrier = threading.Barrier(2)
    results: list[bool] = []

    def confirm() -> None:
        try:
            barrier.wait(timeout=10)
            results.append(batch_apply(batch=ImportBatch.objects.get(pk=batch.pk), user=admin_user))
        finally:
            connection.close()

    threads = [threading.Thread(target=confirm) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(results) == [False, True]
    assert Plan.objects.count() == 1
    assert Project.objects.count() == EXPECTED[name]["summary"]["projects"]


def test_a_file_with_errors_cannot_be_confirmed(admin_client):
    name = "beilun-2024-10-progress.xlsx"
    response = _upload(admin_client, name, (SAMPLES / name).read_bytes())  # no jurisdiction
    batch = ImportBatch.objects.get()
    response = admin_client.get(response["Location"])
    page = response.content.decode()
    assert response.context["errors"]
    assert not response.context["can_confirm"]
    assert reverse("importers:confirm", args=[batch.pk]) not in page
    assert "fix the file and upload it again" in page
    assert response.context["errors"][0]["message"] in page

    response = admin_client.post(reverse("importers:confirm", args=[batch.pk]), follow=True)
    batch.refresh_from_db()
    assert batch.state == ImportBatch.State.FAILED
    assert batch.applied_at is None and batch.plan is None
    assert "Not imported" in response.content.decode()
    assert _plan_rows() == NOTHING


# --- pasted text ---------------------------------------------------------------------------------


def test_pasted_table_imports(admin_client):
    response = admin_client.post(
        UPLOAD_URL, {"text": PASTED, "jurisdiction": "测试区", "year": 2024}
    )
    assert response.status_code == 302, response.context and response.context["form"].errors
    batch = ImportBatch.objects.get()
    assert batch.original_name == "pasted.tsv"
    assert batch.summary["counts"]["projects"] == 2
    assert _plan_rows() == NOTHING

    admin_client.post(reverse("importers:confirm", args=[batch.pk]))
    batch.refresh_from_db()
    assert batch.state == ImportBatch.State.APPLIED
    plan = Plan.objects.get()
    assert plan.jurisdiction.name == "测试区" and plan.year == 2024
    assert list(plan.projects.values_list("number", flat=True)) == ["1", "2"]


def test_an_edited_table_updates_in_place(admin_client):
    options = {"jurisdiction": "测试区", "year": 2024}
    admin_client.post(UPLOAD_URL, {"text": PASTED, **options})
    first = ImportBatch.objects.get()
    admin_client.post(reverse("importers:confirm", args=[first.pk]))
    first.refresh_from_db()
    written = _plan_rows()

    edited = PASTED.replace("完成选址。", "完成选址和设计。")
    response = admin_client.post(UPLOAD_URL, {"text": edited, **options})
    second = ImportBatch.objects.exclude(pk=first.pk).get()
    assert response["Location"] == reverse("importers:preview", args=[second.pk])
    changes = second.summary["changes"]
    assert changes["milestones"]["updated"] == 1
    assert changes["milestones"]["created"] == 0
    assert changes["projects"]["created"] == 0
    assert _plan_rows() == written
    # one of the plan's two sub-items changes: more than IMPORT_LARGE_CHANGE_SHARE of it
    page = admin_client.get(response["Location"]).content.decode()
    assert "1 of the 2 sub-items" in page and 'name="confirm_large"' in page

    admin_client.post(reverse("importers:confirm", args=[second.pk]), {"confirm_large": "1"})
    second.refresh_from_db()
    assert second.state == ImportBatch.State.APPLIED
    assert second.plan_id == first.plan_id
    assert _plan_rows() == written
    assert Milestone.objects.filter(text__contains="完成选址和设计").count() == 1


def test_file_and_text_together_are_refused(admin_client):
    response = admin_client.post(
        UPLOAD_URL,
        {"file": SimpleUploadedFile("list.tsv", PASTED.encode()), "text": PASTED, "year": 2024},
    )
    assert response.status_code == 200
    assert "not both" in response.content.decode()
    assert not ImportBatch.objects.exists()


def test_nothing_given_is_refused(admin_client):
    response = admin_client.post(UPLOAD_URL, {"text": "  \n"})
    assert response.status_code == 200
    assert "Choose a file to upload or paste a table" in response.content.decode()
    assert not ImportBatch.objects.exists()


def test_bad_period_is_refused(admin_client):
    response = admin_client.post(UPLOAD_URL, {"text": PASTED, "period": "2024-13"})
    assert response.status_code == 200
    assert response.context["form"].has_error("period")
    assert not ImportBatch.objects.exists()


# --- bad input ----------------------------------------------------------------------------------


def _zip(parts: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _truncated_xlsx() -> bytes:
    data = (SAMPLES / "xiqing-2023-minxin-plan.xlsx").read_bytes()
    return data[: len(data) // 2]


BAD_FILES = {
    "empty": ("list.xlsx", b"", "The file is empty."),
    "wrong extension": ("list.pages", b"PK\x03\x04 hello", "cannot be imported"),
    "random bytes": ("list.xlsx", bytes(range(256)) * 8, "not a valid .xlsx file"),
    "truncated": ("list.xlsx", _truncated_xlsx(), "not a valid .xlsx file"),
    "zip bomb": (
        "list.xlsx",
        _zip({"xl/workbook.xml": b"<workbook/>", "xl/big.bin": b"\0" * (4 * 1024 * 1024)}),
        "zip bomb",
    ),
    "xml bomb": (
        "list.docx",
        _zip(
            {
                "word/document.xml": b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
                b'<!ENTITY lol2 "&lol;&lol;&lol;">]><document>&lol2;</document>'
            }
        ),
        "XML bomb",
    ),
    "no needed columns": (
        "list.tsv",
        "姓名\t年龄\n张三\t30\n".encode(),
        "No table with the needed columns",
    ),
    "not a table": (
        "notes.txt",
        "这不是表格。\n只是一些文字。\n".encode(),
        "No table with the needed columns",
    ),
}


@pytest.mark.parametrize("case", list(BAD_FILES))
def test_bad_input_shows_a_message_and_writes_nothing(admin_client, case):
    filename, data, message = BAD_FILES[case]
    response = _upload(admin_client, filename, data, jurisdiction="测试区", year="2024")
    assert response.status_code == 200
    page = response.content.decode()
    assert message in page
    assert response.context["form"].errors
    assert not ImportBatch.objects.exists()
    assert _plan_rows() == NOTHING
    assert not Jurisdiction.objects.exists()


def test_oversized_upload_names_the_limit(admin_client, settings):
    settings.IMPORT_MAX_UPLOAD_BYTES = 10 * 1024
    name = "beilun-2024-10-progress.xlsx"
    response = _upload_sample(admin_client, name)
    assert response.status_code == 200
    errors = response.context["form"].errors["file"]
    assert errors and f"the limit is {size_text(10 * 1024)}" in errors[0]
    assert f"too large: {size_text(response.context['form'].files['file'].size)}" in errors[0]
    assert "KB" in response.content.decode()  # 14 KB over a 10 KB limit
    assert not ImportBatch.objects.exists()
    assert _plan_rows() == NOTHING

    response = admin_client.post(UPLOAD_URL, {"text": "x" * (11 * 1024)})
    assert response.context["form"].has_error("text", "too_large")
    assert not ImportBatch.objects.exists()
