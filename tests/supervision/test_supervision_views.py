"""Supervision's pages through the real views and database: every view x every role, the
notice workflow, the lights and flags of the world, and the start page's counts against the
lists they link to."""

from __future__ import annotations

import datetime
import io
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from factories import access_matrix
from openpyxl import load_workbook
from queued import exported

from progress.models import ItemStatus
from progress.supervision import selectors, services
from progress.supervision.models import Notice, NoticeEvent, ReportFlag

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"

EXPECTED = {
    #               admin sup  other-sup lead  co   unrelated anonymous
    "notices": (200, 200, 200, 200, 200, 200, 302),
    # a supervisor's or admin's whole ledger and scorecard: a worker writes them (302 to the job)
    "export": (302, 302, 302, 200, 200, 200, 302),
    "notice": (200, 200, 404, 200, 404, 404, 302),
    "new": (200, 200, 404, 403, 403, 403, 302),
    "file": (200, 200, 404, 200, 404, 404, 302),
    "lights": (200, 200, 200, 200, 200, 200, 302),
    "flags": (200, 200, 200, 200, 200, 200, 302),
    "scorecard": (200, 200, 200, 200, 200, 200, 302),
    "scorecard_export": (302, 302, 302, 200, 200, 200, 302),
    "leaders": (200, 200, 200, 403, 403, 403, 302),
}
MATRIX = access_matrix(EXPECTED)


def _replied(notice, reporter) -> None:
    services.notice_reply(
        notice=notice,
        user=reporter,
        text="已完成选址，正在办理用地手续",
        expected_completion=datetime.date(2024, 9, 30),
        files=[services.Upload("整改方案.pdf", PDF)],
    )


@pytest.fixture
def world(lagging, on_track, elsewhere, notice, reporter):
    _replied(notice, reporter)
    return {"notice": notice}


def urls(notice) -> dict[str, str]:
    attachment = notice.events.get(action="reply").attachments.get()
    return {
        "notices": reverse("supervision:notices"),
        "export": reverse("supervision:notices_export"),
        "notice": reverse("supervision:notice", args=[notice.pk]),
        "new": f"{reverse('supervision:notice_new')}?items={notice.subitem_id}",
        "file": reverse("supervision:notice_file", args=[attachment.pk]),
        "lights": f"{reverse('supervision:lights')}?period=2024-06",
        "flags": reverse("supervision:flags"),
        "scorecard": f"{reverse('supervision:scorecard')}?year=2024",
        "scorecard_export": f"{reverse('supervision:scorecard_export')}?year=2024",
        "leaders": f"{reverse('supervision:leaders')}?period=2024-06",
    }


@pytest.mark.parametrize(("view", "role", "expected"), MATRIX)
def test_it_checks_access(client_as, request, world, view, role, expected):
    user = request.getfixturevalue(role) if role else None

    response = client_as(user).get(urls(world["notice"])[view])

    assert response.status_code == expected
    if expected == 302:
        assert response["Location"].startswith(reverse("login") if user is None else "/jobs/")
    sees_unit = role in ("admin_user", "supervisor", "reporter")
    if expected == 302 and user is not None:  # the worker's file, for the asker
        response = exported(client_as(user), urls(world["notice"])[view])
        expected = 200
    if expected != 200:
        return
    if view == "notices":
        assert len(response.context["notices"]) == (1 if sees_unit else 0)
    if view == "lights":
        assert (response.context["counts"]["red"] == 1) == sees_unit
    if view == "scorecard":
        names = [row["name"] for row in response.context["rows"]]
        if role in ("co_reporter", "other_reporter"):
            assert "区教育局" not in names  # another unit's row is never shown
        if role == "reporter":
            assert names == ["区教育局"]
    if view == "export":
        sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
        rows = list(sheet.values)
        assert rows[0] == (
            "序号",
            "督办事项",
            "责任单位",
            "督办要求",
            "反馈时限",
            "反馈情况",
            "办理状态",
        )
        assert len(rows) == (2 if sees_unit else 1)


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("supervisor", 302),
        ("other_supervisor", 404),
        ("reporter", 403),
        ("co_reporter", 404),
        ("other_reporter", 404),
        (None, 302),
    ],
)
def test_dismissing_a_flag_checks_access(client_as, request, lagging, role, expected):
    flag = ReportFlag.objects.filter(report__subitem=lagging).first()
    assert flag is not None
    user = request.getfixturevalue(role) if role else None

    response = client_as(user).post(
        reverse("supervision:flag_dismiss", args=[flag.pk]), {"reason": "核实无误"}
    )

    assert response.status_code == expected
    flag.refresh_from_db()
    assert (flag.dismissed_at is not None) == (role == "supervisor")


