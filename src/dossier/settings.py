"""Django settings, read from the environment (DOSSIER_*)."""

import json
import os
from contextlib import suppress
from pathlib import Path
from typing import Any

import dj_database_url

from dossier.core.log_redaction import REQUEST_LOGGERS

BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(os.environ.get("DOSSIER_DATA_DIR", Path.cwd() / "data"))


def _flag(name: str, default: bool = False) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in ("1", "true", "yes", "on")


DEBUG = _flag("DOSSIER_DEBUG")
# An unset key is only acceptable for development; `dossier serve` warns about it.
SECRET_KEY = os.environ.get(
    "DOSSIER_SECRET_KEY", "dossier-insecure-development-key-change-me-0123456789"
)
ALLOWED_HOSTS = [
    h.strip()
    for h in os.environ.get("DOSSIER_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",")
    if h.strip()
]
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in os.environ.get("DOSSIER_CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()
]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_tasks",
    "django_tasks_db",
    "ninja",  # its local Swagger UI assets for /api/v1/docs
    "dossier.core",
    "dossier.protection",
    "dossier.audit",
    "dossier.outbox",
    "dossier.backup",
    "dossier.accounts",
    "dossier.templates",
    "dossier.savedviews",
    "dossier.customers",
    "dossier.consent",
    "dossier.activity",
    "dossier.followups",
    "dossier.verification",
    "dossier.interactions",
    "dossier.feedback",
    "dossier.tickets",
    "dossier.webhooks",
    "dossier.pipeline",
    "dossier.campaigns",
    "dossier.loyalty",
    "dossier.quality",
    "dossier.cleaning",
    "dossier.orders",
    "dossier.transfer",
    "dossier.capture",
    "dossier.outreach",
    "dossier.matching",
    "dossier.privacy",
    "dossier.insights",
    "dossier.overview",
    "dossier.home",
    "dossier.bulk",
    "dossier.ops",
    "dossier.site",
]

