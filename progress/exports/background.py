"""Which exports a worker writes (docs/jobs.md): the whole jurisdiction's lists always, whatever
their size, and any other export over EXPORT_BACKGROUND_ROWS rows (or asked with background=1).

A whole jurisdiction's list is a plan's file (the monthly table, the ledger, the plan list: a
plan is always a jurisdiction's whole plan), the missing-reports list (a jurisdiction's, or an
admin's of every jurisdiction: always queued by its view), a supervisor's or an admin's
scorecard and 督办台账 without a state, unit or level filter (progress.supervision.views), and
the item list exported without a filter that narrows it, by someone whose list is a whole
jurisdiction (a supervisor of the jurisdiction, an admin: everything, or one jurisdiction with
?jurisdiction=). A unit's reporter's list is the
unit's items, never a jurisdiction's; the period and the sort choose no fewer rows.
"""

from __future__ import annotations

from django.conf import settings

from projects import roles

# The item list's filters that do not narrow a jurisdiction's list: the jurisdiction itself
# (an admin's choice of one whole jurisdiction).
NOT_NARROWING = frozenset({"jurisdiction"})


def over_size(rows: int, *, asked: bool = False) -> bool:
    """More rows than EXPORT_BACKGROUND_ROWS, or background=1 in the request."""
    return asked or rows > settings.EXPORT_BACKGROUND_ROWS


def narrowing_filters(filterset) -> list[str]:
    """The names of the item list's filters in force that choose fewer rows than the whole
    list; a value that is not offered narrows to nothing (ItemFilter.qs), so it counts."""
    if not filterset.is_bound:
        return []
    form = filterset.form
    if not form.is_valid():
        return sorted(form.errors)
    return [
        name
        for name, value in form.cleaned_data.items()
        if name not in NOT_NARROWING and value not in (None, "", False)
    ]


def sees_whole_jurisdictions(user) -> bool:
    """The user's list (progress.access.scope_q) is one jurisdiction or every one."""
    return roles.is_admin(user) or (
        roles.has_role(user, roles.SUPERVISOR) and bool(user.jurisdiction_id)
    )


def whole_item_list(user, filterset) -> bool:
    return sees_whole_jurisdictions(user) and not narrowing_filters(filterset)


def item_export_in_background(user, filterset, rows: int, *, asked: bool = False) -> bool:
    """The item list's export: the whole jurisdiction's list always, else over the size."""
    return whole_item_list(user, filterset) or over_size(rows, asked=asked)
