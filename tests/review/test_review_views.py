"""The review pages: the queue, one report (approve / return / reopen) and the missing reports,
through the real services, database and views."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from factories import make_plan, make_project, make_report, make_subitem, make_unit, make_user

from progress.models import ProgressReport, ReviewEvent, Status
from progress.periods import last_closed_period
from progress.reporting import services as reporting_services
from progress.reporting.selectors import report_events
from progress.review import services
from progress.statuses import refresh_statuses
from projects import roles
from projects.models import Plan, SubItem, User

pytestmark = pytest.mark.django_db

PERIOD = datetime.date(2024, 3, 1)
QUEUE_URL = reverse("review:queue")
MISSING_URL = reverse("review:missing")
State = ProgressReport.State


@pytest.fixture
def unrelated_reporter(jurisdiction) -> User:
    """A reporter of a unit of the same jurisdiction that has nothing to do with the item."""
    unit = make_unit(jurisdiction, "区文旅局")
    return make_user("unrelated_reporter", roles.REPORTER, jurisdiction=jurisdiction, unit=unit)


@pytest.fixture
def subitem(jurisdiction, unit, other_unit) -> SubItem:
    """Led by `reporter`'s unit (区教育局), with `other_reporter`'s unit (区民政局) co-operating."""
    plan = make_plan(jurisdiction, title="2024年民生实事项目清单", year=2024)
    project = make_project(plan, number="3", name="新建10处养老服务设施")
    return make_subitem(project, name="新建社区食堂5处", lead_unit=unit, co_units=[other_unit])


def submit(subitem: SubItem, user: User, *, period=PERIOD, **fields) -> ProgressReport:
    """Save and submit a report as the unit's reporter does, through the service."""
    current = ProgressReport.objects.filter(subitem=subitem, period=period).first()
    data = reporting_services.ReportData(
        status=fields.pop("status", Status.ON_TRACK),
        completion=fields.pop("completion", "完成选址3处，开工建设2处。"),
        **fields,
    )
    return reporting_services.report_save(
        subitem=subitem,
        period=period,
        user=user,
        data=data,
        expected_version=current.version if current else None,
        submit=True,
    )


@pytest.fixture
def submitted(subitem, reporter) -> ProgressReport:
    return submit(subitem, reporter)


def report_url(report: ProgressReport) -> str:
    return reverse("review:report", args=[report.pk])


# --- access --------------------------------------------------------------------------------

PERSONAS = [
    # persona, queue and missing pages, one report
    ("anonymous", 302, 302),
    ("admin_user", 200, 200),
    ("supervisor", 200, 200),
    ("other_supervisor", 200, 404),
    ("reporter", 403, 403),  # lead unit: reads the report, may not review it
    ("other_reporter", 403, 403),  # co-operating unit: reads it too
    ("unrelated_reporter", 403, 404),  # may not even read it
]


@pytest.mark.parametrize(("persona", "list_status", "report_status"), PERSONAS)
def test_it_checks_access(request, en_client, submitted, persona, list_status, report_status):
    user = None if persona == "anonymous" else request.getfixturevalue(persona)
    client = en_client(user)

    for url in (QUEUE_URL, MISSING_URL, f"{MISSING_URL}?period=2024-03", report_url(submitted)):
        expected = report_status if url == report_url(submitted) else list_status
        response = client.get(url)
        assert response.status_code == expected, url
        if expected == 302:
            assert response["Location"].startswith(reverse("login"))
            assert "next=" in response["Location"]
        if expected == 200:  # and the page shows what it is for
            page = response.content.decode()
            if url == report_url(submitted):
                assert "新建社区食堂5处" in page and response.context["report"] == submitted
            elif url == QUEUE_URL:
                mine = persona != "other_supervisor"
                assert (submitted in response.context["reports"]) is mine
            else:
                assert "Missing reports for" in page


@pytest.mark.parametrize(("persona", "list_status", "report_status"), PERSONAS)
@pytest.mark.parametrize("action", ["approve", "return"])
def test_only_reviewers_can_decide(
    request, en_client, submitted, persona, list_status, report_status, action
):
    user = None if persona == "anonymous" else request.getfixturevalue(persona)

    response = en_client(user).post(
        report_url(submitted), {"action": action, "comment": "请补充照片。"}
    )

    submitted.refresh_from_db()
    if report_status == 200:
        assert response.status_code == 302
        assert submitted.state == (State.APPROVED if action == "approve" else State.RETURNED)
    else:
        assert response.status_code == report_status
        assert submitted.state == State.SUBMITTED
        assert list(submitted.events.values_list("action", flat=True)) == ["submit"]


