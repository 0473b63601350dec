"""Dashboard benchmark: the overview and the item list against the bare SQL count behind them.

    python manage.py seed_synthetic --subitems 20000 --months 12      # first, once
    .venv/bin/python benchmarks/dashboard_bench.py [--repeat 5] [--jurisdiction 合成区]
        [--explain] [--profile]

A script, not a test. It needs the synthetic jurisdiction of `seed_synthetic` in the database
that DATABASE_URL names (default: SQLite db.sqlite3 of the checkout) and stops with a message
when it is absent. It

1. logs the jurisdiction's supervisor in (django.test.Client.force_login; DEBUG off,
   `testserver` added to ALLOWED_HOSTS) and GETs reverse("dashboard:overview") and
   reverse("items:list") without parameters, as a supervisor lands on them: the latest period
   with reports. One warm-up request each, captured with CaptureQueriesContext (the number of
   queries and the slowest ones), then the best of --repeat timed requests, with the time
   spent inside the driver's execute (connection.execute_wrapper) during that request: the
   rest is Python (views, selectors, templates). The overview is timed twice: cold, with
   Django's cache cleared before each timed request (untimed), so it counts everything; and
   warm, its counts from the cache as after any earlier visit since the last status change;
2. times the bare SQL aggregate behind the overview, written by hand with connection.cursor():
   one grouped COUNT over progress_itemstatus for that period, joined up to the plans of the
   jurisdiction (the issue's reference: the filter of the overview's counts before ItemStatus
   carried the jurisdiction), grouped by the shown status (reported status, 未报送 once the
   deadline has passed, …), the computed status and the mismatch flag: every figure of the
   overview's headline in one query. Also the same on the denormalised jurisdiction column,
   without joins (what the overview runs now). Best of --repeat after a warm-up;
   Since the overview reads kept counts (progress_statuscount, per plan and period, written
   by refresh_statuses: progress.statuses.counts) instead of counting ItemStatus, the bench
   also times the bare SQL behind the page as it is now: one SUM over the period's plan rows
   of progress_statuscount for the jurisdiction (total, mismatches, every shown condition and
   computed status: the headline's figures), checked against the grouped COUNT (same total,
   mismatches and computed statuses). The cold overview is printed against both: the old
   bare SQL (the aim's reference, unchanged) and the new one (a few rows: much faster, so
   that ratio is far above 3 and says how much of the page is not its counting);
3. prints a table, the cold figures on a line of their own, and ends with one line:
   overview_ms=X list_ms=X sql_ms=X ratio=X queries=N
   where overview_ms is the WARM overview, sql_ms the joined reference, ratio =
   overview_ms / sql_ms and queries the warm overview's query count; the line above it gives
   overview_cold_ms, its ratio and its query count.

Aim (issue): ratio under 3 on PostgreSQL. --explain prints the plans of the overview's three
slowest queries (EXPLAIN ANALYZE on PostgreSQL, EXPLAIN QUERY PLAN on SQLite); --profile a
cProfile of one overview request (by own time), for whoever works on the views.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import sys
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

AIM_RATIO = 3.0
DEFAULT_JURISDICTION = "合成区"

SQL = """
SELECT CASE
           WHEN s.has_report AND s.reported_status = '' THEN 'unknown'
           WHEN s.has_report THEN s.reported_status
           ELSE %s
       END AS shown,
       s.computed_status,
       s.mismatch,
       COUNT(*)
FROM progress_itemstatus s
JOIN projects_subitem si ON si.id = s.subitem_id
JOIN projects_project p ON p.id = si.project_id
JOIN projects_plan pl ON pl.id = p.plan_id
WHERE s.period = %s AND pl.jurisdiction_id = %s
GROUP BY 1, 2, 3
"""

# the same, on the columns ItemStatus carries since progress 0008: no join
DIRECT_SQL = """
SELECT CASE
           WHEN s.has_report AND s.reported_status = '' THEN 'unknown'
           WHEN s.has_report THEN s.reported_status
           ELSE %s
       END AS shown,
       s.computed_status,
       s.mismatch,
       COUNT(*)
