"""One parser for what a URL, a query string or a form says: ids, versions and periods.

Every view reads these through here, so odd input answers the same way on every page:

- a period in the path (/public/3/2024-10/) that is not a month YYYY-MM between 2000-01 and
  2100-12 (the years a plan may have) names no page: 404 with a message;
- a period in the query string (?period=) that cannot be read: 400 with a message
  (BadParameter, rendered by config.errors); an id there (?jurisdiction=) that is not one:
  404 with a message, as an id that names nothing;
- an id or a version is ASCII digits that fit the database's ids (BigAutoField); Unicode
  digits (², ٣, ２) are not numbers here, although Python's int() and str.isdigit() accept
  some of them.

An empty query parameter is absent (None): the page opens on its default.
"""

from __future__ import annotations

import re
from datetime import date

from django.core.exceptions import BadRequest
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _

from progress import periods

MAX_ID = 2**63 - 1  # BigAutoField
_DIGITS = re.compile(r"[0-9]{1,19}", re.ASCII)


class BadParameter(BadRequest):
    """A parameter the page cannot read: a 400 page that shows this message."""


class NotFound(Http404):
    """A path that names no page, for a reason the 404 page tells (config.errors)."""


def period_help() -> str:
    return _("A period is a month written YYYY-MM, from %(first)s to %(last)s.") % {
        "first": f"{periods.FIRST_YEAR}-01",
        "last": f"{periods.LAST_YEAR}-12",
    }


def parse_id(text: str | None) -> int | None:
    """'42' -> 42; None for anything that is not ASCII digits from 1 to MAX_ID."""
    text = (text or "").strip()
    if not _DIGITS.fullmatch(text):
        return None
    value = int(text)
    return value if 1 <= value <= MAX_ID else None


def period_in_path(text: str) -> date:
    """The period a URL names; 404 (with a message) when it is not one."""
    period = periods.parse_period(text)
    if period is None:
        raise NotFound(_("There is no period “%(text)s”.") % {"text": text} + " " + period_help())
    return period


def period_in_query(request: HttpRequest, name: str = "period") -> date | None:
    """?period=YYYY-MM; None when absent or empty; 400 when it cannot be read."""
    text = request.GET.get(name, "").strip()
    if not text:
        return None
    period = periods.parse_period(text)
    if period is None:
        raise BadParameter(
            _("The period “%(text)s” cannot be read.") % {"text": text[:40]} + " " + period_help()
        )
    return period


def id_in_query(request: HttpRequest, name: str) -> int | None:
    """?<name>=<id>; None when absent or empty; 404 (with a message) when it is not an id, as
    for an id that names nothing."""
    text = request.GET.get(name, "").strip()
    if not text:
        return None
    value = parse_id(text)
    if value is None:
        raise NotFound(
            _("“%(text)s” is not a number that names a record (%(name)s).")
            % {"text": text[:40], "name": name}
        )
    return value


def version_in_form(data, name: str = "version") -> int | None:
    """The version a form carries (the one the user read); None when absent or not one."""
    text = str(data.get(name, "")).strip()
    if text == "0":
        return 0
    return parse_id(text)


class IdConverter:
    """`<id:pk>` in the URLs: parse_id's ids; anything else (0, an id over the database's
    range) matches no URL, so it is a 404 before any query."""

    regex = "[0-9]{1,19}"

    def to_python(self, value: str) -> int:
        parsed = parse_id(value)
        if parsed is None:
            raise ValueError(value)
        return parsed

    def to_url(self, value: int | str) -> str:
        return str(int(value))
