"""An evidence level that claims an evaluation rests on one of a matching method: "evaluated"
on any, "independently evaluated" on an independent evaluation, an impact evaluation or an
audit (not an internal review). Kept in the practice's admin form, on the evaluations' own
pages, in the spreadsheet import, and shown on the public page."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from practices.models import Evaluation, Practice, Source
from tests.curation.admin_form import add_form, add_inline_row, form_data, save
from tests.curation.imports_helpers import messages, row, run

pytestmark = pytest.mark.django_db

GARF = "pt-family-reunification-support-offices"  # "outputs" in the paper


@pytest.fixture
def garf_is_a_draft():
    """Edited directly here: a draft (a published practice's edits wait as a revision, which
    the same form checks: tests/curation/test_revisions.py)."""
    Practice.objects.filter(slug=GARF).update(publication_state=Practice.PublicationState.DRAFT)


def garf() -> Practice:
    return Practice.objects.get(slug=GARF)


def evaluate(practice, method: str, **fields) -> Evaluation:
    fields = {"evaluator": "ACIDI", "year": 2011, "findings": "Waiting times halved.", **fields}
    return Evaluation.objects.create(practice=practice, method=method, **fields)


def change_url(practice) -> str:
    return reverse("admin:practices_practice_change", args=[practice.pk])


def submit(client, practice, edit) -> tuple[int, str]:
    """Open the practice's admin page, change the form with ``edit``, save."""
    url = change_url(practice)
    data = form_data(client.get(url), "practice_form")
    edit(data)
    response = client.post(url, {**data, "_save": "Save"})
    return response.status_code, response.content.decode()


EVALUATION_ROW = {
    "method": "independent_evaluation",
    "evaluator": "ACIDI evaluation unit",
    "year": "2011",
    "findings": "Waiting times halved.",
}


# -- the practice's admin form ----------------------------------------------------------------


def test_evaluated_without_an_evaluation_is_refused_in_the_form(client, curator):
    client.force_login(curator)

    status, html = submit(client, garf(), lambda data: data.update(evidence_level="evaluated"))

    assert status == 200
    assert "The evidence level “Evaluated” needs at least one evaluation" in html
    assert "Add it here" in html
    assert garf().evidence_level == "outputs"


@pytest.mark.usefixtures("garf_is_a_draft")
def test_evaluated_with_the_evaluation_added_in_the_same_save_is_saved(client, curator):
    client.force_login(curator)

    def edit(data):
        data["evidence_level"] = "evaluated"
        add_inline_row(data, "evaluations", **EVALUATION_ROW)

    status, _html = submit(client, garf(), edit)

    assert status == 302
    assert garf().evidence_level == "evaluated"
    assert garf().evaluations.get().evaluator == "ACIDI evaluation unit"


def test_a_new_practice_may_be_added_evaluated_with_its_evaluation(client, curator):
    client.force_login(curator)
    data = add_form(client, "A new evaluated practice", "ES", evidence_level="independent")
    refused = save(client, data)
    assert refused.status_code == 200
    assert "independent evaluation, impact evaluation or audit" in refused.content.decode()

    add_inline_row(data, "evaluations", **EVALUATION_ROW)
    assert save(client, data).status_code == 302
    added = Practice.objects.get(slug="a-new-practice")
    assert (added.evidence_level, added.evaluations.count()) == ("independent", 1)


def test_an_internal_review_does_not_make_a_practice_independently_evaluated(client, curator):
    client.force_login(curator)
    evaluate(garf(), "internal_review")

    status, html = submit(client, garf(), lambda data: data.update(evidence_level="independent"))

    assert status == 200
    assert "internal review does not count" in html
    status, _html = submit(client, garf(), lambda data: data.update(evidence_level="evaluated"))
    assert status == 302


def test_deleting_the_last_matching_evaluation_in_the_form_is_refused(client, reviewer):
    # Reviewers delete records; curators have no Delete box.
    client.force_login(reviewer)
    practice = garf()
    evaluate(practice, "audit")
    evaluate(practice, "internal_review")
    Practice.objects.filter(pk=practice.pk).update(evidence_level="independent")
    audit_row = next(
        index
        for index, evaluation in enumerate(practice.evaluations.order_by("-year", "pk"))
        if evaluation.method == "audit"
    )

    status, html = submit(
        client, practice, lambda data: data.update({f"evaluations-{audit_row}-DELETE": "on"})
    )

    assert status == 200
    assert "keep the one you marked for deletion" in html
    assert practice.evaluations.count() == 2


@pytest.mark.usefixtures("garf_is_a_draft")
def test_lowering_the_level_and_deleting_the_evaluation_together_is_saved(client, reviewer):
    client.force_login(reviewer)
    practice = garf()
    evaluate(practice, "audit")
    Practice.objects.filter(pk=practice.pk).update(evidence_level="independent")

    def edit(data):
        data["evidence_level"] = "outputs"
        data["evaluations-0-DELETE"] = "on"

    assert submit(client, practice, edit)[0] == 302
    assert not practice.evaluations.exists()


# -- the evaluations' own pages ---------------------------------------------------------------