MIDDLEWARE = [
    # first, so every log line of the request carries its id and every answer is counted
    "dossier.ops.middleware.RequestIdMiddleware",
    "dossier.ops.middleware.RequestMetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # assets straight from the worker processes: no separate web server needed
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "dossier.core.middleware.SecurityHeadersMiddleware",
    # Django's session, CSRF, log-in and messages middleware, run for pages only: the API
    # (/api/) authenticates by token and reads no cookie (core.middleware.PagesOnly)
    "dossier.core.middleware.PagesSessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "dossier.core.middleware.PagesCsrfViewMiddleware",
    "dossier.core.middleware.PagesAuthenticationMiddleware",
    "dossier.core.middleware.PagesLoginRequiredMiddleware",
    "dossier.core.middleware.PagesMessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "dossier.urls"
WSGI_APPLICATION = "dossier.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]

DATA_DIR_DEFAULT_DB = f"sqlite:///{DATA_DIR / 'dossier.sqlite3'}"


def database(url: str, *, pool_size: int = 4) -> dict[str, Any]:
    """The database a URL names: PostgreSQL through a bounded connection pool per process,
    SQLite in WAL mode with a busy timeout (several processes share the file)."""
    config: dict[str, Any] = dict(dj_database_url.parse(url, conn_max_age=60))
    if config["ENGINE"] == "django.db.backends.postgresql":
        # Each process holds at most pool_size connections (`dossier serve` sets it to its
        # threads), so the server never has more than workers × threads. The pool keeps them
        # open; Django refuses CONN_MAX_AGE beside it.
        config["CONN_MAX_AGE"] = 0
        pool = {"min_size": min(2, pool_size), "max_size": pool_size, "timeout": 10}
        config["OPTIONS"] = {**config.get("OPTIONS", {}), "pool": pool}
    elif config["ENGINE"] == "django.db.backends.sqlite3":
        # a fresh checkout has no data folder yet; SQLite will not create it
        Path(config["NAME"]).parent.mkdir(parents=True, exist_ok=True)
        # Django's SQLite backend, knowing the real limit of parameters a statement (bulk writes)
        config["ENGINE"] = "dossier.core.sqlite"
        config["OPTIONS"] = {
            # WAL lets the worker and the web server read while the other writes.
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,  # seconds a write waits for another process's
        }
        # tests run in memory, named so (pytest-xdist would otherwise derive a file name for
        # each of its workers from this engine, which it does not know for SQLite)
        config["TEST"] = {"NAME": ":memory:"}
    return config


DATABASES = {
    "default": database(
        os.environ.get("DOSSIER_DATABASE_URL", DATA_DIR_DEFAULT_DB),
        pool_size=int(os.environ.get("DOSSIER_DB_POOL_SIZE", "4")),
    )
}
# Streaming replicas (comma-separated URLs) take the reads (core/replicas.py); under tests each
# mirrors the default database, so the suite runs unchanged with them configured.
for _index, _url in enumerate(
    url.strip() for url in os.environ.get("DOSSIER_REPLICA_URLS", "").split(",") if url.strip()
):
    DATABASES[f"replica_{_index}"] = {
        **database(_url, pool_size=int(os.environ.get("DOSSIER_DB_POOL_SIZE", "4"))),
        "TEST": {"MIRROR": "default"},
    }
DOSSIER_REPLICA_STICKY_SECONDS = float(os.environ.get("DOSSIER_REPLICA_STICKY_SECONDS", "5"))
if len(DATABASES) > 1:
    DATABASE_ROUTERS = ["dossier.core.replicas.ReplicaRouter"]
    # first after the request id: every read of the request, the session's too, is routed
    MIDDLEWARE.insert(2, "dossier.core.replicas.ReplicaStickinessMiddleware")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"


def cache_config(url: str) -> dict[str, Any]:
    """The shared cache a URL names: Redis (``redis://``, ``rediss://``), this process's memory
    (``locmem://``: one process only), or, unset, the database's table ``dossier_cache``.

    Log-in lock-outs, API rate limits and the capture throttle count in it, so every worker
    process must see the same one: a per-process memory would let each worker count apart.
    """
    scheme = url.partition("://")[0].lower()
    if not url:
        return {"BACKEND": "dossier.core.cache.AtomicDatabaseCache", "LOCATION": CACHE_TABLE}
    if scheme in ("redis", "rediss", "unix"):
        return {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url}
    if scheme == "locmem":
        return {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    raise ValueError(f"DOSSIER_CACHE_URL: {url!r} is not redis://, rediss://, unix:// or locmem://")


CACHE_TABLE = "dossier_cache"
CACHES = {
    "default": {
        **cache_config(os.environ.get("DOSSIER_CACHE_URL", "").strip()),
        # several installations (or test runs) sharing one Redis keep their counts apart
        "KEY_PREFIX": os.environ.get("DOSSIER_CACHE_PREFIX", ""),
    }
}

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 8},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "core" / "locale"]
USE_I18N = True
AUTHENTICATION_BACKENDS = ["dossier.accounts.auth.UsernameBackend"]
TIME_ZONE = os.environ.get("DOSSIER_TIME_ZONE", "Asia/Shanghai")
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # collectstatic also writes gzipped copies, which WhiteNoise sends to browsers that take them
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# `dossier serve` collects the assets into STATIC_ROOT and tells its workers so; everywhere
# else (tests, a development run) WhiteNoise finds them in the apps, with no collectstatic.
WHITENOISE_USE_FINDERS = not _flag("DOSSIER_STATIC_COLLECTED")
with suppress(OSError):  # WhiteNoise warns on every start when the folder is missing
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = _flag("DOSSIER_SECURE_COOKIES")
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_AGE = 60 * 60 * 12
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

TASKS = {
    "default": {
        "BACKEND": os.environ.get("DOSSIER_TASK_BACKEND", "django_tasks_db.DatabaseBackend")
    }
}

