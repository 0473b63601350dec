"""Exports in the background: the item list (a whole jurisdiction's, or over
EXPORT_BACKGROUND_ROWS rows), a plan's files and the missing-reports list (a whole
jurisdiction's lists, always: progress.exports.background), written by a worker into the media
store and downloadable from the job's page by the person who asked and people with the same
access, for EXPORT_KEEP_HOURS.

The work reads only; a worker killed mid-file leaves no file on the job (the file is saved on
the job in the last step), so an export is safe to run again and a sweep queues it again.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Iterator
from datetime import timedelta

from django.conf import settings
from django.core.files import File
from django.http import QueryDict
from django.tasks import task
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from progress import periods
from progress.exports import files, selectors
from progress.exports.docx import write_ledger_docx
from progress.exports.xlsx import (
    write_ledger_xlsx,
    write_list_xlsx,
    write_monthly_xlsx,
    write_plan_xlsx,
)
from progress.jobs.access import items_scope, supervisors_scope
from progress.jobs.models import Job
from progress.jobs.runner import JobFailed, Progress, job_create, job_enqueue, job_run
from projects.models import Plan, SubItem


def _counted(rows: Iterable, progress: Progress, *, header: bool = False) -> Iterator:
    """The rows, each counted as done once written (the header row is not a row)."""
    for index, row in enumerate(rows):
        yield row
        if not (header and index == 0):
            progress.step()


def _keep(job: Job, handle, name: str) -> None:
    handle.seek(0)
    job.result_file.save(f"{job.pk.hex}-{name}", File(handle), save=False)
    job.result_name = name
    job.expires_at = timezone.now() + timedelta(hours=settings.EXPORT_KEEP_HOURS)


# --- the item list ----------------------------------------------------------------------


def item_export_job(*, user, params: QueryDict, period, total: int) -> Job:
    """Queue the item list's export with the page's filters and sort."""
    job = job_create(
        kind=Job.Kind.EXPORT,
        title=_("Item list %(period)s (%(count)s rows)")
        % {"period": periods.label(period), "count": total},
        owner=user,
        scope=items_scope(user),
        params={"export": "items", "query": params.urlencode(), "period": periods.label(period)},
        retry_safe=True,
        stage=_("Waiting for a worker"),
    )
    job.total = total
    job.save(update_fields=["total"])
    return job_enqueue(job=job, task=export_task)


def _items(job: Job, progress: Progress) -> None:
    from progress.items import selectors as item_selectors
    from progress.items.filters import ItemFilter
    from progress.items.tables import EXPORT_WIDTHS, ItemTable, export_heading

    user = job.owner
    if user is None:
        raise JobFailed(_("The person who asked for this export no longer has an account."))
    query = QueryDict(job.params["query"])
    period = periods.parse_period(job.params["period"])
    filterset = ItemFilter(
        query or None, queryset=item_selectors.list_rows(user, period), user=user
    )
    table = ItemTable(filterset.qs, period=period)
    if query.getlist("sort"):
        table.order_by = query.getlist("sort")
    progress.set(done=0, total=filterset.qs.count(), stage=_("Writing the rows"))
    handle = write_list_xlsx(
        _counted(table.export_rows(), progress, header=True),
        widths=EXPORT_WIDTHS,
        **export_heading(user, filterset, period),
    )
    progress.set(stage=_("Saving the file"))
    with handle:
        _keep(job, handle, f"items-{job.params['period']}.xlsx")


# --- a plan's files (the exports pages) ------------------------------------------------------


def plan_export_job(*, user, plan: Plan, what: str, period=None) -> Job:
    """Queue one of a plan's files: "plan", "monthly", "ledger_xlsx" or "ledger_docx"."""
    names = {
        "plan": plan.title,
        "monthly": files.monthly_title(plan, period) if period else "",
        "ledger_xlsx": files.ledger_title(plan, period) if period else "",
        "ledger_docx": files.ledger_title(plan, period) if period else "",
    }
    job = job_create(
        kind=Job.Kind.EXPORT,
        title=names[what],
        owner=user,
        scope=supervisors_scope(plan.jurisdiction_id),
        params={
            "export": what,
            "plan": plan.pk,
            "period": periods.label(period) if period else "",
        },
        retry_safe=True,
        stage=_("Waiting for a worker"),
    )
    job.total = SubItem.objects.filter(project__plan=plan).count()
    job.save(update_fields=["total"])
    return job_enqueue(job=job, task=export_task)


def _plan_file(job: Job, progress: Progress) -> None:
    plan = Plan.objects.select_related("jurisdiction").filter(pk=job.params["plan"]).first()
    if plan is None:
        raise JobFailed(_("The plan was deleted before its file was written."))
    what = job.params["export"]
    period = periods.parse_period(job.params.get("period"))
    progress.set(stage=_("Writing the rows"))
    with tempfile.TemporaryFile() as handle:
        if what == "plan":
            write_plan_xlsx(
                handle, title=plan.title, rows=_counted(selectors.plan_rows(plan), progress)
            )
            name = f"{plan.title}.xlsx"
        elif what == "monthly":
            title = files.monthly_title(plan, period)
            publication = selectors.publication(plan.pk, period)
            write_monthly_xlsx(
                handle,
                title=title,
                period=period,
                rows=_counted(selectors.monthly_table_rows(plan, period), progress),
                above=files.stamp(publication),
                show_persons=True,
            )
            name = f"{title}.xlsx"
        else:
            title = files.ledger_title(plan, period)
            write = write_ledger_docx if what == "ledger_docx" else write_ledger_xlsx
            write(handle, title=title, rows=_counted(selectors.ledger_rows(plan, period), progress))
            name = f"{title}.{'docx' if what == 'ledger_docx' else 'xlsx'}"
        progress.set(stage=_("Saving the file"))
        _keep(job, handle, name)
    job.result_url = reverse("exports:index", args=[plan.pk])


