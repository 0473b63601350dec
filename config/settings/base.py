"""Settings shared by every environment; everything that differs comes from the environment."""

import os
from pathlib import Path

import dj_database_url
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


SECRET_KEY = os.environ.get("SECRET_KEY", "dev-only-insecure-key-change-me")
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = [h for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_tables2",
    "django_filters",
    "simple_history",
    "rules.apps.AutodiscoverRulesConfig",
    "axes",
    "django_tasks_db",
    "projects",
    "progress",
    "importers",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "config.body_limit.RequestBodyLimitMiddleware",  # before anything reads the body
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "projects.context_processors.user_roles",
                "progress.start.context_processors.menu_counts",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=env_int("CONN_MAX_AGE", 0),
        conn_health_checks=True,
    )
}
# SQLite (the demo, development, the benchmarks): the usual production settings instead of
# SQLite's defaults (a rollback journal, an fsync at every step of a commit, a 2 MB page
# cache that an import's 60,000 status rows and their indexes spill to the file before the
# commit). WAL lets readers go on while one process writes (the demo's server and worker
# share the file) and syncs only at checkpoints; synchronous=NORMAL is safe with WAL (a power
# cut can lose the last commits, never corrupt the file); the cache holds an import's pages
# (at most 64 MB per connection, taken only as they are used); temporary b-trees (sorting,
# grouping) stay in memory. BEGIN IMMEDIATE takes the write lock when a transaction starts:
# a second writer then waits up to `timeout` seconds for it, instead of failing at once with
# "database is locked" when a read transaction would have to become a write one (README,
# PostgreSQL). PostgreSQL (production) is left as it is.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                "PRAGMA cache_size=-65536; PRAGMA temp_store=MEMORY"
            ),
            "transaction_mode": "IMMEDIATE",
            "timeout": env_int("SQLITE_TIMEOUT", 20),
        }
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "projects.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Argon2id first (docs/passwords.md): new passwords and every login of a PBKDF2 hash upgrade to it.
PASSWORD_HASHERS = [
    "config.hashers.OwaspArgon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
# Uploads (attachments, import files): a directory that every app server shares (MEDIA_ROOT on
# a network file system), or an S3-compatible object store with MEDIA_STORAGE=s3.
if os.environ.get("MEDIA_STORAGE", "filesystem").strip().lower() == "s3":
    _media_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": os.environ.get("AWS_STORAGE_BUCKET_NAME", ""),
            "endpoint_url": os.environ.get("AWS_S3_ENDPOINT_URL") or None,
            "region_name": os.environ.get("AWS_S3_REGION_NAME") or None,
            "location": os.environ.get("AWS_LOCATION", "media"),
            # Attachments are private: never a public ACL; the app streams them after its
            # access check, so the object store needs no public URL.
            "default_acl": None,
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
    # boto3 reads AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY from the environment itself.
else:
    _media_storage = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
STORAGES = {
    "default": _media_storage,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Cache and sessions: Redis when REDIS_URL is set (sessions then cached_db: read from Redis,
# kept in the database too, so a Redis restart logs nobody out); otherwise this process's
# memory (development and tests; production.py uses the database cache instead) and
# sessions in the database. Either way every app server sees every session. Django's stores,
# with a login's new session written once (config/sessions).
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "shishi"),
        }
    }
    SESSION_ENGINE = "config.sessions.cached_db"
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    SESSION_ENGINE = "config.sessions.db"

# Uploads: the whole import file is held for the preview, so cap it here and in the importer.
IMPORT_MAX_UPLOAD_BYTES = env_int("IMPORT_MAX_UPLOAD_BYTES", 20 * 1024 * 1024)
IMPORT_MAX_UNCOMPRESSED_BYTES = env_int("IMPORT_MAX_UNCOMPRESSED_BYTES", 200 * 1024 * 1024)
IMPORT_MAX_COMPRESSION_RATIO = env_int("IMPORT_MAX_COMPRESSION_RATIO", 200)
IMPORT_MAX_CELLS = env_int("IMPORT_MAX_CELLS", 2_000_000)  # rows x columns of one table
# A re-import that would change or withdraw more than this share of the sub-items a plan
# already has needs a second confirmation (the preview's checkbox, --yes on the command line).
IMPORT_LARGE_CHANGE_SHARE = float(os.environ.get("IMPORT_LARGE_CHANGE_SHARE", "0.2"))
# The web import reads the upload and writes the confirmed import in a worker (importers.jobs).
IMPORT_IN_BACKGROUND = env_bool("IMPORT_IN_BACKGROUND", True)
IMPORT_MAX_ROWS = env_int("IMPORT_MAX_ROWS", 50_000)  # rows of one table (or sheet)
IMPORT_MAX_CELL_CHARS = env_int("IMPORT_MAX_CELL_CHARS", 32_767)  # Excel's own limit for a cell
# .doc files are converted by LibreOffice (soffice) in a subprocess with this time limit.
IMPORT_SOFFICE = os.environ.get("IMPORT_SOFFICE", "soffice")
IMPORT_CONVERT_TIMEOUT = env_int("IMPORT_CONVERT_TIMEOUT", 60)
IMPORT_MAX_PDF_PAGES = env_int("IMPORT_MAX_PDF_PAGES", 500)
IMPORT_MAX_PDF_SECONDS = env_int("IMPORT_MAX_PDF_SECONDS", 60)  # checked after each page
DATA_UPLOAD_MAX_MEMORY_SIZE = IMPORT_MAX_UPLOAD_BYTES + 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

