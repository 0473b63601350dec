"""The missing-reports list as a file (the page /review/missing/ as .xlsx), written by a worker
(progress.exports.jobs): its rows and headings for progress.exports.xlsx.write_list_xlsx."""

from __future__ import annotations

from django.utils.translation import gettext as _

from progress import periods
from progress.models import ProgressReport
from progress.review import selectors


def missing_table(
    *, jurisdiction_id: int | None, where: str, period, with_jurisdiction: bool
) -> dict:
    """The missing-reports list's file: its rows (the header first) and its headings, for
    progress.exports.xlsx.write_list_xlsx. with_jurisdiction: a first column naming it (the
    admins' list of every jurisdiction)."""
    label = periods.label(period)
    state_labels = dict(ProgressReport.State.choices)
    no_unit = _("no lead unit")
    no_report = _("No report")

    def lines():
        header = [_("Lead unit"), _("Plan"), _("No."), _("Project"), _("Sub-item"), _("Report")]
        if with_jurisdiction:
            header.insert(0, _("Jurisdiction"))
        yield header
        for item in selectors.missing_items(jurisdiction_id=jurisdiction_id, period=period):
            plan = item.project.plan
            line = [
                item.lead_unit.name if item.lead_unit else f"—（{no_unit}）",
                plan.title,
                item.project.number,
                item.project.name,
                f"({item.number}) {item.name}",
                state_labels.get(item.report_state, no_report),
            ]
            if with_jurisdiction:
                line.insert(0, plan.jurisdiction.name)
            yield line

    return {
        "rows": lines(),
        "title": _("%(where)s: reports missing for %(period)s") % {"where": where, "period": label},
        "subtitle": _("Due on %(deadline)s; a draft that was not submitted counts as missing.")
        % {"deadline": f"{periods.deadline(period):%Y-%m-%d}"},
        "sheet_name": label,
        "widths": ((12,) if with_jurisdiction else ()) + (16, 30, 6, 30, 40, 12),
    }
