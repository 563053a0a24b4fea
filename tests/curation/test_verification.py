"""Recording a verification: a reviewer's own act, on the live practice (published or not),
with a history entry saying what it was verified against. Curators may not; a bad date or a
missing source is refused with a message, never a 500. The changelist filters by currency."""

import datetime

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from practices.curation.verification import (
    Verification,
    VerificationError,
    VerificationNotPermitted,
    record_verification,
)
from practices.models import Practice
from tests.conftest import make_practice

pytestmark = pytest.mark.django_db

OPI = "mx-child-protection-officers-opi"


def opi() -> Practice:
    return Practice.objects.get(slug=OPI)


def change_url(practice) -> str:
    return reverse("admin:practices_practice_change", args=[practice.pk])


def verify_url(practice) -> str:
    return reverse("admin:practices_practice_verify", args=[practice.pk])


def today() -> datetime.date:
    return timezone.localdate()


def post(client, practice, **fields):
    data = {"verified_on": today().isoformat(), "verified_against": "DIF annual report 2025"}
    data.update(fields)
    return client.post(verify_url(practice), data)


def errors_of(response) -> dict[str, list[str]]:
    assert response.status_code == 200
    return {
        name: [str(e) for e in errors] for name, errors in response.context["form"].errors.items()
    }


# -- who may ----------------------------------------------------------------------------------


def test_a_curator_has_no_button_and_is_refused(client, curator):
    client.force_login(curator)
    practice = opi()
    assert "Record a verification" not in client.get(change_url(practice)).content.decode()
    assert client.get(verify_url(practice)).status_code == 403
    assert post(client, practice).status_code == 403
    practice.refresh_from_db()
    assert practice.verified_on is None
    with pytest.raises(VerificationNotPermitted):
        record_verification(practice, curator, Verification(today(), "A report"))


def test_a_reviewer_has_the_button_and_the_form_dated_today(client, reviewer):
    client.force_login(reviewer)
    practice = opi()
    html = client.get(change_url(practice)).content.decode()
    assert f'href="{verify_url(practice)}" id="record-verification"' in html
    form = client.get(verify_url(practice))
    assert form.status_code == 200
    assert f'value="{today():%Y-%m-%d}"' in form.content.decode()


# -- what it writes -----------------------------------------------------------------------------


def test_a_verification_writes_the_live_practice_with_its_own_history_entry(client, reviewer):
    client.force_login(reviewer)
    practice = opi()
    assert practice.publication_state == "published"
    entries = practice.history.count()
    checked = today() - datetime.timedelta(days=3)

    response = post(client, practice, verified_on=checked.isoformat())

    assert response.status_code == 302 and response.url == change_url(practice)
    practice.refresh_from_db()
    assert (practice.verified_on, practice.verified_by, practice.verified_against) == (
        checked,
        reviewer,
        "DIF annual report 2025",
    )
    assert practice.publication_state == "published", "written directly, not as a revision"
    assert (practice.status, practice.status_as_of) == ("ongoing", 2010), "status unchanged"
    # Its own entry, after the baseline a paper practice gets before its first change.
    assert entries == 0
    entry, baseline = practice.history.all()
    assert entry.history_change_reason == "Verified against DIF annual report 2025"
    assert baseline.history_change_reason == "As it stood before its first recorded change"
    assert entry.history_user == reviewer
    assert entry.verified_on == checked
    messages = [str(m) for m in get_messages(response.wsgi_request)]
    assert any("is recorded" in m for m in messages)
    # The public page shows it at once, and the practice is no longer out of date.
    html = client.get(practice.get_absolute_url()).content.decode()
    assert "against DIF annual report 2025" in html
    assert "This practice may be out of date." not in html


def test_a_new_status_found_by_the_check_is_reported_as_of_the_check(client, reviewer):
    client.force_login(reviewer)
    practice = opi()
    post(client, practice, status="completed")
    practice.refresh_from_db()
    assert (practice.status, practice.status_as_of) == ("completed", today().year)
    assert practice.history.first().status == "completed"

    post(client, practice, status="ongoing", status_as_of=str(today().year - 1))
    practice.refresh_from_db()
    assert (practice.status, practice.status_as_of) == ("ongoing", today().year - 1)


def test_the_same_status_reported_later_moves_only_the_year(client, reviewer):
    client.force_login(reviewer)
    practice = opi()
    post(client, practice, status_as_of="2024")
    practice.refresh_from_db()
    assert (practice.status, practice.status_as_of) == ("ongoing", 2024)


