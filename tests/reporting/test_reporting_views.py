"""The reporter side: my reports, the progress form, the report page, contributions and files,
through the real views, services and database (no mocks)."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from factories import (
    access_matrix,
    make_indicator,
    make_milestone,
    make_plan,
    make_project,
    make_quarterly_milestones,
    make_report,
    make_subitem,
    make_user,
)
from PIL import Image

from progress.models import Attachment, Contribution, IndicatorValue, ProgressReport, Status
from progress.reporting import services
from progress.review import services as review_services
from projects import roles

pytestmark = pytest.mark.django_db

PERIOD = "2024-05"
PERIOD_DATE = datetime.date(2024, 5, 1)
State = ProgressReport.State


# --- the world: one item led by `unit`, co-operated by `co_unit` ----------------------------


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def plan(jurisdiction):
    return make_plan(jurisdiction, year=2024)


@pytest.fixture
def subitem(plan, unit, co_unit):
    return make_subitem(make_project(plan), lead_unit=unit, co_units=[co_unit])


@pytest.fixture
def indicator(subitem):
    return make_indicator(subitem, targets=[4600, 11000, 16000, 23000])


@pytest.fixture
def milestones(subitem):
    return [
        make_milestone(subitem, datetime.date(2024, 3, 31), "完成选址", order=1),
        make_milestone(subitem, datetime.date(2024, 5, 31), "开工建设", order=2),
        make_milestone(subitem, datetime.date(2024, 9, 30), "主体完工", order=3),
    ]


def png_with_exif(size=(40, 30), mode="RGB") -> bytes:
    img = Image.new(mode, size, (200, 30, 30) if mode == "RGB" else (200, 30, 30, 120))
    exif = Image.Exif()
    exif[0x010F] = "SpyCam"  # Make
    exif[0x0131] = "secret-tool"  # Software
    out = io.BytesIO()
    img.save(out, "PNG", exif=exif)
    return out.getvalue()


def edit_url(subitem, period: str = PERIOD) -> str:
    return reverse("reporting:report_edit", args=[subitem.pk, period])


def contribution_url(subitem, period: str = PERIOD) -> str:
    return reverse("reporting:contribution_edit", args=[subitem.pk, period])


def form_data(**overrides) -> dict:
    data = {
        "action": "save",
        "status": Status.ON_TRACK,
        "completion": "完成选址,开工建设。",
        "explanation": "",
        "problems": "",
        "next_steps": "",
        "version": "",
    }
    data.update(overrides)
    return data


def saved(subitem, period=PERIOD_DATE) -> ProgressReport | None:
    return ProgressReport.objects.filter(subitem=subitem, period=period).first()


# --- access: every view x every role ---------------------------------------------------------


@pytest.fixture
def world(subitem, reporter):
    report = make_report(subitem, PERIOD_DATE, state=State.SUBMITTED)
    attachment = services.attachment_add(
        report=report, user=reporter, name="现场.png", data=png_with_exif()
    )
    return {
        "my_reports": reverse("reporting:my_reports"),
        "report_edit": edit_url(subitem),
        "report_detail": reverse("reporting:report_detail", args=[report.pk]),
        "attachment": reverse("reporting:attachment", args=[attachment.pk]),
        "contribution_edit": contribution_url(subitem),
    }


EXPECTED = {
    #                   admin sup  other-sup lead  co   unrelated anonymous
    "my_reports": (200, 200, 200, 200, 200, 200, 302),
    "report_edit": (403, 403, 404, 200, 403, 404, 302),
    "report_detail": (200, 200, 404, 200, 200, 404, 302),
    "attachment": (200, 200, 404, 200, 200, 404, 302),
    "contribution_edit": (403, 403, 404, 403, 200, 404, 302),
}
MATRIX = access_matrix(EXPECTED)


@pytest.mark.parametrize(("view", "role", "expected"), MATRIX)
def test_it_checks_access(client_as, request, world, view, role, expected):
    user = request.getfixturevalue(role) if role else None

    response = client_as(user).get(world[view])

    assert response.status_code == expected
    if expected == 302:
        assert response["Location"].startswith(reverse("login"))
    if expected == 200:  # and the page shows what it is for
        html = "" if view == "attachment" else response.content.decode()
        shows = {
            "my_reports": lambda: response.context["period"] is not None,
            # submitted: the page shows the report, locked until the review
            "report_edit": lambda: response.context["report"].state == State.SUBMITTED,
            "report_detail": lambda: "完成选址" in html or "按计划推进" in html,
            "attachment": lambda: response["Content-Type"].startswith("image/"),
            "contribution_edit": lambda: 'name="text"' in html,
        }
        assert shows[view](), view


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("admin_user", 403),
        ("supervisor", 403),
        ("other_supervisor", 404),
        ("co_reporter", 403),
        ("other_reporter", 404),
    ],
)
def test_only_the_lead_unit_can_post_a_report(client_as, request, subitem, role, expected):
    response = client_as(request.getfixturevalue(role)).post(
        edit_url(subitem), form_data(action="submit")
    )

    assert response.status_code == expected
    assert not ProgressReport.objects.exists()


@pytest.mark.parametrize(
    ("role", "expected"),
    [("admin_user", 403), ("supervisor", 403), ("reporter", 403), ("other_reporter", 404)],
)
def test_only_co_units_can_post_a_contribution(client_as, request, subitem, role, expected):
    response = client_as(request.getfixturevalue(role)).post(
        contribution_url(subitem), {"text": "配合完成。"}
    )

    assert response.status_code == expected
    assert not Contribution.objects.exists()


def test_a_bad_or_off_cycle_period_is_not_found(client_as, reporter, subitem, unit, jurisdiction):
    quarterly = make_subitem(
        make_project(make_plan(jurisdiction, year=2024, reporting_cycle="quarterly")),
        lead_unit=unit,
    )
    client = client_as(reporter)

    assert client.get(edit_url(subitem, "2024-13")).status_code == 404
    assert client.get(edit_url(subitem, "may")).status_code == 404
    assert client.get(edit_url(quarterly, "2024-05")).status_code == 404
    june = client.get(edit_url(quarterly, "2024-06"))  # a quarter's end: the form
    assert june.status_code == 200
    assert june.context["quarterly"] and june.context["period"] == datetime.date(2024, 6, 1)
    assert 'name="completion"' in june.content.decode()


# --- the start page ---------------------------------------------------------------------------


def test_start_page_lists_this_periods_items_with_state_deadline_and_last_period(
    en_client, reporter, subitem, unit, plan
):
    make_report(
        subitem, datetime.date(2024, 4, 1), status=Status.LAGGING, completion="四月完成选址"
    )
    draft = make_subitem(make_project(plan), lead_unit=unit, name="新建口袋公园")
    make_report(draft, PERIOD_DATE, state=State.DRAFT, completion="草稿")
    untouched = make_subitem(make_project(plan), lead_unit=unit, name="增加停车泊位")

    response = en_client(reporter).get(reverse("reporting:my_reports"), {"period": PERIOD})

    assert response.status_code == 200
    assert [s.pk for s in response.context["to_report"]] == [subitem.pk, draft.pk, untouched.pk]
    content = response.content.decode()
    assert "四月完成选址" in content  # last period's report beside the item
    assert "status-lagging" in content
    assert "Draft" in content
    assert "Not filled in" in content
    assert "2024-06-05" in content  # the deadline
    assert edit_url(untouched) in content


def test_start_page_defaults_to_the_current_period(client_as, reporter, plan, subitem):
    response = client_as(reporter).get(reverse("reporting:my_reports"))

    assert response.status_code == 200
    assert isinstance(response.context["period"], datetime.date)


def test_start_page_shows_completed_items_without_a_form_link(en_client, reporter, subitem):
    make_report(subitem, datetime.date(2024, 3, 1), status=Status.COMPLETED)

    response = en_client(reporter).get(reverse("reporting:my_reports"), {"period": PERIOD})

    assert response.context["to_report"] == []
    assert [s.pk for s in response.context["completed_earlier"]] == [subitem.pk]
    assert edit_url(subitem) not in response.content.decode()


def test_start_page_lists_co_operated_items_with_a_contribution_link(
    en_client, co_reporter, subitem
):
    response = en_client(co_reporter).get(reverse("reporting:my_reports"), {"period": PERIOD})

    assert response.context["to_report"] == []
    assert [s.pk for s in response.context["cooperating"]] == [subitem.pk]
    assert contribution_url(subitem) in response.content.decode()


def test_a_co_unit_is_not_asked_for_an_item_completed_earlier(en_client, co_reporter, subitem):
    done = make_report(subitem, datetime.date(2024, 3, 1), status=Status.COMPLETED)
    client = en_client(co_reporter)

    response = client.get(reverse("reporting:my_reports"), {"period": PERIOD})

    assert [s.pk for s in response.context["cooperating"]] == [subitem.pk]
    page = response.content.decode()
    assert contribution_url(subitem) not in page  # no form to fill
    assert "Completed in 2024-03: nothing to add." in page
    response = client.get(contribution_url(subitem))
    assert "form" not in response.context
    assert reverse("reporting:report_detail", args=[done.pk]) in response.content.decode()
    # nor through the service
    with pytest.raises(services.ReportError, match="completed in an earlier period"):
        services.contribution_save(subitem=subitem, period=PERIOD_DATE, user=co_reporter, text="x")
    assert not Contribution.objects.exists()


def _fill(plan, unit, co_unit, n: int) -> None:
    for i in range(n):
        sub = make_subitem(make_project(plan), lead_unit=unit, co_units=[co_unit])
        make_report(sub, datetime.date(2024, 4, 1), status=Status.ON_TRACK)
        if i % 3 == 0:
            make_report(sub, PERIOD_DATE, state=State.DRAFT)
        if i % 5 == 0:
            make_report(sub, datetime.date(2024, 3, 1), status=Status.COMPLETED)
        co_led = make_subitem(make_project(plan), lead_unit=co_unit, co_units=[unit])
        Contribution.objects.create(subitem=co_led, period=PERIOD_DATE, unit=unit, text="配合")


def _count_queries(client: Client, url: str) -> int:
    client.get(url)  # warm up: session, caches
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def test_start_page_queries_do_not_grow_with_items(client_as, reporter, plan, unit, co_unit):
    url = f"{reverse('reporting:my_reports')}?period={PERIOD}"
    client = client_as(reporter)
    _fill(plan, unit, co_unit, 3)
    few = _count_queries(client, url)

    _fill(plan, unit, co_unit, 27)
    many = _count_queries(client, url)

    response = client.get(url)
    assert len(response.context["to_report"]) + len(response.context["completed_earlier"]) == 30
    assert len(response.context["cooperating"]) == 30
    assert many == few


def test_home_gives_reporters_a_way_into_their_reports(en_client, reporter, supervisor):
    url = reverse("reporting:my_reports")

    assert url in en_client(reporter).get(reverse("home")).content.decode()
    assert f'href="{url}"' not in en_client(supervisor).get(reverse("home")).content.decode()


# --- the form page ----------------------------------------------------------------------------


def test_form_page_shows_plan_targets_last_period_and_contributions(
    en_client, reporter, co_reporter, subitem, indicator, milestones
):
    make_report(
        subitem,
        datetime.date(2024, 4, 1),
        status=Status.LAGGING,
        completion="四月情况",
        explanation="四月滞后原因",
    )
    services.contribution_save(
        subitem=subitem, period=PERIOD_DATE, user=co_reporter, text="财政局拨付资金200万元"
    )

    response = en_client(reporter).get(edit_url(subitem))

    assert response.status_code == 200
    context = response.context
    assert [m.text for m in context["milestones_due"]] == ["开工建设"]
    assert context["milestone_next"].text == "主体完工"
    content = response.content.decode()
    for text in (
        "开工建设",
        "主体完工",
        "四月情况",
        "四月滞后原因",
        "财政局拨付资金200万元",
        "区财政局",
    ):
        assert text in content
    field = context["form"].fields[f"indicator_{indicator.pk}"]
    assert field.label == "新增就业 (人)"
    assert "4,600" in field.help_text  # the target due before the end of May
    rows = context["form"].milestone_rows()
    assert [r["due_now"] for r in rows] == [False, True, False]
    assert "report_form.js" in content
    assert 'data-count-for="id_completion"' in content


def test_quarterly_plan_shows_the_quarters_plan(client_as, reporter, unit, jurisdiction):
    sub = make_subitem(
        make_project(make_plan(jurisdiction, year=2024, reporting_cycle="quarterly")),
        lead_unit=unit,
    )
    make_quarterly_milestones(sub)
    make_milestone(sub, datetime.date(2024, 4, 30), "4月底前完成招标", order=9)

    response = client_as(reporter).get(edit_url(sub, "2024-06"))

    assert [m.text for m in response.context["milestones_due"]] == [
        "4月底前完成招标",
        "第2季度计划",
    ]
    assert response.context["milestone_next"].text == "第3季度计划"


def test_save_draft_then_submit(en_client, reporter, subitem, indicator, milestones):
    client = en_client(reporter)

    response = client.post(
        edit_url(subitem),
        form_data(
            status=Status.LAGGING,
            **{f"indicator_{indicator.pk}": "4700.5", "milestones": [str(milestones[0].pk)]},
        ),
    )

    assert response.status_code == 302
    assert response["Location"] == edit_url(subitem)
    report = saved(subitem)
    assert report.state == State.DRAFT
    assert report.version == 1
    assert report.values.get().value == Decimal("4700.5")
    assert list(report.milestones_achieved.all()) == [milestones[0]]
    assert report.history.count() == 1
    assert report.history.first().history_user == reporter

    page = client.get(edit_url(subitem))
    form = page.context["form"]
    assert form["version"].value() == 1
    assert form[f"indicator_{indicator.pk}"].value() == "4700.5"
    assert form["milestones"].value() == [str(milestones[0].pk)]

    response = client.post(
        edit_url(subitem),
        form_data(
            action="submit",
            status=Status.LAGGING,
            explanation="选址调整,延后半月。",
            version="1",
            **{f"indicator_{indicator.pk}": "4800", "milestones": [str(milestones[0].pk)]},
        ),
    )

    assert response.status_code == 302
    assert response["Location"] == (
        f"{reverse('reporting:my_reports')}?period={PERIOD}&item={subitem.pk}"
    )
    report.refresh_from_db()
    assert report.state == State.SUBMITTED
    assert report.submitted_by == reporter
    assert report.version == 2
    assert report.values.get().value == Decimal(4800)
    assert report.history.count() == 2
    assert [e.action for e in report.events.all()] == ["submit"]


@pytest.mark.parametrize("status", [Status.AHEAD, Status.LAGGING])
def test_submitting_ahead_or_lagging_needs_an_explanation(en_client, reporter, subitem, status):
    response = en_client(reporter).post(
        edit_url(subitem), form_data(action="submit", status=status)
    )

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert list(errors) == ["explanation"]
    assert "explanation" in errors["explanation"][0].lower()
    assert saved(subitem) is None


@pytest.mark.parametrize("status", [Status.ON_TRACK, Status.COMPLETED, Status.NOT_STARTED])
def test_other_statuses_submit_without_an_explanation(client_as, reporter, subitem, status):
    response = client_as(reporter).post(
        edit_url(subitem), form_data(action="submit", status=status)
    )

    assert response.status_code == 302
    assert saved(subitem).state == State.SUBMITTED


def test_a_draft_may_be_lagging_without_an_explanation_yet(client_as, reporter, subitem):
    response = client_as(reporter).post(edit_url(subitem), form_data(status=Status.LAGGING))

    assert response.status_code == 302
    assert saved(subitem).status == Status.LAGGING


def test_submitting_needs_a_status_and_the_completion_text(en_client, reporter, subitem):
    response = en_client(reporter).post(
        edit_url(subitem), form_data(action="submit", status="", completion="  ")
    )

    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"status", "completion"}
    assert saved(subitem) is None


@pytest.mark.parametrize("value", ["abc", "1,2,3", "12万"])
def test_indicator_values_must_be_numbers(en_client, reporter, subitem, indicator, value):
    response = en_client(reporter).post(
        edit_url(subitem), form_data(**{f"indicator_{indicator.pk}": value})
    )

    assert response.status_code == 200
    assert list(response.context["form"].errors) == [f"indicator_{indicator.pk}"]
    assert "Enter a number." in response.content.decode()
    assert saved(subitem) is None


def test_clearing_an_indicator_value_removes_it(client_as, reporter, subitem, indicator):
    client = client_as(reporter)
    client.post(edit_url(subitem), form_data(**{f"indicator_{indicator.pk}": "10"}))

    client.post(edit_url(subitem), form_data(version="1", **{f"indicator_{indicator.pk}": ""}))

    assert not IndicatorValue.objects.exists()


def test_unknown_action_is_a_bad_request(client_as, reporter, subitem):
    response = client_as(reporter).post(edit_url(subitem), form_data(action="delete"))

    assert response.status_code == 400
    assert saved(subitem) is None


def test_completed_item_is_not_asked_again(en_client, reporter, subitem):
    done = make_report(subitem, datetime.date(2024, 3, 1), status=Status.COMPLETED)
    client = en_client(reporter)

    response = client.get(edit_url(subitem))

    assert response.status_code == 200
    assert "form" not in response.context
    assert "is not reported again" in response.content.decode()
    assert reverse("reporting:report_detail", args=[done.pk]) in response.content.decode()

    response = client.post(edit_url(subitem), form_data(action="submit"))
    assert response.status_code == 200
    assert saved(subitem) is None


def test_a_completed_draft_does_not_end_the_reporting(client_as, reporter, subitem):
    make_report(subitem, datetime.date(2024, 3, 1), status=Status.COMPLETED, state=State.DRAFT)

    response = client_as(reporter).get(edit_url(subitem))

    assert "form" in response.context


def test_a_returned_report_shows_the_comment_and_can_be_resubmitted(
    en_client, reporter, supervisor, subitem
):
    report = services.report_save(
        subitem=subitem,
        period=PERIOD_DATE,
        user=reporter,
        data=services.ReportData(status=Status.ON_TRACK, completion="完成"),
        expected_version=None,
        submit=True,
    )
    report = review_services.report_return(report=report, user=supervisor, comment="请补充开工照片")
    client = en_client(reporter)

    page = client.get(edit_url(subitem))
    assert page.status_code == 200
    assert "请补充开工照片" in page.content.decode()
    assert "This report was returned" in page.content.decode()

    response = client.post(
        edit_url(subitem),
        form_data(action="submit", completion="完成,已补充照片", version=str(report.version)),
    )

    assert response.status_code == 302
    report.refresh_from_db()
    assert report.state == State.SUBMITTED
    assert report.completion == "完成,已补充照片"
    assert [e.action for e in report.events.all()] == ["submit", "return", "submit"]


def test_a_returned_report_saved_as_draft_still_needs_its_explanation(
    en_client, reporter, supervisor, subitem
):
    report = make_report(subitem, PERIOD_DATE, state=State.SUBMITTED)
    report = review_services.report_return(report=report, user=supervisor, comment="状态不符")

    response = en_client(reporter).post(
        edit_url(subitem), form_data(status=Status.LAGGING, version=str(report.version))
    )

    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["explanation"]
    # and the service says so too (it used to hit the database constraint and call it stale)
    with pytest.raises(services.ReportError) as exc:
        services.report_save(
            subitem=subitem,
            period=PERIOD_DATE,
            user=reporter,
            data=services.ReportData(status=Status.LAGGING, completion="x"),
            expected_version=report.version,
        )
    assert not isinstance(exc.value, services.StaleReport)
    report.refresh_from_db()
    assert report.status == Status.ON_TRACK


@pytest.mark.parametrize("state", [State.APPROVED, State.SUBMITTED])
def test_an_approved_or_submitted_report_is_read_only(
    en_client, reporter, supervisor, subitem, state
):
    report = make_report(subitem, PERIOD_DATE, state=State.SUBMITTED, completion="已提交")
    if state == State.APPROVED:
        report = review_services.report_approve(report=report, user=supervisor)
    client = en_client(reporter)

    page = client.get(edit_url(subitem))

    assert page.status_code == 200
    assert "form" not in page.context
    assert "已提交" in page.content.decode()
    assert ("approved and is locked" in page.content.decode()) == (state == State.APPROVED)

    response = client.post(
        edit_url(subitem), form_data(completion="改动", version=str(report.version)), follow=True
    )
    assert "cannot be changed" in response.content.decode()
    report.refresh_from_db()
    assert report.completion == "已提交"
    assert report.state == state


# --- optimistic concurrency -------------------------------------------------------------------


def test_a_stale_save_is_refused_with_the_other_version_shown(en_client, reporter, subitem):
    colleague = make_user(
        "colleague", roles.REPORTER, jurisdiction=reporter.jurisdiction, unit=reporter.unit
    )
    mine, theirs = en_client(reporter), en_client(colleague)

    mine.post(edit_url(subitem), form_data(completion="第一稿"))
    report = saved(subitem)
    assert report.history.count() == 1  # exactly +1 for the first save

    # both open version 1; the colleague saves first
    assert theirs.post(
        edit_url(subitem), form_data(completion="同事的修改", version="1")
    ).status_code == (302)
    report.refresh_from_db()
    history_before = report.history.count()

    response = mine.post(
        edit_url(subitem),
        form_data(status=Status.AHEAD, completion="我的修改", explanation="提前完成", version="1"),
    )

    assert response.status_code == 409
    content = response.content.decode()
    assert "Someone else saved this report" in content
    assert "同事的修改" in content  # their version, beside mine
    assert "我的修改" in content and "提前完成" in content  # my input is kept
    assert "colleague" in content  # who saved it
    assert response.context["stale"].completion == "同事的修改"
    assert response.context["form"]["version"].value() == "2"
    report.refresh_from_db()
    assert report.completion == "同事的修改"
    assert report.version == 2
    assert report.history.count() == history_before  # +0 for the refused save

    # having read theirs, saving again is a deliberate overwrite
    again = mine.post(
        edit_url(subitem),
        form_data(status=Status.AHEAD, completion="我的修改", explanation="提前完成", version="2"),
    )
    assert again.status_code == 302
    report.refresh_from_db()
    assert report.completion == "我的修改"


def test_two_first_saves_do_not_overwrite_each_other(client_as, reporter, subitem):
    colleague = make_user(
        "colleague", roles.REPORTER, jurisdiction=reporter.jurisdiction, unit=reporter.unit
    )
    client_as(colleague).post(edit_url(subitem), form_data(completion="同事先建"))

    response = client_as(reporter).post(edit_url(subitem), form_data(completion="我也新建"))

    assert response.status_code == 409
    assert saved(subitem).completion == "同事先建"
    assert saved(subitem).history.count() == 1


# --- attachments ------------------------------------------------------------------------------


def test_a_photo_is_re_encoded_and_served_only_to_who_may_see_the_item(
    client_as, reporter, co_reporter, supervisor, other_reporter, other_supervisor, subitem
):
    original = png_with_exif()
    assert Image.open(io.BytesIO(original)).getexif()

    response = client_as(reporter).post(
        edit_url(subitem),
        form_data(attachments=[SimpleUploadedFile("现场照片.png", original, "image/png")]),
    )

    assert response.status_code == 302
    attachment = Attachment.objects.get()
    assert attachment.report == saved(subitem)
    assert attachment.kind == Attachment.Kind.IMAGE
    assert attachment.uploaded_by == reporter
    stored = Path(attachment.file.path).read_bytes()
    assert stored != original
    assert not dict(Image.open(io.BytesIO(stored)).getexif())
    assert "现场照片" not in attachment.file.name  # never the user's name on disk

    url = reverse("reporting:attachment", args=[attachment.pk])
    for user in (reporter, co_reporter, supervisor):
        download = client_as(user).get(url)
        assert download.status_code == 200, user
        assert b"".join(download.streaming_content) == stored
        assert download["Content-Type"] == attachment.content_type
        assert "private" in download["Cache-Control"]
    for user in (other_reporter, other_supervisor):
        assert client_as(user).get(url).status_code == 404


def test_several_files_at_once(client_as, reporter, subitem):
    response = client_as(reporter).post(
        edit_url(subitem),
        form_data(
            attachments=[
                SimpleUploadedFile("a.png", png_with_exif(mode="RGBA"), "image/png"),
                SimpleUploadedFile("说明.pdf", b"%PDF-1.4\n%test\n", "application/pdf"),
            ]
        ),
    )

    assert response.status_code == 302
    kinds = sorted(Attachment.objects.values_list("kind", "content_type"))
    assert kinds == [("document", "application/pdf"), ("image", "image/png")]
    document = Attachment.objects.get(kind="document")
    download = client_as(reporter).get(reverse("reporting:attachment", args=[document.pk]))
    assert "attachment" in download["Content-Disposition"]


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("setup.exe", b"MZ\x90\x00binary", "cannot be attached"),
        ("报告.pdf", b"MZ\x90\x00 not a pdf", "is not a real .pdf file"),
        ("photo.jpg", b"not an image at all", "is not a readable image"),
    ],
)
def test_a_wrong_file_is_refused_and_nothing_is_saved(
    en_client, reporter, subitem, name, data, message
):
    response = en_client(reporter).post(
        edit_url(subitem),
        form_data(
            attachments=[
                SimpleUploadedFile("ok.png", png_with_exif(), "image/png"),
                SimpleUploadedFile(name, data, "application/octet-stream"),
            ]
        ),
    )

    assert response.status_code == 200
    assert message in response.context["form"].errors["attachments"][0]
    assert "Nothing was saved" in response.content.decode()
    assert saved(subitem) is None
    assert not Attachment.objects.exists()


def test_a_refused_file_leaves_no_orphan_on_disk(client_as, reporter, subitem, settings):
    client_as(reporter).post(
        edit_url(subitem),
        form_data(
            attachments=[
                SimpleUploadedFile("ok.png", png_with_exif(), "image/png"),
                SimpleUploadedFile("bad.exe", b"MZ", "application/octet-stream"),
            ]
        ),
    )

    root = Path(settings.MEDIA_ROOT)
    assert not root.exists() or not [p for p in root.rglob("*") if p.is_file()]


def test_an_oversize_file_is_refused(en_client, reporter, subitem, settings):
    settings.ATTACHMENT_MAX_BYTES = 1024
    big = png_with_exif(size=(400, 400)) + b"\0" * 2048

    response = en_client(reporter).post(
        edit_url(subitem),
        form_data(attachments=[SimpleUploadedFile("big.png", big, "image/png")]),
    )

    assert response.status_code == 200
    assert "is larger than" in response.context["form"].errors["attachments"][0]
    assert not Attachment.objects.exists()


def test_a_missing_file_on_disk_is_not_found(client_as, reporter, subitem):
    report = make_report(subitem, PERIOD_DATE, state=State.DRAFT)
    attachment = services.attachment_add(
        report=report, user=reporter, name="a.png", data=png_with_exif()
    )
    Path(attachment.file.path).unlink()

    response = client_as(reporter).get(reverse("reporting:attachment", args=[attachment.pk]))

    assert response.status_code == 404


# --- contributions ----------------------------------------------------------------------------


def test_a_co_unit_adds_its_contribution_and_the_lead_sees_it(
    en_client, reporter, co_reporter, co_unit, subitem
):
    client = en_client(co_reporter)
    assert client.get(contribution_url(subitem)).status_code == 200

    response = client.post(contribution_url(subitem), {"text": "完成资金拨付300万元"})

    assert response.status_code == 302
    contribution = Contribution.objects.get()
    assert (contribution.unit, contribution.period, contribution.author) == (
        co_unit,
        PERIOD_DATE,
        co_reporter,
    )
    assert "完成资金拨付300万元" in en_client(reporter).get(edit_url(subitem)).content.decode()

    client.post(contribution_url(subitem), {"text": "完成资金拨付500万元"})
    assert Contribution.objects.get().text == "完成资金拨付500万元"
    page = client.get(contribution_url(subitem))
    assert page.context["form"]["text"].value() == "完成资金拨付500万元"


def test_an_empty_contribution_is_refused(en_client, co_reporter, subitem):
    response = en_client(co_reporter).post(contribution_url(subitem), {"text": "   "})

    assert response.status_code == 200
    assert response.context["form"].errors["text"] == ["Write what your unit did."]
    assert not Contribution.objects.exists()


# --- the report page and its history ----------------------------------------------------------


def test_report_page_shows_content_values_milestones_events_and_every_save(
    en_client, reporter, supervisor, co_reporter, subitem, indicator, milestones
):
    client = en_client(reporter)
    client.post(
        edit_url(subitem),
        form_data(completion="第一稿", **{f"indicator_{indicator.pk}": "100"}),
    )
    client.post(
        edit_url(subitem),
        form_data(
            action="submit",
            status=Status.AHEAD,
            completion="第二稿",
            explanation="提前开工",
            version="1",
            milestones=[str(milestones[1].pk)],
            **{f"indicator_{indicator.pk}": "150"},
        ),
    )
    report = saved(subitem)
    review_services.report_return(report=report, user=supervisor, comment="请核实数字")
    services.contribution_save(subitem=subitem, period=PERIOD_DATE, user=co_reporter, text="配合")

    response = en_client(co_reporter).get(reverse("reporting:report_detail", args=[report.pk]))

    assert response.status_code == 200
    content = response.content.decode()
    for text in ("第二稿", "提前开工", "新增就业 (人): 150", "开工建设", "请核实数字", "配合"):
        assert text in content
    history = response.context["history"]
    assert len(history) == 3  # two saves and the return, newest first
    first = history[-1]
    assert first.created
    assert first.record.history_user == reporter
    assert ("Completion this period", "", "第一稿") in first.changes
    assert ("新增就业 (人)", "", "100") in first.changes
    second = history[-2]
    assert ("Completion this period", "第一稿", "第二稿") in second.changes
    assert ("Status", "On track", "Ahead") in second.changes
    assert ("State", "Draft", "Submitted") in second.changes
    assert ("新增就业 (人)", "100", "150") in second.changes
    assert history[0].record.history_user == supervisor
    assert ("State", "Submitted", "Returned") in history[0].changes
    assert "reporter" in content and "supervisor" in content
    assert not response.context["can_edit"]
    assert response.context["can_contribute"]


def test_report_page_links_to_the_form_only_for_the_lead_unit_while_editable(
    client_as, reporter, supervisor, subitem
):
    report = make_report(subitem, PERIOD_DATE, state=State.DRAFT)
    url = reverse("reporting:report_detail", args=[report.pk])

    assert client_as(reporter).get(url).context["can_edit"]
    assert not client_as(supervisor).get(url).context["can_edit"]
    assert edit_url(subitem) not in client_as(supervisor).get(url).content.decode()


def test_report_page_queries_do_not_grow_with_its_history(
    client_as, reporter, co_reporter, subitem, indicator, milestones
):
    report = make_report(subitem, PERIOD_DATE, state=State.DRAFT, values={indicator: 1})
    report.milestones_achieved.set(milestones[:2])
    services.attachment_add(report=report, user=reporter, name="a.png", data=png_with_exif())
    services.contribution_save(subitem=subitem, period=PERIOD_DATE, user=co_reporter, text="配合")
    url = reverse("reporting:report_detail", args=[report.pk])
    client = client_as(reporter)

    def save(n: int) -> None:
        for i in range(n):
            version = ProgressReport.objects.get(pk=report.pk).version
            services.report_save(
                subitem=subitem,
                period=PERIOD_DATE,
                user=reporter,
                data=services.ReportData(
                    status=Status.ON_TRACK, completion=f"第{i}稿", values={indicator.pk: i + 2}
                ),
                expected_version=version,
            )

    save(2)
    few = _count_queries(client, url)
    save(10)
    many = _count_queries(client, url)

    assert len(client.get(url).context["history"]) == 13
    assert many == few


def test_a_photo_shows_as_a_thumbnail_behind_the_same_access_check(
    client_as, reporter, co_reporter, supervisor, other_reporter, other_supervisor, subitem
):
    client_as(reporter).post(
        edit_url(subitem),
        form_data(
            attachments=[
                SimpleUploadedFile("现场照片.png", png_with_exif(size=(1200, 900)), "image/png"),
                SimpleUploadedFile("说明.pdf", b"%PDF-1.4\n%test\n", "application/pdf"),
            ]
        ),
    )
    photo = Attachment.objects.get(kind="image")
    document = Attachment.objects.get(kind="document")
    thumb = reverse("reporting:thumbnail", args=[photo.pk])

    page = client_as(supervisor).get(reverse("review:report", args=[photo.report.pk]))
    html = page.content.decode()
    assert f'<img src="{thumb}" alt=""' in html and "现场照片.png</a>" in html
    assert "说明.pdf" in html  # a document: its name and size, no thumbnail
    for user in (reporter, co_reporter, supervisor):
        response = client_as(user).get(thumb)
        assert response.status_code == 200, user
        image = Image.open(io.BytesIO(response.content))
        assert image.format == "JPEG" and image.size == (320, 240)
    for user in (other_reporter, other_supervisor):
        assert client_as(user).get(thumb).status_code == 404
    assert client_as(None).get(thumb).status_code == 302
    assert (
        client_as(reporter).get(reverse("reporting:thumbnail", args=[document.pk])).status_code
        == 404
    )
