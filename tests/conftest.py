"""Shared test fixtures."""

import pytest
from django.core.management import call_command


@pytest.fixture
def archive(db):
    """The curated archive (fixtures/archive.json) loaded into the test database."""
    call_command("loaddata", "archive", verbosity=0)
