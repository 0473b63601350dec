"""seed_synthetic: a small run has the expected shape, is deterministic, and is not run twice."""

import io
from collections import Counter
from datetime import date

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from factories import make_plan, make_subitem

from progress.models import IndicatorValue, ItemStatus, ProgressReport
from projects import roles
from projects.models import (
    Indicator,
    IndicatorTarget,
    Jurisdiction,
    Leader,
    Milestone,
    Plan,
    SubItem,
    Unit,
    User,
)

NAME = "合成区"
YEAR = 2024
SMALL = ("--subitems", "200", "--months", "3", "--year", str(YEAR))


def seed(*args: str) -> str:
    out = io.StringIO()
    call_command("seed_synthetic", *SMALL, *args, stdout=out)
    return out.getvalue()


def _rows(qs, to_subitem: str, *fields: str) -> list[tuple]:
    """Rows keyed by the sub-item's plan title, project number and sub-item number."""
    key = [f"{to_subitem}{f}" for f in ("project__plan__title", "project__number", "number")]
    return sorted(qs.values_list(*key, *fields), key=repr)


def fingerprint() -> dict:
    """What the seed made, by natural keys (primary keys differ between runs)."""
    subs = SubItem.objects.filter(project__plan__jurisdiction__name=NAME)
    achieved = ProgressReport.milestones_achieved.through.objects
    return {
        "subitems": _rows(subs, "", "name", "project__category__name", "lead_unit__name"),
        "co_units": _rows(subs, "", "co_unit_links__unit__name", "co_unit_links__order"),
        "persons": _rows(subs, "", "persons__name"),
        "leaders": _rows(subs, "", "leaders__name"),
        "milestones": _rows(
            Milestone.objects.filter(subitem__in=subs), "subitem__", "order", "due", "text"
        ),
        "targets": _rows(
            IndicatorTarget.objects.filter(indicator__subitem__in=subs),
            "indicator__subitem__",
            "indicator__name",
            "due",
            "value",
        ),
        "reports": _rows(
            ProgressReport.objects.filter(subitem__in=subs),
            "subitem__",
            *("period", "status", "state", "completion", "explanation", "submitted_at"),
        ),
        "values": _rows(
            IndicatorValue.objects.filter(report__subitem__in=subs),
            "report__subitem__",
            *("report__period", "indicator__name", "value"),
        ),
        "achieved": _rows(
            achieved.filter(progressreport__subitem__in=subs),
            "progressreport__subitem__",
            *("progressreport__period", "milestone__order"),
        ),
        "statuses": _rows(
            ItemStatus.objects.filter(subitem__in=subs),
            "subitem__",
            *("period", "has_report", "reported_status", "computed_status", "mismatch"),
        ),
    }


@pytest.mark.django_db
def test_a_small_run_makes_a_jurisdiction_with_plans_items_and_reports():
    out = seed()
    place = Jurisdiction.objects.get(name=NAME)
    plans = Plan.objects.filter(jurisdiction=place)
    assert plans.count() == 4
    assert set(plans.values_list("year", flat=True)) == {YEAR}
    subs = SubItem.objects.filter(project__plan__jurisdiction=place)
    assert subs.count() == 200
    assert not subs.filter(lead_unit__isnull=True).exists()
    assert Unit.objects.filter(jurisdiction=place).count() == 80
    assert Leader.objects.filter(jurisdiction=place).count() == 15
    assert not subs.filter(leaders__isnull=True).exists()
    assert subs.filter(co_unit_links__isnull=False).exists()
    # about four milestones each, none without
    milestones = Milestone.objects.filter(subitem__in=subs)
    assert 3.5 * 200 <= milestones.count() <= 4.5 * 200
    assert not subs.filter(milestones__isnull=True).exists()
    # indicators on some sub-items, each with four cumulative quarterly targets
    indicators = Indicator.objects.filter(subitem__in=subs)
    assert 30 <= indicators.count() <= 120
    quarter_ends = [date(YEAR, 3, 31), date(YEAR, 6, 30), date(YEAR, 9, 30), date(YEAR, 12, 31)]
    for ind in indicators.prefetch_related("targets"):
        targets = sorted(ind.targets.all(), key=lambda t: t.due)
        assert [t.due for t in targets] == quarter_ends
        assert [t.value for t in targets] == sorted(t.value for t in targets)

    # reports for the first three months only: most on track, the rest spread; a few missing
    reports = ProgressReport.objects.filter(subitem__in=subs)
    assert set(reports.values_list("period", flat=True)) == {date(YEAR, m, 1) for m in (1, 2, 3)}
    assert 0.85 * 600 <= reports.count() < 600
    statuses = Counter(reports.values_list("status", flat=True))
    assert statuses.most_common(1)[0][0] == "on_track"
    assert statuses["on_track"] > 0.7 * reports.count()
    assert {"lagging", "ahead", "not_started"} <= set(statuses)
    states = Counter(reports.values_list("state", flat=True))
    assert states["approved"] > states["submitted"] > 0
    assert states["draft"] > 0
    # every off-track report says why
    assert not reports.filter(status__in=["ahead", "lagging"], explanation="").exists()
    assert IndicatorValue.objects.filter(report__subitem__in=subs).exists()
    assert ProgressReport.milestones_achieved.through.objects.filter(
        progressreport__subitem__in=subs
    ).exists()

    # the supervisor of the jurisdiction, and the credentials printed
    user = User.objects.get(username="synth_supervisor")
    assert user.jurisdiction == place and user.unit is None
    assert user.groups.filter(name=roles.SUPERVISOR).exists()
    assert user.check_password("synth12345")
    assert "synth_supervisor" in out and "synth12345" in out
    assert "sub-items" in out and "200" in out


