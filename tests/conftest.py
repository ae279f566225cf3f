"""Shared test fixtures."""

import pytest
from django.core.management import call_command


@pytest.fixture
def archive(db):
    """The curated archive (fixtures/archive.json) loaded into the test database."""
    call_command("loaddata", "archive", verbosity=0)


@pytest.fixture(autouse=True)
def _forget_held_rows():
    """Each test starts with nothing held in its process's memory: no speakers, events or
    outlets (articles/dimensions.py) and no kept values (settings: CACHES["process"]).

    Both are held per archive version, and a test's writes are rolled back to the version the
    next test starts from: without this, a page's queries would depend on the tests before it.
    """
    from django.conf import settings
    from django.core.cache import caches

    from articles import dimensions

    dimensions.forget()
    if "process" in settings.CACHES:
        caches["process"].clear()
