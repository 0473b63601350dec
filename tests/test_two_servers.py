"""Two app servers on one PostgreSQL share logins, sessions, writes and uploads.

Two real gunicorn processes with the production settings (plain HTTP on the loopback, so the
secure-cookie and HTTPS-redirect switches are off) serve one dedicated database, which the
test creates, migrates and drops. One cookie jar plays the browser behind a load balancer:
cookies of 127.0.0.1 go to both ports, as they would go to both servers behind one host name.
"""

import http.cookiejar
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import psycopg2
import pytest
from django.conf import settings

pytestmark = pytest.mark.postgres

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "two-servers-pass-1234"
PERIOD = "2024-03"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
KEEP = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "VIRTUAL_ENV")

SETUP = f"""
from django.contrib.auth.models import Group
from progress.statuses import refresh_statuses
from projects import roles
from projects.models import Jurisdiction, Plan, Project, SubItem, Unit, User

j = Jurisdiction.objects.create(name="西青区")
unit = Unit.objects.create(jurisdiction=j, name="区教育局")
plan = Plan.objects.create(jurisdiction=j, title="2024年民生实事项目清单", year=2024)
project = Project.objects.create(plan=plan, number="1", name="新建养老服务设施", order=1)
subitem = SubItem.objects.create(project=project, number=1, name="新建10处养老服务设施", lead_unit=unit)
refresh_statuses(subitem_ids=[subitem.pk])  # as the import and the admin do for a new item
user = User.objects.create_user(username="reporter", password={PASSWORD!r}, jurisdiction=j, unit=unit)
user.groups.add(Group.objects.get_or_create(name=roles.REPORTER)[0])
print(subitem.pk)
"""


# --- a browser without a browser ----------------------------------------------------------


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    """One cookie jar for every server; answers (status, headers, body) and never follows
    redirects, so that each server's own answer is checked."""

    def __init__(self) -> None:
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect()
        )

    def request(self, url: str, data: bytes | None = None, headers: dict | None = None):
        req = urllib.request.Request(url, data=data, headers=headers or {})
        try:
            with self.opener.open(req, timeout=30) as response:
                return response.status, response.headers, response.read()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.headers, exc.read()

    def get(self, url: str):
        return self.request(url)

    def post(self, url: str, fields: dict[str, str], files: dict | None = None):
        boundary = uuid.uuid4().hex
        parts = []
        for name, value in fields.items():
            parts.append(
                f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
                f"{value}\r\n".encode()
            )
        for name, (filename, content, content_type) in (files or {}).items():
            parts.append(
                f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
                f'filename="{filename}"\r\nContent-Type: {content_type}\r\n\r\n'.encode()
                + content
                + b"\r\n"
            )
        body = b"".join(parts) + f"--{boundary}--\r\n".encode()
        headers = {"Content-Type": f"multipart/form-data; boundary={boundary}"}
        return self.request(url, data=body, headers=headers)

    def cookie(self, name: str) -> str | None:
        return next((c.value for c in self.jar if c.name == name), None)


def csrf_token(html: bytes) -> str:
    match = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    assert match, "no CSRF token in the page"
    return match.group(1).decode()


# --- the deployment -----------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _pg_params(dbname: str) -> dict:
    db = settings.DATABASES["default"]
    return {
        "dbname": dbname,
        "user": db["USER"] or None,
        "password": db["PASSWORD"] or None,
        "host": db["HOST"] or None,
        "port": db["PORT"] or None,
    }


def _admin_sql(sql: str) -> None:
    conn = psycopg2.connect(**_pg_params("postgres"), connect_timeout=5)
    conn.autocommit = True
    try:
        with conn.cursor() as cursor:
            cursor.execute(sql)
    finally:
        conn.close()


def _database_url(dbname: str) -> str:
    db = settings.DATABASES["default"]
    auth = db["USER"] or ""
    if db["PASSWORD"]:
        auth += f":{db['PASSWORD']}"
    host = db["HOST"] or "127.0.0.1"
    return f"postgres://{auth}@{host}:{db['PORT'] or 5432}/{dbname}"


