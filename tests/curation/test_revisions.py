"""Edits to a published practice wait as a revision until a reviewer publishes them.

The public sees the published version, byte for byte, until then; the reviewer reads a diff
and publishes, sends back or discards; two saves based on the same version never silently
overwrite each other.
"""

import pytest
from django.urls import reverse

from countries.models import Country
from practices.models import Evaluation, OutcomeMetric, Practice, PracticeRevision, Theme
from tests.public_urls import public_pages

from .admin_form import add_inline_row, form_data, set_values

pytestmark = pytest.mark.django_db

SLUG = "pt-family-reunification-support-offices"


def change_url(practice) -> str:
    return reverse("admin:practices_practice_change", args=[practice.pk])


def review_url(revision) -> str:
    return reverse("admin:practices_practicerevision_change", args=[revision.pk])


def decide(client, revision, decision: str, message: str = ""):
    return client.post(
        reverse("admin:practices_practicerevision_decide", args=[revision.pk]),
        {"decision": decision, "message": message},
        follow=True,
    )


def propose(client, user, practice, **changes) -> PracticeRevision:
    """``user`` opens the practice's form, changes ``changes``, saves: its open revision."""
    client.force_login(user)
    data = form_data(client.get(change_url(practice)), "practice_form")
    data.update(changes)
    assert client.post(change_url(practice), data).status_code == 302
    return PracticeRevision.objects.open().get(practice=practice)


def edit_everything(client, practice) -> None:
    """A curator changes the summary, a theme, a country link and a figure, and saves."""
    data = form_data(client.get(change_url(practice)), "practice_form")
    data["summary_en"] = "A revised summary, checked against the ministry's 2026 report."
    set_values(
        data,
        "themes",
        [*data["themes"], Theme.objects.get(slug="health").pk]
        if isinstance(data["themes"], list)
        else [data["themes"], Theme.objects.get(slug="health").pk],
    )
    add_inline_row(
        data,
        "country_links",
        country=Country.objects.get(iso2="CV").pk,
        role="COO",
        involvement="beneficiary",
        note="",
    )
    add_inline_row(
        data,
        "metrics",
        label_en="Families advised",
        qualifier="exact",
        value="1200",
        unit_en="families",
        year="2025",
        comparison_note="",
        position="9",
    )
    response = client.post(change_url(practice), data, follow=True)
    assert response.status_code == 200
    assert "saved as a revision waiting for review" in response.content.decode()


def test_an_edit_to_a_published_practice_waits_for_a_reviewer(client, curator, reviewer):
    practice = Practice.objects.get(slug=SLUG)
    before = public_pages(client)

    client.force_login(curator)
    edit_everything(client, practice)

    revision = PracticeRevision.objects.get(practice=practice)
    assert revision.state == PracticeRevision.State.PENDING
    assert revision.created_by == curator
    client.logout()
    # Every public page and both exports are byte for byte what they were.
    assert public_pages(client) == before
    practice.refresh_from_db()
    assert practice.summary != "A revised summary, checked against the ministry's 2026 report."
    assert not practice.metrics.filter(label="Families advised").exists()

    client.force_login(reviewer)
    review = client.get(review_url(revision)).content.decode()
    for expected in [
        "Summary",
        "A revised summary",
        "Themes",
        "Health",
        "Cabo Verde",
        "Families advised: 1,200 families (2025)",
    ]:
        assert expected in review, expected
    response = decide(client, revision, "publish", "Checked with the ministry")
    assert "are published" in response.content.decode()

    practice.refresh_from_db()
    assert practice.slug == SLUG and practice.summary.startswith("A revised summary")
    assert set(practice.themes.values_list("slug", flat=True)) >= {"health"}
    assert practice.country_links.filter(country__iso2="CV", role="COO").exists()
    metric = OutcomeMetric.objects.get(practice=practice, label="Families advised")
    assert metric.value == 1200
    entry = practice.history.first()
    assert entry.history_user == reviewer
    assert entry.history_change_reason.startswith("Published the revision by curator")
    revision.refresh_from_db()
    assert revision.state == PracticeRevision.State.PUBLISHED and revision.decided_by == reviewer

    client.logout()
    after = public_pages(client)
    assert "A revised summary" in after[practice.get_absolute_url()]
    assert "Families advised" in after[practice.get_absolute_url()]
    assert "A revised summary" in after["/practices/export.csv"]
    assert "A revised summary" in after["/practices/export.json"]


def test_a_second_curator_edits_the_pending_revision_not_the_live_version(
    client, curator, django_user_model
):
    from tests.conftest import make_user

    practice = Practice.objects.get(slug=SLUG)
    client.force_login(curator)
    data = form_data(client.get(change_url(practice)), "practice_form")
    data["summary_en"] = "First curator's summary."
    client.post(change_url(practice), data)

    colleague = make_user(django_user_model, "colleague", "curator")
    client.force_login(colleague)
    page = client.get(change_url(practice))
    assert "First curator&#x27;s summary." in page.content.decode()
    data = form_data(page, "practice_form")
    data["title_en"] = practice.title + " (revised)"
    client.post(change_url(practice), data)

    revision = PracticeRevision.objects.get(practice=practice)
    assert revision.content["fields"]["summary_en"] == "First curator's summary."
    assert revision.content["fields"]["title_en"].endswith("(revised)")
    assert revision.updated_by == colleague and revision.version == 2


