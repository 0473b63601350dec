"""The overview's kept counts (StatusCount, progress.statuses.counts) against the straightforward
aggregation of the ItemStatus rows, after every kind of change: a report submitted, approved,
returned; an import; corrections in the admin (lead unit, leaders, a milestone); withdrawing in
the admin; a leader and a sub-item deleted in the admin. Each time, for every period of the
jurisdiction: the headline counts, the computed statuses, the mismatches, the lights, the four
breakdowns and the months, and the cold page's figures. Real services, real admin views."""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone
from factories import (
    BEILUN,
    import_sample,
    make_category,
    make_indicator,
    make_leader,
    make_milestone,
    make_plan,
    make_project,
    make_report,
    make_subitem,
    make_unit,
    make_user,
)

from progress import periods
from progress.dashboard import selectors as dash
from progress.models import ItemStatus, ProgressReport, Status, StatusCount
from progress.reporting.services import ReportData, report_save
from progress.review.services import report_approve, report_reopen, report_return
from progress.statuses import refresh_statuses
from progress.statuses.shown import SHOWN, absent_status, shown_case
from projects import roles
from projects.models import Jurisdiction, Milestone, SubItem

pytestmark = [pytest.mark.django_db]

URL = reverse("dashboard:overview")
State = ProgressReport.State
YEAR = 2024


def counts_of(rows: list[dict]) -> dict[str, int]:
    """total, mismatches and every SHOWN status of these rows (each with its `shown`)."""
    shown = Counter(r["shown"] for r in rows)
    return {
        "total": len(rows),
        "mismatches": sum(1 for r in rows if r["mismatch"]),
        **{s: shown[s] for s in SHOWN},
    }


def aggregated(jurisdiction_id: int, period: datetime.date, absent: str) -> dash.PeriodCounts:
    """The period's counts the plain way: every ItemStatus row read with the item list's
    `shown` annotation, grouped in Python; the leaders from the sub-items' links."""
    rows = list(
        ItemStatus.objects.filter(jurisdiction_id=jurisdiction_id, period=period)
        .annotate(shown=shown_case(absent))
        .values(
            "subitem_id",
            "shown",
            "computed_status",
            "mismatch",
            "light",
            "plan_id",
            "category_id",
            "lead_unit_id",
        )
    )
    leaders = defaultdict(list)
    for sub_id, leader_id in SubItem.leaders.through.objects.filter(
        subitem_id__in=[r["subitem_id"] for r in rows]
    ).values_list("subitem_id", "leader_id"):
        leaders[sub_id].append(leader_id)
    by: dict[str, dict] = {key: defaultdict(list) for key in dash.BREAKDOWN_KEYS}
    for r in rows:
        by["plan"][r["plan_id"]].append(r)
        by["category"][r["category_id"]].append(r)
        by["unit"][r["lead_unit_id"]].append(r)
        for leader_id in leaders[r["subitem_id"]] or [None]:
            by["leader"][leader_id].append(r)
    total = counts_of(rows)
    computed = Counter(r["computed_status"] or "none" for r in rows)
    lights = Counter(r["light"] or "none" for r in rows)
    return dash.PeriodCounts(
        overview=dash.Overview(
            total=total["total"],
            shown={s: total[s] for s in SHOWN},
            computed={c: computed[c] for c in (*dash.COMPUTED, dash.JUDGED_NOTHING)},
            mismatch=total["mismatches"],
        ),
        groups={key: {pk: counts_of(g) for pk, g in groups.items()} for key, groups in by.items()},
        lights={k: lights[k] for k in ("red", "yellow", "green", "none")},
    )


def aggregated_months(jurisdiction_id: int, last_closed: datetime.date) -> dict:
    months = {}
    all_periods = (
        ItemStatus.objects.filter(jurisdiction_id=jurisdiction_id)
        .values_list("period", flat=True)
        .distinct()
    )
    for period in sorted(all_periods):
        absent = "missing" if period <= last_closed else "pending"
        rows = ItemStatus.objects.filter(jurisdiction_id=jurisdiction_id, period=period)
        counted = counts_of(
            list(rows.annotate(shown=shown_case(absent)).values("shown", "mismatch"))
        )
        months[period] = counted | {"reported": rows.filter(has_report=True).count()}
    return months


