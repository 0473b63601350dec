"""Scorecard benchmark: the unit scorecard page against the bare SQL behind it.

    python manage.py seed_synthetic --subitems 20000 --months 12      # first, once
    .venv/bin/python benchmarks/scorecard_bench.py [--repeat 5] [--jurisdiction 合成区]
        [--notices 2000]

A script, not a test. It needs the synthetic jurisdiction of `seed_synthetic` in the database
that DATABASE_URL names, and stops with a message when it is absent. Inside a transaction that
it rolls back at the end, it issues --notices 督办 notices on the jurisdiction's lagging items
(half overdue), then:

1. logs the jurisdiction's supervisor in and GETs the scorecard of the plans' year
   (reverse("supervision:scorecard")), the lights page and the leaders' view: one warm-up,
   then the best of --repeat, with the number of queries;
2. times the bare SQL behind the scorecard, written by hand: the five grouped counts
   (ItemStatus by unit and month; late flags; returns; notices issued; overdue replies);
3. ends with one line:  scorecard_ms=X sql_ms=X ratio=X queries=N lights_ms=X leaders_ms=X leader_ms=X
   (leader_ms: the page of the leader with the most items)

Aim (issue 13): scorecard_ms under 1,000 on PostgreSQL for 20,000 sub-items x 12 months, and
ratio (scorecard_ms / sql_ms) under 3.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

STATUS_SQL = """
SELECT s.lead_unit_id, s.period, COUNT(*),
       COUNT(*) FILTER (WHERE s.has_report),
       COUNT(*) FILTER (WHERE NOT s.has_report AND s.completed_in IS NULL AND s.period <= %s),
       COUNT(*) FILTER (WHERE s.computed_status = 'lagging'),
       COUNT(*) FILTER (WHERE s.light = 'red')
FROM progress_itemstatus s
WHERE s.jurisdiction_id = %s AND s.period BETWEEN %s AND %s AND s.lead_unit_id IS NOT NULL
GROUP BY 1, 2
"""
LATE_SQL = """
SELECT si.lead_unit_id, r.period, COUNT(*)
FROM progress_reportflag f
JOIN progress_progressreport r ON r.id = f.report_id
JOIN projects_subitem si ON si.id = r.subitem_id
JOIN projects_project p ON p.id = si.project_id
JOIN projects_plan pl ON pl.id = p.plan_id
WHERE f.kind = 'late' AND pl.jurisdiction_id = %s AND r.period BETWEEN %s AND %s
GROUP BY 1, 2
"""
RETURN_SQL = """
SELECT si.lead_unit_id, r.period, COUNT(DISTINCT e.report_id)
FROM progress_reviewevent e
JOIN progress_progressreport r ON r.id = e.report_id
JOIN projects_subitem si ON si.id = r.subitem_id
JOIN projects_project p ON p.id = si.project_id
JOIN projects_plan pl ON pl.id = p.plan_id
WHERE e.action = 'return' AND pl.jurisdiction_id = %s AND r.period BETWEEN %s AND %s
GROUP BY 1, 2
"""
ISSUED_SQL = """
SELECT n.unit_id, date_trunc('month', n.created_at), COUNT(*)
FROM progress_notice n
WHERE n.jurisdiction_id = %s AND n.created_at >= %s AND n.created_at < %s
GROUP BY 1, 2
"""
OVERDUE_SQL = """
SELECT n.unit_id, date_trunc('month', n.reply_due), COUNT(*)
FROM progress_notice n
WHERE n.jurisdiction_id = %s AND n.reply_due BETWEEN %s AND %s
  AND ((n.state = 'open' AND n.reply_due < %s) OR n.replied_at::date > n.reply_due)