# Keys for field encryption and blind indexes. Development falls back to keys derived from
# SECRET_KEY; production sets DOSSIER_KEYS (or DOSSIER_KEY_FILE): "id:base64key,id:base64key",
# the first is current, the others still decrypt.
DOSSIER_KEYS = os.environ.get("DOSSIER_KEYS", "")
# seconds a running import may go without committing a batch before a worker takes it over
DOSSIER_IMPORT_STALE_SECONDS = int(os.environ.get("DOSSIER_IMPORT_STALE_SECONDS", "120"))
# processes preparing an import's rows (validation, encryption); 0: one per core
# days a finished import keeps its failed rows' values and its undo data
DOSSIER_IMPORT_KEEP_DAYS = int(os.environ.get("DOSSIER_IMPORT_KEEP_DAYS", "30"))
DOSSIER_IMPORT_PROCESSES = int(os.environ.get("DOSSIER_IMPORT_PROCESSES", "0"))
# duplicate scan: processes preparing and comparing (0: one per core; 1: in the worker itself)
DOSSIER_DEDUP_PROCESSES = int(os.environ.get("DOSSIER_DEDUP_PROCESSES", "0"))
# survivorship rule "trusted": customer sources, most trusted first
DOSSIER_TRUSTED_SOURCES = [
    s.strip() for s in os.environ.get("DOSSIER_TRUSTED_SOURCES", "store,app,web").split(",") if s
]
DOSSIER_KEY_FILE = os.environ.get("DOSSIER_KEY_FILE", "")
DOSSIER_INDEX_KEY = os.environ.get("DOSSIER_INDEX_KEY", "")
# Backups: base64 32-byte key; unset, it is derived from the current data key.
DOSSIER_BACKUP_KEY = os.environ.get("DOSSIER_BACKUP_KEY", "")

NINJA_PAGINATION_PER_PAGE = 50

# Webhooks: targets on private, loopback, link-local … addresses are refused (SSRF) unless
# allowed here (a closed network, tests); plain http:// targets likewise.
DOSSIER_WEBHOOKS_ALLOW_PRIVATE = _flag("DOSSIER_WEBHOOKS_ALLOW_PRIVATE")
DOSSIER_WEBHOOKS_ALLOW_HTTP = _flag("DOSSIER_WEBHOOKS_ALLOW_HTTP")
DOSSIER_WEBHOOKS_MAX_ATTEMPTS = int(os.environ.get("DOSSIER_WEBHOOKS_MAX_ATTEMPTS", "6"))
DOSSIER_WEBHOOKS_TIMEOUT = float(os.environ.get("DOSSIER_WEBHOOKS_TIMEOUT", "5"))
# API rate limits per token (and per address for calls without a valid token), e.g. "600/m"
# Proxies (IPs or CIDRs, comma-separated) whose X-Forwarded-For names the client's address;
# without them the header is ignored, so a client cannot pick its own address.
DOSSIER_TRUSTED_PROXIES = [
    p.strip() for p in os.environ.get("DOSSIER_TRUSTED_PROXIES", "").split(",") if p.strip()
]
DOSSIER_API_RATE = os.environ.get("DOSSIER_API_RATE", "1200/m")
# Each worker process adds its API calls to the shared count in batches of this many (one
# shared write per batch, not per call): with P processes a token may get about P x this
# many calls beyond its limit in a window; a process alone, or a limit this small, is exact.
# 1 sends every call.
DOSSIER_API_RATE_BATCH = int(os.environ.get("DOSSIER_API_RATE_BATCH", "20"))
DOSSIER_API_ANON_RATE = os.environ.get("DOSSIER_API_ANON_RATE", "120/m")
# An open opportunity with no move or change for this many days gets a follow-up task
# (`dossier pipeline stale`, daily from cron).
DOSSIER_STALE_OPPORTUNITY_DAYS = int(os.environ.get("DOSSIER_STALE_OPPORTUNITY_DAYS", "14"))
# service tickets: hours to the SLA due time by priority ("urgent=4,high=8,normal=24,low=72";
# priorities left out keep those), and days from closing a ticket to its return visit (回访)
DOSSIER_TICKET_SLA_HOURS = os.environ.get("DOSSIER_TICKET_SLA_HOURS", "")
DOSSIER_TICKET_FOLLOW_UP_DAYS = os.environ.get("DOSSIER_TICKET_FOLLOW_UP_DAYS", "3")
if SESSION_COOKIE_SECURE:
    SECURE_HSTS_SECONDS = int(os.environ.get("DOSSIER_HSTS_SECONDS", "31536000"))
    SECURE_SSL_REDIRECT = _flag("DOSSIER_SSL_REDIRECT")
    # load balancers probe over plain HTTP inside the network (dossier.ops)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]

