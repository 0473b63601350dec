"""Re-imports never delete: what a file leaves out is kept and listed, and withdrawn (撤销) only
when the admin asks, which archives it with its history, reports, values and achieved marks.

Through the real command, service, database and pages: a plan of 西青区 is imported, reported
on, then imported again from a shorter or edited file.
"""

from __future__ import annotations

import io
import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import translation
from queued import exported

from progress.models import IndicatorValue, ItemStatus, ProgressReport, Status
from progress.reporting.services import ReportData, report_save
from progress.review.services import report_approve
from projects import roles
from projects.models import Indicator, IndicatorTarget, Milestone, Plan, SubItem, Unit

pytestmark = pytest.mark.django_db

TITLE = "西青区2024年民生实事项目清单"
HEADER = [
    "序号",
    "项目名称",
    "牵头单位",
    "配合单位",
    "第一季度",
    "第二季度",
    "第三季度",
    "第四季度",
]
SEATS = [f"累计新增学位{n}个" for n in (500, 1000, 1500, 2000)]
ROWS = {
    "1": ["1", "新建养老服务设施", "区民政局", "", "完成选址", "开工建设", "主体完工", "建成投用"],
    "2": ["2", "新增中小学学位", "区教育局", "区民政局", *SEATS],
    "3": ["3", "新建口袋公园", "区城管委", "", "完成设计", "开工建设", "完工", "投入使用"],
}
LEFT_OUT = "新增中小学学位"
MARCH = date(2024, 3, 1)


@pytest.fixture(autouse=True)
def _english_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    with translation.override("en"):
        yield


def plan_csv(*rows: list[str]) -> bytes:
    return "\n".join(",".join(r) for r in [[TITLE], HEADER, *rows]).encode()


def run(tmp_path: Path, data: bytes, *args: str, name: str = "清单.csv") -> tuple[dict, str]:
    """import_tasklist --json on the file; returns the document and stderr."""
    path = tmp_path / name
    path.write_bytes(data)
    out, err = io.StringIO(), io.StringIO()
    call_command("import_tasklist", str(path), *args, "--json", stdout=out, stderr=err)
    return json.loads(out.getvalue()), err.getvalue()


def text_run(tmp_path: Path, data: bytes, *args: str) -> str:
    """import_tasklist without --json; returns what it printed."""
    path = tmp_path / "清单.csv"
    path.write_bytes(data)
    out = io.StringIO()
    call_command("import_tasklist", str(path), *args, stdout=out, stderr=out)
    return out.getvalue()


def subitem(name: str) -> SubItem:
    return SubItem.objects.get(name=name)


@pytest.fixture
def reported(tmp_path, admin_user):
    """The three-item plan, with an approved March report on the item that the shorter file
    leaves out: an indicator value and the first milestone marked achieved."""
    run(tmp_path, plan_csv(*ROWS.values()))
    sub = subitem(LEFT_OUT)
    lead = roles_user("edu", sub.lead_unit)
    [indicator] = sub.indicators.all()
    first = sub.milestones.order_by("due").first()
    report = report_save(
        subitem=sub,
        period=MARCH,
        user=lead,
        data=ReportData(
            status=Status.ON_TRACK,
            completion="新增学位600个",
            values={indicator.pk: Decimal(600)},
            milestones_achieved={first.pk},
        ),
        expected_version=None,
        submit=True,
    )
    report_approve(report=report, user=admin_user)
    return sub


def roles_user(username: str, unit: Unit):
    from factories import make_user

    return make_user(username, roles.REPORTER, jurisdiction=unit.jurisdiction, unit=unit)