@pytest.mark.parametrize(
    ("role", "action", "expected"),
    [
        ("supervisor", "reply", 403),
        ("co_reporter", "reply", 404),
        ("reporter", "accept", 403),
        ("other_supervisor", "accept", 404),
    ],
)
def test_only_the_unit_replies_and_only_supervisors_decide(
    client_as, request, notice, role, action, expected
):
    user = request.getfixturevalue(role)
    response = client_as(user).post(
        reverse("supervision:notice", args=[notice.pk]),
        {"action": action, "text": "措施", "expected_completion": "2024-09-30", "comment": "好"},
    )
    assert response.status_code == expected
    notice.refresh_from_db()
    assert notice.state == Notice.State.OPEN


# --- the workflow -------------------------------------------------------------------------


def test_issue_reply_accept_through_the_pages(client_as, supervisor, reporter, lagging, on_track):
    due = timezone.localdate() + datetime.timedelta(days=3)
    sup, rep = client_as(supervisor), client_as(reporter)

    response = sup.post(
        reverse("supervision:notice_new"),
        {
            "items": [lagging.pk, on_track.pk],
            "level": "listed",
            "requirement": "说明滞后原因及整改措施",
            "reply_due": due.isoformat(),
        },
    )
    assert response.status_code == 302
    notices = list(Notice.objects.order_by("pk"))
    assert [n.subitem_id for n in notices] == [lagging.pk, on_track.pk]
    assert len({n.batch for n in notices}) == 1

    # the unit sees them first on its start page
    start = rep.get(reverse("home")).content.decode()
    assert "新建社区养老驿站" in start and "改造10个小区" in start

    first = notices[0]
    upload = io.BytesIO(PDF)
    upload.name = "材料.pdf"
    response = rep.post(
        reverse("supervision:notice", args=[first.pk]),
        {"action": "reply", "text": "已落实", "expected_completion": "2024-10-31", "files": upload},
    )
    assert response.status_code == 302
    first.refresh_from_db()
    assert first.state == Notice.State.REPLIED and first.replied_at is not None

    response = sup.post(
        reverse("supervision:notice", args=[first.pk]), {"action": "accept", "comment": ""}
    )
    assert response.status_code == 302
    first.refresh_from_db()
    assert first.state == Notice.State.CLOSED
    steps = list(first.events.values_list("action", "actor__username"))
    assert steps == [("issue", "supervisor"), ("reply", "reporter"), ("accept", "supervisor")]
    assert first.history.count() == 3
    assert first.events.get(action="reply").attachments.get().original_name == "材料.pdf"


def test_send_back_needs_a_reason_and_reopens(client_as, supervisor, reporter, notice):
    _replied(notice, reporter)
    sup = client_as(supervisor)
    url = reverse("supervision:notice", args=[notice.pk])

    response = sup.post(url, {"action": "return", "comment": ""})
    assert response.status_code == 400
    notice.refresh_from_db()
    assert notice.state == Notice.State.REPLIED

    sup.post(url, {"action": "return", "comment": "措施不具体"})
    notice.refresh_from_db()
    assert notice.state == Notice.State.OPEN
    assert notice.events.last().action == NoticeEvent.Action.RETURN


def test_bad_input_is_refused_in_chinese_and_nothing_is_written(client_as, supervisor, lagging):
    response = client_as(supervisor).post(
        reverse("supervision:notice_new"),
        {
            "items": [lagging.pk],
            "level": "supervise",
            "requirement": "x",
            "reply_due": "2000-01-01",
        },
    )
    assert response.status_code == 400
    assert "反馈时限不能早于今天" in response.content.decode()
    assert not Notice.objects.exists()


def test_overdue_counts_on_the_start_page_equal_the_list(client_as, supervisor, reporter, notice):
    Notice.objects.filter(pk=notice.pk).update(
        reply_due=timezone.localdate() - datetime.timedelta(days=1)
    )  # time moves on: the deadline passed without a reply
    sup = client_as(supervisor)

    summary = selectors.start_summary(supervisor)
    listed = sup.get(reverse("supervision:notices"), {"state": "overdue"})
    page = sup.get(reverse("home")).content.decode()

    assert summary.counts["overdue"] == len(listed.context["notices"]) == 1
    assert 'data-count="overdue">1<' in page
    assert list(selectors.notices_overdue()) == [notice]
    rep_page = client_as(reporter).get(reverse("home")).content.decode()
    assert 'data-count="unit-overdue">1<' in rep_page


