"""``manage.py revert_to_paper``: the one way to put the paper's text back over curated
practices. It lists every difference first, writes only with --yes, records each change in
history, and never republishes."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from practices.curation.workflow import apply_transition
from practices.models import Practice
from tests.domain.base_snapshot import snapshot

pytestmark = pytest.mark.django_db

PORTUGAL = "pt-family-reunification-support-offices"
REASON = "Reverted to the paper's text"


def curate(reviewer) -> Practice:
    practice = Practice.objects.get(slug=PORTUGAL)
    practice.summary = "A curator's newer summary."
    practice.save()
    practice.themes.clear()
    figure = practice.metrics.get(label="Family reunification migrants assisted")
    figure.value = 99
    figure.save()
    practice.country_links.get(country__iso2="PT", role="COD").delete()
    apply_transition(practice, "unpublish", reviewer)
    return Practice.objects.get(pk=practice.pk)


def revert(*args) -> str:
    out = io.StringIO()
    call_command("revert_to_paper", *args, stdout=out)
    return out.getvalue()


def test_by_default_it_lists_what_it_would_overwrite_and_writes_nothing(reviewer):
    curate(reviewer)
    before = snapshot()

    out = revert(PORTUGAL)

    assert snapshot() == before
    assert 'summary_en: "A curator\'s newer summary." → ' in out
    assert "themes: [] → " in out and "Family reunification" in out
    assert "value Decimal('99.00') → Decimal('10831')" in out
    assert "add ('PT', 'COD')" in out
    assert "Nothing was written: run again with --yes" in out


def test_with_yes_it_puts_the_paper_back_records_why_and_leaves_the_state(reviewer):
    practice = curate(reviewer)

    revert(PORTUGAL, "--yes")

    practice.refresh_from_db()
    assert practice.summary != "A curator's newer summary."
    assert practice.themes.exists()
    assert practice.metrics.get(label="Family reunification migrants assisted").value == 10831
    assert practice.country_links.filter(country__iso2="PT", role="COD").exists()
    assert practice.history.first().history_change_reason == REASON
    # Unpublished by a reviewer: the paper's text does not put it back on the public site.
    assert practice.publication_state == Practice.PublicationState.DRAFT
    assert "Would revert 0 of 1" in revert(PORTUGAL)


def test_an_unknown_slug_is_refused_and_nothing_changes():
    before = snapshot()
    with pytest.raises(CommandError, match="Not a practice of the paper: no-such-practice"):
        revert("no-such-practice", "--yes")
    assert snapshot() == before