# Request paths are logged without query values or self-service tokens (core.log_redaction):
# on the loggers that write them, and on every handler, whatever logger a record came from.
# Every record reaching a handler also gets the request's id (ops.logs, ops.middleware);
# DOSSIER_LOG_FORMAT=json writes one JSON object a line with it, the default keeps the text.
_REDACT = {"filters": ["redact_paths"]}
_HANDLER_FILTERS = {"filters": ["redact_paths", "request_id"]}
_JSON_LOGS = os.environ.get("DOSSIER_LOG_FORMAT", "").strip().lower() == "json"
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "redact_paths": {"()": "dossier.core.log_redaction.RedactRequestPaths"},
        "request_id": {"()": "dossier.ops.logs.RequestIdFilter"},
    },
    "formatters": {
        "django.server": {
            "()": "django.utils.log.ServerFormatter",
            "format": "[{server_time}] {message}",
            "style": "{",
        },
        "json": {"()": "dossier.ops.logs.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            **_HANDLER_FILTERS,
            **({"formatter": "json"} if _JSON_LOGS else {}),
        },
        # runserver's access log (Django's own handler, redacted)
        "django.server": {
            "level": "INFO",
            "class": "logging.StreamHandler",
            "formatter": "json" if _JSON_LOGS else "django.server",
            **_HANDLER_FILTERS,
        },
    },
    "loggers": {
        "django.server": {
            "handlers": ["django.server"],
            "level": "INFO",
            "propagate": False,
            **_REDACT,
        },
        **{name: dict(_REDACT) for name in REQUEST_LOGGERS},
    },
    "root": {"handlers": ["console"], "level": os.environ.get("DOSSIER_LOG_LEVEL", "WARNING")},
}
# Operations (dossier.ops): /metrics answers a bearer token equal to this; unset, it answers
# only loopback and private addresses. /readyz fails with more queued tasks than the bound.
DOSSIER_METRICS_TOKEN = os.environ.get("DOSSIER_METRICS_TOKEN", "")
DOSSIER_READY_MAX_BACKLOG = int(os.environ.get("DOSSIER_READY_MAX_BACKLOG", "1000"))

# grade thresholds per template scenario, over the built-in ones (insights.grading):
# {"retail_member": {"A": [20000, 20000], "B": [5000, 5000], "C": [1000, 1000]}}, each
# [minimum spend, minimum 12-month lifetime value]
DOSSIER_GRADE_THRESHOLDS = json.loads(os.environ.get("DOSSIER_GRADE_THRESHOLDS", "{}"))
# birthday greetings: tasks made this many days ahead, for customers who consented to this
# purpose on a contact channel
DOSSIER_BIRTHDAY_DAYS_AHEAD = int(os.environ.get("DOSSIER_BIRTHDAY_DAYS_AHEAD", "3"))
DOSSIER_BIRTHDAY_PURPOSE = os.environ.get("DOSSIER_BIRTHDAY_PURPOSE", "marketing")
# a loyalty coupon campaign (its id) whose coupon each greeted customer gets; none: no coupon
DOSSIER_BIRTHDAY_COUPON_CAMPAIGN = os.environ.get("DOSSIER_BIRTHDAY_COUPON_CAMPAIGN") or None

# Workers (dossier.ops.workers): a worker silent this long has lost the task it ran; the task
# goes back to the queue, and fails once it has been lost this many times.
DOSSIER_WORKER_LEASE_SECONDS = int(os.environ.get("DOSSIER_WORKER_LEASE_SECONDS", "300"))
DOSSIER_WORKER_MAX_ATTEMPTS = int(os.environ.get("DOSSIER_WORKER_MAX_ATTEMPTS", "3"))
