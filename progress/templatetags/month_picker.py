"""{% month_picker period %}: the one month picker of every page that shows one period.

Previous and next month as links, the month as an <input type="month"> with a 显示 button; the
page's other GET parameters (filters, jurisdiction) are kept, its page number dropped. `first`
and `last` (dates) bound it, e.g. to a plan's year.
"""

from __future__ import annotations

from datetime import date

from django import template

from progress import periods

register = template.Library()


@register.inclusion_tag("progress/shared/month_picker.html", takes_context=True)
def month_picker(
    context, period: date, first: date | None = None, last: date | None = None, step: int = 1
) -> dict:
    request = context.get("request")
    params = request.GET.copy() if request is not None else None

    def link(target: date) -> str | None:
        if (first and target < first) or (last and target > last) or params is None:
            return None
        query = params.copy()
        query["period"] = periods.label(target)
        query.pop("page", None)
        return "?" + query.urlencode()

    keep = []
    if params is not None:
        keep = [
            (k, v) for k, values in params.lists() if k not in ("period", "page") for v in values
        ]
    previous = periods.add_months(period, -step)
    following = periods.add_months(period, step)
    return {
        "value": periods.label(period),
        "previous": periods.label(previous),
        "previous_url": link(previous),
        "next": periods.label(following),
        "next_url": link(following),
        "keep": keep,
        "min": periods.label(first) if first else "",
        "max": periods.label(last) if last else "",
    }
