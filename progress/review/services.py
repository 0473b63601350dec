"""Writes of the review: approve, return (with a comment) and reopen (with a reason) a report.

Keyword-only typed functions; each locks the report, checks the state it is in and raises
ReportError with a message for the user. Every step is kept as a ReviewEvent and in the
report's history, and refreshes the sub-item's stored statuses in the same transaction.
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from progress.channels.messages import returned_message
from progress.channels.tasks import deliver_later
from progress.models import ProgressReport, ReviewEvent
from progress.reporting.services import ReportError, State
from progress.statuses import refresh_statuses

# action -> (the states it applies to, the state it leads to, the message when its comment is
# missing: return and reopen need one, approve does not)
TRANSITIONS = {
    ReviewEvent.Action.APPROVE: ((State.SUBMITTED,), State.APPROVED, None),
    ReviewEvent.Action.RETURN: (
        (State.SUBMITTED,),
        State.RETURNED,
        _lazy("Say what needs to change: a comment is required to return a report."),
    ),
    ReviewEvent.Action.REOPEN: (
        (State.APPROVED,),
        State.RETURNED,
        _lazy("A reason is required to reopen an approved report."),
    ),
}


def _transition(*, report: ProgressReport, user, action: str, comment: str = "") -> ProgressReport:
    source, target, comment_required = TRANSITIONS[action]
    if comment_required and not comment.strip():
        raise ReportError(str(comment_required))
    with transaction.atomic():
        locked = ProgressReport.objects.select_for_update().get(pk=report.pk)
        if locked.state not in source:
            raise ReportError(
                _("This report is %(state)s: it cannot be %(action)s.")
                % {"state": locked.get_state_display(), "action": ReviewEvent.Action(action).label}
            )
        locked.state = target
        locked.version += 1
        locked._history_user = user
        locked.save()
        ReviewEvent.objects.create(
            report=locked, action=action, comment=comment.strip(), actor=user
        )
        refresh_statuses(subitem_ids=[locked.subitem_id])
    return locked


def report_approve(*, report: ProgressReport, user) -> ProgressReport:
    """Approve a submitted report; it is locked from then on."""
    return _transition(report=report, user=user, action=ReviewEvent.Action.APPROVE)


def report_return(*, report: ProgressReport, user, comment: str) -> ProgressReport:
    """Return a submitted report to its unit with a comment; the unit edits and resubmits.
    Once committed, the unit's channels are told, with the comment (progress/channels)."""
    returned = _transition(
        report=report, user=user, action=ReviewEvent.Action.RETURN, comment=comment
    )
    unit = report.subitem.lead_unit
    if unit is not None:
        deliver_later(returned_message(report=report, comment=comment), unit=unit)
    return returned


def report_reopen(*, report: ProgressReport, user, reason: str) -> ProgressReport:
    """Unlock an approved report for its unit, with a reason kept in its history."""
    return _transition(report=report, user=user, action=ReviewEvent.Action.REOPEN, comment=reason)


def reports_approve(
    *, reports: list[ProgressReport], versions: dict[int, int], user
) -> tuple[list[ProgressReport], list[tuple[ProgressReport, str]]]:
    """Approve several submitted reports at once, each as report_approve does (its own
    transaction, review step and history row). `versions` holds the version the supervisor read
    of each report: a report resubmitted since then is left alone. Returns the approved reports
    and the others, each with the reason in words."""
    approved, refused = [], []
    for report in reports:
        if versions.get(report.pk) != report.version:
            refused.append((report, _("it changed while you were reading the list")))
            continue
        try:
            approved.append(report_approve(report=report, user=user))
        except ReportError as exc:
            refused.append((report, str(exc)))
    return approved, refused
