"""python manage.py refresh_lights [--year YYYY]: recompute the stored statuses, lights and
flags (refresh_statuses) of every plan, or of one year's. Run daily from cron after midnight:
a period whose deadline passed since the last write then counts as missing in the lights
(docs/supervision.md), and after changing a LIGHT_* or FLAG_* setting."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from progress.statuses import refresh_statuses
from projects.models import Plan


class Command(BaseCommand):
    help = "Recompute the stored statuses, 红黄绿 lights and data-quality flags."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--year", type=int, help="only the plans of this year")

    def handle(self, *args, year: int | None = None, **options) -> None:
        plans = Plan.objects.all()
        if year is not None:
            plans = plans.filter(year=year)
        ids = list(plans.values_list("pk", flat=True))
        written = refresh_statuses(plan_ids=ids) if ids else 0
        self.stdout.write(f"{len(ids)} plans, {written} status rows")