FROM progress_itemstatus s
WHERE s.period = %s AND s.jurisdiction_id = %s
GROUP BY 1, 2, 3
"""

# the same figures from the kept counts, as the overview reads them now (the plan rows: one
# per plan and period); absent = missing or pending, by the deadline, as above
KEPT_SQL = """
SELECT SUM(c.total), SUM(c.mismatches), SUM(c.on_track), SUM(c.ahead), SUM(c.lagging),
       SUM(c.completed), SUM(c.not_started), SUM(c.submitted), SUM(c.unknown), SUM(c.absent),
       SUM(c.computed_on_track), SUM(c.computed_ahead), SUM(c.computed_lagging),
       SUM(c.computed_completed), SUM(c.computed_not_started), SUM(c.computed_none)
FROM progress_statuscount c
WHERE c.jurisdiction_id = %s AND c.period = %s AND c.kind = 'plan'
"""
KEPT_COMPUTED = ("on_track", "ahead", "lagging", "completed", "not_started", "none")

LATEST_SQL = """
SELECT MAX(s.period)
FROM progress_itemstatus s
JOIN projects_subitem si ON si.id = s.subitem_id
JOIN projects_project p ON p.id = si.project_id
JOIN projects_plan pl ON pl.id = p.plan_id
WHERE s.has_report AND pl.jurisdiction_id = %s
"""


def setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    os.environ.setdefault("DEBUG", "0")
    # whitenoise warns once when collectstatic has not been run; the pages do not need it here
    warnings.filterwarnings("ignore", message="No directory at", category=UserWarning)
    import django

    django.setup()


class DbTimer:
    """connection.execute_wrapper: the time spent inside the database driver's execute."""

    def __init__(self) -> None:
        self.seconds = 0.0

    def __call__(self, execute, sql, params, many, context):
        t0 = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds += time.perf_counter() - t0


def best_of(fn, repeat: int, before=None) -> tuple[float, float, object]:
    """Milliseconds of the fastest of `repeat` calls (after one untimed warm-up), and the
    milliseconds that call spent executing queries. `before` runs untimed before each call."""
    from django.db import connection

    if before:
        before()
    result = fn()
    best, best_db = float("inf"), 0.0
    for _ in range(repeat):
        if before:
            before()
        timer = DbTimer()
        with connection.execute_wrapper(timer):
            t0 = time.perf_counter()
            result = fn()
            elapsed = time.perf_counter() - t0
        if elapsed < best:
            best, best_db = elapsed, timer.seconds
    return best * 1000, best_db * 1000, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5, help="timed runs, best taken (5)")
    parser.add_argument("--jurisdiction", default=DEFAULT_JURISDICTION)
    parser.add_argument("--explain", action="store_true", help="plans of the slowest queries")
    parser.add_argument("--profile", action="store_true", help="cProfile one overview request")
    args = parser.parse_args()
    setup()

    from django.conf import settings
    from django.test.utils import override_settings

    hosts = [*settings.ALLOWED_HOSTS, "testserver"]
    with override_settings(DEBUG=False, ALLOWED_HOSTS=hosts):
        bench(args)