def test_a_draft_is_verified_too_and_stays_a_draft(client, reviewer):
    client.force_login(reviewer)
    draft = make_practice("a-draft", publication_state="draft")
    assert post(client, draft).status_code == 302
    draft.refresh_from_db()
    assert (draft.verified_on, draft.publication_state) == (today(), "draft")


def test_a_long_source_is_kept_whole_and_the_reason_cut_to_its_column(client, reviewer):
    client.force_login(reviewer)
    practice = opi()
    long = "Ministry report " + "x" * 250
    assert post(client, practice, verified_against=long).status_code == 302
    practice.refresh_from_db()
    assert practice.verified_against == long
    reason = practice.history.first().history_change_reason
    assert len(reason) == 100 and reason.startswith("Verified against Ministry report")


# -- refused with a message ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"verified_on": "tomorrow"}, "verified_on", "Enter a valid date."),
        ({"verified_on": "2025-02-30"}, "verified_on", "Enter a valid date."),
        ({"verified_on": ""}, "verified_on", "This field is required."),
        ({"verified_on": "FUTURE"}, "verified_on", "cannot be dated in the future"),
        ({"verified_against": ""}, "verified_against", "This field is required."),
        ({"verified_against": "   "}, "verified_against", "This field is required."),
        ({"verified_against": "x" * 301}, "verified_against", "at most 300 characters"),
        ({"status": "finished"}, "status", "Select a valid choice."),
        ({"status_as_of": "1850"}, "status_as_of", "greater than or equal to 1900"),
        ({"status_as_of": "soon"}, "status_as_of", "Enter a whole number."),
        ({"status_as_of": "NEXT_YEAR"}, "status_as_of", "cannot have been reported after"),
    ],
)
def test_bad_input_is_refused_with_a_message_and_changes_nothing(
    client, reviewer, fields, field, message
):
    client.force_login(reviewer)
    practice = opi()
    replace = {
        "FUTURE": (today() + datetime.timedelta(days=1)).isoformat(),
        "NEXT_YEAR": str(today().year + 1),
    }
    fields = {name: replace.get(value, value) for name, value in fields.items()}
    entries = practice.history.count()

    response = post(client, practice, **fields)

    errors = errors_of(response)
    assert any(message in error for error in errors[field]), errors
    assert message in response.content.decode().replace("&#x27;", "'")
    practice.refresh_from_db()
    assert (practice.verified_on, practice.status, practice.status_as_of) == (None, "ongoing", 2010)
    assert practice.history.count() == entries


def test_every_problem_is_named_at_once(client, reviewer):
    client.force_login(reviewer)
    future = (today() + datetime.timedelta(days=400)).isoformat()

    errors = errors_of(post(client, opi(), verified_on=future, verified_against=""))

    assert "cannot be dated in the future" in errors["verified_on"][0]
    assert errors["verified_against"] == ["This field is required."]


def test_a_check_dated_before_the_last_one_is_refused(client, reviewer):
    client.force_login(reviewer)
    practice = opi()
    last = today() - datetime.timedelta(days=10)
    Practice.objects.filter(pk=practice.pk).update(verified_on=last)

    errors = errors_of(
        post(client, practice, verified_on=(last - datetime.timedelta(days=1)).isoformat())
    )

    assert "a check dated before it would not be the last one" in errors["verified_on"][0]
    with pytest.raises(VerificationError):
        # Read again under the lock: an object loaded before the other check does not help.
        record_verification(
            practice, reviewer, Verification(last - datetime.timedelta(days=1), "x")
        )
    practice.refresh_from_db()
    assert practice.verified_on == last


def test_an_unknown_practice_is_not_an_error_page(client, reviewer):
    client.force_login(reviewer)
    response = client.get(reverse("admin:practices_practice_verify", args=[999999]))
    assert response.status_code == 302
    response = client.get("/admin/practices/practice/not-a-number/verify/")
    assert response.status_code in (302, 404)


# -- the changelist's filter ---------------------------------------------------------------------


def test_the_changelist_filters_what_may_be_out_of_date(client, reviewer, settings):
    settings.CURRENCY_YEARS = 3
    client.force_login(reviewer)
    fresh = make_practice("reported-this-year", status_as_of=today().year)
    url = reverse("admin:practices_practice_changelist")

    current = client.get(url, {"currency": "current"})
    out_of_date = client.get(url, {"currency": "out_of_date"})

    assert list(current.context["cl"].queryset) == [fresh]
    assert fresh not in out_of_date.context["cl"].queryset
    assert out_of_date.context["cl"].result_count == Practice.objects.count() - 1
    assert "May be out of date" in current.content.decode()
    assert client.get(url, {"currency": "stale"}).status_code == 200
