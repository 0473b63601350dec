"""Issue 9.3: odd parameters answer 400 or 404 with a message, never 500.

The table is generated from the URL resolver: every URL of the site (the admin site is
Django's own and is left out) × every path parameter, a set of GET parameters and the posted
form fields × bad values (periods out of range or malformed, Unicode digits where an id or a
version is expected, ids too large for the database) × a persona per role. A URL that this
module does not know how to fill in fails the test, so a new page joins the table.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterator

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from factories import (
    make_import_batch,
    make_indicator,
    make_leader,
    make_plan,
    make_project,
    make_quarterly_milestones,
    make_report,
    make_subitem,
)

from progress import periods
from progress.models import Publication

pytestmark = pytest.mark.django_db

BAD_PERIODS = [
    "0000-01",
    "9999-12",
    "2024-13",
    "2024-1²",
    "２０２４-１０",  # fullwidth digits
    "٢٠٢٤-١٠",  # Arabic-Indic digits
    "abc",
    "2024-10-01",
]
BAD_IDS = ["²", "٣", "99999999999999999999", "0"]
BAD_VALUES = BAD_PERIODS + BAD_IDS  # in the path
# In the query and the forms: what each kind of parameter could be given.
PERIOD_VALUES = ["0000-01", "9999-12", "2024-13", "２０２４-１０", "²"]
ID_VALUES = ["²", "99999999999999999999"]
GET_PARAMS = {
    "period": PERIOD_VALUES,
    **{
        name: ID_VALUES
        for name in ("page", "jurisdiction", "plan", "category", "unit", "leader", "version")
    },
    **{name: ["²"] for name in ("breakdown", "withdraw", "large", "mismatch", "missing")},
}
# Every field the site's forms post that holds an id, a version, a number or a period.
POST_FIELDS = {
    "version": ID_VALUES,
    "period": PERIOD_VALUES,
    "milestones": ID_VALUES,
    "indicator_1": ID_VALUES,
    "jurisdiction": ID_VALUES,
    "action": ["²"],
}
ROLES = ["admin_user", "reporter", None]  # every page, the reporting pages, the public ones


def url_patterns() -> Iterator[tuple[str, str]]:
    """(route, name) of every URL the resolver knows, outside the admin site."""

    def walk(patterns, prefix: str, namespace: str):
        for p in patterns:
            if isinstance(p, URLResolver):
                ns = f"{namespace}{p.namespace}:" if p.namespace else namespace
                yield from walk(p.url_patterns, prefix + str(p.pattern), ns)
            elif isinstance(p, URLPattern):
                yield prefix + str(p.pattern), f"{namespace}{p.name or ''}"

    for route, name in walk(get_resolver().url_patterns, "", ""):
        if not route.startswith("admin/"):
            yield route, name


URLS = sorted(set(url_patterns()))
PARAM = re.compile(r"<(?:(\w+):)?(\w+)>")


@pytest.fixture
def world(jurisdiction, unit, co_unit):
    """One plan of the personas' jurisdiction: an item led by their unit with a report, a
    publication, an import batch and a leader."""
    plan = make_plan(jurisdiction, year=2024)
    leader = make_leader(jurisdiction)
    subitem = make_subitem(make_project(plan, leaders=[leader]), lead_unit=unit, co_units=[co_unit])
    make_quarterly_milestones(subitem)
    make_indicator(subitem, targets=[1, 2, 3, 4])
    report = make_report(subitem, datetime.date(2024, 3, 1))
    Publication.objects.create(
        plan=plan, period=datetime.date(2024, 3, 1), published_at=timezone.now()
    )
    batch = make_import_batch(plan)
    ids = {
        "importers:preview": batch.pk,
        "importers:confirm": batch.pk,
        "importers:options": batch.pk,
        "reporting:thumbnail": report.pk,
        "reporting:report_edit": subitem.pk,
        "reporting:contribution_edit": subitem.pk,
        "reporting:report_detail": report.pk,
        "reporting:attachment": report.pk,
        "review:report": report.pk,
        "public:jurisdiction": jurisdiction.pk,
        "items:detail": subitem.pk,
        "items:unit": unit.pk,
        "items:leader": leader.pk,
    }
    for _route, name in URLS:
        if name.startswith(("exports:", "public:table")):
            ids[name] = plan.pk
    return {"ids": ids, "period": "2024-03"}


def fill(route: str, name: str, world, bad: tuple[str, str] | None = None) -> str:
    """The route with good values, or with the parameter bad[0] set to bad[1]."""

    def value(m: re.Match) -> str:
        param = m.group(2)
        if bad and bad[0] == param:
            return bad[1]
        if param == "pk":
            assert name in world["ids"], f"no id for {name}: add the URL to this table"
            return str(world["ids"][name])
        if param == "period":
            return world["period"]
        if param in {"uidb64", "token"}:
            return "x"
        raise AssertionError(f"unknown parameter <{param}> in {route}: add it to this table")

    return "/" + PARAM.sub(value, route)


def requests_for(route: str, name: str, world, client: Client) -> Iterator[tuple[str, str, dict]]:
    """(method, url, data) of every bad request of one URL (the forms only where it takes a
    POST)."""
    params = [m.group(2) for m in PARAM.finditer(route)]
    for param in params:
        for bad in BAD_VALUES:
            yield "get", fill(route, name, world, (param, bad)), {}
    good = fill(route, name, world)
    for param, values in GET_PARAMS.items():
        for bad in values:
            yield "get", good, {param: bad}
    if client.post(good, {}).status_code == 405:
        return
    for field, values in POST_FIELDS.items():
        for bad in values:
            yield (
                "post",
                good,
                {field: bad} if field == "action" else {field: bad, "action": "save"},
            )


@pytest.mark.parametrize("role", ROLES)
def test_no_url_answers_500_to_odd_parameters(role, world, request):
    client = Client(raise_request_exception=False)
    if role:
        client.force_login(request.getfixturevalue(role))
    failures = []
    for route, name in URLS:
        if name == "logout" or name == "set_language":
            continue  # they end or change the session, not read a parameter
        for method, url, data in requests_for(route, name, world, client):
            response = getattr(client, method)(url, data)
            if response.status_code >= 500:
                failures.append(f"{method.upper()} {url} {data} -> {response.status_code}")
    assert not failures, f"{len(failures)} answers of 500:\n" + "\n".join(failures[:40])


@pytest.mark.parametrize(
    "url",
    [
        "/public/{plan}/0000-01/",
        "/public/{plan}/9999-12/",
        "/exports/plans/{plan}/monthly/0000-01.xlsx",
        "/progress/items/{subitem}/9999-12/",
    ],
)
def test_an_out_of_range_period_in_a_path_is_a_404_with_a_message(
    url, world, client_as, admin_user, reporter
):
    ids = world["ids"]
    user = reporter if url.startswith("/progress/") else admin_user
    url = url.format(plan=ids["exports:index"], subitem=ids["items:detail"])
    response = client_as(user).get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code in (400, 404)
    assert "period" in response.content.decode().lower()


@pytest.mark.parametrize(
    "value", ["0000-01", "9999-12", "2024-13", "abc", "２０２４-１０", "2024-1²"]
)
def test_a_bad_period_in_the_query_is_a_400_naming_it(value, world, en_client, supervisor):
    response = en_client(supervisor).get("/dashboard/", {"period": value})
    assert response.status_code == 400
    body = response.content.decode()
    assert "period" in body.lower() and "YYYY-MM" in body


@pytest.mark.parametrize("value", ["²", "٣", "99999999999999999999"])
@pytest.mark.parametrize("url", ["/dashboard/", "/review/missing/"])
def test_unicode_digits_in_an_id_are_a_404_naming_it(url, value, world, en_client, admin_user):
    """str.isdigit() says yes to ² and int() reads ٣: the parser takes ASCII digits only."""
    response = en_client(admin_user).get(url, {"jurisdiction": value})
    assert response.status_code == 404
    assert f"“{value}” is not a number that names a record" in response.content.decode()


def test_the_parser_reads_ascii_periods_in_range_only():
    assert periods.parse_period("2024-10") == datetime.date(2024, 10, 1)
    assert periods.parse_period(" 2024-1 ") == datetime.date(2024, 1, 1)
    for text in ["0000-01", "9999-12", "２０２４-１０", "2024-1²", "", None]:
        assert periods.parse_period(text) is None
