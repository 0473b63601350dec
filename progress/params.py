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

- a year in the query string (?year=) that is not ASCII digits between the years a plan may
  have: 400 with a message;
- a list of ids (?items=1&items=2, a form's checked rows) with one that is not an id: 404 with
  a message, as for one id.

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
    return id_in(request.GET, name)


def id_in(data, name: str) -> int | None:
    """The id a query string or a posted form (data) gives as <name>, read as id_in_query."""
    text = str(data.get(name, "")).strip()
    if not text:
        return None
    value = parse_id(text)
    if value is None:
        raise NotFound(
            _("“%(text)s” is not a number that names a record (%(name)s).")
            % {"text": text[:40], "name": name}
        )
    return value


def ids_in(values: list[str], name: str) -> list[int]:
    """The ids of a list parameter (request.GET.getlist(name)), empty ones left out; 404 (with a
    message) when one is not an id."""
    ids = []
    for text in values:
        text = text.strip()
        if not text:
            continue
        value = parse_id(text)
        if value is None:
            raise NotFound(
                _("“%(text)s” is not a number that names a record (%(name)s).")
                % {"text": text[:40], "name": name}
            )
        ids.append(value)
    return ids


def year_in_query(request: HttpRequest, name: str = "year") -> int | None:
    """?year=YYYY; None when absent or empty; 400 when it is not a year a plan may have."""
    text = request.GET.get(name, "").strip()
    if not text:
        return None
    if re.fullmatch(r"[0-9]{4}", text, re.ASCII):
        year = int(text)
        if periods.FIRST_YEAR <= year <= periods.LAST_YEAR:
            return year
    raise BadParameter(
        _("The year “%(text)s” cannot be read: write a year from %(first)d to %(last)d.")
        % {"text": text[:40], "first": periods.FIRST_YEAR, "last": periods.LAST_YEAR}
    )


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
