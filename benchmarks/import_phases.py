"""A real import (not a dry run) of a plan file, timed phase by phase, and optionally profiled.

    DATABASE_URL=sqlite:////tmp/phases.sqlite3 .venv/bin/python benchmarks/import_phases.py FILE [--profile] [--re]

FILE: e.g. the plan import_bench.py generates (run it with --keep). The database must be fresh
(it is migrated). The file is imported twice (the second time after clearing the parsers'
memos, as import_bench.py's re-import); each prints its total and the time spent in read
(read_tables), parse (build_plan), write (_Writer.write), the status refresh (refresh_total,
of which rule_inputs, status_insert, flags and the kept counts' recount) and the commit.
--profile adds cProfile's top functions of the first import (of the re-import with --re).
The phases are timed by wrapping those functions; nothing else changes.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
os.environ.setdefault("DEBUG", "0")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

import importers.services as services  # noqa: E402
import progress.statuses.stored as stored  # noqa: E402
import progress.supervision.stored as supervision  # noqa: E402
from importers.cells import clear_memos  # noqa: E402

TIMES: dict[str, float] = {}


def timed(owner, name: str, key: str) -> None:
    original = getattr(owner, name)

    def wrapper(*args, **kwargs):
        t0 = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            TIMES[key] = TIMES.get(key, 0.0) + time.perf_counter() - t0

    setattr(owner, name, wrapper)


def main() -> None:
    call_command("migrate", verbosity=0, interactive=False)
    timed(services, "read_tables", "read")
    timed(services, "build_plan", "parse")
    timed(services._Writer, "write", "write")
    timed(services, "refresh_statuses", "refresh_total")
    timed(stored, "load_rule_inputs", "rule_inputs")
    timed(stored, "_insert", "status_insert")
    timed(stored.counts, "after_refresh", "recount")
    timed(supervision, "save_flags", "flags")
    timed(connection, "commit", "commit")
    path = Path(sys.argv[1])
    data = path.read_bytes()
    profile_label = (
        ("reimport" if "--re" in sys.argv else "import") if "--profile" in sys.argv else None
    )
    for label in ("import", "reimport"):
        TIMES.clear()
        clear_memos()
        prof = None
        if label == profile_label:
            import cProfile

            prof = cProfile.Profile()
            prof.enable()
        t0 = time.perf_counter()
        outcome = services.run_import(data=data, filename=path.name)
        total = time.perf_counter() - t0
        if prof:
            prof.disable()
        phases = " ".join(f"{k}={v:.2f}" for k, v in TIMES.items())
        print(f"{label} total={total:.2f} {phases} applied={outcome.applied} {connection.vendor}")
        if prof:
            import pstats

            stats = pstats.Stats(prof).strip_dirs()
            stats.sort_stats("cumulative").print_stats(45)
            stats.sort_stats("tottime").print_stats(30)


if __name__ == "__main__":
    main()
