"""The reviewers' side of the call for practices: a submission waits in their queue, is turned
into a draft practice (its organisation matched or created), asked about or declined; the
submitter's status page and emails follow each step; published through the ordinary workflow,
the practice is public everywhere; the submitter's details are erased a year after the
decision."""

from datetime import timedelta
from html import unescape

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from practices import submissions
from practices.curation.workflow import apply_transition
from practices.models import (
    Call,
    Organisation,
    OutcomeMetric,
    Practice,
    PracticeCountry,
    Submission,
    SubmissionEvent,
)
from tests.catalogue.submission_forms import SUBMITTER, submitted, text
from tests.conftest import make_practice

pytestmark = pytest.mark.django_db


def review_url(submission) -> str:
    return reverse("admin:practices_submission_change", args=[submission.pk])


def decide_url(submission) -> str:
    return reverse("admin:practices_submission_decide", args=[submission.pk])


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """``with committed():`` runs the block's on-commit work (the emails, the search index) at
    its end, as the request's commit would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def test_a_submission_waits_in_the_reviewers_queue_and_only_there(client, reviewer, curator):
    submission = submitted(client)
    client.force_login(reviewer)
    index = client.get(reverse("admin:index"))
    queue = {q.key: q for q in index.context["desk_queues"]}["submissions"]
    assert queue.count == 1
    assert queue.items[0].title == submission.title
    assert queue.items[0].url == review_url(submission)
    assert client.get(reverse("admin:practices_submission_changelist")).status_code == 200

    # A curator decides nothing on submissions: they are not shown the page.
    client.force_login(curator)
    assert client.get(review_url(submission)).status_code == 403
    assert client.post(decide_url(submission), {"decision": "decline"}).status_code == 403


def test_the_review_page_shows_what_was_sent_links_as_text_and_likely_duplicates(client, reviewer):
    existing = make_practice(
        "zqhome-desks", title="Zqhome Family Reunion Desks", countries=[("PH", "COO")]
    )
    submission = submitted(client)
    client.force_login(reviewer)
    page = client.get(review_url(submission))
    body = page.content.decode()
    assert SUBMITTER["email"] in body and SUBMITTER["organisation"] in body
    assert "https://ministry.example/desks.pdf" in body
    assert 'href="https://ministry.example' not in body
    assert "The base may already hold this practice" in body
    assert reverse("admin:practices_practice_change", args=[existing.pk]) in body
    assert "Philippines: Country of origin (implementing)" in unescape(body)
    # The submitter's lead organisation is one the base holds: it is chosen.
    african_union = Organisation.objects.get(name="African Union")
    assert page.context["accept_form"].initial["organisation"] == african_union


def test_accepted_then_published_the_practice_is_public_and_the_submitter_is_told(
    client, reviewer, curator, committed
):
    emails = mail.outbox
    today = timezone.localdate()
    call = Call.objects.create(
        title="Zqcall families", slug="families", text="Families.", deadline=today
    )
    with committed():
        submission = submitted(client, call="families")
    status_url = submission.status_url()
    client.force_login(reviewer)
    client.post(decide_url(submission), {"decision": "take"})
    assert "In review" in text(client.get(status_url))

    african_union = Organisation.objects.get(name="African Union")
    with committed():
        response = client.post(
            decide_url(submission),
            {"decision": "accept", "accept-organisation": african_union.pk},
        )
    practice = Practice.objects.get(submissions=submission)
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:practices_practice_change", args=[practice.pk])
    # A draft, whole: nothing is public yet.
    assert practice.publication_state == Practice.PublicationState.DRAFT
    assert practice.lead_organisation == african_union
    assert practice.title_en == "Zqhome Family Reunion Desks"
    assert practice.status_as_of == submission.created_at.year
    assert practice.forum_discussion == "GFMD 2019, Roundtable 2.1"
    assert sorted((link.country.iso2, link.role) for link in practice.country_links.all()) == [
        ("IT", "COD"),
        ("PH", "COO"),
    ]
    (figure,) = practice.metrics.all()
    assert (figure.label_en, str(figure.value), figure.unit_en, figure.year) == (
        "families advised",
        "1200.00",
        "families",
        2022,
    )
    assert [s.url for s in practice.sources.all()] == ["https://ministry.example/desks.pdf"]
    assert [t.slug for t in practice.themes.all()] == ["family-reunification"]
    assert list(practice.gcm_objectives.values_list("number", flat=True)) == [3]
    # Every row it is made of is in the history, by the reviewer, saying where it came from.
    for rows in (practice.history, PracticeCountry.history, OutcomeMetric.history):
        entries = rows.filter(history_change_reason="Made from a submission")
        assert entries.exists()
        assert {entry.history_user for entry in entries} == {reviewer}
    assert PracticeCountry.history.filter(practice_id=practice.pk).count() == 2
    assert client.get(practice.get_absolute_url()).status_code == 404
    assert practice.title_en not in text(client.get("/practices/export.json"))
    status = text(client.get(status_url))
    assert "In review" in status and "Published" not in status.split("What has happened")[0]

    # The ordinary workflow publishes it.
    with committed():
        apply_transition(practice, "submit", curator)
        apply_transition(practice, "publish", reviewer)
    client.logout()
    assert client.get(practice.get_absolute_url()).status_code == 200
    assert practice.title_en in text(client.get("/practices/?q=Zqhome"))
    assert practice.title_en in text(client.get("/practices/export.json"))
    assert practice.title_en in text(client.get("/countries/ph/"))
    assert practice.title_en in text(client.get(call.get_absolute_url()))
    status = text(client.get(status_url))
    assert "Published" in status
    assert f'href="{practice.get_absolute_url()}"' in client.get(status_url).content.decode()

    subjects = [message.subject.split(":")[0] for message in emails]
    assert subjects == [
        "We received your practice",
        "Your practice is in review",
        "Your practice is published",
    ]
    assert "http://testserver" + practice.get_absolute_url() in emails[-1].body
    # Unpublished and published again, it is announced once.
    with committed():
        apply_transition(practice, "unpublish", reviewer)
        apply_transition(practice, "submit", reviewer)
        apply_transition(practice, "publish", reviewer)
    assert len(emails) == 3


def test_a_new_organisation_is_created_when_the_base_has_none_by_that_name(client, reviewer):
    submission = submitted(client, lead_organisation="Zqconsular Family Service")
    client.force_login(reviewer)
    page = client.get(review_url(submission))
    assert page.context["matches"] == []
    assert page.context["accept_form"].initial["new_organisation"] == "Zqconsular Family Service"

    missing_kind = client.post(
        decide_url(submission),
        {"decision": "accept", "accept-new_organisation": "Zqconsular Family Service"},
    )
    assert missing_kind.status_code == 400
    assert not Practice.objects.filter(submissions=submission).exists()

    client.post(
        decide_url(submission),
        {
            "decision": "accept",
            "accept-new_organisation": "Zqconsular Family Service",
            "accept-new_organisation_kind": "government",
        },
    )
    practice = Practice.objects.get(submissions=submission)
    assert practice.lead_organisation.name == "Zqconsular Family Service"
    assert practice.lead_organisation.kind == "government"


def test_declined_the_status_link_gives_the_reason(client, reviewer, committed):
    emails = mail.outbox
    submission = submitted(client)
    client.force_login(reviewer)
    no_reason = client.post(decide_url(submission), {"decision": "decline", "decline-message": ""})
    assert no_reason.status_code == 400
    submission.refresh_from_db()
    assert submission.state == Submission.State.RECEIVED

    with committed():
        client.post(
            decide_url(submission),
            {"decision": "decline", "decline-message": "It is a plan, not yet implemented."},
        )
    submission.refresh_from_db()
    assert submission.state == Submission.State.DECLINED
    client.logout()
    status = text(client.get(submission.status_url()))
    assert "Declined" in status
    assert "It is a plan, not yet implemented." in status
    assert "It is a plan, not yet implemented." in emails[-1].body
    assert emails[-1].subject.startswith("Your practice was declined")

    # Decided, it takes no other decision: a message, not a 500.
    client.force_login(reviewer)
    again = client.post(decide_url(submission), {"decision": "accept"}, follow=True)
    assert again.status_code == 200
    assert "no longer applies" in text(again)
    assert not Practice.objects.filter(submissions=submission).exists()


def test_asked_for_more_the_submitter_reads_the_question_and_is_emailed(
    client, reviewer, committed
):
    emails = mail.outbox
    submission = submitted(client)
    client.force_login(reviewer)
    with committed():
        client.post(
            decide_url(submission),
            {"decision": "ask", "ask-message": "Is there an evaluation of the desks?"},
        )
    submission.refresh_from_db()
    assert submission.state == Submission.State.MORE_INFORMATION
    assert emails[-1].subject.startswith("More information needed")
    assert "Is there an evaluation of the desks?" in emails[-1].body
    assert submission.status_url() in emails[-1].body
    client.logout()
    client.post(submission.status_url(), {"message": "Yes, by the university in 2021."})
    client.force_login(reviewer)
    index = client.get(reverse("admin:index"))
    queue = {q.key: q for q in index.context["desk_queues"]}["submissions"]
    assert queue.items[0].meta.startswith("The submitter answered")
    assert "Yes, by the university in 2021." in text(client.get(review_url(submission)))


def test_an_unknown_decision_is_a_message_not_a_500(client, reviewer):
    submission = submitted(client)
    client.force_login(reviewer)
    response = client.post(decide_url(submission), {"decision": "explode"}, follow=True)
    assert response.status_code == 200
    assert "Choose what to do." in text(response)
    assert client.get(decide_url(submission)).status_code == 405


# -- personal data ------------------------------------------------------------------------


def test_the_erase_command_removes_the_submitters_details_a_year_after_the_decision(
    client, reviewer
):
    old = submitted(client, email="old@example.org")
    recent = submitted(client, email="recent@example.org")
    undecided = submitted(client, email="undecided@example.org")
    submissions.decline(old, reviewer, "Out of scope.")
    submissions.decline(recent, reviewer, "Out of scope.")
    Submission.objects.filter(pk=old.pk).update(decided_at=timezone.now() - timedelta(days=370))
    Submission.objects.filter(pk=recent.pk).update(decided_at=timezone.now() - timedelta(days=300))

    call_command("erase_submitters", stdout=open("/dev/null", "w"))  # noqa: SIM115

    old.refresh_from_db()
    assert (old.submitter_name, old.submitter_organisation, old.submitter_email) == ("", "", "")
    assert old.submitter_erased_at is not None
    assert list(old.events.values_list("kind", flat=True)) == [
        SubmissionEvent.Kind.RECEIVED,
        SubmissionEvent.Kind.DECLINED,
        SubmissionEvent.Kind.ERASED,
    ]
    # Nothing of the submitter is kept anywhere in the base.
    for model_text in (
        str(list(old.events.values())),
        str(Submission.objects.filter(pk=old.pk).values().get()),
    ):
        assert "old@example.org" not in model_text
        assert SUBMITTER["name"] not in model_text
    for kept in (recent, undecided):
        kept.refresh_from_db()
        assert kept.submitter_email.endswith("@example.org")
        assert kept.submitter_erased_at is None
    # The status link goes on working; the reviewer's page says the details were erased.
    assert client.get(old.status_url()).status_code == 200
    client.force_login(reviewer)
    assert "details were erased" in text(client.get(review_url(old)))
    # Run again, it erases nothing more.
    call_command("erase_submitters", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert old.events.filter(kind=SubmissionEvent.Kind.ERASED).count() == 1


def test_the_erase_period_is_a_setting(client, reviewer, settings):
    settings.SUBMITTER_DETAILS_MONTHS = 1
    submission = submitted(client)
    submissions.decline(submission, reviewer, "No.")
    Submission.objects.filter(pk=submission.pk).update(
        decided_at=timezone.now() - timedelta(days=40)
    )
    assert submissions.erase_submitters() == 1