def bench(args: argparse.Namespace) -> None:
    import django
    from django.conf import settings
    from django.core.cache import cache
    from django.db import DatabaseError, connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import NoReverseMatch, reverse

    from progress import periods
    from projects import roles
    from projects.models import Jurisdiction, User

    db = settings.DATABASES["default"]
    where = db["NAME"] if connection.vendor == "sqlite" else f"{db['HOST']}/{db['NAME']}"
    seed = (
        "run `python manage.py migrate && python manage.py seed_synthetic --subitems 20000 "
        "--months 12` first, with the same DATABASE_URL"
    )
    if connection.vendor == "sqlite" and not Path(str(db["NAME"])).exists():
        sys.exit(f"no SQLite database at {where}: {seed}")
    try:
        jurisdiction = Jurisdiction.objects.filter(name=args.jurisdiction).first()
        with connection.cursor() as cursor:
            cursor.execute(LATEST_SQL, [jurisdiction.pk if jurisdiction else -1])
            period = cursor.fetchone()[0]
    except DatabaseError as exc:
        sys.exit(f"{connection.vendor} {where}: {exc}: {seed}")
    if jurisdiction is None or period is None:
        sys.exit(f"{args.jurisdiction} has no reports in {connection.vendor} {where}: {seed}")
    if isinstance(period, str):  # SQLite returns MAX() of a date column as text
        period = periods.parse_period(period[:7])
    supervisor = (
        User.objects.filter(
            jurisdiction=jurisdiction, groups__name=roles.SUPERVISOR, unit__isnull=True
        )
        .order_by("username")
        .first()
    )
    if supervisor is None:
        sys.exit(f"{args.jurisdiction} has no supervisor: run seed_synthetic again (--replace)")

    client = Client()
    client.force_login(supervisor)
    try:
        urls = {"overview": reverse("dashboard:overview"), "list": reverse("items:list")}
    except NoReverseMatch as exc:
        sys.exit(f"the dashboards are not in this checkout yet: {exc}")

    # warm-up requests, captured: the queries (how many, which, how long each); the overview
    # cold (cache cleared) and then warm
    captured = {}
    cache.clear()
    for name, url in (("cold", urls["overview"]), *urls.items()):
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url)
        if response.status_code != 200:
            sys.exit(f"GET {url} as {supervisor.username}: HTTP {response.status_code}")
        captured[name] = {"queries": ctx.captured_queries, "bytes": len(response.content)}

    def get(url):
        def run():
            response = client.get(url)
            assert response.status_code == 200, response.status_code
            return response

        return run

    cold_ms, cold_db, _ = best_of(get(urls["overview"]), args.repeat, before=cache.clear)
    overview_ms, overview_db, _ = best_of(get(urls["overview"]), args.repeat)
    list_ms, list_db, _ = best_of(get(urls["list"]), args.repeat)

    absent = "missing" if periods.deadline_passed(period) else "pending"

    def sql():
        with connection.cursor() as cursor:
            cursor.execute(SQL, [absent, period, jurisdiction.pk])
            return cursor.fetchall()

    def direct_sql():
        with connection.cursor() as cursor:
            cursor.execute(DIRECT_SQL, [absent, period, jurisdiction.pk])
            return cursor.fetchall()

    def kept_sql():
        with connection.cursor() as cursor:
            cursor.execute(KEPT_SQL, [jurisdiction.pk, period])
            return cursor.fetchone()

    sql_ms, _, grouped = best_of(sql, args.repeat)
    direct_ms, _, direct = best_of(direct_sql, args.repeat)
    assert sorted(direct) == sorted(grouped), "the denormalised columns disagree with the joins"
    try:
        kept_ms, _, kept = best_of(kept_sql, args.repeat)
    except DatabaseError:  # a checkout from before the kept counts
        kept_ms, kept = None, None
    ratio = overview_ms / sql_ms if sql_ms else float("inf")
    cold_ratio = cold_ms / sql_ms if sql_ms else float("inf")

    shown: dict[str, int] = {}
    computed: dict[str, int] = {}
    mismatch = 0
    for s, c, m, n in grouped:
        shown[s] = shown.get(s, 0) + n
        computed[c or "none"] = computed.get(c or "none", 0) + n
        mismatch += n if m else 0
    total = sum(shown.values())
    if kept is not None:
        kept_computed = dict(zip(KEPT_COMPUTED, kept[10:], strict=True))
        assert (kept[0], kept[1]) == (total, mismatch), "the kept counts disagree with the COUNT"
        assert {k: v for k, v in kept_computed.items() if v} == computed, "computed disagree"

    print(
        f"Python {sys.version.split()[0]}  Django {django.__version__}  "
        f"{connection.vendor} {connection.Database.sqlite_version if connection.vendor == 'sqlite' else connection.pg_version}  "
        f"({where})"
    )
    print(
        f"{args.jurisdiction}, period {periods.label(period)} (latest with reports), "
        f"{total:,} item statuses; supervisor {supervisor.username}; best of {args.repeat}"
    )
    print(
        "  shown:    "
        + ", ".join(f"{k} {v:,}" for k, v in sorted(shown.items(), key=lambda x: -x[1]))
    )
    print(
        "  computed: "
        + ", ".join(f"{k} {v:,}" for k, v in sorted(computed.items(), key=lambda x: -x[1]))
        + f"; mismatches {mismatch:,}"
    )
    print()
    print(f"{'':<26}{'best ms':>10}{'queries':>9}{'db ms':>9}{'python ms':>11}{'KiB':>8}")
    for name, label, ms, db_ms in (
        ("cold", f"GET {urls['overview']} cold", cold_ms, cold_db),
        ("overview", f"GET {urls['overview']} warm", overview_ms, overview_db),
        ("list", f"GET {urls['list']}", list_ms, list_db),
    ):
        c = captured[name]
        print(
            f"{label:<26}{ms:>10.1f}{len(c['queries']):>9}{db_ms:>9.1f}"
            f"{ms - db_ms:>11.1f}{c['bytes'] / 1024:>8.0f}"
        )
    print(f"{'bare SQL grouped COUNT':<26}{sql_ms:>10.1f}{1:>9}{sql_ms:>9.1f}")
    print(f"{'  the same without joins':<26}{direct_ms:>10.1f}{1:>9}{direct_ms:>9.1f}")
    if kept_ms is not None:
        print(f"{'bare SQL of kept counts':<26}{kept_ms:>10.3f}{1:>9}{kept_ms:>9.3f}")
    print(
        "  db ms: inside the driver's execute during the best request (SQLite may still compute "
        "while rows are fetched); python ms: the rest"
    )
    print(
        "  cold: Django's cache cleared before each timed request; warm: the counts from the "
        "cache (names, plan years and the session still read)"
    )
    print(
        f"ratio overview / SQL: warm {ratio:.2f}, cold {cold_ratio:.2f} "
        f"(aim < {AIM_RATIO:g} on PostgreSQL); against the SQL without joins: "
        f"warm {overview_ms / direct_ms:.2f}, cold {cold_ms / direct_ms:.2f}"
    )

    print()
    print("slowest queries of the overview (cold warm-up request):")
    slow = sorted(captured["cold"]["queries"], key=lambda q: -float(q["time"]))
    for q in slow[:5]:
        print(f"  {float(q['time']) * 1000:7.1f} ms  {q['sql'][:150]}")
    if args.explain:
        explain(connection, slow[:3])
    if args.profile:
        profile(client, urls["overview"])
    print()
    if kept_ms is not None:
        print(
            f"cold against the bare SQL of the kept counts (what the page reads now): "
            f"kept_sql_ms={kept_ms:.3f} ratio_cold_kept={cold_ms / kept_ms:.1f} "
            f"ratio_warm_kept={overview_ms / kept_ms:.1f}"
        )
    print(
        f"cold: overview_cold_ms={cold_ms:.1f} ratio_cold={cold_ratio:.2f} "
        f"queries_cold={len(captured['cold']['queries'])}"
    )
    print(
        f"overview_ms={overview_ms:.1f} list_ms={list_ms:.1f} sql_ms={sql_ms:.1f} "
        f"ratio={ratio:.2f} queries={len(captured['overview']['queries'])}"
    )


def explain(connection, queries: list[dict]) -> None:
    """The plans of the given captured queries. Captured SQL has its parameters inlined (as
    the backend quotes them), so it can be run again as it is."""
    prefix = (
        "EXPLAIN (ANALYZE, BUFFERS)" if connection.vendor == "postgresql" else "EXPLAIN QUERY PLAN"
    )
    for q in queries:
        print()
        print(f"-- {float(q['time']) * 1000:.1f} ms: {q['sql'][:1000]}")
        with connection.cursor() as cursor:
            cursor.execute(f"{prefix} {q['sql']}")
            for row in cursor.fetchall():
                print("   " + " | ".join(str(x) for x in row))


def profile(client, url: str) -> None:
    prof = cProfile.Profile()
    prof.enable()
    client.get(url)
    prof.disable()
    buf = io.StringIO()
    stats = pstats.Stats(prof, stream=buf).strip_dirs().sort_stats("tottime")
    stats.print_stats(25)
    buf.write("\n--- by cumulative time ---\n")
    stats.sort_stats("cumulative").print_stats(30)
    print()
    print(f"cProfile of GET {url}:")
    print(buf.getvalue())


if __name__ == "__main__":
    main()