ATTACHMENT_MAX_BYTES = env_int("ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024)  # one file
# The files of one save of the report form together, and all the files of one report.
ATTACHMENT_REQUEST_MAX_BYTES = env_int("ATTACHMENT_REQUEST_MAX_BYTES", 30 * 1024 * 1024)
ATTACHMENT_REPORT_MAX_BYTES = env_int("ATTACHMENT_REPORT_MAX_BYTES", 100 * 1024 * 1024)
# Photos: refused from the image header, before decoding, above this many pixels.
IMAGE_MAX_PIXELS = env_int("IMAGE_MAX_PIXELS", 50_000_000)
# The request body of every page but the two that take files (config.body_limit).
REQUEST_MAX_BYTES = env_int("REQUEST_MAX_BYTES", 2 * 1024 * 1024)

# Background work (docs/jobs.md): django.tasks with django-tasks-db, the tasks stored in the
# database every app server and worker shares; `manage.py jobs_worker` runs them (workers on
# PostgreSQL claim tasks with SELECT ... FOR UPDATE SKIP LOCKED).
TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default"],
    }
}
# A running job's worker writes a heartbeat this often; a job whose heartbeat is older than
# JOBS_STALE_SECONDS lost its worker (killed, machine gone): a worker's sweep retries it when
# it is safe to run again, or marks it failed.
JOBS_HEARTBEAT_SECONDS = float(os.environ.get("JOBS_HEARTBEAT_SECONDS", "2"))
JOBS_STALE_SECONDS = float(os.environ.get("JOBS_STALE_SECONDS", "60"))
JOBS_MAX_ATTEMPTS = env_int("JOBS_MAX_ATTEMPTS", 3)
# Exports of more rows than this run in the background (the whole jurisdiction's lists always);
# the file is kept in the media store for EXPORT_KEEP_HOURS.
EXPORT_BACKGROUND_ROWS = env_int("EXPORT_BACKGROUND_ROWS", 2000)

# 我的填报: rows of the items to report (and of the co-operations) per page; a unit leads up to
# a thousand items (issue 14), the per-plan summary above the table counts them all.
MY_REPORTS_PAGE_SIZE = env_int("MY_REPORTS_PAGE_SIZE", 100)
EXPORT_KEEP_HOURS = env_int("EXPORT_KEEP_HOURS", 24)
# 催报 from the missing-reports page is sent by a worker (progress.reminders.jobs).
REMINDERS_IN_BACKGROUND = env_bool("REMINDERS_IN_BACKGROUND", True)
# An admin's correction touching more sub-items than this refreshes their statuses in a worker.
STATUS_BACKGROUND_ITEMS = env_int("STATUS_BACKGROUND_ITEMS", 500)

# Status rules (docs/status.md): thresholds of actual / expected, and the reporting deadline.
STATUS_LAGGING_BELOW = float(os.environ.get("STATUS_LAGGING_BELOW", "0.95"))
STATUS_AHEAD_ABOVE = float(os.environ.get("STATUS_AHEAD_ABOVE", "1.05"))
REPORT_DEADLINE_DAY = env_int("REPORT_DEADLINE_DAY", 5)

SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.NONCE],
    "img-src": [CSP.SELF, "data:"],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
}