def test_a_report_that_does_not_exist_is_404(en_client, admin_user):
    assert en_client(admin_user).get(reverse("review:report", args=[999])).status_code == 404


def test_the_pages_refuse_other_methods(en_client, supervisor, submitted):
    client = en_client(supervisor)
    assert client.post(QUEUE_URL).status_code == 405
    assert client.post(MISSING_URL).status_code == 405
    assert client.put(report_url(submitted)).status_code == 405


def test_supervisors_and_admins_get_the_nav_links(en_client, supervisor, reporter):
    page = en_client(supervisor).get(reverse("home")).content.decode()
    assert f'href="{QUEUE_URL}"' in page
    assert f'href="{MISSING_URL}"' in page

    page = en_client(reporter).get(reverse("home")).content.decode()
    assert f'href="{QUEUE_URL}"' not in page


# --- the queue -------------------------------------------------------------------------------


def test_the_queue_lists_submitted_reports_of_the_jurisdiction(
    en_client, supervisor, subitem, submitted, reporter, other_jurisdiction
):
    draft = make_report(make_subitem(subitem.project, lead_unit=subitem.lead_unit), PERIOD)
    draft.state = State.DRAFT
    draft.save()
    approved = make_report(make_subitem(subitem.project), PERIOD, state=State.APPROVED)
    elsewhere = make_report(
        make_subitem(make_project(make_plan(other_jurisdiction))), PERIOD, state=State.SUBMITTED
    )

    response = en_client(supervisor).get(QUEUE_URL)

    assert list(response.context["reports"]) == [submitted]
    page = response.content.decode()
    for text in ("2024年民生实事项目清单", "新建10处养老服务设施", "新建社区食堂5处", "区教育局"):
        assert text in page
    assert "2024-03" in page
    assert reporter.username in page
    assert f'action="{report_url(submitted)}"' in page  # the inline approve form
    for other in (draft, approved, elsewhere):
        assert report_url(other) not in page


def test_admins_see_every_jurisdiction_in_the_queue(
    en_client, admin_user, submitted, other_jurisdiction
):
    elsewhere = make_report(
        make_subitem(make_project(make_plan(other_jurisdiction))),
        PERIOD,
        submitted_at=timezone.now(),
    )

    response = en_client(admin_user).get(QUEUE_URL)

    assert list(response.context["reports"]) == [submitted, elsewhere]  # oldest first
    assert "北仑区" in response.content.decode()  # the jurisdiction column


def test_a_supervisor_elsewhere_has_an_empty_queue(en_client, other_supervisor, submitted):
    response = en_client(other_supervisor).get(QUEUE_URL)

    assert list(response.context["reports"]) == []
    assert "Nothing to review" in response.content.decode()


def _fill_queue(jurisdiction, n: int) -> None:
    """n submitted reports, each of another unit, plan and submitter (an N+1 would show)."""
    for i in range(n):
        plan = make_plan(jurisdiction)
        unit = make_unit(jurisdiction)
        who = make_user(
            f"filler{plan.pk}-{i}", roles.REPORTER, jurisdiction=jurisdiction, unit=unit
        )
        make_report(
            make_subitem(make_project(plan), lead_unit=unit),
            PERIOD,
            submitted_by=who,
            submitted_at=timezone.now(),
        )


@pytest.mark.parametrize("persona", ["supervisor", "admin_user"])
def test_the_queue_queries_do_not_grow_with_reports(request, en_client, jurisdiction, persona):
    client = en_client(request.getfixturevalue(persona))
    _fill_queue(jurisdiction, 3)
    client.get(QUEUE_URL)  # warm up
    with CaptureQueriesContext(connection) as few:
        response = client.get(QUEUE_URL)
    assert len(response.context["reports"]) == 3

    _fill_queue(jurisdiction, 27)
    with CaptureQueriesContext(connection) as many:
        response = client.get(QUEUE_URL)

    assert len(response.context["reports"]) == 30
    assert len(many) == len(few)
    # session, user, the user's groups, the count of the page, the page of reports, and the
    # filters' units, plans and periods
    assert len(many) == 8, [q["sql"] for q in many.captured_queries]