# --- the missing reports (/review/missing/) ---------------------------------------------------


def missing_export_job(*, user, jurisdiction, period, with_jurisdiction: bool) -> Job:
    """Queue a jurisdiction's missing-reports list (every jurisdiction's for an admin without
    one: then only the admins and the asker see it)."""
    where = jurisdiction.name if jurisdiction is not None else _("All jurisdictions")
    job = job_create(
        kind=Job.Kind.EXPORT,
        title=_("%(where)s: reports missing for %(period)s")
        % {"where": where, "period": periods.label(period)},
        owner=user,
        scope=supervisors_scope(jurisdiction.pk) if jurisdiction is not None else "",
        params={
            "export": "missing",
            "jurisdiction": jurisdiction.pk if jurisdiction is not None else None,
            "where": where,
            "period": periods.label(period),
            "with_jurisdiction": with_jurisdiction,
        },
        retry_safe=True,
        stage=_("Waiting for a worker"),
    )
    return job_enqueue(job=job, task=export_task)


def _missing(job: Job, progress: Progress) -> None:
    from progress.review.missing_file import missing_table

    params = job.params
    period = periods.parse_period(params["period"])
    table = missing_table(
        jurisdiction_id=params["jurisdiction"],
        where=params["where"],
        period=period,
        with_jurisdiction=params["with_jurisdiction"],
    )
    progress.set(stage=_("Writing the rows"))
    rows = _counted(table.pop("rows"), progress, header=True)
    with write_list_xlsx(rows, **table) as handle:
        progress.set(stage=_("Saving the file"))
        _keep(job, handle, f"missing-{params['period']}.xlsx")
    job.result_url = f"{reverse('review:missing')}?period={params['period']}"


# --- supervision: the 督办台账 and the scorecard (/supervision/...) --------------------------------


def notices_export_job(*, user, jurisdiction) -> Job:
    """Queue the whole 督办台账 of a jurisdiction (every jurisdiction's for an admin without
    one: then only the admins and the asker see it)."""
    return job_enqueue(
        job=job_create(
            kind=Job.Kind.EXPORT,
            title=_("Notice ledger of %(where)s")
            % {"where": jurisdiction.name if jurisdiction else _("All jurisdictions")},
            owner=user,
            scope=supervisors_scope(jurisdiction.pk) if jurisdiction else "",
            params={"export": "notices", "jurisdiction": jurisdiction.pk if jurisdiction else None},
            retry_safe=True,
            stage=_("Waiting for a worker"),
        ),
        task=export_task,
    )


def _notices(job: Job, progress: Progress) -> None:
    from progress.supervision import selectors as supervision
    from progress.supervision.xlsx import write_ledger

    if job.owner is None:
        raise JobFailed(_("The person who asked for this export no longer has an account."))
    notices = supervision.filter_notices(
        supervision.notices_for(job.owner),
        state="",
        unit_id=None,
        level="",
        jurisdiction_id=job.params["jurisdiction"],
    ).order_by("created_at", "pk")
    today = timezone.localdate()
    progress.set(done=0, total=notices.count(), stage=_("Writing the rows"))
    with tempfile.TemporaryFile() as handle:
        write_ledger(handle, _counted(notices, progress), today)
        progress.set(stage=_("Saving the file"))
        _keep(job, handle, f"督办台账-{today:%Y%m%d}.xlsx")
    job.result_url = reverse("supervision:notices")


def scorecard_export_job(*, user, jurisdiction, year: int) -> Job:
    """Queue a jurisdiction's scorecard of the year (every unit's rows)."""
    return job_enqueue(
        job=job_create(
            kind=Job.Kind.EXPORT,
            title=_("Unit scorecard of %(where)s, %(year)s")
            % {"where": jurisdiction.name, "year": year},
            owner=user,
            scope=supervisors_scope(jurisdiction.pk),
            params={
                "export": "scorecard",
                "jurisdiction": jurisdiction.pk,
                "title": jurisdiction.name,
                "year": year,
            },
            retry_safe=True,
            stage=_("Waiting for a worker"),
        ),
        task=export_task,
    )


def _scorecard(job: Job, progress: Progress) -> None:
    from progress.supervision import scorecard as scorecards
    from progress.supervision.xlsx import write_scorecard

    params = job.params
    progress.set(stage=_("Writing the rows"))
    card = scorecards.build(params["jurisdiction"], params["year"], unit_id=None)
    progress.set(done=len(card.summary), total=len(card.summary))
    with tempfile.TemporaryFile() as handle:
        write_scorecard(handle, card, params["title"])
        progress.set(stage=_("Saving the file"))
        _keep(job, handle, f"单位考核-{params['title']}-{params['year']}.xlsx")
    job.result_url = f"{reverse('supervision:scorecard')}?year={params['year']}"


def _export(job: Job, progress: Progress) -> None:
    what = job.params.get("export")
    if what == "items":
        _items(job, progress)
    elif what == "missing":
        _missing(job, progress)
    elif what == "notices":
        _notices(job, progress)
    elif what == "scorecard":
        _scorecard(job, progress)
    else:
        _plan_file(job, progress)
    progress.set(stage=_("Ready to download"))


@task()
def export_task(job_id: str) -> None:
    job_run(job_id, _export)
