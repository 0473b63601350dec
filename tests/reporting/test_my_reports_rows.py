"""我的填报's rows written in Python (progress.reporting.rows, issue 14) are the rows the templates
wrote: the page is compared with the templates of before, rendered from the same items, on
varied data (drafts, returned, submitted and approved reports, with and without a status,
last period's long or empty text, a quarterly plan, items completed earlier, co-operations
with and without a contribution, overdue or not, names to escape)."""

from __future__ import annotations

import datetime
import re

import pytest
from django.template import engines
from factories import make_plan, make_project, make_report, make_subitem

from progress.models import Contribution, ProgressReport, Status
from progress.statuses import refresh_statuses
from projects.models import Plan, SubItem

pytestmark = pytest.mark.django_db

# The templates of before (templates/progress/reporting/my_items_table.html with its row,
# my_item_row.html, included in place; cooperating_items_table.html;
# completed_items_table.html), a {% url %} per link.
MY_ITEMS = """{% load i18n %}
{% regroup items by project.plan as by_plan %}
{% for group in by_plan %}
  <section class="plan-group">
    <h3 class="plan-group__title">{{ group.grouper.title }} <span class="muted">{% blocktranslate trimmed count counter=group.list|length %}{{ counter }} item{% plural %}{{ counter }} items{% endblocktranslate %}</span></h3>
    <div class="table-wrap">
      <table class="table--cards my-items">
        <thead>
          <tr>
            <th scope="col">{% translate "No." %}</th>
            <th scope="col">{% translate "Sub-item" %}</th>
            <th scope="col">{% translate "State" %}</th>
            <th scope="col">{% translate "Last period" %}</th>
          </tr>
        </thead>
        <tbody>
          {% for item in group.list %}
            {% with r=item.current p=item.previous %}<tr>
<td>{{ item.project.number }}（{{ item.number }}）</td>
<td><a href="{% url 'reporting:report_edit' item.pk period|date:'Y-m' %}">{{ item.name }}</a></td>
<td>{% if r %}{{ r.get_state_display }}{% if r.status %} <span class="status-{{ r.status }}">{{ r.get_status_display }}</span>{% endif %}{% if r.state == "draft" or r.state == "returned" %}{% if overdue %} <b class="tag tag--overdue">{{ overdue_word }}</b>{% endif %}{% else %} <a href="{% url 'reporting:report_detail' r.pk %}">{% translate "Report page" %}</a>{% endif %}{% else %}<span class="muted">{% translate "Not filled in" %}</span>{% if overdue %} <b class="tag tag--overdue">{{ overdue_word }}</b>{% endif %}{% endif %}</td>
<td data-label="{% translate 'Last period' %}">{% if p %}{% if p.status %}<span class="status-{{ p.status }}">{{ p.get_status_display }}</span> {% endif %}{{ p.completion|truncatechars:24|default:"—" }}{% else %}—{% endif %}</td>
</tr>{% endwith %}

          {% endfor %}
        </tbody>
      </table>
    </div>
  </section>
{% endfor %}
"""

COOPERATING = """{% load i18n %}
<div class="table-wrap">
  <table class="table--cards">
    <thead>
      <tr>
        <th scope="col">{% translate "No." %}</th>
        <th scope="col">{% translate "Sub-item" %}</th>
        <th scope="col">{% translate "Lead unit" %}</th>
        <th scope="col">{% translate "Our contribution" %}</th>
        <th scope="col">{% translate "Action" %}</th>
      </tr>
    </thead>
    <tbody>
      {% for item in items %}
        <tr>
          <td class="nowrap">{{ item.project.number }}（{{ item.number }}）</td>
          <td>{{ item.name }} <span class="helptext">{{ item.project.plan.title }}</span></td>
          <td data-label="{% translate 'Lead unit' %}">{{ item.lead_unit|default:"—" }}</td>
          {% if item.completed_in %}
            <td colspan="2"><span class="status status-completed">{% translate "Completed" %}</span> <span class="helptext">{% blocktranslate trimmed with period=item.completed_in|date:"Y-m" %}Completed in {{ period }}: nothing to add.{% endblocktranslate %}</span></td>
          {% else %}
            <td data-label="{% translate 'Our contribution' %}">
              {% for contribution in item.my_contributions %}{{ contribution.text|truncatechars:60 }}{% empty %}<span class="muted">{% translate "Not written yet" %}</span>{% endfor %}
            </td>
            <td><a href="{% url 'reporting:contribution_edit' item.pk period|date:'Y-m' %}">{% if item.my_contributions %}{% translate "Edit" %}{% else %}{% translate "Add" %}{% endif %}</a></td>
          {% endif %}
        </tr>
      {% endfor %}
    </tbody>
  </table>
</div>
"""

COMPLETED = """{% load i18n %}
<div class="table-wrap">
  <table class="table--cards">
    <thead>
      <tr>
        <th scope="col">{% translate "No." %}</th>
        <th scope="col">{% translate "Sub-item" %}</th>
        <th scope="col">{% translate "Status" %}</th>
      </tr>
    </thead>
    <tbody>
      {% for item in items %}
        <tr>
          <td class="nowrap">{{ item.project.number }}（{{ item.number }}）</td>
          <td>{{ item.name }} <span class="helptext">{{ item.project.plan.title }}</span></td>
          <td><span class="status status-completed">{% translate "Completed" %}</span> <span class="helptext">{% blocktranslate trimmed with period=item.completed_in|date:"Y-m" %}completed in {{ period }}: not reported again{% endblocktranslate %}</span></td>
        </tr>
      {% endfor %}
    </tbody>
  </table>
</div>
"""


