"""Dossiers in the admin: made and edited by their owner alone, shared and unshared with a
button; preparers reach them and nothing else."""

import json

import pytest
from django.contrib.admin.models import LogEntry
from django.test import Client
from django.urls import reverse

from practices.models import Dossier, DossierPractice, Practice
from tests.conftest import make_dossier, make_practice
from tests.curation.test_role_permissions import form_data

pytestmark = pytest.mark.django_db

Change = DossierPractice.Change
State = Practice.PublicationState
ADD = reverse("admin:practices_dossier_add")
CHANGELIST = reverse("admin:practices_dossier_changelist")
AUTOCOMPLETE = reverse("admin:practices_dossier_practice_autocomplete")


def change_url(dossier) -> str:
    return reverse("admin:practices_dossier_change", args=[dossier.pk])


def share_url(dossier) -> str:
    return reverse("admin:practices_dossier_share", args=[dossier.pk])


def add_form(client, **fields) -> dict:
    """The add page's form as a browser posts it, with ``fields`` and the hand-picked rows
    ``picks`` ((practice, change, note) each) filled in."""
    picks = fields.pop("picks", [])
    data = form_data(client.get(ADD))
    data.update(fields)
    data["picks-TOTAL_FORMS"] = str(max(len(picks), 1))
    for i, (practice, change, note) in enumerate(picks):
        data.update(
            {
                f"picks-{i}-practice": practice.pk,
                f"picks-{i}-change": change,
                f"picks-{i}-note": note,
            }
        )
    return data


@pytest.fixture
def preparer_client(client, preparer):
    client.force_login(preparer)
    return client


@pytest.fixture
def draft():
    return make_practice(
        "dossier-admin-draft", title="Unpublished draft", publication_state="draft"
    )


# -- the preparer's admin -------------------------------------------------------------------


def test_a_preparer_reaches_the_admin_and_sees_only_the_dossiers(preparer_client):
    response = preparer_client.get("/admin/")
    assert response.status_code == 200
    models = [m["object_name"] for app in response.context["app_list"] for m in app["models"]]
    assert models == ["Dossier"]
    assert response.context["desk_queues"] == []
    for url in (
        reverse("admin:practices_practice_changelist"),
        reverse("admin:practices_practice_add"),
        reverse("admin:practices_source_changelist"),
    ):
        assert preparer_client.get(url).status_code == 403, url


def test_a_preparer_signs_in_with_the_login_form(client, preparer):
    response = client.post(
        reverse("admin:login"),
        {"username": "preparer", "password": "pw-preparer-1", "next": CHANGELIST},
    )
    assert response.status_code == 302 and response["Location"] == CHANGELIST


