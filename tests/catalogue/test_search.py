"""Full-text search: the right practices first, whatever the accents or case, kept up to date."""

import pytest
from django.core.management import call_command

from countries.models import Country
from practices.models import Organisation, Practice, PracticeCountry
from practices.search import fold
from tests.conftest import make_practice

pytestmark = pytest.mark.django_db


def found(client, query: str) -> list[str]:
    response = client.get("/practices/", {"q": query, "page_size": 100})
    assert response.status_code == 200
    return [practice.slug for practice in response.context["page"]]


def test_unaccompanied_children_finds_the_child_protection_practices_first(client):
    slugs = found(client, "unaccompanied children")
    assert set(slugs[:3]) <= {
        "mx-dif-appleseed-study",
        "mx-dif-shelters-and-community-centres",
        "mx-child-protection-officers-opi",
    }
    assert "mx-dif-appleseed-study" in slugs[:3]


@pytest.mark.parametrize("query", ["Kafeel", "kafeel", "KAFEEL"])
def test_kafeel_finds_bahrain_first(client, query):
    assert found(client, query)[0] == "bh-abolition-kafeel-sponsorship"


def test_a_search_finds_practices_by_organisation_and_country(client):
    assert "md-child-rights-information-centre" in found(client, "IOM")
    assert set(found(client, "Moldova")) >= {"md-child-rights-information-centre"}


def test_every_paper_practice_is_indexed_after_loading():
    assert not Practice.objects.filter(search_text="").exists()
    assert "kafeel" in Practice.objects.get(slug="bh-abolition-kafeel-sponsorship").search_text


@pytest.mark.parametrize("query", ["sequía", "sequia", "SEQUÍA", "Sequia"])
def test_accents_and_case_never_hide_a_match(client, django_capture_on_commit_callbacks, query):
    with django_capture_on_commit_callbacks(execute=True):
        make_practice("drought-response", title="Respuesta a la sequía y migración familiar")
    assert found(client, query) == ["drought-response"]


@pytest.mark.parametrize("query", ["Cote d'Ivoire", "côte d’ivoire", "COTE D'IVOIRE"])
def test_a_country_name_is_found_without_its_accents(
    client, django_capture_on_commit_callbacks, query
):
    with django_capture_on_commit_callbacks(execute=True):
        make_practice("ivorian-families", countries=[("CI", "COO")])
    assert "ivorian-families" in found(client, query)


def test_the_index_follows_edits_to_a_practice_its_countries_and_partners(
    client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        practice = make_practice("edited-later", countries=[("MX", "COD")])
    assert "edited-later" not in found(client, "Kyrgyzstan")

    with django_capture_on_commit_callbacks(execute=True):
        PracticeCountry.objects.create(
            practice=practice, country=Country.objects.get(iso2="KG"), role="COO"
        )
    assert "edited-later" in found(client, "Kyrgyzstan")

    with django_capture_on_commit_callbacks(execute=True):
        practice.title = "Quinoa cooperatives for returning families"
        practice.save()
    assert found(client, "quinoa") == ["edited-later"]

    with django_capture_on_commit_callbacks(execute=True):
        practice.country_links.filter(country__iso2="KG").delete()
    assert "edited-later" not in found(client, "Kyrgyzstan")

    with django_capture_on_commit_callbacks(execute=True):
        partner = Organisation.objects.create(
            slug="zz-partner", name="Zanzibar Kinship Trust", kind="ngo"
        )
        practice.partners.add(partner)
    assert found(client, "Zanzibar") == ["edited-later"]

    with django_capture_on_commit_callbacks(execute=True):
        partner.name = "Pemba Kinship Trust"
        partner.save()
    assert found(client, "Pemba") == ["edited-later"]
    assert found(client, "Zanzibar") == []


def test_update_search_index_command_rebuilds_every_practice():
    Practice.objects.update(search_text="")
    call_command("update_search_index", verbosity=0)
    assert not Practice.objects.filter(search_text="").exists()


def test_search_combines_with_filters(client):
    children = set(found(client, "children"))
    response = client.get("/practices/", {"q": "children", "cod": "MX", "page_size": 100})
    both = {p.slug for p in response.context["page"]}
    mexico_as_destination = {"mx-frontier-worker-migration-form", "mx-local-visitor-migration-form"}
    assert both == children & mexico_as_destination
    assert both


def test_fold_strips_accents_and_case():
    assert fold("Côte d’Ivoire SEQUÍA") == "cote d'ivoire sequia"


@pytest.mark.parametrize("query", ['"unbalanced', "a & b | !c", "((", "-", "or", "'", "%", "_"])
def test_odd_search_syntax_never_fails(client, query):
    assert client.get("/practices/", {"q": query}).status_code == 200


def test_a_practice_waiting_to_be_indexed_belongs_to_its_own_request_thread():
    from threading import Thread

    from practices import signals

    signals.reindex_on_commit([123456])  # inside the test's transaction: not committed
    seen_elsewhere = []
    other = Thread(target=lambda: seen_elsewhere.append(set(signals.pending_ids())))
    other.start()
    other.join()
    # Another thread's commit must not index (and clear) this thread's uncommitted work.
    assert seen_elsewhere == [set()]
    assert 123456 in signals.pending_ids()
