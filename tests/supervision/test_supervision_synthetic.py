"""The synthetic jurisdiction (seed_synthetic, small) gives lights of every colour, flags, and a
scorecard whose figures are the counts of the rows behind them."""

from __future__ import annotations

import io
from datetime import date

import pytest
from django.core.management import call_command
from django.db.models import Q

from progress.models import ItemStatus, ReportFlag
from progress.statuses.shown import ABSENT
from progress.supervision import scorecard
from projects.models import Jurisdiction

pytestmark = pytest.mark.django_db

YEAR = 2024


@pytest.fixture
def synthetic():
    call_command(
        "seed_synthetic", "--subitems", "300", "--months", "12", "--year", str(YEAR),
        stdout=io.StringIO(),
    )  # fmt: skip
    return Jurisdiction.objects.get(name="合成区")


def test_lights_flags_and_scorecard_of_the_synthetic_jurisdiction(synthetic):
    rows = ItemStatus.objects.filter(jurisdiction=synthetic)
    lights = set(rows.values_list("light", flat=True))
    assert {"red", "yellow", "green"} <= lights
    # a red light always has a red reason, a yellow one a yellow reason and none red
    for light, reasons in rows.exclude(light="").values_list("light", "light_reasons")[:2000]:
        assert reasons and reasons[0]["light"] == light
    # lagging computed for a period is never green (one truth with the status rules)
    assert not rows.filter(computed_status="lagging", light="green").exists()
    kinds = set(
        ReportFlag.objects.filter(
            report__subitem__project__plan__jurisdiction=synthetic
        ).values_list("kind", flat=True)
    )
    assert {"copied", "decreased"} <= kinds

    card = scorecard.build(synthetic.pk, YEAR)
    frame = card.frame
    june = date(YEAR, 6, 1)
    in_june = rows.filter(period=june).exclude(lead_unit=None)
    assert frame[frame.month == june]["items"].sum() == in_june.count()
    assert frame[frame.month == june]["red"].sum() == in_june.filter(light="red").count()
    assert (
        frame[frame.month == june]["lagging"].sum()
        == in_june.filter(computed_status="lagging").count()
    )
    assert frame[frame.month == june]["missing"].sum() == in_june.filter(ABSENT).count()
    late = ReportFlag.objects.filter(
        Q(kind="late"), report__subitem__project__plan__jurisdiction=synthetic
    ).count()
    assert frame["late"].sum() == late
    assert card.summary["rank"].min() == 1
    assert card.summary["score"].between(0, 100).all()
