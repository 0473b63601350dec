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
    make_user,
)

from progress import periods
from progress.channels.models import Channel
from progress.jobs.models import Job
from progress.models import Publication
from progress.supervision import services as supervision_services
from progress.supervision.models import NoticeAttachment, ReportFlag
from projects import roles

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
BAD_IDS = ["²", "٣", "99999999999999999999", "9223372036854775808", "0"]
BAD_VALUES = BAD_PERIODS + BAD_IDS  # in the path
# In the query and the forms: what each kind of parameter could be given.
PERIOD_VALUES = ["0000-01", "9999-12", "2024-13", "２０２４-１０", "²"]
ID_VALUES = ["²", "99999999999999999999", "9223372036854775808"]
YEAR_VALUES = ["²", "0", "99999", "99999999999999999999"]
DATE_VALUES = ["0000-01-01", "9999-12-32", "２０２４-１０-０１", "²"]
WORD_VALUES = ["²"]  # a choice (?level=, ?light=) or a flag that is none of its values
GET_PARAMS = {
    "period": PERIOD_VALUES,
    "year": YEAR_VALUES,
    **{
        name: ID_VALUES
        for name in (
            "page",
            "jurisdiction",
            "plan",
            "category",
            "unit",
            "leader",
            "version",
            "items",
            "subitem",
        )
    },
    **{
        name: WORD_VALUES
        for name in (
            "breakdown",
            "withdraw",
            "large",
            "mismatch",
            "missing",
            "status",
            "level",
            "light",
            "state",
            "kind",
            "dismissed",
            "measure",
            "background",
            "sort",
            "q",
        )
    },
}
# Every field the site's forms post that holds an id, a version, a number, a date or a period,
# with the action that makes the view read it.
POST_FIELDS = {
    "version": ID_VALUES,
    "period": PERIOD_VALUES,
    "milestones": ID_VALUES,
    "indicator_1": ID_VALUES,
    "jurisdiction": ID_VALUES,
    "items": ID_VALUES,
    "report": ID_VALUES,
    "reply_due": DATE_VALUES,
    "expected_completion": DATE_VALUES,
    "kind": WORD_VALUES,
    "action": WORD_VALUES,
}
ACTIONS = ["save", "reply", "return"]  # the report form's, the notice's reply and decision
# Admin (every page), a supervisor (its jurisdiction's pages), a reporter of the unit that leads
# the item, a reporter of another unit (404s and 403s), anonymous (the public pages).
ROLES = ["admin_user", "supervisor", "reporter", "other_reporter", None]


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