@pytest.mark.django_db
def test_item_statuses_for_every_subitem_and_month():
    seed()
    subs = SubItem.objects.filter(project__plan__jurisdiction__name=NAME)
    rows = ItemStatus.objects.filter(subitem__in=subs)
    assert rows.count() == 200 * 12
    months = {date(YEAR, m, 1) for m in range(1, 13)}
    per_item = Counter(rows.values_list("subitem_id", flat=True))
    assert set(per_item) == set(subs.values_list("pk", flat=True))
    assert set(per_item.values()) == {12}
    assert set(rows.values_list("period", flat=True)) == months
    # reported in the seeded months only; counted reports are the submitted and approved ones
    assert not rows.filter(has_report=True, period__gt=date(YEAR, 3, 1)).exists()
    counted = ProgressReport.objects.filter(subitem__in=subs, state__in=["submitted", "approved"])
    assert rows.filter(has_report=True).count() == counted.count()
    # computed statuses: something judged, some lagging by the end of the year (overdue)
    december = Counter(
        rows.filter(period=date(YEAR, 12, 1)).values_list("computed_status", flat=True)
    )
    assert december["lagging"] > 0


@pytest.mark.django_db
def test_the_same_seed_gives_the_same_rows_and_replace_keeps_other_jurisdictions():
    other = make_subitem()  # another jurisdiction's item: --replace leaves it alone
    seed("--seed", "7")
    first = fingerprint()
    units = set(Unit.objects.filter(jurisdiction__name=NAME).values_list("pk", flat=True))
    out = seed("--seed", "7", "--replace")
    assert "deleted" in out
    assert fingerprint() == first
    # units, persons and leaders are reused, not made again
    assert set(Unit.objects.filter(jurisdiction__name=NAME).values_list("pk", flat=True)) == units
    assert SubItem.objects.filter(project__plan__jurisdiction__name=NAME).count() == 200
    assert SubItem.objects.filter(pk=other.pk).exists()
    seed("--seed", "8", "--replace")
    assert fingerprint() != first


@pytest.mark.django_db
def test_a_second_run_without_replace_is_refused():
    seed()
    before = ProgressReport.objects.count()
    with pytest.raises(CommandError, match="--replace"):
        seed()
    assert ProgressReport.objects.count() == before
    assert Plan.objects.filter(jurisdiction__name=NAME).count() == 4
    # another jurisdiction is fine
    seed("--jurisdiction", "合成县", "--username", "synth_county")
    assert SubItem.objects.filter(project__plan__jurisdiction__name="合成县").count() == 200


@pytest.mark.django_db
def test_a_supervisor_name_of_another_jurisdiction_is_refused():
    make_plan()  # something else in the database
    User.objects.create_user(
        "synth_supervisor", jurisdiction=Jurisdiction.objects.create(name="西青区")
    )
    with pytest.raises(CommandError, match="--username"):
        seed()
    assert not Jurisdiction.objects.filter(name=NAME).exists()


@pytest.mark.django_db
def test_the_default_year_is_last_year_and_months_are_checked():
    from django.utils import timezone

    out = io.StringIO()
    call_command("seed_synthetic", "--subitems", "20", "--months", "1", stdout=out)
    year = timezone.localdate().year - 1
    assert set(Plan.objects.filter(jurisdiction__name=NAME).values_list("year", flat=True)) == {
        year
    }
    with pytest.raises(CommandError, match="--months"):
        call_command("seed_synthetic", "--months", "13", "--replace", stdout=out)