def test_notices_due_tomorrow_for_the_reminders(notice):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    assert list(selectors.notices_due_tomorrow()) == []
    Notice.objects.filter(pk=notice.pk).update(reply_due=tomorrow)
    assert list(selectors.notices_due_tomorrow()) == [notice]


# --- lights, flags, the item and review pages -----------------------------------------------


def test_the_lights_of_the_world(lagging, on_track):
    lights = dict(ItemStatus.objects.filter(subitem=lagging).values_list("period", "light"))
    march = ItemStatus.objects.get(subitem=lagging, period=datetime.date(2024, 3, 1))
    assert march.light_reasons == [{"kind": "missing_run", "light": "red", "run": 3}]
    april = ItemStatus.objects.get(subitem=lagging, period=datetime.date(2024, 4, 1))
    assert april.light == "red"  # lagging once, but the milestone is overdue 30 days
    assert april.light_reasons[:2] == [
        {"kind": "milestone", "light": "red", "name": "完成选址", "days": 30},
        {"kind": "lagging_run", "light": "yellow", "run": 1},
    ]
    assert lights[datetime.date(2024, 6, 1)] == "red"
    june = ItemStatus.objects.get(subitem=on_track, period=datetime.date(2024, 6, 1))
    assert june.light == "green"
    # on_track has no report before June: January and February not reported, two running
    feb = ItemStatus.objects.get(subitem=on_track, period=datetime.date(2024, 2, 1))
    assert feb.light == "red"
    assert feb.light_reasons == [{"kind": "missing_run", "light": "red", "run": 2}]


def test_lights_page_counts_equal_its_lists(client_as, supervisor, lagging, on_track):
    client = client_as(supervisor)
    response = client.get(reverse("supervision:lights"), {"period": "2024-06"})
    counts = response.context["counts"]
    for light in ("red", "yellow", "green", "none"):
        listed = client.get(reverse("supervision:lights"), {"period": "2024-06", "light": light})
        assert len(listed.context["rows"]) == counts[light]
    assert counts["red"] == 1 and counts["green"] == 1


def test_flags_on_reports_show_on_the_review_page(en_client, supervisor, lagging):
    from factories import make_report

    from progress.models import ProgressReport

    report = ProgressReport.objects.get(subitem=lagging, period=datetime.date(2024, 6, 1))
    kinds = set(report.flags.values_list("kind", flat=True))
    assert "copied" in kinds  # the same text as May's
    response = en_client(supervisor).get(reverse("review:report", args=[report.pk]))
    assert "same as the previous report" in response.content.decode()

    late = make_report(
        lagging,
        datetime.date(2024, 7, 1),
        completion="完全不同的一段新进展文字",
        submitted_at=timezone.make_aware(datetime.datetime(2024, 8, 6, 9)),
    )
    # late by one day; and 正常 claimed while computed 滞后 in June and July
    assert dict(late.flags.values_list("kind", "params")) == {
        "late": {"days": "1", "deadline": "2024-08-05"},
        "on_track_lagging": {},
    }


def test_a_dismissed_flag_stays_dismissed_after_a_refresh(supervisor, lagging):
    from progress.statuses import refresh_statuses

    flag = ReportFlag.objects.filter(report__subitem=lagging, kind="copied").first()
    services.flag_dismiss(flag=flag, user=supervisor, reason="确实无新进展")
    refresh_statuses(subitem_ids=[lagging.pk])
    flag.refresh_from_db()
    assert flag.dismissed_reason == "确实无新进展" and flag.dismissed_by == supervisor
    with pytest.raises(services.SupervisionError):
        services.flag_dismiss(flag=flag, user=supervisor, reason="again")


def test_the_item_page_shows_light_and_notices(client_as, supervisor, notice, lagging):
    page = client_as(supervisor).get(
        reverse("items:detail", args=[lagging.pk]), {"period": "2024-06"}
    )
    html = page.content.decode()
    assert 'data-part="supervision-item"' in html
    assert 'data-light="red"' in html
    assert reverse("supervision:notice", args=[notice.pk]) in html