def snapshot(sub: SubItem) -> dict:
    """Everything that must survive a re-import that leaves the sub-item out."""
    return {
        "subitem": SubItem.objects.filter(pk=sub.pk).values().get(),
        "milestones": list(Milestone.objects.filter(subitem=sub).order_by("pk").values()),
        "indicators": list(Indicator.objects.filter(subitem=sub).order_by("pk").values()),
        "targets": list(
            IndicatorTarget.objects.filter(indicator__subitem=sub).order_by("pk").values()
        ),
        "reports": list(ProgressReport.objects.filter(subitem=sub).order_by("pk").values()),
        "values": list(IndicatorValue.objects.filter(report__subitem=sub).order_by("pk").values()),
        "achieved": sorted(
            ProgressReport.milestones_achieved.through.objects.filter(
                progressreport__subitem=sub
            ).values_list("progressreport_id", "milestone_id")
        ),
    }


# --- 1. a shorter file keeps what it leaves out, and says so -------------------------------------


def test_a_shorter_reimport_keeps_the_left_out_item_with_its_reports_values_and_marks(
    tmp_path, reported
):
    before = snapshot(reported)
    assert before["values"] and before["achieved"] and len(before["milestones"]) == 4

    doc, _ = run(tmp_path, plan_csv(ROWS["1"], ROWS["3"]))

    assert snapshot(reported) == before
    [missing] = doc["not_in_file"]["subitems"]
    assert (missing["project"], missing["name"], missing["reports"]) == ("2", LEFT_OUT, 1)
    assert doc["changes"]["subitems"]["not_in_file"] == 1
    assert doc["changes"]["subitems"]["withdrawn"] == 0
    assert all("deleted" not in c for c in doc["changes"].values())
    assert all(c["created"] == c["updated"] == 0 for c in doc["changes"].values())
    # still reported on and counted
    assert ItemStatus.objects.filter(subitem=reported).count() == 12


def test_the_text_output_lists_what_is_not_in_the_file(tmp_path, reported):
    out = text_run(tmp_path, plan_csv(ROWS["1"], ROWS["3"]))
    assert "Not in this file" in out
    assert LEFT_OUT in out
    assert "--withdraw-missing" in out
    assert "Imported." in out


def test_left_out_milestones_and_indicators_of_an_item_in_the_file_are_kept(tmp_path, reported):
    before = snapshot(reported)
    # the item is in the file, but its last two quarters are gone: two milestones and, with
    # only two figures left the indicator is still there; a new file without any figure
    # leaves the indicator out
    no_figures = ["2", LEFT_OUT, "区教育局", "区民政局", "完成选址", "开工建设", "——", "——"]
    doc, _ = run(tmp_path, plan_csv(ROWS["1"], no_figures, ROWS["3"]), "--yes")

    left = doc["not_in_file"]
    assert left["subitems"] == []
    assert sorted(m["due"] for m in left["milestones"]) == ["2024-09-30", "2024-12-31"]
    assert [(i["name"], i["unit"], i["values"]) for i in left["indicators"]] == [
        ("新增学位", "个", 1)
    ]
    assert doc["changes"]["milestones"]["not_in_file"] == 2
    assert doc["changes"]["indicators"]["not_in_file"] == 1
    after = snapshot(reported)
    assert after["values"] == before["values"]
    assert after["achieved"] == before["achieved"]
    assert after["indicators"] == before["indicators"]
    assert after["targets"] == before["targets"]
    kept = {m["due"]: m for m in after["milestones"]}
    assert {d.isoformat() for d in kept} == {"2024-03-31", "2024-06-30", "2024-09-30", "2024-12-31"}
    assert all(m["withdrawn_at"] is None for m in after["milestones"])


def test_changed_milestone_texts_dates_and_targets_keep_marks_and_values(tmp_path, reported):
    before = snapshot(reported)
    edited = ["2", LEFT_OUT, "区教育局", "区民政局"]
    edited += ["累计新增学位600个", "累计新增学位1200个", "累计新增学位1800个"]
    edited += ["累计新增学位2400个"]
    doc, _ = run(tmp_path, plan_csv(ROWS["1"], edited, ROWS["3"]), "--yes")

    assert doc["changes"]["milestones"]["updated"] == 4
    assert doc["changes"]["milestones"]["created"] == 0
    after = snapshot(reported)
    assert [m["id"] for m in after["milestones"]] == [m["id"] for m in before["milestones"]]
    assert after["achieved"] == before["achieved"]
    assert after["values"] == before["values"]
    [indicator] = Indicator.objects.filter(subitem=reported)
    assert [t.value for t in indicator.targets.order_by("due")] == [600, 1200, 1800, 2400]
    assert indicator.values.get().value == 600


