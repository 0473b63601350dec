"""The computed status's reasons in words: the item page and the review page show them."""

from __future__ import annotations

from datetime import date

from django.utils.translation import gettext as _

from progress import formatting
from progress.items import selectors
from progress.statuses import status_rules
from progress.statuses.shown import COMPUTED_LABELS


def explain(
    reason: status_rules.Reason,
    targets: dict[tuple[str, str], list[status_rules.Target]],
    at: date,
) -> str:
    """One reason of progress.statuses.status_rules in words."""
    if reason.kind == "indicator":
        assert reason.actual is not None and reason.expected is not None
        assert reason.ratio is not None
        sentence = _(
            "%(name)s %(actual)s / time-proportional target %(expected)s = %(percent)s"
        ) % {
            "name": reason.name,
            "actual": formatting.number(reason.actual),
            "expected": formatting.number(reason.expected),
            "percent": formatting.percent(reason.ratio),
        }
        upcoming = status_rules.next_target(targets.get((reason.name, reason.unit), []), at)
        if (
            reason.status == status_rules.AHEAD
            and upcoming is not None
            and reason.actual >= upcoming.value
        ):
            sentence += _(", already at the target %(target)s due %(due)s") % {
                "target": formatting.number(upcoming.value),
                "due": upcoming.due.isoformat(),
            }
        return sentence
    params = {"due": reason.due.isoformat() if reason.due else "", "text": reason.text}
    if reason.kind == "overdue":
        return _("Milestone %(due)s is overdue and not done: %(text)s") % params
    if reason.kind == "early":
        return _("Milestone %(due)s was done ahead of time: %(text)s") % params
    return _("Milestone %(due)s was done on time: %(text)s") % params


def explanations(page: selectors.ItemPage) -> list[dict]:
    """The computed status's reasons as sentences, each with the status it points to."""
    evaluation = page.evaluation
    targets = {page.inputs.indicators[ind_id]: t for ind_id, t in page.inputs.targets.items()}
    result = [
        {
            "text": explain(reason, targets, evaluation.period_end),
            "status": reason.status,
            "label": COMPUTED_LABELS.get(reason.status, ""),
        }
        for reason in evaluation.computed.reasons
    ]
    if evaluation.computed.status == status_rules.COMPLETED:
        result.insert(
            0,
            {
                "text": _("The unit reported the item completed."),
                "status": status_rules.COMPLETED,
                "label": COMPUTED_LABELS[status_rules.COMPLETED],
            },
        )
    return result
