"""The admin's addresses the history tests (test_history_pages.py,
test_restore_deleted_practice.py) share."""

from django.urls import reverse


def change_url(practice) -> str:
    return reverse("admin:practices_practice_change", args=[practice.pk])


def history_url(practice_or_id) -> str:
    pk = getattr(practice_or_id, "pk", practice_or_id)
    return reverse("admin:practices_practice_history", args=[pk])