def test_the_leaders_view(client_as, supervisor, leader, lagging, on_track, notice):
    client = client_as(supervisor)
    response = client.get(reverse("supervision:leaders"), {"period": "2024-06"})
    (row,) = response.context["summary"]
    assert row["leader"] == leader
    assert (row["items"], row["red"], row["yellow"], row["green"]) == (2, 1, 0, 1)
    assert row["open_notices"] == 1

    response = client.get(
        reverse("supervision:leaders"), {"period": "2024-06", "leader": leader.pk}
    )
    assert response.context["counts"] == {"red": 1, "yellow": 0, "green": 1}
    assert {i["subitem"].name: i["open_notices"] for i in response.context["items"]} == {
        "新建社区养老驿站": 1,
        "改造10个小区": 0,
    }
    assert "完成选址" in response.content.decode()  # the reason in words


def test_a_leader_of_another_jurisdiction_is_404(client_as, supervisor, other_jurisdiction):
    from factories import make_leader

    stranger = make_leader(other_jurisdiction, "王北仑")
    response = client_as(supervisor).get(reverse("supervision:leaders"), {"leader": stranger.pk})
    assert response.status_code == 404


# --- query counts: 10 items and 1,000 ---------------------------------------------------------


def bulk_world(plan, unit, leader, supervisor, n: int) -> None:
    """n sub-items of `unit` under `leader`, each with an overdue milestone, a lagging June
    report copied from May, and a notice. Bulk-created, then refreshed: fast at 1,000."""
    from progress.models import ProgressReport
    from progress.statuses import refresh_statuses
    from projects.models import Milestone, Project, SubItem

    start = Project.objects.filter(plan=plan).count()
    projects = Project.objects.bulk_create(
        Project(plan=plan, number=str(start + i), name=f"批量项目{start + i}", order=start + i)
        for i in range(1, n + 1)
    )
    subs = SubItem.objects.bulk_create(
        SubItem(project=p, number=1, name=f"批量子项{p.number}", lead_unit=unit) for p in projects
    )
    SubItem.leaders.through.objects.bulk_create(
        SubItem.leaders.through(subitem_id=s.pk, leader_id=leader.pk) for s in subs
    )
    Milestone.objects.bulk_create(
        Milestone(subitem=s, due=datetime.date(2024, 4, 30), text="开工") for s in subs
    )
    ProgressReport.objects.bulk_create(
        ProgressReport(
            subitem=s,
            period=datetime.date(2024, month, 1),
            status="lagging",
            explanation="原因",
            state="submitted",
            completion="推进中",
            submitted_at=timezone.make_aware(datetime.datetime(2024, month + 1, 9)),
        )
        for s in subs
        for month in (5, 6)
    )
    Notice.objects.bulk_create(
        Notice(
            subitem=s,
            unit=unit,
            jurisdiction=plan.jurisdiction,
            level="supervise",
            requirement="整改",
            reply_due=datetime.date(2024, 7, 1),
            created_by=supervisor,
        )
        for s in subs
    )
    refresh_statuses(subitem_ids=[s.pk for s in subs])


