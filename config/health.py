"""GET /healthz: is this app server able to serve? For load balancers and monitoring.

Checks the database (SELECT 1) and the cache (a write and a read back); 200 with
{"status": "ok", ...} when both answer, 503 naming what failed otherwise. No login and no
session: the probe runs on every server every few seconds.
"""

import time
import uuid

from django.core.cache import cache
from django.db import DatabaseError, connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


def _database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as exc:
        # The class name only: the message may name hosts and users.
        return f"error: {type(exc).__name__}"
    return "ok"


def _cache() -> str:
    key = f"healthz:{uuid.uuid4().hex}"
    try:
        cache.set(key, "1", timeout=10)
        ok = cache.get(key) == "1"
        cache.delete(key)
    except Exception as exc:  # any backend: redis, database, memory
        return f"error: {type(exc).__name__}"
    return "ok" if ok else "error: value not read back"


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    started = time.perf_counter()
    checks = {"database": _database(), "cache": _cache()}
    healthy = all(value == "ok" for value in checks.values())
    body = {
        "status": "ok" if healthy else "error",
        **checks,
        "ms": round((time.perf_counter() - started) * 1000, 1),
    }
    return JsonResponse(body, status=200 if healthy else 503)
