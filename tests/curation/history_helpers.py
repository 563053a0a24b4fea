"""The admin's addresses and the edit the history tests (test_history_pages.py,
test_history_details.py, test_restore_deleted_practice.py) share."""

from django.urls import reverse

from tests.curation.admin_form import form_data


def change_url(practice) -> str:
    return reverse("admin:practices_practice_change", args=[practice.pk])


def history_url(practice_or_id) -> str:
    pk = getattr(practice_or_id, "pk", practice_or_id)
    return reverse("admin:practices_practice_history", args=[pk])


def edit(client, practice, change) -> dict:
    """Open the practice's admin page, let ``change`` edit the form data, save it."""
    data = form_data(client.get(change_url(practice)), "practice_form")
    change(data)
    response = client.post(change_url(practice), {**data, "_save": "Save"})
    assert response.status_code == 302, response.context["adminform"].form.errors
    return data