# logout and set_language end or change the session, not read a parameter
URLS = sorted(r for r in set(url_patterns()) if r[1] not in ("logout", "set_language"))
PARAM = re.compile(r"<(?:(\w+):)?(\w+)>")


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    """The notice's file goes to a temporary directory, never the checkout's media/."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def world(_media, jurisdiction, unit, co_unit, other_unit, supervisor, admin_user):
    """One plan of the personas' jurisdiction: an item led by their unit with a report, a
    publication, an import batch, a leader, a 督办 notice with a reply and a file, a data-quality
    flag, a channel and a job."""
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
    (notice,) = supervision_services.notice_create(
        subitems=[subitem],
        user=supervisor,
        level="supervise",
        requirement="报送整改措施",
        reply_due=timezone.localdate() + datetime.timedelta(days=5),
    )
    supervision_services.notice_reply(
        notice=notice,
        user=make_user("notice_replier", roles.REPORTER, jurisdiction=jurisdiction, unit=unit),
        text="已完成选址",
        expected_completion=datetime.date(2024, 12, 31),
        files=[supervision_services.Upload("整改.pdf", b"%PDF-1.4\n%%EOF\n")],
    )
    attachment = NoticeAttachment.objects.get(event__notice=notice)
    flag = ReportFlag.objects.create(report=report, kind=ReportFlag.Kind.values[0])
    channel = Channel.objects.create(
        unit=unit, kind=Channel.Kind.EMAIL, addresses="a@example.cn", created_by=admin_user
    )
    job = Job.objects.create(kind=Job.Kind.values[0], owner=admin_user)
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
        "supervision:notice": notice.pk,
        "supervision:notice_file": attachment.pk,
        "supervision:flag_dismiss": flag.pk,
        "channels:unit": unit.pk,
        "channels:jurisdiction": jurisdiction.pk,
        "channels:edit": channel.pk,
        "channels:test": channel.pk,
        "channels:delete": channel.pk,
    }
    for _route, name in URLS:
        if name.startswith(("exports:", "public:table")):
            ids[name] = plan.pk
        if name.startswith("jobs:"):
            ids[name] = job.pk
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


def requests_for(
    route: str, name: str, world, client: Client, turn: int
) -> Iterator[tuple[str, str, dict]]:
    """(method, url, data) of the bad requests of one URL (the forms only where it takes a
    POST). A path parameter gets every bad value; a query parameter or a form field one of its
    bad values, turning with `turn` (the role's index), so that over the five roles each meets
    each of its values (and each form action) and the table stays quick."""
    params = [m.group(2) for m in PARAM.finditer(route)]
    for param in params:
        for bad in BAD_VALUES:
            yield "get", fill(route, name, world, (param, bad)), {}
    good = fill(route, name, world)
    for param, values in GET_PARAMS.items():
        yield "get", good, {param: values[turn % len(values)]}
    if name.endswith((":delete", ":test")) or client.post(good, {}).status_code == 405:
        return  # a POST there is the action itself, whatever it carries
    for field, values in POST_FIELDS.items():
        bad = values[turn % len(values)]
        action = ACTIONS[turn % len(ACTIONS)]
        yield "post", good, {field: bad} if field == "action" else {field: bad, "action": action}


@pytest.mark.parametrize("route,name", URLS, ids=[name or route for route, name in URLS])
@pytest.mark.parametrize("role", ROLES, ids=[r or "anonymous" for r in ROLES])
def test_no_url_answers_500_to_odd_parameters(role, route, name, world, request):
    client = Client(raise_request_exception=False)
    if role:
        client.force_login(request.getfixturevalue(role))
    failures = []
    for method, url, data in requests_for(route, name, world, client, ROLES.index(role)):
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


@pytest.mark.parametrize("name", ["jurisdiction", "plan", "category", "unit", "leader"])
@pytest.mark.parametrize("url", ["/items/", "/items/export.xlsx"])
def test_the_item_list_answers_an_id_filter_that_is_no_id_with_a_404_naming_it(
    url, name, world, en_client, supervisor
):
    """Not ignored (a 200 with every row, or none): the same message as every page's ?unit=."""
    response = en_client(supervisor).get(url, {name: "²"})
    assert response.status_code == 404
    assert f"“²” is not a number that names a record ({name})" in response.content.decode()


def test_the_item_list_still_narrows_to_nothing_on_an_id_not_offered(
    world, en_client, supervisor, other_jurisdiction
):
    response = en_client(supervisor).get("/items/", {"jurisdiction": other_jurisdiction.pk})
    assert response.status_code == 200
    assert response.context["count"] == 0


@pytest.mark.parametrize("value", ["²", "0", "99999", "１９９９"])
def test_a_bad_year_on_the_scorecard_is_a_400_naming_it(value, world, en_client, supervisor):
    response = en_client(supervisor).get("/supervision/scorecard/", {"year": value})
    assert response.status_code == 400
    assert f"The year “{value}” cannot be read" in response.content.decode()


@pytest.mark.parametrize(
    "url,query",
    [
        ("/supervision/lights/", {"unit": "²"}),
        ("/supervision/notices/", {"unit": "99999999999999999999"}),
        ("/supervision/leaders/", {"leader": "٣"}),
        ("/supervision/notices/new/", {"items": "²"}),
    ],
)
def test_supervision_ids_that_are_no_ids_are_a_404_naming_them(
    url, query, world, en_client, supervisor
):
    response = en_client(supervisor).get(url, query)
    assert response.status_code == 404
    ((name, value),) = query.items()
    assert f"“{value}” is not a number that names a record ({name})" in response.content.decode()


def test_a_reminder_for_a_jurisdiction_that_is_no_id_is_a_404_naming_it(
    world, en_client, supervisor
):
    response = en_client(supervisor).post(
        "/reminders/send/", {"jurisdiction": "²", "period": "2024-03"}
    )
    assert response.status_code == 404
    assert "“²” is not a number that names a record (jurisdiction)" in response.content.decode()
