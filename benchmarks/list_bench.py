"""The item list against the Django admin's changelist over the same sub-items, in one run.

    python manage.py seed_synthetic --subitems 20000 --months 12      # first, once
    .venv/bin/python benchmarks/list_bench.py [--repeat 10] [--jurisdiction 合成区]

A script, not a test. On the database DATABASE_URL names (default: db.sqlite3 of the checkout),
with DEBUG off, it logs in the synthetic jurisdiction's supervisor and GETs the item list
(/items/, as it opens: the latest period with reports, first page, 50 rows), and logs in a
superuser (bench_admin, created when absent) and GETs the admin's sub-item changelist
(/admin/projects/subitem/, first page, 100 rows) over the same sub-items. One captured warm-up
each (queries, bytes), then the best of --repeat, with the time inside the database driver.
Ends with one line:

    list_ms=X changelist_ms=X ratio=X list_queries=N changelist_queries=N

Aim (issue 14): ratio = list / changelist at most 0.5.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from dashboard_bench import DEFAULT_JURISDICTION, best_of, setup

AIM = 0.5


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--jurisdiction", default=DEFAULT_JURISDICTION)
    args = parser.parse_args()
    setup()

    from django.conf import settings
    from django.test.utils import override_settings

    with override_settings(DEBUG=False, ALLOWED_HOSTS=[*settings.ALLOWED_HOSTS, "testserver"]):
        bench(args)


def bench(args: argparse.Namespace) -> None:
    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    from projects import roles
    from projects.models import Jurisdiction, SubItem, User

    jurisdiction = Jurisdiction.objects.filter(name=args.jurisdiction).first()
    if jurisdiction is None:
        sys.exit(f"no {args.jurisdiction}: run seed_synthetic first, with the same DATABASE_URL")
    supervisor = (
        User.objects.filter(
            jurisdiction=jurisdiction, groups__name=roles.SUPERVISOR, unit__isnull=True
        )
        .order_by("username")
        .first()
    )
    admin = User.objects.filter(username="bench_admin").first() or User.objects.create_superuser(
        "bench_admin", password=None
    )
    items = SubItem.objects.filter(project__plan__jurisdiction=jurisdiction).count()
    everything = SubItem.objects.count()

    pages = {}
    for name, user, url in (
        ("list", supervisor, reverse("items:list")),
        ("changelist", admin, reverse("admin:projects_subitem_changelist")),
    ):
        client = Client()
        client.force_login(user)

        def get(client=client, url=url):
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)
            return response

        get()  # the session's first request
        counted = []
        with connection.execute_wrapper(lambda execute, *a, c=counted: c.append(1) or execute(*a)):
            response = get()
        ms, db_ms, _ = best_of(get, args.repeat)
        pages[name] = (url, ms, db_ms, len(counted), len(response.content))

    print(
        f"{connection.vendor}; {args.jurisdiction}: {items:,} sub-items "
        f"({everything:,} in the database); best of {args.repeat}, DEBUG off"
    )
    print(f"{'':<34}{'best ms':>9}{'db ms':>8}{'queries':>9}{'KiB':>7}")
    for name, (url, ms, db_ms, queries, size) in pages.items():
        print(f"{name + ' ' + url:<34}{ms:>9.1f}{db_ms:>8.1f}{queries:>9}{size / 1024:>7.0f}")
    ratio = pages["list"][1] / pages["changelist"][1]
    verdict = "met" if ratio <= AIM else "NOT met"
    print(f"ratio list / changelist = {ratio:.2f} (aim ≤ {AIM}: {verdict})")
    print(
        f"list_ms={pages['list'][1]:.1f} changelist_ms={pages['changelist'][1]:.1f} "
        f"ratio={ratio:.2f} list_queries={pages['list'][3]} "
        f"changelist_queries={pages['changelist'][3]}"
    )


if __name__ == "__main__":
    main()
