"""The shown status: what every page says about one sub-item in one period, and how it counts.

One definition, read from the stored ItemStatus row (progress.statuses.stored writes it):

| code        | label (zh)  | when                                                                 |
|-------------|-------------|----------------------------------------------------------------------|
| on_track…   | 正常 …      | the period's report, approved (or imported), says so                 |
| completed   | 办结        | … says 办结; or no report, and a report of an earlier period of the year said 办结 (completed earlier: not reported again) |
| submitted   | 待审核      | the period's report is submitted and not yet approved                |
| unknown     | 未填状态    | an approved report without a status                                  |
| missing     | 未报送      | no report (drafts and returned reports are none) and the deadline has passed |
| pending     | 未到期      | no report, and the deadline has not passed yet                       |

`conditions()` gives each code as a filter on ItemStatus columns; the `shown` annotation
(`shown_case`) and every count (the dashboards', the reporting record's) are built from those
same filters, so a count and the rows behind it never disagree. The conditions exclude each
other and cover every row.
"""

from __future__ import annotations

from datetime import date

from django.db.models import Case, CharField, Q, Value, When
from django.utils.translation import gettext_lazy as _

from progress import periods
from progress.models import Status

REPORTED = ("not_started", "on_track", "ahead", "lagging", "completed")  # what a unit says
COMPUTED = REPORTED  # what the rules can compute
SUBMITTED = "submitted"
UNKNOWN = "unknown"
MISSING = "missing"
PENDING = "pending"
ABSENT_CODES = (MISSING, PENDING)  # no report: which one depends on the deadline
SHOWN = (*REPORTED, SUBMITTED, UNKNOWN, MISSING, PENDING)
JUDGED_NOTHING = "none"  # a computed status of "": nothing to judge by yet

LABELS = {
    **dict(Status.choices),
    SUBMITTED: _("Awaiting review"),
    UNKNOWN: _("No status given"),
    MISSING: _("Not reported"),
    PENDING: _("Not yet due"),
    JUDGED_NOTHING: _("Nothing to judge yet"),
}
COMPUTED_LABELS = dict(Status.choices)
# the symbols of the status badges (app.css), repeated on the charts: never colour alone
SYMBOLS = {
    "on_track": "●",
    "ahead": "▲",
    "lagging": "▼",
    "completed": "✔",
    "not_started": "○",
    MISSING: "!",
    SUBMITTED: "◇",
    PENDING: "…",
    UNKNOWN: "?",
}

# Building blocks, on ItemStatus's own columns.
REPORT = Q(has_report=True)  # a submitted, approved or imported report of the period
AWAITING_REVIEW = REPORT & Q(awaiting_review=True)
REVIEWED = REPORT & Q(awaiting_review=False)
COMPLETED_EARLIER = Q(has_report=False, completed_in__isnull=False)
ABSENT = Q(has_report=False, completed_in__isnull=True)  # missing or pending
ABSENT_KEY = "absent"


def conditions() -> dict[str, Q]:
    """Every shown code as a filter; the absent rows under ABSENT_KEY (missing or pending)."""
    result = {s: REVIEWED & Q(reported_status=s) for s in REPORTED}
    result["completed"] |= COMPLETED_EARLIER
    result[SUBMITTED] = AWAITING_REVIEW
    result[UNKNOWN] = REVIEWED & Q(reported_status="")
    result[ABSENT_KEY] = ABSENT
    return result


def prefixed(q: Q, prefix: str) -> Q:
    """The same filter from a model that reaches ItemStatus through `prefix` (e.g. "st__")."""
    if not prefix:
        return q
    out = Q(_connector=q.connector, _negated=q.negated)
    for child in q.children:
        out.children.append(
            prefixed(child, prefix) if isinstance(child, Q) else (prefix + child[0], child[1])
        )
    return out


def absent_status(period: date, today: date | None = None) -> str:
    return MISSING if periods.deadline_passed(period, today) else PENDING


def shown_case(absent: str, prefix: str = "") -> Case:
    """The `shown` annotation: the code of the first condition a row meets; `absent` (missing
    or pending) for absent rows, and for a sub-item without a stored row at all."""
    whens = [
        When(prefixed(q, prefix), then=Value(code))
        for code, q in conditions().items()
        if code != ABSENT_KEY
    ]
    return Case(*whens, default=Value(absent), output_field=CharField())


def label(code: str) -> str:
    return str(LABELS.get(code, ""))
