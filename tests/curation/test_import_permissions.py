"""Who may import and export: curators may, each only with its permission; users outside
the groups are refused and change nothing; anonymous users are sent to log in.
"""

import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import reverse

from practices.curation.imports.spreadsheet import COLUMN_NAMES
from tests.curation.imports_helpers import (
    CONFIRM_URL,
    EXPORT_URL,
    IMPORT_URL,
    TEMPLATE_URL,
    csv_bytes,
    fingerprint,
    page_text,
    preview,
    row,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media")]


# -- permissions ------------------------------------------------------------------------------


def test_a_curator_may_import_and_export(curator_client):
    assert curator_client.get(IMPORT_URL).status_code == 200
    assert curator_client.get(EXPORT_URL).status_code == 200
    page = page_text(curator_client.get(reverse("admin:practices_practice_changelist")))
    assert IMPORT_URL in page and EXPORT_URL in page


def test_without_the_import_permission_import_is_forbidden(curator_client):
    permission = Permission.objects.get(codename="import_practice")
    Group.objects.get(name="curator").permissions.remove(permission)

    assert curator_client.get(IMPORT_URL).status_code == 403
    assert curator_client.get(TEMPLATE_URL).status_code == 403
    assert preview(curator_client, csv_bytes([row()])).status_code == 403
    assert curator_client.post(CONFIRM_URL, {}).status_code == 403
    page = page_text(curator_client.get(reverse("admin:practices_practice_changelist")))
    assert IMPORT_URL not in page
    assert curator_client.get(EXPORT_URL).status_code == 200


def test_without_the_export_permission_export_is_forbidden(curator_client):
    permission = Permission.objects.get(codename="export_practice")
    Group.objects.get(name="curator").permissions.remove(permission)

    assert curator_client.get(EXPORT_URL).status_code == 403
    fields = {f"practiceresource_{name}": "on" for name in COLUMN_NAMES}
    response = curator_client.post(EXPORT_URL, {"format": "0", "resource": "0", **fields})
    assert response.status_code == 403


def test_a_user_outside_the_groups_cannot_import(client, outsider):
    client.force_login(outsider)
    for url in (IMPORT_URL, TEMPLATE_URL, EXPORT_URL):
        response = client.get(url)
        assert response.status_code in (302, 403)
        assert response.status_code == 403 or reverse("admin:login") in response["Location"]
    before = fingerprint()
    preview(client, csv_bytes([row()]))
    assert fingerprint() == before


def test_an_anonymous_user_is_sent_to_login(client):
    response = client.get(IMPORT_URL)
    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]
