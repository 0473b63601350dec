"""Supervision's parts of other pages, as inclusion tags, so that no lower page imports it:
the start page's part ({% supervision_start %}), the menu entries ({% supervision_menu %}),
an item's light and notices ({% item_supervision subitem period %}) and a report's flags
({% report_flags report %}, on the review page before approving)."""

from __future__ import annotations

from django import template

from progress.supervision import selectors, words

register = template.Library()


@register.inclusion_tag("progress/supervision/_start.html", takes_context=True)
def supervision_start(context) -> dict:
    request = context["request"]
    return {"supervision": selectors.start_summary(request.user), "request": request}


@register.inclusion_tag("progress/supervision/_menu.html", takes_context=True)
def supervision_menu(context) -> dict:
    return {
        "is_supervisor": context.get("is_supervisor", False),
        "is_reporter": context.get("is_reporter", False),
    }


@register.inclusion_tag("progress/supervision/_item.html", takes_context=True)
def item_supervision(context, subitem, period) -> dict:
    user = context["request"].user
    status = selectors.item_light(subitem.pk, period) if period else None
    light = status.light if status else ""
    return {
        "subitem": subitem,
        "light": light,
        "reasons": words.light_reasons(status.light_reasons if status else []),
        "notices": list(selectors.notices_of_item(subitem.pk, user).order_by("-created_at")[:20]),
        "is_supervisor": context.get("is_supervisor", False),
    }


@register.inclusion_tag("progress/supervision/_report_flags.html", takes_context=True)
def report_flags(context, report) -> dict:
    flags = selectors.report_flags(report.pk)
    for flag in flags:
        flag.words = words.flag_reason(flag.kind, flag.subject, flag.params)
    return {
        "flags": flags,
        "is_supervisor": context.get("is_supervisor", False),
        "next": context["request"].get_full_path(),
        "csrf_token": context.get("csrf_token"),
    }


@register.inclusion_tag("progress/supervision/_dashboard.html")
def supervision_dashboard(jurisdiction, period, lights=None) -> dict:
    """The dashboard's lights and notices of one jurisdiction and period: the notices in one
    query; the lights in another unless given (the overview gives them from its cached
    counts)."""
    if lights is None:
        lights = selectors.light_counts(selectors.light_rows(jurisdiction.pk), period)
    notices = selectors.filter_notices(
        selectors.Notice.objects.all(), jurisdiction_id=jurisdiction.pk
    )
    return {
        "jurisdiction": jurisdiction,
        "period": period,
        "lights": lights,
        "notices": selectors.notice_counts(notices),
    }
