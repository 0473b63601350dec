"""我的填报's table rows, written here rather than through the template engine (issue 14).

A unit leads up to a thousand items and co-operates on hundreds: rendered cell by cell by
Django's templates, these rows were half of the page's CPU time, and the page is asked three
times in every reporter's visit (after the login and after each submit). The same markup as
the templates wrote (tests/reporting/test_my_reports_rows.py renders both and compares them).
Every value goes through `esc` (Django's escape without its lazy-string wrapper: the same
html.escape); the choice labels are translated once per page instead of once per row.
"""

from __future__ import annotations

import html
import unicodedata
from collections.abc import Callable
from itertools import groupby
from operator import attrgetter

from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator, add_truncation_text, calculate_truncate_chars_length
from django.utils.translation import gettext, pgettext

from progress.models import ProgressReport, Status
from progress.reporting.services import EDITABLE, still_to_submit


def esc(value) -> str:
    """django.utils.html.escape: html.escape of str(value); a SafeString stays as it is."""
    if type(value) is int:  # numbers: nothing to escape
        return str(value)
    if isinstance(value, SafeString):
        return value
    return html.escape(str(value))


# Django's own message (django.utils.text), translated by Django's catalogue: named here, not
# written as literals in the call, so that makemessages leaves it out of ours.
_DJANGO_ELLIPSIS = ("String to return when truncating text", "%(truncated_text)s…")


def truncator(length: int) -> Callable[[object], str]:
    """Truncator(text).chars(length) (the truncatechars filter) for the many values of one page:
    the ellipsis translated and measured once, not twice per value (~12 µs a value), and the
    text counted by Django's rules only when its first characters hold a combining one."""
    ending = pgettext(*_DJANGO_ELLIPSIS)
    keep = calculate_truncate_chars_length(length, ending)

    def chars(value) -> str:
        text = unicodedata.normalize("NFC", str(value))
        if len(text) <= length:
            return text
        if any(map(unicodedata.combining, text[: length + 1])):
            return Truncator(text).chars(length, ending)
        return add_truncation_text(text[:keep], ending)

    return chars


def _labels(choices) -> dict[str, str]:
    """get_FOO_display() for every value at once, in the active language."""
    return {value: str(label) for value, label in choices}


def my_item_rows(items, *, overdue: bool, overdue_word: str) -> SafeString:
    """The rows of the items to report: number, the form's link (`item.edit_url`), this period's
    state (with `current.detail_url` once submitted), last period's status and completion."""
    tag = f' <b class="tag tag--overdue">{esc(overdue_word)}</b>' if overdue else ""
    report_page, not_filled = esc(gettext("Report page")), esc(gettext("Not filled in"))
    # the last column's heading, shown before its value when the rows stack as cards (phones)
    last_word = esc(gettext("Last period"))
    states, statuses = _labels(ProgressReport.State.choices), _labels(Status.choices)
    written: dict[str, str] = {}  # a status's markup, written once per page
    truncate = truncator(24)

    def status(report) -> str:
        value = report.status
        if value not in written:
            label = esc(statuses.get(value, value))
            written[value] = f'<span class="status-{esc(value)}">{label}</span>'
        return written[value]

    out = []
    for item in items:
        r, p = item.current, item.previous
        if r is None:
            state = f'<span class="muted">{not_filled}</span>{tag}'
        else:
            state = esc(states.get(r.state, r.state))
            if r.status:
                state += " " + status(r)
            if r.state in EDITABLE:
                state += tag
            else:
                state += f' <a href="{esc(r.detail_url)}">{report_page}</a>'
        if p is None:
            last = "—"
        else:
            last = (status(p) + " " if p.status else "") + (esc(truncate(p.completion)) or "—")
        out.append(
            f"<tr>\n<td>{esc(item.project.number)}（{esc(item.number)}）</td>\n"
            f'<td><a href="{esc(item.edit_url)}">{esc(item.name)}</a></td>\n'
            f'<td>{state}</td>\n<td data-label="{last_word}">{last}</td>\n</tr>'
        )
    return mark_safe("\n".join(out))


