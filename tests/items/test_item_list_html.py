"""The item list's rows as the page writes them (ItemTable.body_html: plain strings, the
standard library's escape, LIST_FIELDS only) against the straightforward way (each column's
render_ method through format_html, every field of the five joined rows loaded), on varied rows:
names that need escaping, no lead unit, no or several leaders, every shown status, completed
earlier, no computed status, mismatches, every light with and without reasons, and in both
languages. Byte for byte, the page's body and each page of a sorted list."""

from __future__ import annotations

import datetime
import random

import pytest
from django.db.models import Prefetch
from django.test import RequestFactory
from django.utils import translation
from django.utils.html import format_html_join
from django_tables2 import RequestConfig
from factories import make_leader, make_plan, make_project, make_report, make_subitem, make_unit

from progress.items import selectors
from progress.items.tables import ItemTable
from progress.models import ItemStatus, ProgressReport, Status
from progress.statuses import refresh_statuses
from projects.models import Leader

pytestmark = pytest.mark.django_db

PERIOD = datetime.date(2024, 5, 1)
NAMES = ['<b>"养老"</b> & 驿站', "O'Brien 路", "=SUM(A1)", "普通子项", "a&amp;b", "—"]
REASONS = [
    [],
    [{"kind": "lagging_run", "run": 2}],
    [{"kind": "indicator", "name": "<床位>", "ratio": 0.5}],
    [{"kind": "milestone", "name": '开工"前"', "days": 12}, {"kind": "missing_run", "run": 3}],
    [{"kind": "completed"}],
]


def reference_body(table: ItemTable) -> str:
    """The body as it was written before (format_html per cell, django.utils.html escaping)."""
    columns = [(c.name, c.attrs["td"].as_html()) for c in table.columns]
    rows = table.page.object_list if table.page is not None else table.rows
    cells = {
        "number": lambda r: r.subitem.project.number,
        "project": lambda r: r.subitem.project.name,
        "subitem": table.render_subitem,
        "lead_unit": lambda r: r.subitem.lead_unit.name if r.subitem.lead_unit else "—",
        "leaders": table.render_leaders,
        "shown": table.render_shown,
        "computed_status": table.render_computed_status,
        "mismatch": lambda r: table.render_mismatch(r.mismatch),
        "light": table.render_light,
        "choose": table.render_choose,
        "detail": table.render_detail,
    }
    return format_html_join(
        "",
        '<tr data-shown="{}">{}</tr>',
        (
            (
                record.shown,
                format_html_join(
                    "", "<td {}>{}</td>", ((attrs, cells[name](record)) for name, attrs in columns)
                ),
            )
            for record in (row.record for row in rows)
        ),
    )


def full_rows(user, period):
    """The list's rows with every field of the sub-item, project, plan, category and unit."""
    return (
        selectors.status_rows(user, period)
        .select_related(
            "subitem__project__plan", "subitem__project__category", "subitem__lead_unit"
        )
        .prefetch_related(
            Prefetch(
                "subitem__leaders",
                queryset=Leader.objects.order_by("name"),
                to_attr="leader_list",
            )
        )
        .order_by(*selectors.LIST_ORDER)
    )


