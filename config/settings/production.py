"""Production: secrets, hosts, the database, the cache and the file store only from the environment.

No state stays in an app process: sessions live in the database (or Redis), the cache in Redis
(REDIS_URL) or the database, uploads on a shared path (MEDIA_ROOT) or in an S3-compatible store
(MEDIA_STORAGE=s3), so any number of app servers can run behind one load balancer.
"""

import os

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import REDIS_URL, env_bool, env_int


def _required(name: str) -> str:
    value = os.environ.get(name, "").strip()
    if not value:
        raise ImproperlyConfigured(f"config.settings.production needs the {name} variable.")
    return value


SECRET_KEY = _required("SECRET_KEY")
DEBUG = False
ALLOWED_HOSTS = [h.strip() for h in _required("ALLOWED_HOSTS").split(",") if h.strip()]

# PostgreSQL from DATABASE_URL (never the SQLite fallback of base.py by accident); connections
# are kept for CONN_MAX_AGE seconds and checked before reuse.
_required("DATABASE_URL")
DATABASES["default"]["CONN_MAX_AGE"] = env_int("CONN_MAX_AGE", 60)  # noqa: F405
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True  # noqa: F405

if not REDIS_URL:
    # Shared by every app server; `manage.py createcachetable` creates the table.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "cache_table",
        }
    }

if STORAGES["default"]["BACKEND"] == "storages.backends.s3.S3Storage":  # noqa: F405
    _required("AWS_STORAGE_BUCKET_NAME")

# Mail (reminders) through SMTP unless EMAIL_BACKEND names another backend.
_mail_backend = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
MAILERS = {"default": {"BACKEND": _mail_backend}}
if _mail_backend == "django.core.mail.backends.smtp.EmailBackend":
    MAILERS["default"]["OPTIONS"] = {
        "host": os.environ.get("EMAIL_HOST", "localhost"),
        "port": env_int("EMAIL_PORT", 0) or None,  # None: 25, 465 (SSL) or 587 (TLS)
        "username": os.environ.get("EMAIL_HOST_USER", ""),
        "password": os.environ.get("EMAIL_HOST_PASSWORD", ""),
        "use_tls": env_bool("EMAIL_USE_TLS", False),
        "use_ssl": env_bool("EMAIL_USE_SSL", False),
        "timeout": env_int("EMAIL_TIMEOUT", 30),
    }

STORAGES["staticfiles"] = {  # noqa: F405
    "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
}
# Static files are fingerprinted (the manifest) and served by WhiteNoise with far-future
# cache headers: no separate web server is needed for them.
WHITENOISE_MAX_AGE = env_int("WHITENOISE_MAX_AGE", 31536000)

# HTTPS is terminated at the load balancer, which sets X-Forwarded-Proto. The *_SECURE and
# SSL redirect switches exist for plain-HTTP runs on the loopback (the load test, the
# two-server test) and default to the secure values.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # load balancers probe over plain HTTP
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", True)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", True)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o]
