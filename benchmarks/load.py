"""Load test: two gunicorn servers on PostgreSQL, the synthetic 20,000-sub-item jurisdiction,
reporters filing in the same minutes while supervisors read the dashboards.

    .venv/bin/python benchmarks/load.py [--reporters 200] [--items 2] [--supervisors 4]
        [--users 24] [--duration 300] [--max-requests 20000] [--workers 4]
        [--cache redis|db] [--database load_bench] [--reuse] [--pg postgres://postgres@127.0.0.1:5432]

A script, not a test; every request goes to 127.0.0.1 and it stops by itself. It

1. creates the PostgreSQL database `load_bench` (dropping an old one), migrates it with the
   production settings and fills it with `manage.py seed_synthetic --subitems 20000` for this
   year up to last month, so that this month's period is the one being filled now (docs/glossary.md:
   the reports of a month all come in during the same few days). --reuse keeps the database,
   migrates it and only deletes what an earlier run submitted;
2. creates the accounts through the ORM: --reporters reporters spread over the units that lead
   items (several per unit, as in a real office), each given --items distinct sub-items of
   the unit to report this period, and --supervisors supervisors of the jurisdiction;
3. collects the static files and starts two gunicorn servers (config.settings.production, plain
   HTTP on the loopback: the secure-cookie and HTTPS-redirect switches off; cache and sessions
   in Redis, or in the database with --cache db), --workers sync workers each;
4. times each page once, one request at a time (what a page costs without the load); then
   runs --users virtual reporters at once, without think time, over the queue of reporters:
   the login page with its stylesheet, the login (CSRF), the start page 我的填报, then for each
   item the form, the submit (action=submit) and the start page it redirects to; meanwhile
   the supervisors log in and read the overview (/dashboard/) and the item list (/items/, a
   filter, a later page) with 2 s between pages, and two of them first download an export (the
   monthly table of last month, the item list of this month). Every request goes to the next
   server in turn, as a round-robin load balancer would send it; one person's cookies
   (session, CSRF) go to both;
5. checks in the database that every submit the servers answered with a redirect is there
   exactly once, submitted, with one history row and one review event (`lost` counts the
   ones that are not), and greps the servers' logs for tracebacks;
6. measures the limit in the same run: the same servers answering GET /healthz (no session,
   SELECT 1 and a cache round trip) to --users clients at once for --limit-seconds;
7. prints throughput, p50/p95/p99 per step and overall, the errors (non-2xx/3xx, an
   unexpected status, exceptions, with the URL), the limit, and ends with one line:
   rps=… limit_rps=… p95_ms=… errors=… lost=…

An export over EXPORT_BACKGROUND_ROWS rows is queued by its request and written by the one
background worker (manage.py jobs_worker) started beside the servers: the supervisor's browser
follows the job's page and polls its progress once a second, then downloads the file.

It stops sending after --duration seconds or --max-requests requests, whichever comes first;
reporters not finished by then are counted as unfinished, not as errors. The servers are
stopped in every case. Logs and static files go to benchmarks/out/.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import itertools
import json
import math
import os
import random
import re
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
import traceback
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
OUT = ROOT / "benchmarks" / "out"
HOST = "127.0.0.1"
PASSWORD = "load-bench-pass-1234"
PREFIX = "load_"  # the accounts this script creates
JURISDICTION = "合成区"  # seed_synthetic's default
THINK_S = 2.0  # a supervisor reads a page before opening the next

# ---------------------------------------------------------------------------------------------
# Settings: the production settings, for plain HTTP on the loopback


def server_env(args: argparse.Namespace, secret_key: str) -> dict[str, str]:
    keep = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "VIRTUAL_ENV")
    env = {k: v for k, v in os.environ.items() if k in keep}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        SECRET_KEY=secret_key,
        ALLOWED_HOSTS=HOST,
        DATABASE_URL=f"{args.pg.rstrip('/')}/{args.database}",
        STATIC_ROOT=str(OUT / "static"),
        MEDIA_ROOT=str(OUT / "media"),
        SECURE_SSL_REDIRECT="false",
        SESSION_COOKIE_SECURE="false",
        CSRF_COOKIE_SECURE="false",
        WEB_CONCURRENCY=str(args.workers),
        PYTHONDONTWRITEBYTECODE="1",
        LOG_LEVEL="WARNING",
    )
    if args.cache == "redis":
        env.update(REDIS_URL=args.redis_url, CACHE_KEY_PREFIX=args.database)
    return env


def redis_reachable(url: str) -> bool:
    parts = urllib.parse.urlsplit(url)
    try:
        with socket.create_connection((parts.hostname, parts.port or 6379), timeout=2) as s:
            s.sendall(b"PING\r\n")
            return s.recv(16).startswith(b"+PONG")
    except OSError:
        return False


# ---------------------------------------------------------------------------------------------
# The database: create, migrate, seed, accounts, check


def admin_sql(args: argparse.Namespace, sql: str) -> None:
    import psycopg2

    conn = psycopg2.connect(f"{args.pg.rstrip('/')}/postgres", connect_timeout=5)
    conn.autocommit = True
    try:
        with conn.cursor() as cursor:
            cursor.execute(sql)
    finally:
        conn.close()


def manage(env: dict[str, str], *command: str) -> str:
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "manage.py", *command],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=3600,
    )
    if done.returncode:
        sys.exit(f"manage.py {' '.join(command)} failed:\n{done.stdout}{done.stderr}")
    print(f"  manage.py {' '.join(command)}: {time.perf_counter() - started:.1f} s", flush=True)
    return done.stdout


def this_period() -> date:
    from progress import periods

    return periods.period_now(date.today())


def forget_earlier_runs(target: date) -> None:
    """--reuse: the reports of the target period are all from earlier load runs: delete them
    (with their history), so that every run files into an open period, and refresh their
    items' statuses (and kept counts): left as they were, the next run's submits would find
    their items already counted as submitted and change no count."""
    from django.db import connection

    from progress.models import ProgressReport
    from progress.statuses import refresh_statuses

    history = ProgressReport.history.model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {history} WHERE period = %s", [target])
    reports = ProgressReport.objects.filter(period=target)
    subitem_ids = sorted(set(reports.values_list("subitem_id", flat=True)))
    deleted, _ = reports.delete()
    if subitem_ids:
        refresh_statuses(subitem_ids=subitem_ids)
    print(f"  --reuse: deleted {deleted} rows of earlier runs' {target:%Y-%m} reports")


@dataclass
class Reporter:
    username: str
    items: list[int]


def create_accounts(
    args: argparse.Namespace, target: date
) -> tuple[list[Reporter], list[str], int, int]:
    """Reporters spread over the units that lead items, each with items no one else files."""
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group
    from django.db import transaction
    from django.db.models import Exists, OuterRef

    from progress.models import ItemStatus, ProgressReport
    from projects import roles
    from projects.models import Jurisdiction, Plan, SubItem, User

    jurisdiction = Jurisdiction.objects.get(name=JURISDICTION)
    completed_before = ItemStatus.objects.filter(
        subitem=OuterRef("pk"), period=target, completed_in__isnull=False
    )
    this_month = ProgressReport.objects.filter(subitem=OuterRef("pk"), period=target)
    open_items = (
        SubItem.objects.filter(
            project__plan__jurisdiction=jurisdiction,
            project__plan__year=target.year,
            project__plan__reporting_cycle=Plan.Cycle.MONTHLY,
            lead_unit__isnull=False,
        )
        .annotate(done=Exists(completed_before), filed=Exists(this_month))
        .filter(done=False, filed=False)
        .order_by("lead_unit_id", "pk")
        .values_list("lead_unit_id", "pk")
    )
    by_unit: dict[int, list[int]] = defaultdict(list)
    for unit_id, pk in open_items:
        by_unit[unit_id].append(pk)
    units = sorted(by_unit, key=lambda u: -len(by_unit[u]))
    if not units:
        sys.exit(f"no open items for {target:%Y-%m} in {JURISDICTION}")

    rng = random.Random(1)
    for pks in by_unit.values():
        rng.shuffle(pks)
    reporters: list[Reporter] = []
    unit_of: dict[str, int] = {}
    for n in range(args.reporters):
        unit_id = units[n % len(units)]
        items = [by_unit[unit_id].pop() for _ in range(min(args.items, len(by_unit[unit_id])))]
        username = f"{PREFIX}r{n + 1:05d}"
        reporters.append(Reporter(username, items))
        unit_of[username] = unit_id
    supervisors = [f"{PREFIX}s{n + 1:03d}" for n in range(args.supervisors)]

    # One hash for all (the setup stays fast), made by the first hasher, Argon2id: the hash a
    # real account has after its first login, so no login of the run upgrades a hash.
    password = make_password(PASSWORD)
    with transaction.atomic():
        User.objects.filter(username__startswith=PREFIX).delete()
        users = [
            User(username=r.username, password=password, jurisdiction=jurisdiction)
            for r in reporters
        ]
        for user in users:
            user.unit_id = unit_of[user.username]
        users += [
            User(username=s, password=password, jurisdiction=jurisdiction) for s in supervisors
        ]
        User.objects.bulk_create(users, batch_size=1000)
        ids = dict(User.objects.filter(username__startswith=PREFIX).values_list("username", "pk"))
        reporter_group = Group.objects.get_or_create(name=roles.REPORTER)[0]
        supervisor_group = Group.objects.get_or_create(name=roles.SUPERVISOR)[0]
        through = User.groups.through
        through.objects.bulk_create(
            [through(user_id=ids[r.username], group_id=reporter_group.pk) for r in reporters]
            + [through(user_id=ids[s], group_id=supervisor_group.pk) for s in supervisors],
            batch_size=1000,
        )
    from axes.models import AccessAttempt

    AccessAttempt.objects.all().delete()  # no lockout left from an earlier run
    total_items = sum(len(v) for v in by_unit.values()) + sum(len(r.items) for r in reporters)
    return reporters, supervisors, len(set(unit_of.values())), total_items


@dataclass
class Verdict:
    confirmed: int = 0
    found_once: int = 0
    lost: list[int] = field(default_factory=list)
    bad_history: list[int] = field(default_factory=list)
    bad_events: list[int] = field(default_factory=list)
    unconfirmed_in_db: int = 0


def verify(target: date, confirmed: set[int], attempted: set[int]) -> Verdict:
    """Every submit answered with a redirect is in the database exactly once, submitted, with
    one history row and one review event."""
    from django.db.models import Count, Q

    from progress.models import ProgressReport, ReviewEvent

    verdict = Verdict(confirmed=len(confirmed))
    rows = list(
        ProgressReport.objects.filter(period=target, subitem_id__in=attempted).values_list(
            "pk", "subitem_id", "state"
        )
    )
    per_subitem = Counter(subitem for _, subitem, _ in rows)
    submitted = {subitem for _, subitem, state in rows if state == "submitted"}
    for subitem in confirmed:
        if per_subitem[subitem] != 1 or subitem not in submitted:
            verdict.lost.append(subitem)
    verdict.found_once = len(confirmed) - len(verdict.lost)
    verdict.unconfirmed_in_db = len({s for _, s, _ in rows} - confirmed)

    report_ids = {pk: subitem for pk, subitem, _ in rows if subitem in confirmed}
    history = dict(
        ProgressReport.history.filter(id__in=report_ids)
        .values("id")
        .annotate(n=Count("history_id"))
        .values_list("id", "n")
    )
    events = dict(
        ReviewEvent.objects.filter(report_id__in=report_ids)
        .values("report_id")
        .annotate(n=Count("pk", filter=Q(action=ReviewEvent.Action.SUBMIT)))
        .values_list("report_id", "n")
    )
    for pk, subitem in report_ids.items():
        if history.get(pk) != 1:
            verdict.bad_history.append(subitem)
        if events.get(pk) != 1:
            verdict.bad_events.append(subitem)
    return verdict


# ---------------------------------------------------------------------------------------------
# The servers


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


@dataclass
class Server:
    url: str
    process: subprocess.Popen
    log: Path


def start_servers(env: dict[str, str], servers: list[Server], count: int = 2) -> None:
    """Start `count` servers into `servers` (so that the caller stops every one that started,
    even when a later one fails) and wait until each answers /healthz with 200."""
    for name in "abcdefgh"[:count]:
        port = free_port()
        log = OUT / f"gunicorn-{name}.log"
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "config.wsgi"],
            cwd=ROOT,
            env={**env, "GUNICORN_BIND": f"{HOST}:{port}", "GUNICORN_ACCESS_LOG": "-"},
            stdout=log.open("wb"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        servers.append(Server(f"http://{HOST}:{port}", process, log))
    # One background worker beside them (exports over EXPORT_BACKGROUND_ROWS run there).
    log = OUT / "worker.log"
    worker = subprocess.Popen(
        [sys.executable, "manage.py", "jobs_worker", "--no-reload", "--interval", "0.5"],
        cwd=ROOT,
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    servers.append(Server("", worker, log))
    for server in servers:
        if not server.url:
            continue
        deadline = time.monotonic() + 90
        answer = "no answer"
        while True:
            if server.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited:\n{server.log.read_text(errors='replace')}")
            try:
                with urllib.request.urlopen(f"{server.url}/healthz", timeout=5) as r:
                    if r.status == 200:
                        break
            except urllib.error.HTTPError as exc:
                answer = f"HTTP {exc.code} {exc.read().decode(errors='replace')}"
            except OSError as exc:
                answer = repr(exc)
            if time.monotonic() > deadline:
                raise RuntimeError(f"{server.url}/healthz: {answer}")
            time.sleep(0.2)


def stop_servers(servers: list[Server]) -> None:
    for server in servers:
        if server.process.poll() is None:
            os.killpg(server.process.pid, signal.SIGTERM)
    for server in servers:
        try:
            server.process.wait(timeout=40)
        except subprocess.TimeoutExpired:
            os.killpg(server.process.pid, signal.SIGKILL)
            server.process.wait()


# ---------------------------------------------------------------------------------------------
# The load


class Stop(Exception):
    """The time or the request budget is spent."""


class Failed(Exception):
    """A request did not answer as a browser would expect; the journey cannot go on."""


@dataclass
class Sample:
    journey: str
    step: str
    ms: float
    status: int
    server: int
    ok: bool


@dataclass
class Run:
    servers: list[str]
    deadline: float
    max_requests: int
    samples: list[Sample] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    confirmed: set[int] = field(default_factory=set)
    attempted: set[int] = field(default_factory=set)
    reporter_journeys_ms: list[float] = field(default_factory=list)
    finished_reporters: int = 0
    unfinished_reporters: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    rr: itertools.count = field(default_factory=itertools.count)
    sent: int = 0
    exports_done: list[float] = field(default_factory=list)

    def next_server(self) -> int:
        with self.lock:
            if time.monotonic() > self.deadline or self.sent >= self.max_requests:
                raise Stop
            self.sent += 1
            return next(self.rr) % len(self.servers)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


CSRF_RE = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')
STATIC_RE = re.compile(rb'(?:href|src)="(/static/[^"]+)"')


class Browser:
    """One person's cookies; each request goes to the next server (round robin)."""

    def __init__(self, run: Run, journey: str) -> None:
        self.run = run
        self.journey = journey
        self.assets: list[str] = []
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), _NoRedirect()
        )

    def request(
        self,
        step: str,
        path: str,
        *,
        fields: dict[str, str] | None = None,
        expect: tuple[int, ...] = (200,),
    ) -> tuple[int, dict, bytes]:
        index = self.run.next_server()
        url = self.run.servers[index] + path
        data = headers = None
        if fields is not None:
            data = urllib.parse.urlencode(fields).encode()
            headers = {"Content-Type": "application/x-www-form-urlencoded"}
        req = urllib.request.Request(url, data=data, headers=headers or {})
        started = time.perf_counter()
        status, response_headers, body = 0, {}, b""
        try:
            try:
                with self.opener.open(req, timeout=120) as response:
                    status, response_headers = response.status, response.headers
                    body = response.read()
            except urllib.error.HTTPError as exc:
                status, response_headers, body = exc.code, exc.headers, exc.read()
        except Exception as exc:
            ms = (time.perf_counter() - started) * 1000
            self._record(step, ms, 0, index, False, f"{step} {url}: {exc!r}")
            raise Failed from exc
        ms = (time.perf_counter() - started) * 1000
        ok = status in expect
        why = None
        if not ok:
            snippet = re.sub(rb"\s+", b" ", body[:300]).decode(errors="replace")
            why = f"{step} {'POST' if fields is not None else 'GET'} {url}: HTTP {status} (expected {expect}) {snippet}"
        self._record(step, ms, status, index, ok, why)
        if not ok:
            raise Failed
        return status, response_headers, body

    def _record(self, step, ms, status, server, ok, why) -> None:
        with self.run.lock:
            self.run.samples.append(Sample(self.journey, step, ms, status, server, ok))
            if why:
                self.run.errors.append(why)

    def login(self, username: str) -> None:
        _, _, page = self.request("login page", "/accounts/login/")
        # A browser's first visit fetches the stylesheets and scripts (WhiteNoise, hashed names,
        # cached for a year afterwards).
        self.assets = sorted({a.decode() for a in STATIC_RE.findall(page)})
        for asset in self.assets:
            self.request("static file", asset)
        self.request(
            "login",
            "/accounts/login/",
            fields={"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token(page)},
            expect=(302,),
        )


def token(page: bytes) -> str:
    match = CSRF_RE.search(page)
    if not match:
        raise Failed("no CSRF token")
    return match.group(1).decode()


def reporter_journey(run: Run, reporter: Reporter, period: str) -> None:
    browser = Browser(run, "reporter")
    started = time.perf_counter()
    browser.login(reporter.username)
    browser.request("start page", "/progress/")
    for n, pk in enumerate(reporter.items):
        path = f"/progress/items/{pk}/{period}/"
        _, _, page = browser.request("report form", path)
        if b'name="action" value="submit"' not in page:
            raise Failed(f"no form at {path}")
        with run.lock:
            run.attempted.add(pk)
        _, headers, _ = browser.request(
            "report submit",
            path,
            fields={
                "csrfmiddlewaretoken": token(page),
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
        location = headers.get("Location", "")
        if not location.startswith("/progress/?period="):
            raise Failed(f"submit of {path} went to {location!r}")
        with run.lock:
            run.confirmed.add(pk)
        browser.request("start page after submit", location)
    with run.lock:
        run.reporter_journeys_ms.append((time.perf_counter() - started) * 1000)


JOB_RE = re.compile(r"/jobs/([0-9a-f-]{36})/$")


def export(browser: Browser, step: str, path: str) -> None:
    """An export: the file at once, or (over EXPORT_BACKGROUND_ROWS rows) the job's page, its
    progress polled once a second as the page's script does, then the file."""
    status, headers, _ = browser.request(step, path, expect=(200, 302))
    if status == 200:
        return
    match = JOB_RE.search(headers.get("Location", ""))
    if not match:
        raise Failed(f"{step}: redirected to {headers.get('Location')}")
    job = f"/jobs/{match.group(1)}/"
    browser.request("export job page", job)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        _, _, body = browser.request("export progress", job + "progress.json")
        data = json.loads(body)
        if data["finished"]:
            if data["state"] != "done":
                raise Failed(f"{step}: the job failed: {data['error']}")
            browser.request("export download", data["download_url"])
            with browser.run.lock:
                browser.run.exports_done.append(data["elapsed_s"])
            return
        time.sleep(1)
    raise Failed(f"{step}: not done in 300 s")


def supervisor_journey(
    run: Run, username: str, stop: threading.Event, exports: list[tuple[str, str]]
) -> None:
    browser = Browser(run, "supervisor")
    browser.login(username)
    pages = itertools.cycle(
        [
            ("overview", "/dashboard/"),
            ("item list", "/items/"),
            ("item list filtered", "/items/?shown=lagging"),
            ("item list page 5", "/items/?page=5"),
        ]
    )
    for step, path in exports:
        if stop.is_set():
            return
        export(browser, step, path)
    while not stop.is_set():
        step, path = next(pages)
        browser.request(step, path)
        stop.wait(THINK_S)


def drive(
    run: Run,
    reporters: list[Reporter],
    supervisors: list[str],
    users: int,
    period: str,
    exports: list[tuple[str, str]],
) -> float:
    queue = list(reporters)
    queue.reverse()
    queue_lock = threading.Lock()
    stop = threading.Event()

    def reporter_worker() -> None:
        while True:
            with queue_lock:
                if not queue:
                    return
                reporter = queue.pop()
            try:
                reporter_journey(run, reporter, period)
                with run.lock:
                    run.finished_reporters += 1
            except Stop:
                with run.lock:
                    run.unfinished_reporters += 1 + len(queue)
                    queue.clear()
                return
            except Failed:
                with run.lock:
                    run.unfinished_reporters += 1
            except Exception:
                with run.lock:
                    run.errors.append(traceback.format_exc())
                    run.unfinished_reporters += 1

    def supervisor_worker(username: str, mine: list[str]) -> None:
        try:
            supervisor_journey(run, username, stop, mine)
        except (Stop, Failed):
            pass
        except Exception:
            with run.lock:
                run.errors.append(traceback.format_exc())

    # Two of the supervisors begin with an export; the others read the dashboards.
    export_jobs = [[(step, path)] for step, path in exports][:2]
    started = time.perf_counter()
    sup_threads = [
        threading.Thread(
            target=supervisor_worker,
            args=(name, export_jobs[i] if i < len(export_jobs) else []),
            daemon=True,
        )
        for i, name in enumerate(supervisors)
    ]
    rep_threads = [threading.Thread(target=reporter_worker, daemon=True) for _ in range(users)]
    for thread in sup_threads + rep_threads:
        thread.start()
    for thread in rep_threads:
        thread.join()
    stop.set()
    for thread in sup_threads:
        thread.join(timeout=150)
    return time.perf_counter() - started


def limit(servers: list[str], users: int, seconds: float) -> tuple[float, float, int]:
    """The same servers' ceiling: `users` clients at once asking only GET /healthz (no session,
    one SELECT 1 and a cache round trip), round robin, for `seconds`. Requests/s, p95, errors."""
    rr = itertools.count()
    lock = threading.Lock()
    times: list[float] = []
    errors = [0]
    end = time.monotonic() + seconds

    def client() -> None:
        opener = urllib.request.build_opener()
        while time.monotonic() < end:
            with lock:
                url = servers[next(rr) % len(servers)] + "/healthz"
            started = time.perf_counter()
            try:
                with opener.open(url, timeout=30) as response:
                    response.read()
                    ok = response.status == 200
            except Exception:
                ok = False
            ms = (time.perf_counter() - started) * 1000
            with lock:
                times.append(ms)
                errors[0] += 0 if ok else 1

    started = time.perf_counter()
    threads = [threading.Thread(target=client, daemon=True) for _ in range(users)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    return len(times) / wall, percentile(times, 95), errors[0]


# ---------------------------------------------------------------------------------------------
# Figures


def percentile(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)  # nearest rank
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


def report(run: Run, wall: float) -> tuple[float, float, int]:
    by_step: dict[str, list[float]] = defaultdict(list)
    for s in run.samples:
        by_step[s.step].append(s.ms)
    print(f"\n{'step':<26}{'count':>7}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'max ms':>9}")
    for step, values in sorted(by_step.items(), key=lambda kv: -len(kv[1])):
        print(
            f"{step:<26}{len(values):>7}{percentile(values, 50):>9.0f}"
            f"{percentile(values, 95):>9.0f}{percentile(values, 99):>9.0f}{max(values):>9.0f}"
        )
    by_journey: dict[str, list[float]] = defaultdict(list)
    for s in run.samples:
        by_journey[f"{s.journey} requests"].append(s.ms)
    by_journey["reporter journey, whole"] = run.reporter_journeys_ms
    every = [s.ms for s in run.samples]
    by_journey["all requests"] = every
    p95 = percentile(every, 95)
    print()
    for name, values in by_journey.items():
        print(
            f"{name:<26}{len(values):>7}{percentile(values, 50):>9.0f}"
            f"{percentile(values, 95):>9.0f}{percentile(values, 99):>9.0f}"
            f"{max(values, default=0):>9.0f}"
        )
    per_server = Counter(s.server for s in run.samples)
    statuses = Counter(s.status for s in run.samples)
    rps = len(every) / wall if wall else 0.0
    errors = sum(1 for s in run.samples if not s.ok) + sum(
        1 for e in run.errors if e.startswith("Traceback")
    )
    print(
        f"\n{len(every)} requests in {wall:.1f} s: {rps:.1f} requests/s; "
        f"per server {dict(sorted(per_server.items()))}; statuses {dict(sorted(statuses.items()))}"
    )
    return rps, p95, errors


def tracebacks(servers: list[Server]) -> list[str]:
    found = []
    for server in servers:
        text = server.log.read_text(errors="replace")
        for match in re.finditer(r"Traceback \(most recent call last\):.*?(?=\n\S|\Z)", text, re.S):
            found.append(f"{server.log.name}: {match.group(0)[-2000:]}")
        for line in text.splitlines():
            if "[CRITICAL]" in line or "WORKER TIMEOUT" in line:
                found.append(f"{server.log.name}: {line}")
    return found


def find_exports(target: date) -> list[tuple[str, str]]:
    """The monthly table of last month (complete: the one a supervisor publishes now) and the
    item list of this month, as .xlsx; each only if its URL exists in this checkout."""
    from django.urls import NoReverseMatch, reverse

    from progress import periods
    from projects.models import Plan

    found = []
    previous = periods.add_months(target, -1)
    plan = (
        Plan.objects.filter(jurisdiction__name=JURISDICTION, year=previous.year)
        .order_by("pk")
        .first()
    )
    try:
        found.append(
            (
                "export monthly table",
                reverse("exports:monthly", kwargs={"pk": plan.pk, "period": f"{previous:%Y-%m}"}),
            )
        )
    except (NoReverseMatch, AttributeError):
        print("  exports:monthly does not exist (yet): the monthly table export is skipped")
    try:
        found.append(("export item list", f"{reverse('items:export')}?period={target:%Y-%m}"))
    except NoReverseMatch:
        print("  items:export does not exist (yet): the item list export is skipped")
    return found


def baseline(
    run: Run, reporter: Reporter, supervisor: str, period: str, exports: list[tuple[str, str]]
) -> None:
    """Each page once more after a first visit, one request at a time: what a page costs
    without the load, beside what it costs under it."""
    reader, boss = Browser(run, "reporter"), Browser(run, "supervisor")
    reader.login(reporter.username)
    boss.login(supervisor)
    pages = [
        *[(reader, "static file", asset) for asset in reader.assets[:1]],
        (reader, "start page", "/progress/"),
        (reader, "report form", f"/progress/items/{reporter.items[0]}/{period}/"),
        (boss, "overview", "/dashboard/"),
        (boss, "item list", "/items/"),
    ] + [(boss, step, path) for step, path in exports]
    for browser, step, path in pages:
        export(browser, step, path)  # warm: templates, connections
    del run.samples[:]
    for browser, step, path in pages:
        export(browser, step, path)
    print("  one request at a time: " + ", ".join(f"{s.step} {s.ms:.0f} ms" for s in run.samples))
    del run.samples[:]


# ---------------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reporters", type=int, default=200, help="reporters who file (200)")
    parser.add_argument("--items", type=int, default=2, help="items each reporter files (2)")
    parser.add_argument("--supervisors", type=int, default=4, help="supervisors reading (4)")
    parser.add_argument("--users", type=int, default=24, help="reporters at once (24)")
    parser.add_argument("--duration", type=float, default=300, help="seconds of load (300)")
    parser.add_argument("--max-requests", type=int, default=20000, help="requests at most")
    parser.add_argument("--workers", type=int, default=4, help="workers per server (4)")
    parser.add_argument(
        "--cache", choices=["redis", "db"], default=None, help="default: redis if up"
    )
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/15")
    parser.add_argument("--database", default="load_bench")
    parser.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432", help="server URL")
    parser.add_argument("--subitems", type=int, default=20000)
    parser.add_argument("--reuse", action="store_true", help="keep the seeded database")
    parser.add_argument(
        "--limit-seconds", type=float, default=20, help="seconds of the /healthz limit (20)"
    )
    args = parser.parse_args(argv)
    for url in (args.pg, args.redis_url):
        host = urllib.parse.urlsplit(url).hostname
        if host not in ("127.0.0.1", "localhost", "::1"):
            parser.error(f"{url}: loopback only")
    if args.cache is None:
        args.cache = "redis" if redis_reachable(args.redis_url) else "db"
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    OUT.mkdir(parents=True, exist_ok=True)
    env = server_env(args, secrets.token_urlsafe(50))
    os.environ.update(env)  # this process reads and checks the same database through the ORM
    import django

    django.setup()
    from django.db import connections

    target = this_period()
    label = f"{target:%Y-%m}"
    print(
        f"load test: 2 gunicorn servers x {args.workers} workers, PostgreSQL {args.database}, "
        f"cache and sessions in {'Redis' if args.cache == 'redis' else 'the database'}, "
        f"period {label}; load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores",
        flush=True,
    )

    started = time.perf_counter()
    if not args.reuse:
        connections.close_all()
        admin_sql(args, f'DROP DATABASE IF EXISTS "{args.database}" WITH (FORCE)')
        admin_sql(args, f'CREATE DATABASE "{args.database}"')
        manage(env, "migrate", "--noinput", "-v", "0")
        manage(
            env,
            "seed_synthetic",
            "--subitems",
            str(args.subitems),
            "--year",
            str(target.year),
            "--months",
            str(target.month - 1),
        )
    else:
        # a database seeded by an earlier checkout gets this checkout's migrations, as a
        # deployment would
        manage(env, "migrate", "--noinput", "-v", "0")
        forget_earlier_runs(target)
    manage(env, "createcachetable")  # the database cache, when this run has no Redis
    manage(env, "collectstatic", "--noinput", "-v", "0")
    reporters, supervisors, units, open_items = create_accounts(args, target)
    submits = sum(len(r.items) for r in reporters)
    print(
        f"  {len(reporters)} reporters in {units} units, {submits} items to file "
        f"(of {open_items} open), {len(supervisors)} supervisors; setup {time.perf_counter() - started:.0f} s",
        flush=True,
    )

    exports = find_exports(target)
    connections.close_all()
    servers: list[Server] = []
    try:
        start_servers(env, servers)
        run = Run(
            servers=[s.url for s in servers if s.url],
            deadline=time.monotonic() + args.duration,
            max_requests=args.max_requests,
        )
        warm = Run(servers=run.servers, deadline=time.monotonic() + 300, max_requests=1000)
        baseline(warm, reporters[-1], supervisors[0], label, exports)
        if warm.errors:
            sys.exit("\n".join(warm.errors))
        run.deadline = time.monotonic() + args.duration
        print(
            f"  servers {', '.join(run.servers)}; {args.users} reporters at once; "
            f"at most {args.duration:.0f} s and {args.max_requests} requests",
            flush=True,
        )
        wall = drive(run, reporters, supervisors, args.users, label, exports)
        limit_rps, limit_p95, limit_errors = limit(run.servers, args.users, args.limit_seconds)
    finally:
        stop_servers(servers)

    rps, p95, errors = report(run, wall)
    print(
        "load average (1, 5, 15 min) at the end: " + " ".join(f"{x:.1f}" for x in os.getloadavg())
    )
    verdict = verify(target, run.confirmed, run.attempted)
    logged = tracebacks(servers)
    print(
        f"reporters finished {run.finished_reporters}, unfinished {run.unfinished_reporters}; "
        f"submits answered {verdict.confirmed}, in the database exactly once and submitted "
        f"{verdict.found_once}; history rows wrong {len(verdict.bad_history)}, review events "
        f"wrong {len(verdict.bad_events)}; unanswered submits found in the database "
        f"{verdict.unconfirmed_in_db}"
    )
    if run.errors:
        print(f"\nerrors ({len(run.errors)}), first 10:")
        for line in run.errors[:10]:
            print(f"  {line}")
    if logged:
        print(f"\nserver log problems ({len(logged)}), first 5:")
        for line in logged[:5]:
            print(f"  {line}")
    errors += len(logged)
    lost = len(verdict.lost) + len(verdict.bad_history) + len(verdict.bad_events)
    if run.exports_done:
        print(
            "background exports: "
            + ", ".join(f"{s} s" for s in run.exports_done)
            + " in the worker (the requests only queued them)"
        )
    print(
        f"limit: GET /healthz, {args.users} clients at once on the same servers for "
        f"{args.limit_seconds:.0f} s: {limit_rps:.1f} requests/s, p95 {limit_p95:.0f} ms, "
        f"errors {limit_errors}; the journey ran at {rps / limit_rps if limit_rps else 0:.2f} of it"
    )
    print(f"rps={rps:.1f} limit_rps={limit_rps:.1f} p95_ms={p95:.0f} errors={errors} lost={lost}")
    return 0 if errors == 0 and lost == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