# --- approve, return, reopen ------------------------------------------------------------------


def test_the_review_page_shows_the_report(en_client, supervisor, subitem, reporter):
    report = submit(
        subitem,
        reporter,
        status=Status.LAGGING,
        explanation="征地推迟，下月开工。",
        problems="资金未到位",
        next_steps="协调资金",
    )

    response = en_client(supervisor).get(report_url(report))

    page = response.content.decode()
    for text in (
        "新建社区食堂5处",
        "完成选址3处",
        "征地推迟",
        "资金未到位",
        "协调资金",
        "区民政局",
    ):
        assert text in page
    assert 'name="action" value="approve"' in page
    assert 'name="action" value="return"' in page
    assert 'value="reopen"' not in page  # only an approved report can be reopened
    assert response.context["events"][0].action == ReviewEvent.Action.SUBMIT


def test_approving_locks_the_report(en_client, supervisor, subitem, submitted, reporter):
    response = en_client(supervisor).post(
        report_url(submitted), {"action": "approve", "version": submitted.version}
    )

    assert response.status_code == 302
    assert response["Location"] == QUEUE_URL
    submitted.refresh_from_db()
    assert submitted.state == State.APPROVED
    assert [e.action for e in report_events(submitted)] == ["submit", "approve"]
    assert report_events(submitted).last().actor == supervisor
    with pytest.raises(reporting_services.ReportError):
        reporting_services.report_save(
            subitem=subitem,
            period=PERIOD,
            user=reporter,
            data=reporting_services.ReportData(status=Status.ON_TRACK, completion="改一下"),
            expected_version=submitted.version,
        )
    submitted.refresh_from_db()
    assert submitted.state == State.APPROVED
    assert submitted.completion == "完成选址3处，开工建设2处。"
    # the page now offers to reopen, not to approve
    page = en_client(supervisor).get(report_url(submitted)).content.decode()
    assert 'value="reopen"' in page
    assert 'value="approve"' not in page


def test_approving_from_the_queue_goes_back_to_the_queue(en_client, supervisor, submitted):
    client = en_client(supervisor)

    response = client.post(
        report_url(submitted),
        {"action": "approve", "version": submitted.version, "next": "queue"},
        follow=True,
    )

    assert response.redirect_chain == [(QUEUE_URL, 302)]
    assert "Approved" in response.content.decode()
    submitted.refresh_from_db()
    assert submitted.state == State.APPROVED


def test_returning_needs_a_comment(en_client, supervisor, submitted):
    response = en_client(supervisor).post(
        report_url(submitted), {"action": "return", "comment": "   "}
    )

    assert response.status_code == 400
    assert "a comment is required" in response.content.decode()
    submitted.refresh_from_db()
    assert submitted.state == State.SUBMITTED
    assert submitted.events.count() == 1


def test_a_returned_report_goes_back_to_the_unit_with_the_comment(
    en_client, supervisor, subitem, submitted, reporter
):
    response = en_client(supervisor).post(
        report_url(submitted),
        {"action": "return", "comment": "请补充现场照片。", "version": submitted.version},
    )

    assert response.status_code == 302
    submitted.refresh_from_db()
    assert submitted.state == State.RETURNED
    event = report_events(submitted).last()
    assert (event.action, event.comment, event.actor) == ("return", "请补充现场照片。", supervisor)
    assert "请补充现场照片。" in en_client(supervisor).get(report_url(submitted)).content.decode()

    # the unit changes it and submits again; the supervisor approves
    resubmitted = submit(subitem, reporter, completion="完成选址3处，开工建设2处，照片已补充。")
    assert resubmitted.state == State.SUBMITTED
    en_client(supervisor).post(report_url(resubmitted), {"action": "approve"})
    resubmitted.refresh_from_db()
    assert resubmitted.state == State.APPROVED
    assert [e.action for e in report_events(resubmitted)] == [
        "submit",
        "return",
        "submit",
        "approve",
    ]


def test_the_reporter_reads_the_comment_on_the_form_and_the_report_page(
    en_client, supervisor, subitem, submitted, reporter
):
    en_client(supervisor).post(
        report_url(submitted), {"action": "return", "comment": "请补充现场照片。"}
    )
    client = en_client(reporter)

    form_page = client.get(reverse("reporting:report_edit", args=[subitem.pk, "2024-03"]))
    detail_page = client.get(reverse("reporting:report_detail", args=[submitted.pk]))

    assert form_page.status_code == detail_page.status_code == 200
    assert "请补充现场照片。" in form_page.content.decode()
    assert "请补充现场照片。" in detail_page.content.decode()