GROUP BY 1, 2
"""


def setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    os.environ.setdefault("DEBUG", "0")
    warnings.filterwarnings("ignore", message="No directory at", category=UserWarning)
    import django

    django.setup()


def best_of(fn, repeat: int) -> float:
    fn()
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best * 1000


class Rollback(Exception):
    pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--jurisdiction", default="合成区")
    parser.add_argument("--notices", type=int, default=2000)
    args = parser.parse_args()
    setup()
    from datetime import date, timedelta

    from django.conf import settings
    from django.db import connection, transaction
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse
    from django.utils import timezone

    from progress import periods
    from progress.models import ItemStatus, Notice
    from projects import roles
    from projects.models import Jurisdiction, Plan, User

    if "testserver" not in settings.ALLOWED_HOSTS:
        settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    jurisdiction = Jurisdiction.objects.filter(name=args.jurisdiction).first()
    if jurisdiction is None:
        sys.exit(f"No jurisdiction {args.jurisdiction}: run `manage.py seed_synthetic` first.")
    year = (
        Plan.objects.filter(jurisdiction=jurisdiction)
        .order_by("-year")
        .values_list("year", flat=True)[0]
    )
    user = (
        User.objects.filter(jurisdiction=jurisdiction, groups__name=roles.SUPERVISOR)
        .order_by("pk")
        .first()
    )
    if user is None:
        sys.exit("No supervisor of the jurisdiction: run `manage.py seed_synthetic` again.")
    items = ItemStatus.objects.filter(jurisdiction=jurisdiction).values("subitem_id").distinct()
    print(
        f"jurisdiction={jurisdiction.name} year={year} sub-items={items.count()} ({connection.vendor})"
    )

    try:
        with transaction.atomic():
            today = timezone.localdate()
            lagging = list(
                ItemStatus.objects.filter(
                    jurisdiction=jurisdiction, computed_status="lagging", lead_unit__isnull=False
                )
                .values_list("subitem_id", "lead_unit_id")
                .distinct()[: args.notices]
            )
            Notice.objects.bulk_create(
                Notice(
                    subitem_id=sub,
                    unit_id=unit,
                    jurisdiction=jurisdiction,
                    level="supervise",
                    requirement="说明滞后原因及整改措施",
                    reply_due=date(year, 1 + i % 12, 20) if i % 2 else today + timedelta(days=7),
                    created_by=user,
                )
                for i, (sub, unit) in enumerate(lagging)
            )
            from django.db.models import Count

            from projects.models import Leader

            busiest = (
                Leader.objects.filter(jurisdiction=jurisdiction)
                .annotate(n=Count("subitems"))
                .order_by("-n")
                .values_list("pk", flat=True)[0]
            )
            client = Client()
            client.force_login(user)
            pages = {
                "scorecard": f"{reverse('supervision:scorecard')}?year={year}",
                "lights": reverse("supervision:lights"),
                "leaders": reverse("supervision:leaders"),
                "leader": f"{reverse('supervision:leaders')}?leader={busiest}",
            }
            queries = {}
            for name, url in pages.items():
                with CaptureQueriesContext(connection) as captured:
                    assert client.get(url).status_code == 200
                queries[name] = len(captured)
            timings = {
                name: best_of(lambda url=url: client.get(url), args.repeat)
                for name, url in pages.items()
            }
            start, end = date(year, 1, 1), date(year, 12, 1)
            closed = periods.last_closed_period(today)

            def bare_sql() -> None:
                with connection.cursor() as cursor:
                    if connection.vendor != "postgresql":
                        sys.exit("The bare SQL is written for PostgreSQL (FILTER, date_trunc).")
                    cursor.execute(STATUS_SQL, [closed, jurisdiction.pk, start, end])
                    cursor.fetchall()
                    cursor.execute(LATE_SQL, [jurisdiction.pk, start, end])
                    cursor.fetchall()
                    cursor.execute(RETURN_SQL, [jurisdiction.pk, start, end])
                    cursor.fetchall()
                    cursor.execute(ISSUED_SQL, [jurisdiction.pk, start, date(year + 1, 1, 1)])
                    cursor.fetchall()
                    cursor.execute(OVERDUE_SQL, [jurisdiction.pk, start, date(year, 12, 31), today])
                    cursor.fetchall()

            sql_ms = best_of(bare_sql, args.repeat)
            raise Rollback
    except Rollback:
        pass
    for name in pages:
        print(f"{name:10s} {timings[name]:8.1f} ms  {queries[name]:3d} queries")
    print(f"{'bare SQL':10s} {sql_ms:8.1f} ms")
    ratio = timings["scorecard"] / sql_ms if sql_ms else float("nan")
    print(
        f"scorecard_ms={timings['scorecard']:.0f} sql_ms={sql_ms:.0f} ratio={ratio:.2f} "
        f"queries={queries['scorecard']} lights_ms={timings['lights']:.0f} "
        f"leaders_ms={timings['leaders']:.0f} leader_ms={timings['leader']:.0f}"
    )


if __name__ == "__main__":
    main()
