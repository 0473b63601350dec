"""What each step of the load test's journeys costs the server, without the load: the same
requests as benchmarks/load.py, sent in this process through Django's test client (every
middleware, the production settings, PostgreSQL and Redis as load.py runs them), one at a time.

    .venv/bin/python benchmarks/journey_cost.py [--database load_bench] [--reporters 12]
        [--items 2] [--cache redis|db] [--pg postgres://postgres@127.0.0.1:5432]

It needs the database load.py seeded (run load.py once first; this script, like load.py
--reuse, deletes the reports earlier runs filed for this period and recreates the load_
accounts). For each step it prints the median CPU time of this process (time.process_time:
the view, templates, middleware and the database driver, not PostgreSQL's own time), the
median wall time, the queries and the size of the answer. CPU time hardly moves with the load
of a shared machine, so before/after comparisons of it are fair when wall times are not.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks import load  # noqa: E402  (the same accounts, form and settings)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", default="load_bench")
    parser.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--reporters", type=int, default=12, help="journeys measured (12)")
    parser.add_argument("--items", type=int, default=2, help="items each reporter files (2)")
    parser.add_argument("--supervisors", type=int, default=1)
    parser.add_argument("--cache", choices=["redis", "db"], default=None)
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/15")
    args = parser.parse_args(argv)
    if args.cache is None:
        args.cache = "redis" if load.redis_reachable(args.redis_url) else "db"
    return args


class Meter:
    """Times requests of one test client: CPU, wall, queries, bytes per step."""

    def __init__(self) -> None:
        self.cpu: dict[str, list[float]] = defaultdict(list)
        self.wall: dict[str, list[float]] = defaultdict(list)
        self.queries: dict[str, list[int]] = defaultdict(list)
        self.size: dict[str, list[int]] = defaultdict(list)

    def __call__(self, step: str, send, *args, expect=(200,), **kwargs):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            cpu, wall = time.process_time(), time.perf_counter()
            response = send(*args, **kwargs)
            body = b"".join(response) if response.streaming else response.content
            cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        if response.status_code not in expect:
            sys.exit(f"{step}: HTTP {response.status_code}, expected {expect}\n{body[:500]!r}")
        self.cpu[step].append(cpu * 1000)
        self.wall[step].append(wall * 1000)
        self.queries[step].append(len(queries))
        self.size[step].append(len(body))
        return response, body

    def print(self) -> None:
        print(
            f"\n{'step':<26}{'count':>6}{'cpu ms':>9}{'wall ms':>9}{'queries':>9}{'KB':>8}"
            "   (medians)"
        )
        for step in self.cpu:
            print(
                f"{step:<26}{len(self.cpu[step]):>6}"
                f"{statistics.median(self.cpu[step]):>9.1f}"
                f"{statistics.median(self.wall[step]):>9.1f}"
                f"{statistics.median(self.queries[step]):>9.0f}"
                f"{statistics.median(self.size[step]) / 1024:>8.0f}"
            )


def browser():
    """A test client without cookies. One client (one handler, its middleware loaded once, as
    in a server's worker) serves every journey: a new Client would load the middleware again
    at its first request, WhiteNoise's scan of the static files included."""
    from django.test import Client

    global _client
    if _client is None:
        _client = Client(enforce_csrf_checks=True)
    _client.cookies.clear()
    return _client


_client = None


def reporter_journey(meter: Meter, reporter, period: str) -> None:
    client = browser()
    _, page = meter("login page", client.get, "/accounts/login/")
    meter(
        "login",
        client.post,
        "/accounts/login/",
        {
            "username": reporter.username,
            "password": load.PASSWORD,
            "csrfmiddlewaretoken": load.token(page),
        },
        expect=(302,),
    )
    meter("start page", client.get, "/progress/")
    for n, pk in enumerate(reporter.items):
        path = f"/progress/items/{pk}/{period}/"
        _, page = meter("report form", client.get, path)
        response, _ = meter(
            "report submit",
            client.post,
            path,
            {
                "csrfmiddlewaretoken": load.token(page),
                "action": "submit",
                "status": "on_track",
                "completion": f"按计划推进：本月完成第 {n + 1} 阶段工作，累计完成投资约 {pk % 97 + 3} 万元。",
                "explanation": "",
                "problems": "无",
                "next_steps": "继续按序时进度推进。",
                "version": "",
            },
            expect=(302,),
        )
        meter("start page after submit", client.get, response["Location"])


def supervisor_pages(meter: Meter, username: str) -> None:
    client = browser()
    _, page = meter("login page", client.get, "/accounts/login/")
    meter(
        "login",
        client.post,
        "/accounts/login/",
        {"username": username, "password": load.PASSWORD, "csrfmiddlewaretoken": load.token(page)},
        expect=(302,),
    )
    for _ in range(3):
        meter("overview (supervisor)", client.get, "/dashboard/")
        meter("item list (supervisor)", client.get, "/items/")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    args.workers = 1  # no server runs: the test client calls the application in this process
    env = load.server_env(args, "journey-cost-not-secret-" + "x" * 40)
    env["ALLOWED_HOSTS"] = "testserver,127.0.0.1"
    os.environ.update(env)
    import django

    django.setup()
    target = load.this_period()
    label = f"{target:%Y-%m}"
    load.forget_earlier_runs(target)
    reporters, supervisors, _, _ = load.create_accounts(args, target)

    print(
        f"journey cost: PostgreSQL {args.database}, cache and sessions in "
        f"{'Redis' if args.cache == 'redis' else 'the database'}, period {label}, "
        f"{len(reporters)} reporters x {args.items} items; load average "
        + " ".join(f"{x:.1f}" for x in os.getloadavg())
    )
    warm = Meter()  # the first journey loads templates, translations and connections
    reporter_journey(warm, reporters[0], label)
    supervisor_pages(warm, supervisors[0])
    meter = Meter()
    for reporter in reporters[1:]:
        reporter_journey(meter, reporter, label)
    meter.print()
    sup = Meter()
    supervisor_pages(sup, supervisors[0])
    sup.print()
    load.forget_earlier_runs(target)
    return 0


if __name__ == "__main__":
    sys.exit(main())