def test_a_milestone_whose_date_and_text_both_change_keeps_its_mark(tmp_path):
    row = ["1", "新建养老服务设施", "区民政局", "", "完成选址", "开工建设", "——", "建成投用"]
    run(tmp_path, plan_csv(row))
    sub = subitem("新建养老服务设施")
    first = sub.milestones.get(due=date(2024, 3, 31))
    report = ProgressReport.objects.create(
        subitem=sub, period=MARCH, status=Status.ON_TRACK, state=ProgressReport.State.APPROVED
    )
    report.milestones_achieved.add(first)

    # the first quarter's plan moves to the third quarter, reworded
    moved = [*row[:4], "——", "开工建设", "完成选址和设计", "建成投用"]
    doc, _ = run(tmp_path, plan_csv(moved), "--yes")

    assert doc["changes"]["milestones"] == {
        "created": 0,
        "updated": 1,
        "unchanged": 2,
        "not_in_file": 0,
        "withdrawn": 0,
    }
    first.refresh_from_db()
    assert (first.due, first.text) == (date(2024, 9, 30), "完成选址和设计")
    assert list(report.milestones_achieved.all()) == [first]


def test_a_subitem_left_out_in_the_middle_does_not_hand_its_reports_to_the_next(tmp_path):
    towns = [
        ["4", "老旧小区改造", town, "", "完成摸底", "开工", "推进", "完工"]
        for town in ("区住建委", "杨柳青镇", "辛口镇")
    ]
    run(tmp_path, plan_csv(*ROWS.values(), *towns))
    middle = SubItem.objects.get(project__number="4", lead_unit__name="杨柳青镇")
    last = SubItem.objects.get(project__number="4", lead_unit__name="辛口镇")
    ProgressReport.objects.create(
        subitem=middle,
        period=MARCH,
        status=Status.ON_TRACK,
        completion="杨柳青镇的进展",
        state=ProgressReport.State.APPROVED,
    )

    doc, _ = run(tmp_path, plan_csv(*ROWS.values(), towns[0], towns[2]))

    middle.refresh_from_db()
    last.refresh_from_db()
    assert middle.lead_unit.name == "杨柳青镇"
    assert middle.reports.get().completion == "杨柳青镇的进展"
    assert last.lead_unit.name == "辛口镇" and not last.reports.exists()
    assert [s["lead_unit"] for s in doc["not_in_file"]["subitems"]] == ["杨柳青镇"]
    assert doc["changes"]["subitems"]["updated"] == 0
    # and the same shorter file again changes nothing
    again, _ = run(tmp_path, plan_csv(*ROWS.values(), towns[0], towns[2]))
    assert all(c["created"] == c["updated"] == 0 for c in again["changes"].values())


# --- 1. withdrawing what is not in the file archives it --------------------------------------------


def withdrawn_run(tmp_path) -> dict:
    doc, _ = run(tmp_path, plan_csv(ROWS["1"], ROWS["3"]), "--withdraw-missing", "--yes")
    return doc


def test_withdraw_missing_archives_and_keeps_history_reports_values_and_marks(tmp_path, reported):
    before = snapshot(reported)
    doc = withdrawn_run(tmp_path)

    assert doc["changes"]["subitems"]["withdrawn"] == 1
    reported.refresh_from_db()
    assert reported.withdrawn_at is not None
    assert not SubItem.objects.active().filter(pk=reported.pk).exists()
    after = snapshot(reported)
    for key in ("milestones", "indicators", "targets", "reports", "values", "achieved"):
        assert after[key] == before[key], key
    # the withdrawal is in the sub-item's history, after its creation
    assert [h.withdrawn_at is not None for h in reported.history.order_by("history_date")] == [
        False,
        True,
    ]
    # out of the stored statuses (and so of the dashboards and lists)
    assert not ItemStatus.objects.filter(subitem=reported).exists()
    assert ItemStatus.objects.filter(subitem__project__plan__title=TITLE).count() == 24


