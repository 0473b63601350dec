"""Channels benchmark: delivering through group robots, and the rate limit across processes.

    .venv/bin/python benchmarks/channels_bench.py [--units 50] [--limit 10] [--window 2]

A script, not a test. It migrates a fresh SQLite database in a temporary directory, starts the
local robot of tests/channels/conftest.py on 127.0.0.1 (nothing leaves the machine) and

1. gives each of --units units a 企业微信 channel and delivers one 催报 to each through
   progress.channels.services.channels_deliver: prints the wall time per message and the
   queries per message (rate slot, record, channel health);
2. starts two worker processes that deliver 3 x --limit messages to ONE robot at the same time,
   with CHANNELS_RATE_LIMIT=--limit per --window seconds, and reads the times the robot
   received them: prints the most posts seen in any window (must not exceed the limit: the
   limiter counts in the database, across processes) and the achieved rate.

Last line: deliver_ms=X.X queries_per_message=N max_in_window=N limit=N
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests" / "channels")]


def setup(db: Path, robot_base: str | None = None) -> None:
    os.environ["DATABASE_URL"] = f"sqlite:///{db}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    import django

    django.setup()
    from django.conf import settings

    settings.CHANNELS_WEBHOOK_HOSTS = {"wecom": ("127.0.0.1",), "dingtalk": ("127.0.0.1",)}
    settings.CHANNELS_WEBHOOK_HTTP_HOSTS = ("127.0.0.1",)
    settings.CHANNELS_BACKOFF = 0.05
    settings.CHANNELS_RATE_MAX_WAIT = 600
    settings.DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 30


def worker(args) -> None:
    setup(Path(args.db))
    from django.conf import settings

    settings.CHANNELS_RATE_LIMIT = args.limit
    settings.CHANNELS_RATE_WINDOW = args.window
    from progress.channels.services import channels_deliver
    from projects.models import Unit

    unit = Unit.objects.get(pk=args.unit)
    for n in range(args.count):
        channels_deliver(
            unit=unit, kind="reminder", title=f"{args.name}-{n}", markdown="- 一项", items=()
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--units", type=int, default=50)
    parser.add_argument("--limit", type=int, default=10)
    parser.add_argument("--window", type=float, default=2.0)
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    parser.add_argument("--unit", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--count", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--name", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args)
        return

    tmp = Path(tempfile.mkdtemp(prefix="channels-bench-"))
    db = tmp / "bench.sqlite3"
    setup(db)
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    call_command("migrate", verbosity=0)
    from conftest import Robot

    from progress.channels.services import channel_create, channels_deliver
    from projects.models import Jurisdiction, Unit

    robot = Robot()
    place = Jurisdiction.objects.create(name="基准区")
    units = [Unit.objects.create(jurisdiction=place, name=f"基准{n}局") for n in range(args.units)]
    for unit in units:
        channel_create(user=None, unit=unit, kind="wecom", webhook=robot.wecom(f"u{unit.pk}"))

    started = time.perf_counter()
    with CaptureQueriesContext(connection) as ctx:
        for unit in units:
            channels_deliver(unit=unit, kind="reminder", title="催报", markdown="- 一项")
    elapsed = time.perf_counter() - started
    per_ms = elapsed / len(units) * 1000
    queries = len(ctx.captured_queries) / len(units)
    print(
        f"1. {len(units)} units, one robot each: {per_ms:.1f} ms and {queries:.0f} queries a message"
    )

    shared = Unit.objects.create(jurisdiction=place, name="共用机器人局")
    channel_create(user=None, unit=shared, kind="wecom", webhook=robot.wecom("shared"))
    connection.close()
    count = 3 * args.limit // 2
    common = [sys.executable, __file__, "--worker", "--db", str(db), "--unit", str(shared.pk)]
    common += ["--count", str(count), "--limit", str(args.limit), "--window", str(args.window)]
    started = time.perf_counter()
    procs = [subprocess.Popen([*common, "--name", name]) for name in ("A", "B")]
    for proc in procs:
        proc.wait()
    elapsed = time.perf_counter() - started
    times = sorted(r.at for r in robot.seen("shared"))
    most = max(sum(1 for t in times if start <= t < start + args.window) for start in times)
    print(
        f"2. two processes, {2 * count} messages to one robot, limit {args.limit} per "
        f"{args.window:g} s: {len(times)} received in {elapsed:.1f} s, at most {most} in any window"
    )
    if os.environ.get("BENCH_DEBUG"):
        from progress.channels.models import RobotPost

        print([round(t - times[0], 3) for t in times])
        posts = list(RobotPost.objects.filter(channel__unit=shared).values_list("at", flat=True))
        print([round((p - posts[0]).total_seconds(), 3) for p in sorted(posts)])
    robot.close()
    print(
        f"deliver_ms={per_ms:.1f} queries_per_message={queries:.0f} "
        f"max_in_window={most} limit={args.limit}"
    )


if __name__ == "__main__":
    main()