def assert_counts_match(client, jurisdiction: Jurisdiction) -> int:
    """The kept counts equal the plain aggregation for every period of the jurisdiction, and
    the cold page shows them. Returns the number of periods compared."""
    last_closed = periods.last_closed_period()
    assert dash.month_counts(jurisdiction.pk, last_closed) == aggregated_months(
        jurisdiction.pk, last_closed
    )
    compared = 0
    all_periods = set(
        ItemStatus.objects.filter(jurisdiction=jurisdiction).values_list("period", flat=True)
    )
    for period in sorted(all_periods):
        absent = absent_status(period)
        kept = dash.period_counts(jurisdiction.pk, period, absent)
        plain = aggregated(jurisdiction.pk, period, absent)
        assert kept.overview == plain.overview, period
        assert kept.lights == plain.lights, period
        assert kept.groups == plain.groups, period
        compared += 1
    # the page, cold (right after the change), for the latest period with rows
    cache.clear()
    period = max(all_periods)
    response = client.get(URL, {"jurisdiction": jurisdiction.pk, "period": f"{period:%Y-%m}"})
    plain = aggregated(jurisdiction.pk, period, absent_status(period))
    assert response.context["total"].count == plain.overview.total
    assert response.context["mismatch"].count == plain.overview.mismatch
    for cell in response.context["figures"]:
        assert cell.count == plain.overview.shown[cell.status], cell.status
    return compared


def admin_change(client, url: str, **changes) -> None:
    """POST an admin change form as it was opened, with `changes` (field -> value or list of
    values), inlines included."""
    page = client.get(url)
    assert page.status_code == 200
    forms = [page.context["adminform"].form]
    for inline in page.context["inline_admin_formsets"]:
        forms += [inline.formset.management_form, *inline.formset.forms]
    data: dict = {}
    for form in forms:
        for name in form.fields:
            value = form[name].value()
            if value is None or value is False:
                continue
            if value is True:
                value = "on"
            data[form.add_prefix(name)] = value
    data.update(changes)
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors


