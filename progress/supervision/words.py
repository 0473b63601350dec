"""The reasons of lights and flags in words, in the user's language (one place for every page
and the exports)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

LIGHT_LABELS = {
    "red": gettext_lazy("Red"),
    "yellow": gettext_lazy("Yellow"),
    "green": gettext_lazy("Green"),
    "": gettext_lazy("No light"),
}
# never colour alone: each light has its symbol too
LIGHT_SYMBOLS = {"red": "■", "yellow": "▲", "green": "●", "": "–"}


def light_label(light: str) -> str:
    return str(LIGHT_LABELS.get(light, ""))


def light_reason(reason: dict) -> str:
    kind = reason.get("kind")
    if kind == "completed":
        return _("completed")
    if kind == "on_track":
        return _("on track or ahead")
    if kind == "lagging_run":
        run = reason.get("run", 1)
        if run == 1:
            return _("lagging this period")
        return _("lagging %(n)d periods running") % {"n": run}
    if kind == "indicator":
        ratio = float(reason.get("ratio", 0))
        return _("%(name)s at %(pct).0f%% of the time-proportional target (序时进度)") % {
            "name": reason.get("name", ""),
            "pct": ratio * 100,
        }
    if kind == "milestone":
        return _("milestone “%(text)s” overdue by %(days)d days") % {
            "text": reason.get("name", ""),
            "days": reason.get("days", 0),
        }
    if kind == "missing_run":
        return _("not reported %(n)d periods running") % {"n": reason.get("run", 0)}
    return ""


def light_reasons(reasons: list[dict]) -> list[str]:
    return [text for text in (light_reason(r) for r in reasons or ()) if text]


def flag_reason(kind: str, subject: str, params: dict) -> str:
    if kind == "copied":
        return _("The progress text is the same as the previous report's (similarity %(s)s).") % {
            "s": params.get("similarity", "")
        }
    if kind == "decreased":
        return _(
            "The cumulative value of “%(name)s” (%(value)s) is lower than last reported (%(previous)s)."
        ) % {"name": subject, "value": params.get("value"), "previous": params.get("previous")}
    if kind == "completed_early":
        return _(
            "Reported completed, but the milestone “%(text)s” due %(due)s is not marked achieved."
        ) % {"text": subject, "due": params.get("due")}
    if kind == "on_track_lagging":
        return _("Reported on track while the computed status is lagging two periods running.")
    if kind == "late":
        return _("Submitted %(days)s days after the deadline (%(deadline)s).") % {
            "days": params.get("days"),
            "deadline": params.get("deadline"),
        }
    return ""