def test_a_preparer_makes_a_dossier_with_the_add_form(preparer, preparer_client):
    added, removed = (
        Practice.objects.published().get(slug=slug)
        for slug in ("ph-tulay-project", "mx-programa-paisano")
    )
    data = add_form(
        preparer_client,
        title="RT 2.2: families left behind",
        session="Puerto Vallarta 2010",
        # The list's address pasted whole: its query string is kept, its countries too.
        query="https://kb.example.org/practices/brief/?theme=children&cod=US&page=2&countries=US+mex",
        countries="",
        picks=[(added, Change.ADDED, "Hand-picked."), (removed, Change.REMOVED, "")],
    )
    # Forged: the form has no owner field, and must not take it.
    data["owner"] = 1

    response = preparer_client.post(ADD, data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    dossier = Dossier.objects.get(title="RT 2.2: families left behind")
    assert dossier.owner == preparer
    assert dossier.query == "theme=children&cod=US"
    assert dossier.countries == "US, MX"
    assert dossier.session == "Puerto Vallarta 2010"
    assert not dossier.is_shared
    picks = {(p.practice_id, p.change, p.note) for p in dossier.picks.all()}
    assert picks == {(added.pk, "added", "Hand-picked."), (removed.pk, "removed", "")}


def test_unknown_country_codes_are_refused_by_name(preparer_client):
    data = add_form(preparer_client, title="Bad countries", countries="MX, Narnia, XX")
    response = preparer_client.post(ADD, data)
    assert response.status_code == 200
    assert "Not ISO country codes: Narnia, XX." in response.content.decode()
    assert not Dossier.objects.filter(title="Bad countries").exists()


def test_the_add_form_is_filled_from_its_address(preparer_client):
    response = preparer_client.get(ADD, {"query": "theme=health", "countries": "MX PH", "x": "y"})
    form = response.context["adminform"].form
    assert form.initial == {"query": "theme=health", "countries": "MX PH"}


def test_a_preparer_sees_and_edits_only_their_own_dossiers(preparer, curator, preparer_client):
    mine = make_dossier(preparer, "Mine")
    theirs = make_dossier(curator, "Theirs")

    listed = preparer_client.get(CHANGELIST).context["cl"].result_list
    assert [d.title for d in listed] == ["Mine"]
    assert preparer_client.get(change_url(mine)).status_code == 200
    # Another user's dossier is not there: the admin says so and goes to its index.
    response = preparer_client.get(change_url(theirs))
    assert response.status_code == 302 and response["Location"] == "/admin/"
    data = {"title": "Taken over", "query": "", "countries": "", "picks-TOTAL_FORMS": "0"}
    data.update({"picks-INITIAL_FORMS": "0"})
    preparer_client.post(change_url(theirs), data)
    preparer_client.post(share_url(theirs), {"action": "create"})
    preparer_client.post(reverse("admin:practices_dossier_delete", args=[theirs.pk]), {"post": 1})
    theirs.refresh_from_db()
    assert theirs.title == "Theirs" and not theirs.is_shared


def test_a_superuser_sees_every_dossier_and_its_owner(admin_client, preparer, curator):
    make_dossier(preparer, "One")
    make_dossier(curator, "Two")
    response = admin_client.get(CHANGELIST)
    assert {d.title for d in response.context["cl"].result_list} == {"One", "Two"}
    assert "owner" in response.context["cl"].list_display


@pytest.mark.parametrize("role", ["curator", "reviewer"])
def test_curators_and_reviewers_keep_dossiers_too(client, request, role):
    user = request.getfixturevalue(role)
    client.force_login(user)
    data = add_form(client, title=f"A {role}'s dossier", query="theme=health")
    assert client.post(ADD, data).status_code == 302
    assert Dossier.objects.get(title=f"A {role}'s dossier").owner == user


# -- picking practices ----------------------------------------------------------------------


def autocomplete(client, term: str) -> list[str]:
    response = client.get(
        AUTOCOMPLETE,
        {
            "term": term,
            "app_label": "practices",
            "model_name": "dossierpractice",
            "field_name": "practice",
        },
    )
    assert response.status_code == 200
    return [result["text"] for result in json.loads(response.content)["results"]]


def test_a_preparer_picks_among_published_practices_only(preparer_client, draft):
    assert autocomplete(preparer_client, "Unpublished") == []
    assert "Special program for Mexicans abroad (Programa Paisano)" in autocomplete(
        preparer_client, "Paisano"
    )
    # Forged: the draft's id posted by hand is refused.
    data = add_form(preparer_client, title="With a draft", picks=[(draft, Change.ADDED, "")])
    response = preparer_client.post(ADD, data)
    assert response.status_code == 200
    assert not Dossier.objects.filter(title="With a draft").exists()


def test_a_curator_picks_a_draft_and_sees_it_is_one(client, curator, draft):
    client.force_login(curator)
    assert autocomplete(client, "Unpublished") == ["Unpublished draft (draft)"]
    data = add_form(client, title="With a draft", picks=[(draft, Change.ADDED, "")])
    assert client.post(ADD, data).status_code == 302
    assert Dossier.objects.get(title="With a draft").picks.get().practice == draft


def test_the_autocomplete_is_for_those_who_keep_dossiers(client, outsider, curator):
    assert client.get(AUTOCOMPLETE).status_code == 302  # to the login page
    client.force_login(outsider)
    assert client.get(AUTOCOMPLETE).status_code == 302


def test_a_practice_unpublished_since_it_was_picked_does_not_block_the_form(
    preparer, preparer_client
):
    practice = make_practice("picked-then-unpublished")
    dossier = make_dossier(preparer, picks=[(practice, Change.ADDED, "")])
    Practice.objects.filter(pk=practice.pk).update(publication_state=State.DRAFT)
    data = form_data(preparer_client.get(change_url(dossier)))
    data["title"] = "Renamed"
    response = preparer_client.post(change_url(dossier), data)
    assert response.status_code == 302, response.context["inline_admin_formsets"][0].formset.errors
    dossier.refresh_from_db()
    assert dossier.title == "Renamed"


def test_a_practice_is_picked_once_per_dossier(preparer_client):
    practice = Practice.objects.published().get(slug="ph-tulay-project")
    data = add_form(
        preparer_client,
        title="Twice",
        picks=[(practice, Change.ADDED, ""), (practice, Change.NOTE, "again")],
    )
    response = preparer_client.post(ADD, data)
    assert response.status_code == 200
    assert "Please correct the duplicate data for practice" in response.content.decode()


# -- the change page's links and share buttons --------------------------------------------


def test_the_change_page_links_the_dossier_and_its_files(preparer, preparer_client):
    dossier = make_dossier(preparer)
    html = preparer_client.get(change_url(dossier)).content.decode()
    for name in ("dossier", "dossier-pdf", "dossier-docx"):
        assert f'href="{reverse(f"practices:{name}", args=[dossier.pk])}"' in html
    assert "Open the dossier" in html and "Create share link" in html


def test_sharing_and_revoking_with_the_buttons(client, preparer, preparer_client):
    dossier = make_dossier(preparer)

    response = preparer_client.post(share_url(dossier), {"action": "create"}, follow=True)
    dossier.refresh_from_db()
    first = dossier.share_token
    link = reverse("practices:dossier-shared", args=[first])
    assert first and dossier.shared_at
    assert f"http://testserver{link}" in response.content.decode()
    assert "Revoke share link" in response.content.decode()
    # A second "create" (a double click) keeps the link.
    preparer_client.post(share_url(dossier), {"action": "create"})
    dossier.refresh_from_db()
    assert dossier.share_token == first
    assert Client().get(link).status_code == 200

    preparer_client.post(share_url(dossier), {"action": "revoke"})
    dossier.refresh_from_db()
    assert dossier.share_token is None and dossier.shared_at is None
    assert Client().get(link).status_code == 404

    preparer_client.post(share_url(dossier), {"action": "create"})
    dossier.refresh_from_db()
    assert dossier.share_token not in (None, first)
    assert Client().get(link).status_code == 404
    history = [entry.change_message for entry in dossier_log(dossier)]
    assert history == ["Shared read-only", "Share link revoked", "Shared read-only"]


def dossier_log(dossier):
    return LogEntry.objects.filter(object_id=str(dossier.pk)).order_by("action_time", "pk")


def test_sharing_is_a_post_with_a_csrf_token(preparer):
    dossier = make_dossier(preparer)
    client = Client(enforce_csrf_checks=True)
    client.force_login(preparer)
    assert client.get(share_url(dossier)).status_code == 405
    assert client.post(share_url(dossier), {"action": "create"}).status_code == 403
    dossier.refresh_from_db()
    assert not dossier.is_shared
