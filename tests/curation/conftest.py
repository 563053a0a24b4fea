"""Fixtures shared by the spreadsheet import tests (test_import_*.py).

``media`` is not autouse here, so the rest of this folder is untouched: each import module asks
for it for every test with ``pytest.mark.usefixtures("media")``.
"""

import pytest


@pytest.fixture
def media(settings, tmp_path):
    """Each test its own MEDIA_ROOT, where the file between preview and confirmation waits."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def curator_client(client, curator):
    client.force_login(curator)
    return client