@pytest.fixture
def deployment(tmp_path):
    """One database, one shared MEDIA_ROOT, two gunicorn servers; everything removed after."""
    # named after the test database, so that two suites on one server never share it
    test_db = settings.DATABASES["default"]["NAME"]
    dbname = f"{test_db}_two_servers_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"
    _admin_sql(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')
    _admin_sql(f'CREATE DATABASE "{dbname}"')
    env = {k: v for k, v in os.environ.items() if k in KEEP}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="127.0.0.1",
        DATABASE_URL=_database_url(dbname),
        MEDIA_ROOT=str(tmp_path / "media"),
        STATIC_ROOT=str(tmp_path / "static"),
        SECURE_SSL_REDIRECT="false",
        SESSION_COOKIE_SECURE="false",
        CSRF_COOKIE_SECURE="false",
        WEB_CONCURRENCY="2",
        PYTHONDONTWRITEBYTECODE="1",
    )
    servers: list[tuple[subprocess.Popen, Path]] = []
    try:
        for command in (
            ["migrate", "--noinput", "-v", "0"],
            ["createcachetable"],
            ["collectstatic", "--noinput", "-v", "0"],
            ["shell", "-c", SETUP],
        ):
            done = subprocess.run(
                [sys.executable, "manage.py", *command],
                cwd=ROOT,
                env=env,
                capture_output=True,
                text=True,
                timeout=300,
            )
            assert done.returncode == 0, f"{command[0]}: {done.stdout}{done.stderr}"
        subitem_pk = int(done.stdout.strip().splitlines()[-1])

        urls = []
        for name in ("a", "b"):
            port = _free_port()
            log = tmp_path / f"gunicorn-{name}.log"
            process = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "config.wsgi"],
                cwd=ROOT,
                env={**env, "GUNICORN_BIND": f"127.0.0.1:{port}"},
                stdout=log.open("wb"),
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            servers.append((process, log))
            urls.append(f"http://127.0.0.1:{port}")
        for url, (process, log) in zip(urls, servers, strict=True):
            _wait_healthy(url, process, log)
        yield {"a": urls[0], "b": urls[1], "subitem": subitem_pk, "dbname": dbname}
        for _process, log in servers:
            text = log.read_text(errors="replace")
            assert "Traceback" not in text, text
    finally:
        for process, _log in servers:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process, _log in servers:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        _admin_sql(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')
        shutil.rmtree(tmp_path / "static", ignore_errors=True)


def _wait_healthy(url: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"gunicorn at {url} exited: {log.read_text(errors='replace')}")
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.2)
    pytest.fail(f"gunicorn at {url} did not become healthy: {log.read_text(errors='replace')}")


def _report_rows(dbname: str) -> list[tuple]:
    conn = psycopg2.connect(**_pg_params(dbname), connect_timeout=5)
    try:
        with conn.cursor() as cursor:
            cursor.execute(
                "SELECT r.state, r.completion, r.version,"
                " (SELECT count(*) FROM progress_historicalprogressreport h WHERE h.id = r.id),"
                " (SELECT count(*) FROM progress_attachment a WHERE a.report_id = r.id)"
                " FROM progress_progressreport r"
            )
            return cursor.fetchall()
    finally:
        conn.close()


# --- the test -----------------------------------------------------------------------------


def test_two_servers_share_logins_sessions_writes_and_uploads(deployment):
    a, b = deployment["a"], deployment["b"]
    form_path = f"/progress/items/{deployment['subitem']}/{PERIOD}/"
    browser = Browser()

    # Both servers answer the health check from the same database.
    for url in (a, b):
        status, _, body = browser.get(f"{url}/healthz")
        assert status == 200 and b'"database": "ok"' in body

    # Not logged in: B sends the browser to the login page.
    status, headers, _ = browser.get(f"{b}/progress/")
    assert status == 302 and "/accounts/login/" in headers["Location"]

    # Log in on A.
    status, _, page = browser.get(f"{a}/accounts/login/")
    assert status == 200
    status, headers, _ = browser.post(
        f"{a}/accounts/login/",
        {"username": "reporter", "password": PASSWORD, "csrfmiddlewaretoken": csrf_token(page)},
    )
    assert status == 302, "the login on A failed"
    assert browser.cookie("sessionid")

    # B knows the session that A created.
    status, _, page = browser.get(f"{b}/progress/")
    assert status == 200
    assert "新建10处养老服务设施".encode() in page

    # A saves a draft with a PDF; B shows the draft and serves the file from the shared path.
    status, _, page = browser.get(f"{a}{form_path}")
    assert status == 200
    status, headers, _ = browser.post(
        f"{a}{form_path}",
        {
            "csrfmiddlewaretoken": csrf_token(page),
            "action": "save",
            "status": "on_track",
            "completion": "已完成选址 6 处，开工 4 处。",
            "explanation": "",
            "problems": "",
            "next_steps": "",
            "version": "",
        },
        files={"attachments": ("现场照片说明.pdf", PDF, "application/pdf")},
    )
    assert status == 302, "the draft on A was not saved"

    status, _, page = browser.get(f"{b}{form_path}")
    assert status == 200
    assert "已完成选址 6 处，开工 4 处。".encode() in page
    assert b'name="version" value="1"' in page
    links = re.findall(rb'href="(/progress/attachments/\d+/)"', page)
    assert len(links) == 1
    status, headers, content = browser.get(f"{b}{links[0].decode()}")
    assert status == 200
    assert content == PDF

    # B submits it (the version that A wrote); A sees it submitted and no longer editable.
    status, headers, _ = browser.post(
        f"{b}{form_path}",
        {
            "csrfmiddlewaretoken": csrf_token(page),
            "action": "submit",
            "status": "on_track",
            "completion": "已完成选址 6 处，开工 4 处。",
            "explanation": "",
            "problems": "",
            "next_steps": "",
            "version": "1",
        },
    )
    assert status == 302 and "/progress/" in headers["Location"], "the submit on B failed"
    status, _, page = browser.get(f"{a}{form_path}")
    assert status == 200
    assert b'name="action" value="submit"' not in page  # the locked page, not the form

    assert _report_rows(deployment["dbname"]) == [
        ("submitted", "已完成选址 6 处，开工 4 处。", 2, 2, 1)
    ]

    # Logging out on B ends the session on A too.
    status, _, page = browser.get(f"{b}/progress/")
    status, _, _ = browser.post(f"{b}/accounts/logout/", {"csrfmiddlewaretoken": csrf_token(page)})
    assert status == 302
    status, headers, _ = browser.get(f"{a}/progress/")
    assert status == 302 and "/accounts/login/" in headers["Location"]