def count_queries(client, url: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(url)  # warm up: session, caches
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    # 200, or the job's page for an export a worker writes
    assert response.status_code == 200 or response["Location"].startswith("/jobs/"), url
    return len(queries)


@pytest.mark.parametrize("role", ["supervisor", "admin_user", "reporter"])
def test_pages_issue_the_same_queries_with_10_and_1000_items(
    client_as, request, plan, unit, leader, supervisor, role
):
    client = client_as(request.getfixturevalue(role))
    pages = {
        "notices": reverse("supervision:notices"),
        "notices overdue": f"{reverse('supervision:notices')}?state=overdue&unit={unit.pk}",
        "notices export": reverse("supervision:notices_export"),
        "lights": f"{reverse('supervision:lights')}?period=2024-06",
        "lights red": f"{reverse('supervision:lights')}?period=2024-06&light=red",
        "flags": reverse("supervision:flags"),
        "scorecard": f"{reverse('supervision:scorecard')}?year=2024",
        "scorecard export": f"{reverse('supervision:scorecard_export')}?year=2024",
        "start": reverse("home"),
    }
    if role != "reporter":
        pages["leaders"] = f"{reverse('supervision:leaders')}?period=2024-06"
        pages["leader"] = f"{reverse('supervision:leaders')}?period=2024-06&leader={leader.pk}"

    bulk_world(plan, unit, leader, supervisor, 10)
    few = {name: count_queries(client, url) for name, url in pages.items()}
    bulk_world(plan, unit, leader, supervisor, 990)
    many = {name: count_queries(client, url) for name, url in pages.items()}

    assert many == few
    lights = client.get(pages["lights"])
    assert lights.context["counts"]["red"] == 1000
    card = client.get(pages["scorecard"])
    (row,) = card.context["rows"]
    # notices are counted in the month they were issued (now), overdue replies by their deadline
    assert row["summary"]["items"] == "1000" and row["summary"]["overdue"] == "1000"


def test_the_item_list_filters_by_light_and_flags(client_as, supervisor, lagging, on_track):
    client = client_as(supervisor)
    url = reverse("items:list")

    def listed(**params) -> list[str]:
        response = client.get(url, {"period": "2024-06", **params})
        return [row.subitem.name for row in response.context["table"].paginated_rows.data]

    assert listed(light="red") == ["新建社区养老驿站"]
    assert listed(light="green") == ["改造10个小区"]
    assert listed(flagged="1") == ["新建社区养老驿站"]  # June's text is May's
    ReportFlag.objects.filter(report__subitem=lagging, report__period="2024-06-01").update(
        dismissed_at=timezone.now(), dismissed_reason="核实"
    )
    assert listed(flagged="1") == []


def test_the_dashboard_counts_equal_the_lists(client_as, supervisor, lagging, on_track, notice):
    client = client_as(supervisor)
    page = client.get(reverse("dashboard:overview"), {"period": "2024-06"}).content.decode()
    lights = client.get(reverse("supervision:lights"), {"period": "2024-06"}).context["counts"]
    assert f'data-count="red">{lights["red"]}<' in page
    assert f'data-count="green">{lights["green"]}<' in page
    opened = client.get(reverse("supervision:notices"), {"state": "open"}).context["notices"]
    assert f'data-count="open">{len(opened)}<' in page


def test_the_start_pages_lights_add_up_and_equal_the_lists(
    client_as, supervisor, lagging, on_track
):
    """Red, yellow, green and no light on the start page: each the lights page's list behind its
    link, and together every active sub-item of the period (one truth beside the item count)."""
    client = client_as(supervisor)
    page = client.get(reverse("home")).content.decode()
    period = re.search(r"period=(\d{4}-\d{2})&(amp;)?light=red", page).group(1)
    total = 0
    for light in ("red", "yellow", "green", "none"):
        listed = client.get(
            reverse("supervision:lights"), {"period": period, "light": light}
        ).context["counts"][light]
        assert re.search(rf'data-count="{light}">[^<]* {listed}</a>', page), light
        total += listed
    assert total == ItemStatus.objects.filter(period=f"{period}-01").count()


def test_refresh_lights_recomputes_every_plan(lagging):
    from django.core.management import call_command

    ItemStatus.objects.filter(subitem=lagging).update(light="", light_reasons=[])
    out = io.StringIO()
    call_command("refresh_lights", "--year", "2024", stdout=out)
    assert "1 plans, 12 status rows" in out.getvalue()
    june = ItemStatus.objects.get(subitem=lagging, period=datetime.date(2024, 6, 1))
    assert june.light == "red"


def test_the_item_list_shows_lights_and_lets_supervisors_choose(
    client_as, supervisor, reporter, lagging, on_track
):
    page = client_as(supervisor).get(reverse("items:list"), {"period": "2024-06"})
    html = page.content.decode()
    assert 'data-light="red"' in html and 'data-light="green"' in html
    assert f'name="items" value="{lagging.pk}" form="choose-items"' in html
    assert reverse("supervision:notice_new") in html
    mine = client_as(reporter).get(reverse("items:list"), {"period": "2024-06"}).content.decode()
    assert 'data-light="red"' in mine
    assert 'form="choose-items"' not in mine  # reporters do not issue notices


def test_stored_flags_decreasing_value_and_completed_early(plan, unit):
    from factories import make_indicator, make_milestone, make_project, make_report, make_subitem

    subitem = make_subitem(make_project(plan), lead_unit=unit)
    indicator = make_indicator(subitem, "改造户数", "户", targets=[100, 200, 300, 400])
    make_milestone(subitem, datetime.date(2024, 12, 31), "全部完工")
    make_report(subitem, datetime.date(2024, 5, 1), completion="五月进展", values={indicator: 120})
    june = make_report(
        subitem,
        datetime.date(2024, 6, 1),
        status="completed",
        completion="全部完成，六月进展另写",
        values={indicator: 110},
    )
    flags = {(f.kind, f.subject): f.params for f in june.flags.all()}
    assert flags == {
        ("decreased", "改造户数"): {"value": "110", "previous": "120"},
        ("completed_early", "全部完工"): {"due": "2024-12-31"},
    }
