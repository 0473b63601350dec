"""The production settings (`check --deploy` clean, nothing secret by default) and /healthz.

The settings are read in a subprocess with a clean environment, as a server would start: the
test process itself runs config.settings.test.
"""

import json
import os
import secrets
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parent.parent
KEEP = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "VIRTUAL_ENV")


def production_env(**extra: str) -> dict[str, str]:
    """What a deployment sets: nothing of the developer's environment leaks in."""
    env = {k: v for k, v in os.environ.items() if k in KEEP}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="example.org",
        DATABASE_URL="postgres://shishi:s3cret@db.example.org:5432/shishi",
        PYTHONDONTWRITEBYTECODE="1",
        # the robots' webhooks are encrypted with it (docs/channels.md); without it, a warning
        CHANNELS_SECRET_KEY=Fernet.generate_key().decode(),
    )
    env.update(extra)
    return env


def manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


DEPLOYMENTS = {
    "database cache, media on a path": {"MEDIA_ROOT": "/srv/shishi/media"},
    "redis, media in s3": {
        "REDIS_URL": "redis://cache.example.org:6379/0",
        "MEDIA_STORAGE": "s3",
        "AWS_STORAGE_BUCKET_NAME": "shishi-media",
        "AWS_S3_ENDPOINT_URL": "https://s3.example.org",
        "AWS_S3_REGION_NAME": "cn-north-1",
        "AWS_ACCESS_KEY_ID": "id",
        "AWS_SECRET_ACCESS_KEY": "key",
        "EMAIL_HOST": "smtp.example.org",
        "EMAIL_USE_TLS": "true",
    },
}


@pytest.mark.parametrize("extra", DEPLOYMENTS.values(), ids=DEPLOYMENTS.keys())
def test_check_deploy_is_clean(extra):
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=production_env(**extra))

    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == "System check identified no issues (0 silenced).", (
        result.stdout + result.stderr
    )
    assert result.stderr == ""


def test_the_production_settings_are_what_the_environment_says():
    code = (
        "from django.conf import settings as s;"
        "import json;"
        "print(json.dumps({'cache': s.CACHES['default']['BACKEND'],"
        " 'session': s.SESSION_ENGINE, 'media': s.STORAGES['default']['BACKEND'],"
        " 'static': s.STORAGES['staticfiles']['BACKEND'],"
        " 'conn_max_age': s.DATABASES['default']['CONN_MAX_AGE'],"
        " 'engine': s.DATABASES['default']['ENGINE'], 'debug': s.DEBUG,"
        " 'hosts': s.ALLOWED_HOSTS, 'mail': s.MAILERS['default']['BACKEND']}))"
    )
    plain = manage("shell", "-c", code, env=production_env())
    redis_s3 = manage("shell", "-c", code, env=production_env(**DEPLOYMENTS["redis, media in s3"]))

    assert plain.returncode == 0, plain.stderr
    got = json.loads(plain.stdout.splitlines()[-1])
    assert got == {
        "cache": "django.core.cache.backends.db.DatabaseCache",
        "session": "config.sessions.db",
        "media": "django.core.files.storage.FileSystemStorage",
        "static": "whitenoise.storage.CompressedManifestStaticFilesStorage",
        "conn_max_age": 60,
        "engine": "django.db.backends.postgresql",
        "debug": False,
        "hosts": ["example.org"],
        "mail": "django.core.mail.backends.smtp.EmailBackend",
    }
    assert redis_s3.returncode == 0, redis_s3.stderr
    got = json.loads(redis_s3.stdout.splitlines()[-1])
    assert got["cache"] == "django.core.cache.backends.redis.RedisCache"
    assert got["session"] == "config.sessions.cached_db"
    assert got["media"] == "storages.backends.s3.S3Storage"


@pytest.mark.parametrize("missing", ["SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL"])
def test_production_refuses_to_start_without(missing):
    env = production_env()
    del env[missing]

    result = manage("check", env=env)

    assert result.returncode != 0
    assert f"needs the {missing} variable" in result.stderr


# --- /healthz -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_health_says_ok_without_a_login(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert (body["status"], body["database"], body["cache"]) == ("ok", "ok", "ok")
    assert "no-cache" in response["Cache-Control"]
    assert "sessionid" not in response.cookies


@pytest.mark.django_db
def test_health_is_get_only(client):
    assert client.post("/healthz").status_code == 405


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_health_says_503_when_the_database_is_unreachable():
    """A real server process with production settings and PostgreSQL on a closed port."""
    env = production_env(
        DATABASE_URL=f"postgres://postgres@127.0.0.1:{_closed_port()}/shishi",
        PGCONNECT_TIMEOUT="3",
    )
    code = (
        "import django, json;"
        "django.setup();"
        "from django.test import Client;"
        "r = Client().get('/healthz', HTTP_HOST='example.org');"
        "print(json.dumps({'status': r.status_code, 'body': r.json()}))"
    )

    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stderr
    got = json.loads(result.stdout.splitlines()[-1])
    # 503, not a redirect to HTTPS: load balancers probe over plain HTTP.
    assert got["status"] == 503
    assert got["body"]["status"] == "error"
    assert got["body"]["database"] == "error: OperationalError"
    # The database cache is on the same server: it fails too, and says so.
    assert got["body"]["cache"].startswith("error: ")