def test_the_review_page_queries_do_not_grow_with_its_history(
    en_client, supervisor, subitem, reporter, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path / "media"
    report = submit(subitem, reporter)
    client = en_client(supervisor)

    def round_trip(n: int) -> None:
        """Return and resubmit n times, each time by someone else (an N+1 on the people would
        show), with one more attachment."""
        for i in range(n):
            services.report_return(report=report, user=supervisor, comment=f"第{i}次退回")
            submit(subitem, make_user(f"r{report.events.count()}", roles.REPORTER), completion="改")
            reporting_services.attachment_add(
                report=report, user=reporter, name=f"{i}.pdf", data=b"%PDF-1.4 test"
            )

    round_trip(1)
    client.get(report_url(report))  # warm up
    with CaptureQueriesContext(connection) as few:
        client.get(report_url(report))
    round_trip(5)
    with CaptureQueriesContext(connection) as many:
        response = client.get(report_url(report))

    assert len(response.context["events"]) == 13
    assert len(response.context["attachments"]) == 6
    assert len(many) == len(few)


def test_reopening_needs_a_reason(en_client, supervisor, submitted):
    services.report_approve(report=submitted, user=supervisor)

    response = en_client(supervisor).post(report_url(submitted), {"action": "reopen"})

    assert response.status_code == 400
    assert "A reason is required" in response.content.decode()
    submitted.refresh_from_db()
    assert submitted.state == State.APPROVED


def test_reopening_unlocks_an_approved_report(en_client, supervisor, subitem, submitted, reporter):
    services.report_approve(report=submitted, user=supervisor)

    response = en_client(supervisor).post(
        report_url(submitted), {"action": "reopen", "comment": "数据口径有误，请更正。"}
    )

    assert response.status_code == 302
    assert response["Location"] == report_url(submitted)
    submitted.refresh_from_db()
    assert submitted.state == State.RETURNED
    event = report_events(submitted).last()
    assert (event.action, event.comment) == ("reopen", "数据口径有误，请更正。")
    # the unit may change it again
    assert submit(subitem, reporter, completion="更正后的数据。").state == State.SUBMITTED


def test_only_an_approved_report_can_be_reopened(en_client, supervisor, submitted):
    response = en_client(supervisor).post(
        report_url(submitted), {"action": "reopen", "comment": "理由"}
    )

    assert response.status_code == 400
    assert "cannot be" in response.content.decode()
    submitted.refresh_from_db()
    assert submitted.state == State.SUBMITTED


def test_a_decided_report_cannot_be_decided_again(en_client, supervisor, admin_user, submitted):
    services.report_approve(report=submitted, user=admin_user)

    response = en_client(supervisor).post(
        report_url(submitted), {"action": "return", "comment": "请修改"}
    )

    assert response.status_code == 400
    submitted.refresh_from_db()
    assert submitted.state == State.APPROVED
    assert [e.action for e in report_events(submitted)] == ["submit", "approve"]


def test_a_decision_on_an_older_version_is_refused(
    en_client, supervisor, subitem, submitted, reporter
):
    read_version = submitted.version
    services.report_return(report=submitted, user=supervisor, comment="请补充")
    submit(subitem, reporter, completion="新的内容")

    response = en_client(supervisor).post(
        report_url(submitted), {"action": "approve", "version": read_version}, follow=True
    )

    assert response.redirect_chain == [(report_url(submitted), 302)]
    assert "changed while you were reading it" in response.content.decode()
    submitted.refresh_from_db()
    assert submitted.state == State.SUBMITTED


def test_an_unknown_action_is_refused(en_client, supervisor, submitted):
    response = en_client(supervisor).post(report_url(submitted), {"action": "delete"})

    assert response.status_code == 400
    submitted.refresh_from_db()
    assert submitted.state == State.SUBMITTED


# --- missing reports -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("today", "period"),
    [
        (datetime.date(2024, 3, 10), datetime.date(2024, 2, 1)),
        (datetime.date(2024, 3, 6), datetime.date(2024, 2, 1)),
        (datetime.date(2024, 3, 5), datetime.date(2024, 1, 1)),  # due today: not late yet
        (datetime.date(2024, 3, 1), datetime.date(2024, 1, 1)),
        (datetime.date(2024, 1, 3), datetime.date(2023, 11, 1)),
        (datetime.date(2024, 1, 31), datetime.date(2023, 12, 1)),
    ],
)
def test_the_last_closed_period_is_the_latest_whose_deadline_passed(settings, today, period):
    settings.REPORT_DEADLINE_DAY = 5
    assert last_closed_period(today) == period