def _norm(html: str) -> str:
    """Whitespace that a browser shows the same: runs collapsed, none between tags or at the
    edges of a cell."""
    html = re.sub(r"\s+", " ", html)
    html = re.sub(r"> <", "><", html)
    html = re.sub(r"(<td[^>]*>) ", r"\1", html)
    return html.replace(" </td>", "</td>").strip()


def _build(jurisdiction, unit, co_unit):
    monthly = [make_plan(jurisdiction, title=f"2024年清单{k} <&\"'>", year=2024) for k in range(2)]
    quarterly = make_plan(
        jurisdiction, title="2024年季报清单", year=2024, reporting_cycle=Plan.Cycle.QUARTERLY
    )
    states = [None, *ProgressReport.State.values]
    june, may, march = (datetime.date(2024, m, 1) for m in (6, 5, 3))
    n = 0
    for plan in (*monthly, quarterly):
        for k in range(12):
            n += 1
            project = make_project(plan, number=f"{n}", name=f"项目{n}")
            lead = unit if k % 4 else co_unit
            sub = make_subitem(project, name=f'子项<{n}> & "引号"', lead_unit=lead)
            if lead == co_unit:
                sub.co_units.add(unit)
                if k % 8 == 0:
                    Contribution.objects.create(
                        subitem=sub, period=june, unit=unit, text="配合<b>推进</b>" * (k % 3 + 1)
                    )
                if k == 4:
                    make_report(
                        sub, march, status=Status.COMPLETED, state="approved", refresh=False
                    )
                continue
            before = march if plan == quarterly else may
            if k % 3:
                make_report(
                    sub,
                    before,
                    status=[Status.ON_TRACK, Status.LAGGING, "", Status.AHEAD][k % 4],
                    state="approved",
                    completion=[
                        "",
                        "短",
                        "已完成施工招标，进场施工，完成雨污分流管网铺设约60%<>&" * 2,
                    ][k % 3],
                    refresh=False,
                )
            if k == 6:
                make_report(sub, march, status=Status.COMPLETED, state="approved", refresh=False)
                continue
            state = states[k % len(states)]
            if state is not None:
                make_report(
                    sub,
                    june,
                    status=[Status.ON_TRACK, "", Status.LAGGING][k % 3] if state != "draft" else "",
                    state=state,
                    refresh=False,
                )
    refresh_statuses()


@pytest.mark.parametrize("submitted_all", [False, True])
def test_rows_are_the_templates_rows(
    client_as, reporter, jurisdiction, unit, co_unit, submitted_all
):
    _build(jurisdiction, unit, co_unit)
    if submitted_all:  # nothing left to submit: no 逾期 anywhere
        june = datetime.date(2024, 6, 1)
        ProgressReport.objects.filter(period=june).update(state=ProgressReport.State.APPROVED)
        for sub in SubItem.objects.filter(lead_unit=unit).exclude(reports__period=june):
            make_report(sub, june, state=ProgressReport.State.APPROVED, refresh=False)
        refresh_statuses()
    response = client_as(reporter).get("/progress/", {"period": "2024-06"})
    assert response.status_code == 200
    ctx = response.context
    assert len(ctx["to_report"]) > 20 and len(ctx["cooperating"]) > 5
    assert len(ctx["completed_earlier"]) > 0
    assert ctx["overdue"] is not submitted_all
    page = _norm(response.content.decode())
    engine = engines["django"]
    context = {
        "period": ctx["period"],
        "overdue": ctx["overdue"],
        "overdue_word": ctx["overdue_word"],
    }
    # one page holds them all: its rows are every item of the lists
    assert ctx["page"].paginator.num_pages == ctx["co_page"].paginator.num_pages == 1
    assert [s.pk for s in ctx["page"].object_list] == [line.pk for line in ctx["to_report"]]
    items, co_items = ctx["page"].object_list, ctx["co_page"].object_list
    assert [s.pk for s in co_items] == [line.pk for line in ctx["cooperating"]]
    mine = engine.from_string(MY_ITEMS).render({**context, "items": items})
    coop = engine.from_string(COOPERATING).render({**context, "items": co_items})
    assert "&lt;" in mine and "/progress/reports/" in mine  # escaped names, report links
    assert ("tag--overdue" in mine) is not submitted_all
    assert _norm(mine) in page
    assert _norm(coop) in page
    # the items completed earlier, from the model instances the template read
    completed = SubItem.objects.filter(pk__in=[line.pk for line in ctx["completed_earlier"]])
    completed = {s.pk: s for s in completed.select_related("project__plan")}
    for line in ctx["completed_earlier"]:
        completed[line.pk].completed_in = line.completed_in
    done = engine.from_string(COMPLETED).render(
        {"items": [completed[line.pk] for line in ctx["completed_earlier"]]}
    )
    assert "status-completed" in done and "&lt;" in done
    assert _norm(done) in page


TEXTS = [
    "",
    "短",
    "按计划推进：本月完成第 1 阶段工作，累计完成投资约 20 万元。",  # longer than 24
    "x" * 23,
    "x" * 24,
    "x" * 25,
    "y" * 60,
    "y" * 61,
    "a<b & 'c'" * 10,
    "e\u0301" * 30,  # combining accents: NFC makes them é
    "q\u0323\u0307" * 30,  # combining marks NFC leaves (partly) combining
    "x" * 20 + "\u20dd" * 10 + "z" * 10,  # combining enclosing circles past the cut
    "line\nbreak  " * 8,
]


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("length", [1, 2, 24, 60])
def test_truncator_is_truncatechars(language, length):
    from django.template.defaultfilters import truncatechars
    from django.utils import translation

    from progress.reporting.rows import truncator

    with translation.override(language):
        truncate = truncator(length)
        for text in TEXTS:
            assert truncate(text) == truncatechars(text, length), (text, length)