def by_plan(
    items, *, overdue: bool, overdue_word: str, totals: dict[int, int] | None = None
) -> list[tuple[object, int, SafeString]]:
    """The items to report grouped by plan as they come (ordered by plan, like {% regroup %}):
    (plan, how many, the rows). `totals` (plan pk: items of the whole period) counts a plan
    whose items one page shows only part of."""
    groups = []
    for plan, group in groupby(items, key=lambda item: item.project.plan):
        group = list(group)
        count = totals.get(plan.pk, len(group)) if totals else len(group)
        groups.append(
            (plan, count, my_item_rows(group, overdue=overdue, overdue_word=overdue_word))
        )
    return groups


def plan_summary(lines, *, page_size: int) -> list[dict]:
    """One line per plan for ALL the items to report (selectors.Line, ordered by plan),
    whatever page shows: the plan, how many items, how many still to fill (no report, a draft
    or returned), how many submitted (submitted or approved), and the page its first item is
    on."""
    summary = []
    position = 0
    # by the plan's id attribute, not its pk (a property): ~1,250 lines a page
    for _, group in groupby(lines, key=attrgetter("plan.id")):
        group = list(group)
        plan = group[0].plan
        to_fill = sum(map(still_to_submit, map(attrgetter("state"), group)))
        summary.append(
            {
                "plan": plan,
                "items": len(group),
                "to_fill": to_fill,
                "submitted": len(group) - to_fill,
                "page": position // page_size + 1,
            }
        )
        position += len(group)
    return summary


def completed_rows(items) -> SafeString:
    """The rows of the items completed in an earlier period (not reported again): number, name
    and plan, 办结 and when."""
    completed = esc(gettext("Completed"))
    out = []
    for item in items:
        # as {% blocktranslate %} writes it: the value escaped, the translation as it is
        done = gettext("completed in %(period)s: not reported again") % {
            "period": esc(f"{item.completed_in:%Y-%m}")
        }
        out.append(
            f'<tr>\n<td class="nowrap">{esc(item.project.number)}（{esc(item.number)}）</td>\n'
            f'<td>{esc(item.name)} <span class="helptext">{esc(item.project.plan.title)}</span></td>\n'
            f'<td><span class="status status-completed">{completed}</span> '
            f'<span class="helptext">{done}</span></td>\n</tr>'
        )
    return mark_safe("\n".join(out))


def cooperating_rows(items) -> SafeString:
    """The rows of the items the unit co-operates on: number, name and plan, lead unit, the
    unit's own contribution and its link (`item.contribution_url`), or 办结 earlier."""
    lead_unit_word = esc(gettext("Lead unit"))
    contribution_word = esc(gettext("Our contribution"))
    not_written = f'<span class="muted">{esc(gettext("Not written yet"))}</span>'
    edit, add, completed = esc(gettext("Edit")), esc(gettext("Add")), esc(gettext("Completed"))
    truncate = truncator(60)
    out = []
    for item in items:
        if item.completed_in:
            # as {% blocktranslate %} writes it: the value escaped, the translation as it is
            done = gettext("Completed in %(period)s: nothing to add.") % {
                "period": esc(f"{item.completed_in:%Y-%m}")
            }
            cells = (
                f'<td colspan="2"><span class="status status-completed">{completed}</span> '
                f'<span class="helptext">{done}</span></td>'
            )
        else:
            texts = "".join(esc(truncate(c.text)) for c in item.my_contributions)
            cells = (
                f'<td data-label="{contribution_word}">'
                f"{texts if item.my_contributions else not_written}</td>\n"
                f'<td><a href="{esc(item.contribution_url)}">'
                f"{edit if item.my_contributions else add}</a></td>"
            )
        out.append(
            f'<tr>\n<td class="nowrap">{esc(item.project.number)}（{esc(item.number)}）</td>\n'
            f'<td>{esc(item.name)} <span class="helptext">{esc(item.project.plan.title)}</span></td>\n'
            f'<td data-label="{lead_unit_word}">{esc(item.lead_unit or "—")}</td>\n{cells}\n</tr>'
        )
    return mark_safe("\n".join(out))