@pytest.fixture
def missing_world(jurisdiction, unit, other_unit, other_jurisdiction, reporter, supervisor):
    """2024-03 in 西青区: which items count as missing, and which do not."""
    plan = make_plan(jurisdiction, title="2024年民生实事", year=2024)
    project = make_project(plan, number="1", name="教育设施")
    welfare = make_unit(jurisdiction, "区人社局")
    items = {
        "submitted": make_subitem(project, name="已报送", lead_unit=unit),
        "approved": make_subitem(project, name="已审核", lead_unit=unit),
        "draft": make_subitem(project, name="只存了草稿", lead_unit=unit),
        "returned": make_subitem(project, name="被退回", lead_unit=unit),
        "nothing": make_subitem(project, name="未填报", lead_unit=unit),
        "done_before": make_subitem(project, name="二月已办结", lead_unit=unit),
        "other_unit": make_subitem(project, name="民政未填报", lead_unit=other_unit),
        "welfare": make_subitem(project, name="人社未填报", lead_unit=welfare),
    }
    make_report(items["submitted"], PERIOD, state=State.SUBMITTED)
    make_report(items["approved"], PERIOD, state=State.APPROVED)
    make_report(items["draft"], PERIOD, state=State.DRAFT)
    make_report(items["returned"], PERIOD, state=State.RETURNED)
    make_report(
        items["done_before"], datetime.date(2024, 2, 1), status=Status.COMPLETED, state="approved"
    )
    # another year's plan and another jurisdiction's items are not due for 西青区 2024-03
    make_subitem(make_project(make_plan(jurisdiction, year=2023)), name="去年的", lead_unit=unit)
    make_subitem(make_project(make_plan(other_jurisdiction)), name="北仑未填报")
    # a quarterly plan reports in March
    quarterly = make_plan(jurisdiction, year=2024, reporting_cycle=Plan.Cycle.QUARTERLY)
    items["quarterly"] = make_subitem(make_project(quarterly), name="季度未填报", lead_unit=unit)
    refresh_statuses()  # as the import or the admin does for new items
    return items


def _listed(response) -> dict[str, list[str]]:
    return {
        g.unit.name if g.unit else "": [item.name for item in g.items]
        for g in response.context["groups"]
    }


def test_the_missing_list_groups_what_is_missing_by_unit(en_client, supervisor, missing_world):
    response = en_client(supervisor).get(MISSING_URL, {"period": "2024-03"})

    assert response.status_code == 200
    listed = _listed(response)
    assert list(listed) == ["区人社局", "区教育局", "区民政局"]
    assert sorted(listed["区教育局"]) == sorted(["只存了草稿", "被退回", "未填报", "季度未填报"])
    assert listed["区民政局"] == ["民政未填报"]
    assert listed["区人社局"] == ["人社未填报"]
    assert response.context["item_count"] == 6
    page = response.content.decode()
    for absent in ("已报送", "已审核", "二月已办结", "去年的", "北仑未填报"):
        assert absent not in page
    assert "Draft" in page and "Returned" in page and "No report" in page
    assert "The deadline was 2024-04-05" in page


def test_months_between_quarters_skip_quarterly_plans(en_client, supervisor, missing_world):
    response = en_client(supervisor).get(MISSING_URL, {"period": "2024-04"})

    names = [n for items in _listed(response).values() for n in items]
    assert "季度未填报" not in names
    assert "已报送" in names  # reported for March, not for April


def test_the_missing_list_defaults_to_the_last_closed_period_with_anything_due(
    en_client, supervisor, missing_world, jurisdiction, unit
):
    client = en_client(supervisor)
    # the plans are of 2024: the last period of 2024 has items due (nothing of this year yet)
    response = client.get(MISSING_URL)
    assert response.context["period"] == datetime.date(2024, 12, 1)
    assert response.context["item_count"] == 8  # all but 二月已办结, completed earlier
    assert "2024-03" in response.context["reported_periods"]  # a link to a period with reports
    # a plan of the current year: the latest period whose deadline has passed
    closed = last_closed_period()
    make_subitem(make_project(make_plan(jurisdiction, year=closed.year)), lead_unit=unit)
    refresh_statuses()
    assert client.get(MISSING_URL).context["period"] == closed