@pytest.fixture
def varied(jurisdiction, unit):
    rng = random.Random(14)
    plan = make_plan(jurisdiction, title="2024年<民生>实事", year=2024)
    units = [unit, make_unit(jurisdiction, 'A&B "局"')]
    leaders = [make_leader(jurisdiction, n) for n in ("张<三>", "李四", "王&五")]
    statuses = [Status.ON_TRACK, Status.AHEAD, Status.LAGGING, Status.COMPLETED, Status.NOT_STARTED]
    states = [ProgressReport.State.APPROVED, ProgressReport.State.SUBMITTED, None]
    for p in range(6):
        project = make_project(plan, number=f"{p + 1}<", name=f"{NAMES[p]}项目")
        for n in range(7):
            sub = make_subitem(
                project,
                name=rng.choice(NAMES) + str(n),
                lead_unit=None if n % 5 == 4 else rng.choice(units),
                leaders=rng.sample(leaders, rng.randint(0, 3)),
            )
            state = rng.choice(states)
            if n == 3:  # completed in April, not reported again in May
                make_report(
                    sub,
                    datetime.date(2024, 4, 1),
                    status=Status.COMPLETED,
                    state=ProgressReport.State.APPROVED,
                )
            elif state is not None:
                make_report(sub, PERIOD, status=rng.choice(statuses), state=state)
    refresh_statuses()
    for row in ItemStatus.objects.filter(period=PERIOD):
        row.light = rng.choice(["", "red", "yellow", "green"])
        row.light_reasons = rng.choice(REASONS) if row.light else []
        row.mismatch = rng.random() < 0.3
        row.computed_status = rng.choice(["", *statuses])
        row.save(update_fields=["light", "light_reasons", "mismatch", "computed_status"])
    return plan


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("choosable", [True, False])
@pytest.mark.parametrize("sort", ["", "-subitem", "lead_unit", "light", "-mismatch"])
def test_the_page_writes_the_same_rows_as_format_html(
    varied, supervisor, language, choosable, sort
):
    shown = set()
    with translation.override(language):
        for page in (1, 2):
            params = {"page": page, **({"sort": sort} if sort else {})}
            request = RequestFactory().get("/items/", params)
            fast = ItemTable(
                selectors.list_rows(supervisor, PERIOD), period=PERIOD, choosable=choosable
            )
            slow = ItemTable(full_rows(supervisor, PERIOD), period=PERIOD, choosable=choosable)
            for table in (fast, slow):
                RequestConfig(request, paginate={"per_page": 25}).configure(table)
            body = fast.body_html()
            assert body == reference_body(slow)
            assert body.count("<tr ") == (25 if page == 1 else 42 - 25)
            shown.add(body)
    assert len(shown) == 2
    html = "".join(shown)
    # the varied rows are all there, escaped once
    for text in ("&lt;b&gt;&quot;养老&quot;&lt;/b&gt; &amp; 驿站", "O&#x27;Brien", "a&amp;amp;b"):
        assert text in html
    assert 'class="light light--red"' in html and 'class="flag-mismatch"' in html
    assert '<span class="muted">—</span>' in html  # no computed status
    assert "(2024-04)" in html  # completed earlier


def test_an_empty_page_writes_nothing(supervisor, jurisdiction):
    table = ItemTable(selectors.list_rows(supervisor, PERIOD), period=PERIOD)
    RequestConfig(RequestFactory().get("/items/"), paginate={"per_page": 25}).configure(table)
    assert table.body_html() == "" == reference_body(table)


def test_the_filters_selects_write_what_djangos_escape_writes(varied, supervisor):
    """FastSelect (html.escape, the choices read once) against the same options through
    django.utils.html.escape, with a chosen value, for every select of the filter."""
    from django.forms.utils import flatatt
    from django.utils.html import escape

    from progress.items.filters import SELECTS, ItemFilter
    from projects.models import Category, Unit

    Category.objects.create(plan=varied, name='<一、"教育"> & 卫生', order=1)
    unit = Unit.objects.get(name='A&B "局"')
    rows = selectors.list_rows(supervisor, PERIOD)
    filterset = ItemFilter(
        {"unit": str(unit.pk), "shown": "missing"}, queryset=rows, user=supervisor
    )
    for name in SELECTS:
        field = filterset.form[name]
        widget = field.field.widget
        attrs = widget.build_attrs(widget.attrs, {"id": f"id_{name}", "name": name})
        chosen = {str(v) for v in widget.format_value(field.value())}
        options = "".join(
            f'<option value="{escape(v)}"{" selected" if str(v) in chosen else ""}>'
            f"{escape(label)}</option>"
            for v, label in widget.choices
        )
        assert str(field) == f"<select{flatatt(attrs)}>{options}</select>", name
    html = str(filterset.form["unit"])
    assert f'<option value="{unit.pk}" selected>A&amp;B &quot;局&quot;</option>' in html
    assert "&lt;一、&quot;教育&quot;&gt; &amp; 卫生" in str(filterset.form["category"])
    assert "required" not in "".join(str(filterset.form[n]) for n in SELECTS)