def test_the_kept_counts_follow_every_kind_of_change(
    en_client, admin_user, django_capture_on_commit_callbacks
):
    jurisdiction = Jurisdiction.objects.create(name="北仑区")  # the sample's, imported below
    supervisor = make_user("beilun_supervisor", roles.SUPERVISOR, jurisdiction=jurisdiction)
    reporter_unit = make_unit(jurisdiction, "区民政局")
    reporter = make_user(
        "beilun_reporter", roles.REPORTER, jurisdiction=jurisdiction, unit=reporter_unit
    )
    plan = make_plan(jurisdiction, year=YEAR)
    categories = [make_category(plan, order=i) for i in range(2)]
    units = [reporter_unit, make_unit(jurisdiction), make_unit(jurisdiction)]
    leaders = [make_leader(jurisdiction) for _ in range(3)]
    subitems = []
    for i in range(9):
        project = make_project(plan, category=categories[i % 2] if i % 3 else None)
        subitems.append(
            make_subitem(
                project,
                lead_unit=units[i % 3] if i != 4 else None,
                leaders=leaders[: i % 3],  # none, one or two leaders
            )
        )
    make_indicator(subitems[0], targets=[100, 200, 300, 400])
    make_milestone(subitems[1], datetime.date(YEAR, 3, 31))
    statuses = [Status.ON_TRACK, Status.LAGGING, Status.AHEAD, Status.COMPLETED, Status.NOT_STARTED]
    for i, subitem in enumerate(subitems[:7]):
        for month in (1, 2, 3):
            state = State.APPROVED if (i + month) % 4 else State.SUBMITTED
            if i == 6 and month == 3:
                state = State.DRAFT
            make_report(
                subitem,
                datetime.date(YEAR, month, 1),
                status=statuses[(i + month) % 5] if i != 3 else Status.ON_TRACK,
                state=state,
                refresh=False,
            )
    refresh_statuses(plan_ids=[plan.pk])
    client = en_client(supervisor)
    admin = en_client(admin_user)
    assert assert_counts_match(client, jurisdiction) == 12
    assert StatusCount.objects.filter(plan=plan).exists()

    # a report submitted through the reporting service, then approved; another returned
    april = datetime.date(YEAR, 4, 1)
    report = report_save(
        subitem=subitems[3],  # on track every month so far
        period=april,
        user=reporter,
        data=ReportData(status=Status.LAGGING, completion="推进中。", explanation="原因。"),
        expected_version=None,
        submit=True,
    )
    assert aggregated(jurisdiction.pk, april, "missing").overview.shown["submitted"] == 1
    assert_counts_match(client, jurisdiction)
    report_approve(report=report, user=admin_user)
    assert aggregated(jurisdiction.pk, april, "missing").overview.shown["lagging"] == 1
    assert_counts_match(client, jurisdiction)
    submitted = ProgressReport.objects.filter(state=State.SUBMITTED).first()
    report_return(report=submitted, user=admin_user, comment="请补充。")
    assert_counts_match(client, jurisdiction)

    # an import into the same jurisdiction: a second plan, its statuses and counts
    imported = import_sample(BEILUN, "北仑区")
    assert imported.jurisdiction_id == jurisdiction.pk
    assert StatusCount.objects.filter(plan=imported).exists()
    assert_counts_match(client, jurisdiction)

    # corrections in the admin: another lead unit and other leaders; a milestone moved
    moved = subitems[2]
    with django_capture_on_commit_callbacks(execute=True):
        admin_change(
            admin,
            reverse("admin:projects_subitem_change", args=[moved.pk]),
            lead_unit=str(units[1].pk),
            leaders=[str(leaders[2].pk)],
        )
    moved.refresh_from_db()
    assert moved.lead_unit_id == units[1].pk
    assert list(moved.leaders.values_list("pk", flat=True)) == [leaders[2].pk]
    assert_counts_match(client, jurisdiction)
    milestone = Milestone.objects.get(subitem=subitems[1])
    with django_capture_on_commit_callbacks(execute=True):
        response = admin.post(
            reverse("admin:projects_milestone_change", args=[milestone.pk]),
            {"subitem": subitems[1].pk, "order": 0, "due": "2024-01-31", "text": "提前完成"},
        )
    assert response.status_code == 302
    assert_counts_match(client, jurisdiction)

    # a project put in another category on its plan's admin page: no refresh there (its
    # statuses keep the category they were stored with, as the item list filters on); then a
    # report of one of its sub-items refreshes them into the new category
    project = subitems[4].project
    assert project.category_id == categories[0].pk
    plan_url = reverse("admin:projects_plan_change", args=[plan.pk])
    inline = next(
        form
        for formset in admin.get(plan_url).context["inline_admin_formsets"]
        for form in formset.formset.forms
        if form.instance.pk == project.pk
    )
    with django_capture_on_commit_callbacks(execute=True):
        admin_change(admin, plan_url, **{inline.add_prefix("category"): str(categories[1].pk)})
    assert ItemStatus.objects.filter(subitem=subitems[4], category=categories[0]).count() == 12
    assert_counts_match(client, jurisdiction)
    report_save(
        subitem=subitems[4],
        period=april,
        user=reporter,
        data=ReportData(status=Status.ON_TRACK, completion="推进中。"),
        expected_version=None,
        submit=True,
    )
    assert ItemStatus.objects.filter(subitem=subitems[4], category=categories[1]).count() == 12
    assert_counts_match(client, jurisdiction)

    # a project moved to another plan of the jurisdiction in the admin (out of its category)
    other_plan = make_plan(jurisdiction, year=YEAR)
    project = subitems[7].project
    with django_capture_on_commit_callbacks(execute=True):
        admin_change(
            admin,
            reverse("admin:projects_project_change", args=[project.pk]),
            plan=str(other_plan.pk),
            category="",
        )
    assert ItemStatus.objects.filter(subitem=subitems[7], plan=other_plan).count() == 12
    assert StatusCount.objects.filter(plan=other_plan).exists()
    assert_counts_match(client, jurisdiction)

    # withdrawn (撤销) in the admin: its rows go, and so do its counts
    with django_capture_on_commit_callbacks(execute=True):
        admin.post(
            reverse("admin:projects_subitem_changelist"),
            {"action": "withdraw_selected", "_selected_action": [subitems[5].pk]},
        )
    assert not ItemStatus.objects.filter(subitem=subitems[5]).exists()
    assert_counts_match(client, jurisdiction)

    # a leader deleted in the admin: its items have one leader fewer (or none)
    with django_capture_on_commit_callbacks(execute=True):
        response = admin.post(
            reverse("admin:projects_leader_delete", args=[leaders[1].pk]), {"post": "yes"}
        )
    assert response.status_code == 302
    assert_counts_match(client, jurisdiction)

    # a sub-item deleted in the admin (its reports first: they protect it)
    gone = subitems[8]
    with django_capture_on_commit_callbacks(execute=True):
        response = admin.post(
            reverse("admin:projects_subitem_delete", args=[gone.pk]), {"post": "yes"}
        )
    assert response.status_code == 302
    assert not SubItem.objects.filter(pk=gone.pk).exists()
    assert_counts_match(client, jurisdiction)

    # a whole plan deleted in the admin: the other's counts stay right
    with django_capture_on_commit_callbacks(execute=True):
        admin.post(reverse("admin:projects_plan_delete", args=[imported.pk]), {"post": "yes"})
    assert not StatusCount.objects.filter(plan_id=imported.pk).exists()
    assert_counts_match(client, jurisdiction)