def test_items_without_a_lead_unit_are_missing_too(en_client, supervisor, missing_world):
    orphan = make_subitem(missing_world["nothing"].project, name="无牵头单位", lead_unit=None)
    refresh_statuses(subitem_ids=[orphan.pk])

    response = en_client(supervisor).get(MISSING_URL, {"period": "2024-03"})

    assert _listed(response)[""] == ["无牵头单位"]  # the last group
    assert "Items without a lead unit" in response.content.decode()


def test_admins_see_every_jurisdiction_or_one(en_client, admin_user, missing_world, jurisdiction):
    client = en_client(admin_user)

    everything = _listed(client.get(MISSING_URL, {"period": "2024-03"}))
    one = _listed(
        client.get(MISSING_URL, {"period": "2024-03", "jurisdiction": str(jurisdiction.pk)})
    )

    assert any("北仑未填报" in items for items in everything.values())
    assert not any("北仑未填报" in items for items in one.values())
    assert sum(len(v) for v in one.values()) == 6


def test_a_supervisor_cannot_look_at_another_jurisdiction(
    en_client, other_supervisor, missing_world, jurisdiction
):
    client = en_client(other_supervisor)
    response = client.get(MISSING_URL, {"period": "2024-03", "jurisdiction": str(jurisdiction.pk)})
    assert response.status_code == 404  # as on the dashboard

    response = client.get(MISSING_URL, {"period": "2024-03"})
    assert list(_listed(response).values()) == [["北仑未填报"]]


def test_a_supervisor_without_a_jurisdiction_sees_nothing(en_client, missing_world):
    lost = make_user("lost", roles.SUPERVISOR)

    response = en_client(lost).get(MISSING_URL, {"period": "2024-03"})

    assert response.context["groups"] == []
    assert response.context["reported_periods"] == []


def test_a_period_before_its_deadline_is_not_late_yet(en_client, supervisor, missing_world):
    today = timezone.localdate()
    response = en_client(supervisor).get(MISSING_URL, {"period": f"{today:%Y-%m}"})

    assert "not late yet" in response.content.decode()


def _fill_missing(jurisdiction, n: int) -> None:
    plan = make_plan(jurisdiction, year=2024)
    for _ in range(n):
        make_subitem(make_project(plan))  # each with a unit of its own
    refresh_statuses(plan_ids=[plan.pk])


def test_the_missing_list_queries_do_not_grow_with_items(en_client, supervisor, jurisdiction):
    client = en_client(supervisor)
    _fill_missing(jurisdiction, 3)
    client.get(MISSING_URL, {"period": "2024-03"})  # warm up
    with CaptureQueriesContext(connection) as few:
        response = client.get(MISSING_URL, {"period": "2024-03"})
    assert response.context["item_count"] == 3

    _fill_missing(jurisdiction, 27)
    with CaptureQueriesContext(connection) as many:
        response = client.get(MISSING_URL, {"period": "2024-03"})

    assert response.context["item_count"] == 30
    assert len(many) == len(few)


# --- filters and approving several at once ----------------------------------------------------


def test_the_queue_filters_by_unit_plan_and_period(en_client, supervisor, jurisdiction):
    _fill_queue(jurisdiction, 3)
    first = ProgressReport.objects.order_by("pk").first()
    april = make_report(
        make_subitem(first.subitem.project, lead_unit=first.subitem.lead_unit),
        datetime.date(2024, 4, 1),
    )
    client = en_client(supervisor)
    everything = client.get(QUEUE_URL)
    assert everything.context["page"].paginator.count == 4
    assert len(everything.context["choices"]["units"]) == 3

    by_unit = client.get(QUEUE_URL, {"unit": first.subitem.lead_unit_id})
    assert {r.pk for r in by_unit.context["reports"]} == {first.pk, april.pk}
    by_plan = client.get(QUEUE_URL, {"plan": first.subitem.project.plan_id, "period": "2024-04"})
    assert [r.pk for r in by_plan.context["reports"]] == [april.pk]
    nothing = client.get(QUEUE_URL, {"period": "2023-01"})
    assert "No report waiting matches these filters." in nothing.content.decode()