# axes' database handler; a successful login asks once whether it has failures to delete
# (config/login_attempts.py).
AXES_HANDLER = "config.login_attempts.LoginAttemptsHandler"
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = 1  # hours
# Lock a username from one address: colleagues behind one office IP keep their access.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# A successful login forgets the user's failures (from that address): a typo next week is not
# the last straw. An administrator unlocks a user with `manage.py axes_reset_username <name>`
# or by deleting the user's rows under Axes > Access attempts in the admin site (README).
AXES_RESET_ON_SUCCESS = True
# The client address, through django-ipware: REMOTE_ADDR, unless TRUSTED_PROXY_COUNT says how
# many proxies (load balancer, nginx) stand in front. Then X-Forwarded-For, as the proxies write
# it: the first one puts the client's address there, each further one appends the address of
# the proxy before it, so the header holds the client and TRUSTED_PROXY_COUNT - 1 proxies
# (ipware's proxy count; a header of any other length, which a client wrote itself, is not
# believed and REMOTE_ADDR is used). Without a proxy the header is never read.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
AXES_IPWARE_PROXY_COUNT = TRUSTED_PROXY_COUNT - 1 if TRUSTED_PROXY_COUNT else None
AXES_IPWARE_PROXY_ORDER = "right-most"
AXES_IPWARE_META_PRECEDENCE_ORDER = (
    ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR") if TRUSTED_PROXY_COUNT else ("REMOTE_ADDR",)
)
CSRF_FAILURE_VIEW = "config.errors.csrf_failure"

# Django 6.1 mailers (EMAIL_BACKEND is deprecated): console in the demo, SMTP etc. from the environment.
MAILERS = {
    "default": {
        "BACKEND": os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
    },
}
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "shishi@localhost")

# Group robots and e-mail channels (progress/channels, docs/channels.md). Webhook URLs and
# signing secrets are stored encrypted with Fernet; CHANNELS_SECRET_KEY is one key or several
# separated by commas (the first encrypts, all decrypt: rotate by putting the new one first).
# Unset, a key derived from SECRET_KEY is used (development only: changing SECRET_KEY then makes
# the stored secrets unreadable).
CHANNELS_SECRET_KEY = os.environ.get("CHANNELS_SECRET_KEY", "")
CHANNELS_RATE_LIMIT = env_int(
    "CHANNELS_RATE_LIMIT", 20
)  # posts per robot per window (both robots: 20/min)
CHANNELS_RATE_WINDOW = float(os.environ.get("CHANNELS_RATE_WINDOW", "60"))  # seconds
CHANNELS_RATE_MAX_WAIT = float(os.environ.get("CHANNELS_RATE_MAX_WAIT", "90"))  # then give up
CHANNELS_TIMEOUT = float(os.environ.get("CHANNELS_TIMEOUT", "10"))  # seconds per HTTP post
CHANNELS_ATTEMPTS = env_int("CHANNELS_ATTEMPTS", 3)  # tries of one message per channel
CHANNELS_BACKOFF = float(os.environ.get("CHANNELS_BACKOFF", "2"))  # seconds, doubled per retry
# The only hosts a webhook may name (no other address is ever posted to); http only for the
# hosts of CHANNELS_WEBHOOK_HTTP_HOSTS (the tests' local robots).
CHANNELS_WEBHOOK_HOSTS = {"wecom": ("qyapi.weixin.qq.com",), "dingtalk": ("oapi.dingtalk.com",)}
CHANNELS_WEBHOOK_HTTP_HOSTS: tuple[str, ...] = ()
# The address of the site in messages' links (robots' readers are not on a request).
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

DJANGO_TABLES2_TEMPLATE = "django_tables2/table.html"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}

# Supervision (docs/supervision.md): the 红黄绿 lights, the data-quality flags, the scorecard.
LIGHT_RED_BELOW = float(
    os.environ.get("LIGHT_RED_BELOW", "0.85")
)  # yellow below STATUS_LAGGING_BELOW
LIGHT_RED_OVERDUE_DAYS = env_int("LIGHT_RED_OVERDUE_DAYS", 30)
LIGHT_RED_RUN = env_int("LIGHT_RED_RUN", 2)  # lagging or missing this many periods running: red
FLAG_SIMILAR_AT = float(os.environ.get("FLAG_SIMILAR_AT", "0.9"))
# score = 100 - 100 * sum(weight * count) / items led, per unit and month (never below 0)
SCORECARD_WEIGHTS = {
    "late": float(os.environ.get("SCORECARD_WEIGHT_LATE", "0.5")),
    "missing": float(os.environ.get("SCORECARD_WEIGHT_MISSING", "1")),
    "returned": float(os.environ.get("SCORECARD_WEIGHT_RETURNED", "0.3")),
    "lagging": float(os.environ.get("SCORECARD_WEIGHT_LAGGING", "0.3")),
    "red": float(os.environ.get("SCORECARD_WEIGHT_RED", "0.5")),
    "overdue": float(os.environ.get("SCORECARD_WEIGHT_OVERDUE", "1")),
}
NOTICE_ATTACHMENT_MAX_BYTES = env_int("NOTICE_ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024)