def recounted(queries) -> bool:
    """Whether some query wrote StatusCount rows from a grouped SELECT (a recount), rather than
    moving them by a difference."""
    return any(
        'INSERT INTO "progress_statuscount"' in q["sql"] and " GROUP BY " in q["sql"]
        for q in queries.captured_queries
    )


def test_a_few_items_move_the_counts_by_their_difference(
    en_client, admin_user, django_capture_on_commit_callbacks
):
    """The incremental way (counts.apply_changes) against the plain aggregation: one item's
    report walked through every shown condition (submitted, each status approved, unknown,
    returned, completed and so completed earlier in the later months), a mismatch and its
    lights from an indicator, a leader with several items, an item with two leaders and one
    with none, a group's first row created and its last emptied, a withdrawal and a
    restore; a draft moves nothing. None of them recounts."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    jurisdiction = Jurisdiction.objects.create(name="增量区")
    supervisor = make_user("inc_supervisor", roles.SUPERVISOR, jurisdiction=jurisdiction)
    unit = make_unit(jurisdiction, "区发改局")
    reporter = make_user("inc_reporter", roles.REPORTER, jurisdiction=jurisdiction, unit=unit)
    plan = make_plan(jurisdiction, year=YEAR)
    shared, solo, fresh = (make_category(plan, order=i) for i in range(3))
    other_unit = make_unit(jurisdiction)
    many, second = make_leader(jurisdiction), make_leader(jurisdiction)
    walked = make_subitem(
        make_project(plan, category=shared), lead_unit=unit, leaders=[many, second]
    )
    make_indicator(walked, targets=[100, 200, 300, 400])
    peers = [
        make_subitem(make_project(plan, category=shared), lead_unit=unit, leaders=[many]),
        make_subitem(make_project(plan, category=None), lead_unit=None, leaders=[many]),
    ]
    alone = make_subitem(make_project(plan, category=solo), lead_unit=other_unit, leaders=[])
    with CaptureQueriesContext(connection) as queries:
        refresh_statuses(plan_ids=[plan.pk])
    assert recounted(queries)  # a whole plan's refresh recounts it
    client = en_client(supervisor)
    assert_counts_match(client, jurisdiction)

    def step(change):
        with CaptureQueriesContext(connection) as queries:
            result = change()
        assert not recounted(queries)
        assert_counts_match(client, jurisdiction)
        return result, queries

    april, may = datetime.date(YEAR, 4, 1), datetime.date(YEAR, 5, 1)
    version = None

    def save(subitem, period, status, *, submit=True, values=None):
        nonlocal version
        report = report_save(
            subitem=subitem,
            period=period,
            user=reporter,
            data=ReportData(
                status=status, completion="推进中。", explanation="原因。", values=values or {}
            ),
            expected_version=ProgressReport.objects.filter(subitem=subitem, period=period)
            .values_list("version", flat=True)
            .first(),
            submit=submit,
        )
        version = report.version
        return report

    # a draft counts as no report: nothing to move, no StatusCount query at all
    _, queries = step(lambda: save(walked, april, Status.ON_TRACK, submit=False))
    assert not any("progress_statuscount" in q["sql"] for q in queries.captured_queries)
    indicator = walked.indicators.get()
    for status in (Status.ON_TRACK, Status.AHEAD, Status.LAGGING, Status.NOT_STARTED):
        # submitted (awaiting review), approved with the status, reopened (returned: absent)
        report, _ = step(lambda s=status: save(walked, april, s, values={indicator.pk: 50}))
        assert aggregated(jurisdiction.pk, april, "missing").overview.shown["submitted"] == 1
        step(lambda r=report: report_approve(report=r, user=admin_user))
        assert aggregated(jurisdiction.pk, april, "missing").overview.mismatch == (
            status != Status.LAGGING
        )
        step(lambda r=report: report_reopen(report=r, user=admin_user, reason="重新核实。"))
    # returned once submitted
    report, _ = step(lambda: save(walked, april, Status.ON_TRACK))
    step(lambda: report_return(report=report, user=admin_user, comment="请补充。"))
    # approved without a status (an imported table's way): unknown
    ProgressReport.objects.filter(pk=report.pk).update(status="", state=State.APPROVED)
    step(lambda: refresh_statuses(subitem_ids=[walked.pk]))
    assert aggregated(jurisdiction.pk, april, "missing").overview.shown["unknown"] == 1
    # completed: the later months count it as completed earlier
    ProgressReport.objects.filter(pk=report.pk).update(state=State.RETURNED)
    report, _ = step(lambda: save(walked, april, Status.COMPLETED))
    step(lambda: report_approve(report=report, user=admin_user))
    assert aggregated(jurisdiction.pk, may, "missing").overview.shown["completed"] == 1

    # the leader of several items: each of them reported, one in the same period
    for subitem in peers:
        report, _ = step(lambda s=subitem: save(s, april, Status.AHEAD))
        step(lambda r=report: report_approve(report=r, user=admin_user))

    # the only project of a category put in a category with no items yet on its plan's admin
    # page (no refresh there): its next report empties the one and creates the other's rows
    project = alone.project
    admin = en_client(admin_user)
    plan_url = reverse("admin:projects_plan_change", args=[plan.pk])
    inline = next(
        form
        for formset in admin.get(plan_url).context["inline_admin_formsets"]
        for form in formset.formset.forms
        if form.instance.pk == project.pk
    )
    with django_capture_on_commit_callbacks(execute=True):
        admin_change(admin, plan_url, **{inline.add_prefix("category"): str(fresh.pk)})
    assert not StatusCount.objects.filter(kind="category", group_id=fresh.pk).exists()
    step(lambda: save(alone, april, Status.LAGGING))
    assert StatusCount.objects.filter(kind="category", group_id=fresh.pk).count() == 12
    assert not StatusCount.objects.filter(kind="category", group_id=solo.pk).exists()

    # withdrawn and restored one by one, as the background refresh does it: the lead unit's
    # only item takes its unit's rows with it, and brings them back
    for withdrawn_at in (timezone.now(), None):
        SubItem.objects.filter(pk=alone.pk).update(withdrawn_at=withdrawn_at)
        step(lambda: refresh_statuses(subitem_ids=[alone.pk]))
        assert StatusCount.objects.filter(kind="unit", group_id=other_unit.pk).exists() == (
            withdrawn_at is None
        )