def test_several_reports_are_approved_at_once_each_with_its_history(
    en_client, supervisor, jurisdiction, other_supervisor
):
    _fill_queue(jurisdiction, 3)
    a, b, c = ProgressReport.objects.order_by("pk")
    form = {"report": [a.pk, b.pk], f"version-{a.pk}": a.version, f"version-{b.pk}": b.version}

    # another jurisdiction's supervisor finds nothing to approve
    en_client(other_supervisor).post(reverse("review:approve_selected"), form)
    assert ProgressReport.objects.filter(state=State.APPROVED).count() == 0

    response = en_client(supervisor).post(reverse("review:approve_selected"), form, follow=True)

    assert "Approved 2 reports." in response.content.decode()
    for report in (a, b):
        report.refresh_from_db()
        assert report.state == State.APPROVED
        assert report.events.filter(action="approve", actor=supervisor).count() == 1
        assert report.history.filter(state=State.APPROVED).count() == 1
    c.refresh_from_db()
    assert c.state == State.SUBMITTED


def test_a_report_changed_since_the_list_was_read_is_not_approved(
    en_client, supervisor, jurisdiction
):
    _fill_queue(jurisdiction, 1)
    report = ProgressReport.objects.get()
    form = {"report": [report.pk], f"version-{report.pk}": report.version - 1}
    response = en_client(supervisor).post(reverse("review:approve_selected"), form, follow=True)
    assert "Not approved" in response.content.decode()
    report.refresh_from_db()
    assert report.state == State.SUBMITTED


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("anonymous", 302),
        ("reporter", 403),
        ("other_reporter", 403),
        ("supervisor", 302),
        ("admin_user", 302),
    ],
)
def test_approving_several_checks_access(request, client_as, persona, status, jurisdiction):
    _fill_queue(jurisdiction, 1)
    report = ProgressReport.objects.get()
    user = None if persona == "anonymous" else request.getfixturevalue(persona)
    form = {"report": [report.pk], f"version-{report.pk}": report.version}
    assert client_as(user).post(reverse("review:approve_selected"), form).status_code == status
    report.refresh_from_db()
    expected = State.APPROVED if persona in ("supervisor", "admin_user") else State.SUBMITTED
    assert report.state == expected


# --- what the reviewer reads beside the report --------------------------------------------------


def test_the_review_page_gives_last_period_plan_computed_status_and_history(
    en_client, supervisor, subitem, reporter
):
    from factories import make_indicator, make_milestone

    make_milestone(subitem, datetime.date(2024, 3, 20), "完成食堂选址")
    make_milestone(subitem, datetime.date(2024, 2, 10), "完成设计招标")  # overdue, not done
    make_indicator(
        subitem, name="建成食堂", unit="处", targets=[5], dues=[datetime.date(2024, 12, 31)]
    )
    make_report(
        subitem, datetime.date(2024, 2, 1), state=State.APPROVED, completion="二月完成设计。"
    )
    report = submit(subitem, reporter)  # says on track
    response = en_client(supervisor).get(report_url(report))
    page = response.content.decode()

    assert "二月完成设计。" in page  # last period's report
    assert "完成食堂选址" in page  # the milestone due this period
    assert "建成食堂" in page and "2024-12-31 5" in page  # the indicator's target
    assert response.context["computed"] == Status.LAGGING  # the overdue milestone
    assert response.context["mismatch"] is True
    assert "Milestone 2024-02-10 is overdue and not done" in page  # the reason in words
    assert "Status mismatch" in page
    assert response.context["history"]  # the saves of the report
    assert 'id="history"' in page


def test_reopen_is_reachable_from_the_report_page_and_the_item_page(
    en_client, supervisor, subitem, reporter
):
    report = submit(subitem, reporter)
    services.report_approve(report=report, user=supervisor)
    link = f'href="{report_url(report)}"'

    assert (
        link
        in en_client(supervisor)
        .get(reverse("reporting:report_detail", args=[report.pk]))
        .content.decode()
    )
    item_page = en_client(supervisor).get(
        reverse("items:detail", args=[subitem.pk]), {"period": "2024-03"}
    )
    assert link in item_page.content.decode()
    # the unit's reporter reads the report but cannot review it: no link
    mine = en_client(reporter).get(reverse("reporting:report_detail", args=[report.pk]))
    assert link not in mine.content.decode()
