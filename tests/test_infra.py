"""The test run itself (its database, PostgreSQL, Chromium, the samples) and the demo of `make run`."""

import os
from io import StringIO

import dj_database_url
import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.db import connection
from django.test import RequestFactory

from projects.models import Plan, User

SAMPLES = {
    "xiqing-2023-minxin-plan.xlsx",
    "xiqing-2023-work-report-tasks.docx",
    "beilun-2024-10-progress.xlsx",
    "shanting-2024-q1-ledger.docx",
    "qingdao-2023-city-plan.xlsx",
}


@pytest.mark.django_db
def test_the_database_is_the_one_database_url_names():
    url = os.environ.get("DATABASE_URL")
    named = (
        dj_database_url.parse(url) if url else {"ENGINE": "django.db.backends.sqlite3", "NAME": ""}
    )

    assert connection.settings_dict["ENGINE"] == named["ENGINE"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        assert cursor.fetchone() == (1,)
    if connection.vendor == "postgresql":
        # pytest-django's own database (test_<name>, with a suffix per xdist worker), never <name>
        assert connection.settings_dict["NAME"].startswith(f"test_{named['NAME']}")


def test_a_sqlite_file_is_opened_with_wal_and_immediate_transactions(tmp_path, django_db_blocker):
    """config/settings/base.py: SQLite gets WAL, synchronous=NORMAL, a 64 MB cache, temporary
    b-trees in memory and BEGIN IMMEDIATE (the demo's server and worker share the file)."""
    from django.db.backends.sqlite3.base import DatabaseWrapper

    from config.settings import base

    settings_dict = base.DATABASES["default"]
    if settings_dict["ENGINE"] != "django.db.backends.sqlite3":
        pytest.skip("DATABASE_URL names PostgreSQL: the SQLite options are not set")
    wrapper = DatabaseWrapper(
        {**settings_dict, "NAME": str(tmp_path / "demo.sqlite3"), "TIME_ZONE": None,
         "CONN_MAX_AGE": 0, "CONN_HEALTH_CHECKS": False, "AUTOCOMMIT": True,
         "ATOMIC_REQUESTS": False, "TEST": {}},
        alias="infra_sqlite",
    )  # fmt: skip
    try:
        with django_db_blocker.unblock(), wrapper.cursor() as cursor:
            pragmas = {
                name: cursor.execute(f"PRAGMA {name}").fetchone()[0]
                for name in ("journal_mode", "synchronous", "cache_size", "temp_store")
            }
        assert pragmas == {
            "journal_mode": "wal",
            "synchronous": 1,
            "cache_size": -65536,
            "temp_store": 2,
        }
        assert wrapper.transaction_mode == "IMMEDIATE"
        assert settings_dict["OPTIONS"]["timeout"] >= 5
    finally:
        wrapper.close()


@pytest.mark.postgres
@pytest.mark.django_db
def test_postgresql_is_really_there():
    with connection.cursor() as cursor:
        cursor.execute("SELECT version(), current_database()")
        version, database = cursor.fetchone()

    assert version.startswith("PostgreSQL")
    assert database == connection.settings_dict["NAME"]


@pytest.mark.browser
def test_chromium_renders_a_page(page):
    page.set_content("<html lang='zh-hans'><h1>实事进度</h1></html>")

    assert page.inner_text("h1") == "实事进度"


def test_the_samples_are_in_the_repository(samples_dir):
    assert {p.name for p in samples_dir.iterdir()} >= SAMPLES


@pytest.mark.django_db
def test_the_demo_of_make_run_loads_twice(samples_dir, monkeypatch):
    monkeypatch.delenv("DEMO_PASSWORD", raising=False)

    call_command("load_demo", samples=str(samples_dir), stdout=StringIO())
    out = StringIO()
    call_command("load_demo", samples=str(samples_dir), stdout=out)

    assert Plan.objects.count() == 5
    assert out.getvalue().count("· unchanged") == 5
    reporter = User.objects.select_related("unit__jurisdiction").get(username="reporter")
    assert (reporter.unit.jurisdiction.name, reporter.unit.name) == ("西青区", "区教育局")
    assert reporter.groups.get().name == "reporter"
    assert User.objects.get(username="reporter_beilun").unit.name == "教育局"
    admin = User.objects.get(username="admin")
    assert admin.is_superuser and admin.groups.get().name == "admin"
    supervisor = User.objects.get(username="supervisor")
    assert not supervisor.is_staff and supervisor.jurisdiction.name == "西青区"
    request = RequestFactory().post("/login/")
    assert authenticate(request, username="supervisor", password="demo12345") == supervisor