@pytest.fixture
def resting_on_an_audit():
    practice = garf()
    audit = evaluate(practice, "audit")
    Practice.objects.filter(pk=practice.pk).update(evidence_level="independent")
    return audit


def message_texts(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_deleting_the_evaluation_a_level_rests_on_is_refused(client, reviewer, resting_on_an_audit):
    client.force_login(reviewer)
    url = reverse("admin:practices_evaluation_delete", args=[resting_on_an_audit.pk])

    for response in (client.get(url), client.post(url, {"post": "yes"})):
        assert response.status_code == 302
        assert response.url == reverse(
            "admin:practices_evaluation_change", args=[resting_on_an_audit.pk]
        )
        refusal = "is “Independently evaluated”, which rests on this evaluation"
        assert any(refusal in message for message in message_texts(response))
    assert Evaluation.objects.filter(pk=resting_on_an_audit.pk).exists()

    # With another audit on record, it may go.
    evaluate(garf(), "audit", evaluator="Court of Auditors")
    assert client.get(url).status_code == 200
    assert client.post(url, {"post": "yes"}).status_code == 302
    assert not Evaluation.objects.filter(pk=resting_on_an_audit.pk).exists()


def test_the_delete_action_is_refused_before_its_confirmation(
    client, reviewer, resting_on_an_audit
):
    client.force_login(reviewer)
    other = evaluate(Practice.objects.get(slug="mx-dif-appleseed-study"), "internal_review")
    url = reverse("admin:practices_evaluation_changelist")
    data = {"action": "delete_selected", "_selected_action": [resting_on_an_audit.pk, other.pk]}

    response = client.post(url, data)

    assert response.status_code == 302
    assert any("rests on this evaluation" in m for m in message_texts(response))
    assert Evaluation.objects.count() == 2
    # The other one alone is deleted as usual.
    data["_selected_action"] = [other.pk]
    assert 'name="post" value="yes"' in client.post(url, data).content.decode(), "confirm"
    client.post(url, {**data, "post": "yes"})
    assert not Evaluation.objects.filter(pk=other.pk).exists()


def test_changing_the_method_it_rests_on_is_refused(client, reviewer, resting_on_an_audit):
    client.force_login(reviewer)
    url = reverse("admin:practices_evaluation_change", args=[resting_on_an_audit.pk])
    data = form_data(client.get(url), "evaluation_form")

    response = client.post(url, {**data, "method": "internal_review", "_save": "Save"})

    assert response.status_code == 200
    assert "Keep the method" in response.content.decode()
    resting_on_an_audit.refresh_from_db()
    assert resting_on_an_audit.method == "audit"
    # Moving it to another practice would leave this one without it, too.
    other = Practice.objects.get(slug="mx-dif-appleseed-study")
    response = client.post(url, {**data, "practice": str(other.pk), "_save": "Save"})
    assert response.status_code == 200
    assert "Record another such evaluation of it" in response.content.decode()
    resting_on_an_audit.refresh_from_db()
    assert resting_on_an_audit.practice_id == garf().pk


# -- the spreadsheet import -------------------------------------------------------------------


def test_the_import_refuses_evaluated_without_an_evaluation_naming_row_and_column():
    result = run([row(), row(GARF, evidence_level="evaluated")])

    [message] = messages(result)
    assert message.startswith("Row 3, column evidence_level: “Evaluated” needs at least one")
    assert "Record the evaluation first" in message
    assert garf().evidence_level == "outputs"
    assert not Practice.objects.filter(slug="new-help-desk").exists(), "nothing half imported"


@pytest.mark.usefixtures("garf_is_a_draft")
def test_the_import_accepts_the_level_its_saved_evaluations_bear_out():
    evaluate(garf(), "impact_evaluation")

    result = run([row(GARF, evidence_level="independent")])

    assert not messages(result)
    assert garf().evidence_level == "independent"


def test_a_new_practice_cannot_be_imported_as_evaluated():
    [message] = messages(run([row(evidence_level="independent")]))
    assert "Row 2, column evidence_level:" in message
    assert "internal review does not count" in message


# -- the public page --------------------------------------------------------------------------


def test_the_page_shows_what_the_level_rests_on(client):
    practice = garf()
    source = Source.objects.create(key="garf-audit", citation="Tribunal de Contas, audit 2012")
    audit = evaluate(practice, "audit", evaluator="Tribunal de Contas", year=2012, source=source)
    evaluate(practice, "internal_review", evaluator="GARF staff", year=2013)
    Practice.objects.filter(pk=practice.pk).update(evidence_level="independent")

    html = client.get(practice.get_absolute_url()).content.decode()

    basis = html.split("<dt>Rests on</dt>")[1].split("</dd>")[0]
    assert f'<a href="#evaluation-{audit.pk}">Audit</a>, by Tribunal de Contas, 2012' in basis
    assert "Tribunal de Contas, audit 2012" in basis
    assert "GARF staff" not in basis, "an internal review is not what the level rests on"
    assert f'id="evaluation-{audit.pk}"' in html


def test_a_level_that_claims_no_evaluation_says_nothing_of_a_basis(client):
    assert "Rests on" not in client.get(garf().get_absolute_url()).content.decode()