def test_a_withdrawn_item_is_out_of_my_items_missing_reports_lists_and_exports(
    tmp_path, reported, admin_user, client_as
):
    from factories import make_user

    lead = reported.lead_unit.users.get()
    co_unit = Unit.objects.get(name="区民政局")
    co = make_user("co", roles.REPORTER, jurisdiction=co_unit.jurisdiction, unit=co_unit)
    supervisor = make_user("sup", roles.SUPERVISOR, jurisdiction=reported.project.plan.jurisdiction)
    june = "2024-06"
    pages = {
        "my items": (lead, f"{reverse('reporting:my_reports')}?period={june}"),
        "cooperating": (co, f"{reverse('reporting:my_reports')}?period={june}"),
        "missing": (supervisor, f"{reverse('review:missing')}?period={june}"),
        "item list": (supervisor, f"{reverse('items:list')}?period={june}"),
        "overview": (supervisor, f"{reverse('dashboard:overview')}?period={june}"),
    }
    for label, (user, url) in pages.items():
        page = client_as(user).get(url).content.decode()
        if label != "overview":
            assert LEFT_OUT in page, label
    plan = Plan.objects.get(title=TITLE)
    export = reverse("exports:monthly", args=[plan.pk, june])
    assert LEFT_OUT in xlsx_text(exported(client_as(supervisor), export))

    withdrawn_run(tmp_path)

    for label, (user, url) in pages.items():
        response = client_as(user).get(url)
        assert response.status_code == 200, label
        assert LEFT_OUT not in response.content.decode(), label
    assert LEFT_OUT not in xlsx_text(exported(client_as(supervisor), export))
    plan_export = reverse("exports:plan", args=[plan.pk])
    assert LEFT_OUT not in xlsx_text(exported(client_as(supervisor), plan_export))
    # the item and its history stay readable for those who may see it
    detail = client_as(supervisor).get(reverse("items:detail", args=[reported.pk]))
    assert detail.status_code == 200
    assert "本子项已于" in detail.content.decode()  # withdrawn on …
    # and no new report can be filed on it
    form = client_as(lead).get(reverse("reporting:report_edit", args=[reported.pk, june]))
    assert form.status_code == 403


def xlsx_text(response) -> str:
    assert response.status_code == 200
    data = b"".join(response.streaming_content)
    wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    return "\n".join(
        str(c) for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for c in row if c
    )


def test_a_withdrawn_item_comes_back_when_a_file_holds_it_again(tmp_path, reported):
    withdrawn_run(tmp_path)
    doc, _ = run(tmp_path, plan_csv(*ROWS.values()))
    reported.refresh_from_db()
    assert reported.withdrawn_at is None
    assert doc["changes"]["subitems"]["created"] == 0
    assert doc["changes"]["subitems"]["updated"] == 1
    assert ItemStatus.objects.filter(subitem=reported).count() == 12


def test_withdrawing_a_left_out_milestone_keeps_its_mark_and_takes_it_out_of_the_rules(
    tmp_path, reported
):
    first = reported.milestones.order_by("due").first()
    rows = [ROWS["1"], ["2", LEFT_OUT, "区教育局", "区民政局", "", *SEATS[1:]], ROWS["3"]]
    doc, _ = run(tmp_path, plan_csv(*rows), "--withdraw-missing", "--yes")
    assert doc["changes"]["milestones"]["withdrawn"] == 1
    first.refresh_from_db()
    assert first.withdrawn_at is not None
    assert ProgressReport.milestones_achieved.through.objects.filter(milestone=first).exists()
    assert not Milestone.objects.active().filter(pk=first.pk).exists()

    from progress.statuses import load_rule_inputs

    inputs = load_rule_inputs([reported.pk])[reported.pk]
    assert first.pk not in {m[0] for m in inputs.milestones}
    assert len(inputs.milestones) == 3


