"""The report form's queries, pinned (issue 14): the form (GET) and its submit (POST), for a
sub-item with one or with several indicators, milestones and co-operating units, so that a
query per indicator or per milestone would show. Only ever lowered."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from factories import make_indicator, make_milestone, make_plan, make_project, make_subitem

from progress.models import ProgressReport

pytestmark = pytest.mark.django_db

# 12 until the item's reports were read once (completed earlier, the previous period's, this
# one's) and the co-units no longer loaded for the form (its rule reads none); 17 before the
# groups were read once a request
FORM_QUERIES = 9
# The submit's, beside one INSERT of the value and one of its history row per indicator.
# 55 and 54 until the overview's kept counts (progress/statuses/counts.py) were moved by the
# difference of the sub-item's rows (a few UPDATEs) instead of recounting its groups with 17
# grouped queries, and repeated reads went (the reports, the plan, the targets with their
# indicators, two savepoints: no outer transaction without files; the numbers and marks of a
# report just created). 39 and 38 before the kept counts. 30 and 29 until the view handed its
# reports and active milestones to report_save (each read once a request).
SUBMIT_QUERIES = {"sqlite": 28, "postgresql": 27}


def _subitem(jurisdiction, unit, co_unit, n: int):
    plan = make_plan(jurisdiction, year=2024)
    sub = make_subitem(make_project(plan), lead_unit=unit, co_units=[co_unit])
    for k in range(n):
        make_indicator(sub, name=f"指标{k}", targets=[10 * (k + 1), 20 * (k + 1)])
        make_milestone(sub, datetime.date(2024, 3 + k, 28), f"节点{k}")
    return sub


def test_the_form_and_its_submit_take_fixed_queries(
    client_as, reporter, jurisdiction, unit, co_unit
):
    client = client_as(reporter)
    counted = []
    for n in (1, 4):
        sub = _subitem(jurisdiction, unit, co_unit, n)
        url = reverse("reporting:report_edit", args=[sub.pk, "2024-05"])
        client.get(url)  # the session's first read
        with CaptureQueriesContext(connection) as form:
            assert client.get(url).status_code == 200
        data = {
            "action": "submit",
            "status": "on_track",
            "completion": "按计划推进。",
            "version": "",
            **{f"indicator_{i.pk}": "5" for i in sub.indicators.all()},
        }
        with CaptureQueriesContext(connection) as submit:
            response = client.post(url, data)
        assert response.status_code == 302, response.content[:500]
        assert ProgressReport.objects.get(subitem=sub).state == ProgressReport.State.SUBMITTED
        counted.append((len(form), len(submit) - 2 * n))
    assert counted == [(FORM_QUERIES, SUBMIT_QUERIES[connection.vendor])] * 2, counted


# The submit of a saved draft (the numbers and marks it holds compared, its history row),
# beside one UPDATE of the value and one INSERT of its history row per indicator. The
# draft's numbers, marks, files and review events are read only for a page shown, not for a
# save that redirects; report_save takes the view's reports and active milestones and reads
# the marks once. 39 and 38 before.
DRAFT_SUBMIT_QUERIES = {"sqlite": 32, "postgresql": 31}


def test_the_submit_of_a_saved_draft_takes_fixed_queries(
    client_as, reporter, jurisdiction, unit, co_unit
):
    client = client_as(reporter)
    counted = []
    for n in (1, 4):
        sub = _subitem(jurisdiction, unit, co_unit, n)
        url = reverse("reporting:report_edit", args=[sub.pk, "2024-05"])
        milestones = [str(m.pk) for m in sub.milestones.all()]
        data = {
            "status": "on_track",
            "completion": "按计划推进。",
            "milestones": milestones[:1],
            **{f"indicator_{i.pk}": "5" for i in sub.indicators.all()},
        }
        response = client.post(url, {**data, "action": "save", "version": ""})
        assert response.status_code == 302, response.content[:500]
        data |= {f"indicator_{i.pk}": "6" for i in sub.indicators.all()}
        with CaptureQueriesContext(connection) as submit:
            response = client.post(url, {**data, "action": "submit", "version": "1"})
        assert response.status_code == 302, response.content[:500]
        report = ProgressReport.objects.get(subitem=sub)
        assert (report.state, report.version) == (ProgressReport.State.SUBMITTED, 2)
        assert [v.value for v in report.values.all()] == [6] * n
        assert [str(m.pk) for m in report.milestones_achieved.all()] == milestones[:1]
        counted.append(len(submit) - 2 * n)
    assert counted == [DRAFT_SUBMIT_QUERIES[connection.vendor]] * 2, counted
