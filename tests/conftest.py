"""Shared fixtures: the roles of docs/roles.md, clients (English or not), the sample files, and
the rules that keep CI honest. Rows are made by the plain functions of tests/factories.py.

Under CI=true a test marked `postgres` or `browser` that would be skipped fails instead: CI
must prove the PostgreSQL and browser suites, not quietly pass without them.
"""

import os
from collections.abc import Callable
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connections
from django.test import Client
from factories import BEILUN, SAMPLES, import_sample, make_jurisdiction, make_unit, make_user

from projects import roles
from projects.models import Jurisdiction, Plan, Unit, User

ROOT = Path(__file__).resolve().parent.parent
CI = os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}
CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
BROWSER_FIXTURES = {"page", "context", "new_context", "browser", "browser_type"}
CI_REQUIRED_MARKERS = ("postgres", "browser")

# Playwright's sync API runs an event loop in the test thread; the ORM calls that the browser
# tests make around it are still synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def _on_postgresql() -> bool:
    return settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"


def pytest_sessionstart(session: pytest.Session) -> None:
    """A PostgreSQL run without a server fails here with one message, not once per test."""
    if not _on_postgresql():
        return
    import psycopg2

    db = settings.DATABASES["default"]
    try:
        psycopg2.connect(
            dbname="postgres",
            user=db["USER"] or None,
            password=db["PASSWORD"] or None,
            host=db["HOST"] or None,
            port=db["PORT"] or None,
            connect_timeout=5,
        ).close()
    except psycopg2.OperationalError as exc:
        where = f"{db['HOST'] or 'local socket'}:{db['PORT'] or 5432}"
        ci = " (CI=true: the PostgreSQL suite is required)" if CI else ""
        pytest.exit(
            f"DATABASE_URL names PostgreSQL at {where}, which is unreachable{ci}: {exc}",
            returncode=1,
        )


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A test that drives a page is a browser test, marked or not (so `-m` and CI see it)."""
    for item in items:
        if BROWSER_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.browser)


def pytest_runtest_setup(item: pytest.Item) -> None:
    if item.get_closest_marker("postgres") and not _on_postgresql():
        pytest.skip("needs PostgreSQL: set DATABASE_URL=postgres://user@host:5432/db")
    if item.get_closest_marker("browser") and not CHROMIUM.exists():
        pytest.skip(f"needs Chromium at {CHROMIUM} (apt-get install chromium)")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    report = yield
    required = [m for m in CI_REQUIRED_MARKERS if item.get_closest_marker(m)]
    if CI and required and report.skipped and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.outcome = "failed"
        report.longrepr = (
            f"{'/'.join(required)} test skipped under CI=true, where it must run: {reason}"
        )
    return report


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    """Each test starts with an empty cache: the dashboards key their cached counts by
    jurisdiction id and a version that is bumped on commit, and a test's rolled-back
    transaction never commits, so a later test reusing the id would read the earlier counts."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    """Debian's Chromium, never a downloaded browser; flags for a root user without a network."""
    return {
        **browser_type_launch_args,
        "executable_path": str(CHROMIUM),
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }


@pytest.fixture(scope="session")
def _sync_connections_closed() -> None:
    connections.close_all()


@pytest.fixture(scope="session")
def playwright(_sync_connections_closed, playwright):
    """While Playwright's event loop runs, Django keeps its connections in another (async) slot.

    Close the connections of each mode before it ends, or PostgreSQL cannot drop the test
    database at the end of the run ("being accessed by other users").
    """
    yield playwright
    connections.close_all()


@pytest.fixture(scope="session")
def samples_dir() -> Path:
    """The five sample files of docs/samples.md, as committed to the repository."""
    return SAMPLES


# --- roles: admin, supervisor, own-unit reporter, other-unit reporter (anonymous is `client`) ---


@pytest.fixture
def beilun(db) -> Plan:
    """北仑区's progress table of 2024-10 (35 sub-items, approved reports), imported."""
    return import_sample(BEILUN, "北仑区")


@pytest.fixture
def jurisdiction(db) -> Jurisdiction:
    return make_jurisdiction("西青区")


@pytest.fixture
def other_jurisdiction(db) -> Jurisdiction:
    return make_jurisdiction("北仑区")


@pytest.fixture
def unit(jurisdiction: Jurisdiction) -> Unit:
    return make_unit(jurisdiction, "区教育局")


@pytest.fixture
def other_unit(jurisdiction: Jurisdiction) -> Unit:
    return make_unit(jurisdiction, "区民政局")


@pytest.fixture
def admin_user(db) -> User:
    """Replaces pytest-django's admin_user (and so admin_client) with the admin role."""
    return make_user("admin", roles.ADMIN, is_staff=True, is_superuser=True)


@pytest.fixture
def supervisor(jurisdiction: Jurisdiction) -> User:
    return make_user("supervisor", roles.SUPERVISOR, jurisdiction=jurisdiction)


@pytest.fixture
def reporter(unit: Unit) -> User:
    return make_user("reporter", roles.REPORTER, jurisdiction=unit.jurisdiction, unit=unit)


@pytest.fixture
def other_reporter(other_unit: Unit) -> User:
    """A reporter of another unit in the same jurisdiction."""
    return make_user(
        "other_reporter", roles.REPORTER, jurisdiction=other_unit.jurisdiction, unit=other_unit
    )


@pytest.fixture
def co_unit(jurisdiction: Jurisdiction) -> Unit:
    """A unit that co-operates on items `unit` leads (the tests that need it say so)."""
    return make_unit(jurisdiction, "区财政局")


@pytest.fixture
def co_reporter(co_unit: Unit) -> User:
    return make_user("co_reporter", roles.REPORTER, jurisdiction=co_unit.jurisdiction, unit=co_unit)


@pytest.fixture
def other_supervisor(other_jurisdiction: Jurisdiction) -> User:
    """A supervisor of another jurisdiction (北仑区)."""
    return make_user("other_supervisor", roles.SUPERVISOR, jurisdiction=other_jurisdiction)


@pytest.fixture
def client_as(db) -> Callable[[User | None], Client]:
    """client_as(user) is a test client logged in as user; client_as(None) is anonymous."""

    def login(user: User | None) -> Client:
        client = Client()
        if user is not None:
            client.force_login(user)
        return client

    return login


@pytest.fixture
def en_client(client_as) -> Callable[[User | None], Client]:
    """client_as, with English pages, so that assertions can name the texts."""

    def login(user: User | None) -> Client:
        client = client_as(user)
        client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
        return client

    return login