@pytest.mark.parametrize("state", ["published", "draft"])
def test_two_saves_of_the_same_version_give_one_save_and_one_conflict(client, curator, state):
    """A published practice's save is its revision; a draft's, the practice itself: either
    way the second save from the same page is refused, and the first one stands."""
    practice = Practice.objects.get(slug=SLUG)
    Practice.objects.filter(pk=practice.pk).update(publication_state=state)
    client.force_login(curator)
    page = client.get(change_url(practice))
    first, second = form_data(page, "practice_form"), form_data(page, "practice_form")
    first["summary_en"] = "Saved first."
    second["summary_en"] = "Saved second, from the same page."

    assert client.post(change_url(practice), first).status_code == 302
    response = client.post(change_url(practice), second)

    assert response.status_code == 200
    assert "after you opened this page" in response.content.decode()
    if state == "published":
        saved = PracticeRevision.objects.get(practice=practice).content["fields"]["summary_en"]
    else:
        saved = Practice.objects.get(pk=practice.pk).summary
    assert saved == "Saved first."


def test_sent_back_with_a_message_the_curator_sees_it_and_saves_again(client, curator, reviewer):
    practice = Practice.objects.get(slug=SLUG)
    revision = propose(client, curator, practice, summary_en="Too short.")

    client.force_login(reviewer)
    assert "message is required" in decide(client, revision, "send_back").content.decode()
    decide(client, revision, "send_back", "Say which year the figures are from.")
    revision.refresh_from_db()
    assert revision.state == PracticeRevision.State.SENT_BACK

    client.force_login(curator)
    page = client.get(change_url(practice))
    assert "Say which year the figures are from." in page.content.decode()
    data = form_data(page, "practice_form")
    data["summary_en"] = "Longer, with the year of the figures (2025)."
    client.post(change_url(practice), data)
    revision.refresh_from_db()
    assert revision.state == PracticeRevision.State.PENDING
    assert revision.content["fields"]["summary_en"].endswith("(2025).")


def test_a_discarded_revision_leaves_the_published_practice_as_it_was(client, curator, reviewer):
    practice = Practice.objects.get(slug=SLUG)
    summary = practice.summary
    revision = propose(client, curator, practice, summary_en="Not wanted.")

    client.force_login(reviewer)
    decide(client, revision, "discard")
    practice.refresh_from_db()
    revision.refresh_from_db()
    assert practice.summary == summary and revision.state == PracticeRevision.State.DISCARDED
    # The form shows the published version again.
    assert "Not wanted." not in client.get(change_url(practice)).content.decode()


def test_a_curator_cannot_publish_a_revision(client, curator):
    practice = Practice.objects.get(slug=SLUG)
    revision = propose(client, curator, practice, summary_en="Mine.")
    assert "Publish these changes" not in client.get(review_url(revision)).content.decode()
    response = client.post(
        reverse("admin:practices_practicerevision_decide", args=[revision.pk]),
        {"decision": "publish"},
    )
    assert response.status_code == 403
    practice.refresh_from_db()
    assert practice.summary != "Mine."


def test_publishing_keeps_what_changed_on_the_live_version_meanwhile(client, curator, reviewer):
    practice = Practice.objects.get(slug=SLUG)
    revision = propose(client, curator, practice, summary_en="From the revision.")
    # Meanwhile the live practice changes elsewhere (e.g. revert_to_paper, a verification).
    Practice.objects.filter(pk=practice.pk).update(period_note="Changed on the live version.")

    client.force_login(reviewer)
    decide(client, revision, "publish")
    practice.refresh_from_db()
    assert practice.summary == "From the revision."
    assert practice.period_note == "Changed on the live version."


def test_a_conflict_with_the_live_version_is_not_published(client, curator, reviewer):
    practice = Practice.objects.get(slug=SLUG)
    revision = propose(client, curator, practice, summary_en="From the revision.")
    Practice.objects.filter(pk=practice.pk).update(summary_en="Changed on the live version.")

    client.force_login(reviewer)
    response = decide(client, revision, "publish")
    assert "in the same places: Summary [en]" in response.content.decode()
    practice.refresh_from_db()
    assert practice.summary == "Changed on the live version."
    revision.refresh_from_db()
    assert revision.is_open


def test_an_unchanged_save_makes_no_revision(client, curator):
    practice = Practice.objects.get(slug=SLUG)
    client.force_login(curator)
    data = form_data(client.get(change_url(practice)), "practice_form")
    response = client.post(change_url(practice), data, follow=True)
    assert "no change to send for review" in response.content.decode()
    assert not PracticeRevision.objects.exists()


def test_the_review_page_reads_in_a_fixed_number_of_queries(
    client, curator, reviewer, django_assert_max_num_queries
):
    practice = Practice.objects.get(slug=SLUG)
    client.force_login(curator)
    edit_everything(client, practice)
    revision = PracticeRevision.objects.get(practice=practice)
    client.force_login(reviewer)
    with django_assert_max_num_queries(40):
        assert client.get(review_url(revision)).status_code == 200


def test_a_level_left_without_its_evaluation_by_the_merge_is_not_published(
    client, curator, reviewer
):
    practice = Practice.objects.get(slug=SLUG)
    evaluation = Evaluation.objects.create(
        practice=practice, method="audit", evaluator="Court", year=2012, findings="Fine."
    )
    revision = propose(client, curator, practice, evidence_level="evaluated")
    # Meanwhile the evaluation goes from the live version (by a path that skips the form).
    Evaluation.objects.filter(pk=evaluation.pk).delete()

    client.force_login(reviewer)
    response = decide(client, revision, "publish")

    assert "would have no evaluation to rest on" in response.content.decode()
    practice.refresh_from_db()
    assert practice.evidence_level != "evaluated"
