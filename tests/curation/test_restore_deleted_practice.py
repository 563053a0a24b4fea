"""A deleted practice comes back from its history, whole, as a draft, and only for reviewers;
a restore that would clash or repeat itself is refused."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from practices.curation.restore import RESTORED, deleted_practices, restore_practice
from practices.models import (
    Evaluation,
    Organisation,
    OutcomeMetric,
    Practice,
    PracticeCountry,
    ScorecardRating,
    Theme,
)
from tests.conftest import make_practice
from tests.curation.history_helpers import change_url, history_url

pytestmark = pytest.mark.django_db


M2M = ["themes", "partners", "target_groups", "stages", "gcm_objectives", "sources"]


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


# -- deleted practices, restored ----------------------------------------------------------


def snapshot(practice_id: int) -> dict:
    """Every field and relation of a practice that a restore must bring back.

    Not its links from discussion questions and outcomes: those models keep no history
    (the deleted practices page says so).
    """
    practice = Practice.objects.get(pk=practice_id)
    fields = {
        f.attname: getattr(practice, f.attname)
        for f in Practice._meta.concrete_fields
        if f.attname not in {"search_vector", "updated_at"}
    }
    return {
        "fields": fields,
        **{name: set(getattr(practice, name).values_list("pk", flat=True)) for name in M2M},
        "country_links": set(
            PracticeCountry.objects.filter(practice=practice).values_list(
                "pk", "country_id", "role", "involvement", "note"
            )
        ),
        "metrics": set(
            OutcomeMetric.objects.filter(practice=practice).values_list(
                "pk",
                "label",
                "value",
                "qualifier",
                "unit",
                "year",
                "comparison_note",
                "source_id",
                "position",
            )
        ),
        "evaluations": set(
            Evaluation.objects.filter(practice=practice).values_list(
                "pk", "evaluator", "year", "method", "findings", "source_id", "created_at"
            )
        ),
        "ratings": set(
            ScorecardRating.objects.filter(practice=practice).values_list(
                "pk", "criterion", "rating", "justification", "reviewer_id", "rated_on"
            )
        ),
    }


def delete_in_admin(client, practice):
    url = reverse("admin:practices_practice_delete", args=[practice.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"post": "yes"})
    assert response.status_code == 302
    assert not Practice.objects.filter(pk=practice.pk).exists()


def deleted_entry(practice_id: int):
    return deleted_practices().get(id=practice_id)


@pytest.fixture
def rich_practice(reviewer):
    """A paper practice with country links, figures, themes, partners, sources, an
    evaluation and a rating: everything a restore must bring back."""
    practice = Practice.objects.get(slug="pe-junin-transnational-family-entrepreneurship")
    practice.themes.add(Theme.objects.get(slug="gender"))
    practice.partners.add(Organisation.objects.get(slug="iom"))
    practice.sources.add(
        *Practice.objects.get(slug="bh-abolition-kafeel-sponsorship").sources.all()
    )
    Evaluation.objects.create(
        practice=practice,
        evaluator="IOM Peru",
        year=2012,
        method="impact_evaluation",
        findings="Families invested remittances.",
        source=practice.sources.first(),
    )
    ScorecardRating.objects.create(
        practice=practice,
        criterion="sustainability",
        rating=3,
        justification="Funding ends.",
        reviewer=reviewer,
    )
    assert practice.country_links.count() == 3 and practice.metrics.count() == 4
    assert practice.partners.count() == 3 and practice.themes.count() == 2
    return practice


def test_a_reviewer_deletes_and_restores_a_practice_whole_as_a_draft(
    client, reviewer, rich_practice
):
    before = snapshot(rich_practice.pk)
    client.force_login(reviewer)
    delete_in_admin(client, rich_practice)

    deleted_page = reverse("admin:practices_practice_deleted")
    html = client.get(deleted_page).content.decode()
    assert rich_practice.title in html
    entry = deleted_entry(rich_practice.pk)
    assert entry.history_user == reviewer
    restore = reverse("admin:practices_practice_restore", args=[entry.history_id])
    assert f'action="{restore}"' in html

    response = client.post(restore)

    assert response.status_code == 302
    assert response["Location"] == change_url(rich_practice)
    after = snapshot(rich_practice.pk)
    assert after["fields"].pop("publication_state") == Practice.PublicationState.DRAFT
    assert before["fields"].pop("publication_state") == Practice.PublicationState.PUBLISHED
    # Moved to draft by the reviewer, now: the workflow's who and when.
    assert after["fields"].pop("state_changed_by_id") == reviewer.pk
    before["fields"].pop("state_changed_by_id")
    assert after["fields"].pop("state_changed_at") is not None
    before["fields"].pop("state_changed_at")
    # search_text is rebuilt on commit, from the same data.
    after["fields"].pop("search_text")
    before["fields"].pop("search_text")
    assert after == before
    restored = Practice.objects.get(pk=rich_practice.pk)
    latest = restored.history.latest("history_id")
    assert (latest.history_type, latest.history_change_reason) == ("+", RESTORED)
    assert latest.history_user == reviewer
    assert set(latest.partners.values_list("organisation_id", flat=True)) == before["partners"]
    for model in (PracticeCountry, OutcomeMetric, Evaluation, ScorecardRating):
        entries = model.history.filter(practice_id=rich_practice.pk, history_type="+")
        assert entries.filter(history_change_reason=RESTORED, history_user=reviewer).exists()
    assert "Restored" in client.get(history_url(rich_practice)).content.decode()
    assert not deleted_practices().filter(id=rich_practice.pk).exists()


def test_restoring_twice_is_refused(client, reviewer, rich_practice):
    client.force_login(reviewer)
    delete_in_admin(client, rich_practice)
    entry = deleted_entry(rich_practice.pk)
    restore = reverse("admin:practices_practice_restore", args=[entry.history_id])
    assert client.post(restore).status_code == 302
    counts = (Practice.history.count(), PracticeCountry.objects.count())

    response = client.post(restore, follow=True)

    assert "has been restored already" in " ".join(messages_of(response))
    assert (Practice.history.count(), PracticeCountry.objects.count()) == counts


def test_a_restore_is_refused_when_a_live_practice_has_taken_the_slug(client, reviewer):
    practice = make_practice("taken-slug", countries=[("MX", "COO")])
    client.force_login(reviewer)
    delete_in_admin(client, practice)
    newcomer = make_practice("taken-slug", title="A newcomer", countries=[("GT", "COO")])
    entry = deleted_entry(practice.pk)

    assert "A newcomer" in client.get(reverse("admin:practices_practice_deleted")).content.decode()
    response = client.post(
        reverse("admin:practices_practice_restore", args=[entry.history_id]), follow=True
    )

    assert "now has its slug" in " ".join(messages_of(response))
    assert not Practice.objects.filter(pk=practice.pk).exists()
    assert Practice.objects.get(slug="taken-slug") == newcomer


def test_a_figure_deleted_before_the_practice_stays_deleted(reviewer):
    practice = make_practice("with-figures", countries=[("MX", "COO")])
    kept = OutcomeMetric.objects.create(
        practice=practice, label="Kept", value=1, unit="people", year=2010
    )
    dropped = OutcomeMetric.objects.create(
        practice=practice, label="Dropped", value=2, unit="people", year=2010
    )
    dropped.delete()
    pk = practice.pk
    practice.delete()

    restore_practice(deleted_entry(pk).history_id, reviewer)

    assert list(OutcomeMetric.objects.filter(practice_id=pk).values_list("pk", flat=True)) == [
        kept.pk
    ]


def test_a_partner_deleted_since_is_left_out_and_named(reviewer):
    practice = make_practice("with-a-partner", countries=[("MX", "COO")])
    gone = Organisation.objects.create(name="Short-lived NGO", slug="short-lived", kind="ngo")
    practice.partners.add(gone)
    pk, gone_pk = practice.pk, gone.pk
    practice.delete()
    gone.delete()

    restored = restore_practice(deleted_entry(pk).history_id, reviewer)

    assert not restored.practice.partners.exists()
    assert any(f"id {gone_pk} " in note for note in restored.notes), restored.notes


def test_curators_cannot_see_or_use_the_deleted_practices_page(client, curator, reviewer):
    practice = make_practice("deleted-by-reviewer")
    pk = practice.pk
    practice.delete()
    entry = deleted_entry(pk)
    client.force_login(curator)

    assert client.get(reverse("admin:practices_practice_deleted")).status_code == 403
    restore = reverse("admin:practices_practice_restore", args=[entry.history_id])
    assert client.post(restore).status_code == 403
    assert not Practice.objects.filter(pk=pk).exists()
    changelist = client.get(reverse("admin:practices_practice_changelist")).content.decode()
    assert "Deleted practices" not in changelist

    client.force_login(reviewer)
    changelist = client.get(reverse("admin:practices_practice_changelist")).content.decode()
    assert reverse("admin:practices_practice_deleted") in changelist


def test_restore_only_answers_a_post(client, reviewer):
    practice = make_practice("get-is-not-restore")
    pk = practice.pk
    practice.delete()
    client.force_login(reviewer)
    restore = reverse("admin:practices_practice_restore", args=[deleted_entry(pk).history_id])
    assert client.get(restore).status_code == 405
    assert not Practice.objects.filter(pk=pk).exists()


def test_a_never_edited_paper_practice_comes_back_with_its_links(client, reviewer):
    # Loaded without history: its deletion entry is its only entry, and holds its links.
    practice = Practice.objects.get(slug="md-child-rights-information-centre")
    assert not practice.history.exists()
    before = snapshot(practice.pk)
    pk = practice.pk
    practice.delete()
    entry = deleted_entry(pk)
    assert set(entry.partners.values_list("organisation_id", flat=True)) == before["partners"]
    client.force_login(reviewer)
    assert client.get(history_url(pk)).status_code == 200, "a deleted practice's history opens"

    restore_practice(entry.history_id, reviewer)

    after = snapshot(pk)
    for name in [*M2M, "country_links", "metrics"]:
        assert after[name] == before[name], name
    assert after["fields"]["title"] == before["fields"]["title"]