def test_a_dry_run_with_withdraw_missing_withdraws_nothing(tmp_path, reported):
    doc, _ = run(tmp_path, plan_csv(ROWS["1"], ROWS["3"]), "--withdraw-missing", "--dry-run")
    assert doc["changes"]["subitems"]["withdrawn"] == 1
    reported.refresh_from_db()
    assert reported.withdrawn_at is None


# --- 1. a large change needs a second confirmation --------------------------------------------------


def renamed(row: list[str], suffix: str = "（调整）") -> list[str]:
    return [row[0], row[1] + suffix, *row[2:]]


def test_a_file_that_changes_much_of_a_plan_needs_yes(tmp_path, reported, settings):
    settings.IMPORT_LARGE_CHANGE_SHARE = 0.5
    names = set(SubItem.objects.values_list("name", flat=True))
    data = plan_csv(renamed(ROWS["1"]), renamed(ROWS["2"]), ROWS["3"])
    with pytest.raises(CommandError) as refused:
        text_run(tmp_path, data)
    message = str(refused.value)
    assert "2 of the 3 sub-items" in message
    assert "67%" in message and "50%" in message
    assert "--yes" in message
    assert set(SubItem.objects.values_list("name", flat=True)) == names

    # a dry run says so, and writes nothing
    out = text_run(tmp_path, data, "--dry-run")
    assert "--yes" in out
    assert set(SubItem.objects.values_list("name", flat=True)) == names

    out = text_run(tmp_path, data, "--yes")
    assert "Imported." in out
    assert "新建养老服务设施（调整）" in set(SubItem.objects.values_list("name", flat=True))


def test_the_large_change_share_counts_the_withdrawals(tmp_path, reported, settings):
    settings.IMPORT_LARGE_CHANGE_SHARE = 0.3
    data = plan_csv(ROWS["1"], ROWS["3"])
    text_run(tmp_path, data)  # 0 of 3 changed: no question
    with pytest.raises(CommandError, match="1 of the 3 sub-items"):
        text_run(tmp_path, data, "--withdraw-missing")
    assert SubItem.objects.active().count() == 3
    doc, _ = run(tmp_path, data, "--withdraw-missing", "--yes")
    assert doc["large_change"]["withdrawn"] == 1
    assert SubItem.objects.active().count() == 2


def test_json_says_why_nothing_was_imported(tmp_path, reported, settings):
    settings.IMPORT_LARGE_CHANGE_SHARE = 0.5
    path = tmp_path / "清单.csv"
    path.write_bytes(plan_csv(renamed(ROWS["1"]), renamed(ROWS["2"]), ROWS["3"]))
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_tasklist", str(path), "--json", stdout=out, stderr=io.StringIO())
    doc = json.loads(out.getvalue())
    assert doc["large_change"] == {
        "existing": 3,
        "changed": 2,
        "withdrawn": 0,
        "share": pytest.approx(2 / 3),
        "limit": 0.5,
        "confirmed": False,
    }


# --- 1. a header-only file is an error --------------------------------------------------------------


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_a_header_only_file_is_an_error_and_changes_nothing(tmp_path, reported, language):
    before = snapshot(reported)
    counts = SubItem.objects.count(), Milestone.objects.count()
    with translation.override(language), pytest.raises(CommandError) as refused:
        out = io.StringIO()
        path = tmp_path / "清单.csv"
        path.write_bytes(plan_csv())
        try:
            call_command("import_tasklist", str(path), stdout=out, stderr=out)
        finally:
            printed = out.getvalue()
    assert "导入完成" not in printed and "Imported." not in printed
    if language == "en":
        assert "no data rows" in printed + str(refused.value)
    else:
        assert "没有数据行" in printed + str(refused.value)
    assert snapshot(reported) == before
    assert (SubItem.objects.count(), Milestone.objects.count()) == counts


