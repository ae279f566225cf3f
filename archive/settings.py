"""Settings for Parley: one env-driven module with safe development defaults.

Development needs no environment at all (SQLite file beside manage.py, DEBUG on).
Production sets DJANGO_DEBUG=0 and must then provide DJANGO_SECRET_KEY and
DJANGO_ALLOWED_HOSTS, or the process refuses to start.
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    """Read a boolean environment variable ("1/true/yes/on" or "0/false/no/off")."""
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(
        f"{name} must be one of 1/0/true/false/yes/no/on/off, not {value!r}."
    )


def env_whole(name: str, default: int, most: int, unit: str = "") -> int:
    """Read a whole number from 0 to ``most`` from the environment; anything else stops here."""
    value = os.environ.get(name, str(default))
    if not (value.isdigit() and int(value) <= most):
        of = f" of {unit}" if unit else ""
        raise ImproperlyConfigured(f"{name}={value!r}: use a whole number{of} from 0 to {most}.")
    return int(value)


DEBUG = env_bool("DJANGO_DEBUG", True)

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
ALLOWED_HOSTS = [
    h.strip() for h in os.environ.get("DJANGO_ALLOWED_HOSTS", "").split(",") if h.strip()
]
if DEBUG:
    SECRET_KEY = SECRET_KEY or "django-insecure-development-only-key"
    ALLOWED_HOSTS = ALLOWED_HOSTS or ["127.0.0.1", "localhost", "testserver", "[::1]"]
else:
    missing = [
        name
        for name, value in (
            ("DJANGO_SECRET_KEY", SECRET_KEY),
            ("DJANGO_ALLOWED_HOSTS", ALLOWED_HOSTS),
        )
        if not value
    ]
    if missing:
        raise ImproperlyConfigured(
            f"DJANGO_DEBUG is off (production) but {', '.join(missing)} is not set. "
            "Set it in the environment, or set DJANGO_DEBUG=1 for development."
        )

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    # Before staticfiles so runserver serves static files the way production does.
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django_filters",
    "articles",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "articles.middleware.archive_version_once",
]

ROOT_URLCONF = "archive.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

WSGI_APPLICATION = "archive.wsgi.application"

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DJANGO_CONN_MAX_AGE", "60")),
        # On a kept connection a read-only request's version read is the check
        # (articles.middleware.version_first); other requests get Django's SELECT 1.
        conn_health_checks=True,
    )
}

if DATABASES["default"]["ENGINE"].endswith("postgresql"):
    # A search or facet count reads its matches' heap pages by bitmap, in page order. With the
    # default effective_io_concurrency of 1 PostgreSQL reads a page not in memory only once it
    # needs it; told to read ahead (posix_fadvise) it keeps that many reads in flight. At 1M
    # quotes a mid-frequency word's ranking read ~1,700 pages: 124 ms median with 1, 12.5 ms
    # with 128, the heap file dropped from the OS cache first (bench/RESULTS.md). PostgreSQL's
    # own advice for SSDs is "in the hundreds". PARLEY_PG_IO_CONCURRENCY overrides; a
    # DATABASE_URL that sets ?options= is left as it is.
    _io = env_whole("PARLEY_PG_IO_CONCURRENCY", 128, 1000)
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
        "options", f"-c effective_io_concurrency={_io}"
    )

if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # SQLite reads every page with a read() into its own cache of 2 MB per connection; a first
    # search's ranking and facets each visit a row per match, most not in that cache. Mapped,
    # the pages are read from the OS's cache in place, shared by every worker: its SQL took
    # 21.3-23.9 ms p50 read and 19.8-21.5 mapped at 100,000 quotes (docs/scaling.md). Only
    # address space: the file's pages stay the OS's. PARLEY_SQLITE_MMAP_MB=0 turns it off.
    _mmap = env_whole("PARLEY_SQLITE_MMAP_MB", 1024, 1_048_576, unit="megabytes")
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
        "init_command", f"PRAGMA mmap_size={_mmap * 1024 * 1024}"
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Facet counts over large sets are kept in the cache (articles/facet_counts.py), keyed by the
# archive's version token (migrations 0005, 0007), so they are never served for rows that
# changed. On PostgreSQL the default cache is a table in the same database: shared by every
# worker, it needs no other server, and one worker's count serves all. With SQLite (one
# developer, small archives) each process's own memory is enough. PARLEY_CACHE overrides:
# "db", "locmem", "file:<directory>" (files every process on the machine shares: SQLite
# served by several workers, where per-process memory made each worker pay every first visit
# again), or a redis:// URL (Django's Redis backend; needs the redis package).
_cache = os.environ.get(
    "PARLEY_CACHE", "db" if DATABASES["default"]["ENGINE"].endswith("postgresql") else "locmem"
)
if _cache == "db":
    CACHES = {
        "default": {
            "BACKEND": "articles.cache_backend.UpsertDatabaseCache",
            "LOCATION": "parley_cache",
            # Counts of a few thousand filter combinations; culling a third at a time.
            "OPTIONS": {"MAX_ENTRIES": 20_000, "CULL_FREQUENCY": 3},
        }
    }
elif _cache.startswith(("redis://", "rediss://")):
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": _cache}
    }
elif _cache.startswith("file:") and _cache[len("file:") :].strip():
    CACHES = {
        "default": {
            "BACKEND": "articles.cache_backend.SometimesCulledFileCache",
            "LOCATION": str(Path(_cache[len("file:") :]).expanduser().resolve()),
            "OPTIONS": {"MAX_ENTRIES": 20_000, "CULL_FREQUENCY": 3},
        }
    }
elif _cache == "locmem":
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
else:
    raise ImproperlyConfigured(
        f"PARLEY_CACHE={_cache!r}: use 'db', 'locmem', 'file:<directory>' or a redis:// URL."
    )
# What is kept under the archive's version never changes under its key (the key names the
# version), so each process also holds the values it last read or wrote in its own memory, in
# front of a shared cache (articles/facet_counts.py): a read there is a query (db), a file
# (file:) or a round trip (redis), ~0.5 ms each, and a page makes one to four.
CACHES["process"] = {
    "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
    "LOCATION": "parley-process",
    "OPTIONS": {"MAX_ENTRIES": 5_000, "CULL_FREQUENCY": 3},
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"
# The site and its admin are written in one language, British English, with no translations
# of their own. Without the translation machinery, which Django's settings reference advises
# turning off then, every gettext and every get_language() in a page is a plain return: the
# quote list took 10.5 against 12.1 ms in-process at 1M quotes (median of six alternating
# rounds). Formats still come from en_GB (dates "7 Dec 2026").
USE_I18N = False
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        # Hashed names and compression in production; tests and DEBUG use plain storage so
        # no collectstatic run is needed before them.
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage",
    },
}

FIXTURE_DIRS = [BASE_DIR / "fixtures"]

SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
if not DEBUG:
    SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", True)
    CSRF_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", True)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "WARNING")},
}
