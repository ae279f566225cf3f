"""Production settings fail loudly when their required environment is missing."""

import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.db import connection

SETUP = "import django; django.setup(); from django.conf import settings; print(settings.DEBUG)"


def run_settings(**env):
    clean = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    clean.update(env)
    return subprocess.run(
        [sys.executable, "-c", SETUP],
        env={**clean, "DJANGO_SETTINGS_MODULE": "archive.settings"},
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_development_needs_no_environment():
    result = run_settings()
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "True"


def test_production_without_secret_and_hosts_refuses_to_start():
    result = run_settings(DJANGO_DEBUG="0")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY, DJANGO_ALLOWED_HOSTS is not set" in result.stderr


def test_production_with_its_environment_starts():
    result = run_settings(
        DJANGO_DEBUG="false", DJANGO_SECRET_KEY="x" * 50, DJANGO_ALLOWED_HOSTS="parley.example"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


def test_a_malformed_debug_flag_is_an_error():
    result = run_settings(DJANGO_DEBUG="maybe")
    assert result.returncode != 0
    assert "DJANGO_DEBUG must be one of" in result.stderr


def test_database_url_selects_the_engine():
    assert settings.DATABASES["default"]["ENGINE"] in {
        "django.db.backends.sqlite3",
        "django.db.backends.postgresql",
    }
    expected = (
        "postgresql" if os.environ.get("DATABASE_URL", "").startswith("postgres") else "sqlite3"
    )
    assert settings.DATABASES["default"]["ENGINE"].endswith(expected)


CACHE_SETUP = (
    "import django; django.setup(); from django.conf import settings; "
    "c = settings.CACHES['default']; print(c['BACKEND'], c.get('LOCATION', ''))"
)


def test_a_file_cache_is_shared_through_a_directory(tmp_path):
    result = subprocess.run(
        [sys.executable, "-c", CACHE_SETUP],
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "archive.settings",
             "PARLEY_CACHE": f"file:{tmp_path}/counts"},
        cwd=settings.BASE_DIR, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "articles.cache_backend.SometimesCulledFileCache",
        str(tmp_path / "counts"),
    ]


def test_an_unknown_cache_is_an_error():
    result = run_settings(PARLEY_CACHE="file:")
    assert result.returncode != 0
    assert "PARLEY_CACHE='file:': use 'db', 'locmem', 'file:<directory>'" in result.stderr


def test_the_wsgi_entry_point_loads_the_site_and_freezes_it_out_of_the_collector():
    code = (
        "import gc, sys; import archive.wsgi; "
        "print(gc.get_freeze_count() > 10_000, 'articles.views' in sys.modules)"
    )
    result = run_setup(code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "True"]


DB_OPTIONS_SETUP = (
    "import django; django.setup(); from django.conf import settings; "
    "print(settings.DATABASES['default'].get('OPTIONS', {}).get('options'))"
)


def run_setup(code, **env):
    """``code`` run in a fresh process with these settings' environment, and ``env``."""
    return subprocess.run(
        [sys.executable, "-c", code],
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "archive.settings", **env},
        cwd=settings.BASE_DIR, capture_output=True, text=True, timeout=60,
    )  # fmt: skip


def run_db_options(**env):
    return run_setup(DB_OPTIONS_SETUP, **env)


def test_postgresql_reads_heap_pages_ahead():
    pg = "postgres://postgres@127.0.0.1:5432/parley_settings_check"
    assert run_db_options(DATABASE_URL=pg).stdout.split() == ["-c", "effective_io_concurrency=128"]
    tuned = run_db_options(DATABASE_URL=pg, PARLEY_PG_IO_CONCURRENCY="32")
    assert tuned.stdout.split() == ["-c", "effective_io_concurrency=32"]
    # Options given in the URL itself win.
    own = run_db_options(DATABASE_URL=pg + "?options=-c%20work_mem%3D8MB")
    assert own.stdout.split() == ["-c", "work_mem=8MB"]
    # SQLite has no such setting.
    sqlite = run_db_options(DATABASE_URL="sqlite:///:memory:")
    assert sqlite.stdout.strip() == "None"


def test_a_malformed_io_concurrency_is_an_error():
    pg = "postgres://postgres@127.0.0.1:5432/parley_settings_check"
    result = run_db_options(DATABASE_URL=pg, PARLEY_PG_IO_CONCURRENCY="lots")
    assert result.returncode != 0
    assert "PARLEY_PG_IO_CONCURRENCY='lots': use a whole number from 0 to 1000." in result.stderr


@pytest.mark.skipif(connection.vendor != "postgresql", reason="a PostgreSQL setting")
def test_the_connection_runs_with_read_ahead(db):
    with connection.cursor() as cursor:
        cursor.execute("SHOW effective_io_concurrency")
        assert cursor.fetchone() == ("128",)


MMAP_SETUP = (
    "import django; django.setup(); from django.db import connection; "
    "cursor = connection.cursor(); cursor.execute('PRAGMA mmap_size'); print(cursor.fetchone()[0])"
)


def run_mmap(**env):
    return run_setup(MMAP_SETUP, **env)


def test_sqlite_maps_the_database_file(tmp_path):
    url = f"sqlite:///{tmp_path / 'parley.sqlite3'}"
    mapped = run_mmap(DATABASE_URL=url)
    assert mapped.returncode == 0, mapped.stderr
    assert mapped.stdout.strip() == str(1024 * 1024 * 1024)
    assert run_mmap(DATABASE_URL=url, PARLEY_SQLITE_MMAP_MB="64").stdout.strip() == str(64 << 20)
    assert run_mmap(DATABASE_URL=url, PARLEY_SQLITE_MMAP_MB="0").stdout.strip() == "0"


def test_a_malformed_sqlite_mmap_size_is_an_error(tmp_path):
    url = f"sqlite:///{tmp_path / 'parley.sqlite3'}"
    result = run_mmap(DATABASE_URL=url, PARLEY_SQLITE_MMAP_MB="-1")
    assert result.returncode != 0
    assert "PARLEY_SQLITE_MMAP_MB='-1': use a whole number of megabytes" in result.stderr