def test_a_header_only_file_into_an_empty_database_writes_nothing(tmp_path):
    with pytest.raises(CommandError):
        run(tmp_path, plan_csv())
    assert not Plan.objects.exists()


# --- the web: preview lists what is not in the file; withdraw and confirm on the page -------------


def upload(client, data: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from importers.models import ImportBatch

    response = client.post(
        reverse("importers:upload"), {"file": SimpleUploadedFile("清单.csv", data)}
    )
    assert response.status_code == 302, response.context and response.context["form"].errors
    return ImportBatch.objects.order_by("-pk").first()


@pytest.fixture
def admin_en(client_as, admin_user):
    client = client_as(admin_user)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def test_the_preview_lists_what_is_not_in_the_file_and_offers_to_withdraw_it(admin_en, reported):
    batch = upload(admin_en, plan_csv(ROWS["1"], ROWS["3"]))
    page = admin_en.get(reverse("importers:preview", args=[batch.pk])).content.decode()
    assert "Not in this file" in page
    assert LEFT_OUT in page
    assert 'name="withdraw_missing"' in page

    # confirmed without the choice: kept
    admin_en.post(reverse("importers:confirm", args=[batch.pk]))
    reported.refresh_from_db()
    assert reported.withdrawn_at is None


def test_the_withdraw_choice_on_the_preview_archives(admin_en, admin_user, reported, settings):
    settings.IMPORT_LARGE_CHANGE_SHARE = 0.5
    batch = upload(admin_en, plan_csv(ROWS["1"], ROWS["3"]))
    response = admin_en.post(
        reverse("importers:confirm", args=[batch.pk]), {"withdraw_missing": "on"}, follow=True
    )
    batch.refresh_from_db()
    assert batch.state == "applied"
    reported.refresh_from_db()
    assert reported.withdrawn_at is not None and reported.withdrawn_by == admin_user
    assert "withdrawn" in response.content.decode()


def test_a_large_change_on_the_web_needs_the_second_confirmation(admin_en, reported, settings):
    settings.IMPORT_LARGE_CHANGE_SHARE = 0.5
    batch = upload(admin_en, plan_csv(renamed(ROWS["1"]), renamed(ROWS["2"]), ROWS["3"]))
    page = admin_en.get(reverse("importers:preview", args=[batch.pk])).content.decode()
    assert 'name="confirm_large"' in page
    assert "2 of the 3 sub-items" in page

    response = admin_en.post(reverse("importers:confirm", args=[batch.pk]), follow=True)
    batch.refresh_from_db()
    assert batch.state == "previewed"
    page = response.content.decode()
    assert "2 of the 3 sub-items" in page and "Nothing was imported" in page
    assert not SubItem.objects.filter(name__endswith="（调整）").exists()

    admin_en.post(reverse("importers:confirm", args=[batch.pk]), {"confirm_large": "on"})
    batch.refresh_from_db()
    assert batch.state == "applied"
    assert SubItem.objects.filter(name__endswith="（调整）").count() == 2


# --- the admin: withdraw and restore by hand ----------------------------------------------------


def test_the_admin_withdraws_and_restores_with_history(tmp_path, reported, admin_en, admin_user):
    url = reverse("admin:projects_subitem_changelist")
    admin_en.post(url, {"action": "withdraw_selected", "_selected_action": [reported.pk]})
    reported.refresh_from_db()
    assert reported.withdrawn_at is not None and reported.withdrawn_by == admin_user
    assert not ItemStatus.objects.filter(subitem=reported).exists()
    page = admin_en.get(f"{url}?withdrawn=yes").content.decode()
    assert LEFT_OUT in page
    assert LEFT_OUT not in admin_en.get(f"{url}?withdrawn=no").content.decode()

    admin_en.post(url, {"action": "restore_selected", "_selected_action": [reported.pk]})
    reported.refresh_from_db()
    assert reported.withdrawn_at is None
    assert ItemStatus.objects.filter(subitem=reported).count() == 12
    users = [h.history_user for h in reported.history.order_by("history_date")]
    assert users[-2:] == [admin_user, admin_user]
