"""The duplicate guard: a practice whose title (any case or accents) and implementing country
match one the base has is not saved until the curator says it is a different practice."""

import pytest
from django.urls import reverse

from countries.models import Country
from practices.curation.duplicates import find_duplicates
from practices.curation.forms import SAVED_ANYWAY_REASON
from practices.models import Practice, PracticeCountry
from tests.conftest import make_practice
from tests.curation.admin_form import ADD_URL, add_form, add_inline_row, form_data, save

pytestmark = pytest.mark.django_db

EXISTING = "pt-family-reunification-support-offices"  # Portugal implements it


def country(iso2: str) -> Country:
    return Country.objects.get(iso2=iso2)


@pytest.fixture
def existing():
    return Practice.objects.get(slug=EXISTING)


# -- the rule -----------------------------------------------------------------------------


def test_same_title_in_any_case_or_accents_and_implementing_country_is_a_duplicate(existing):
    portugal = country("PT").pk
    shouted = existing.title.upper()
    accented = existing.title.replace("e", "é").replace("a", "à")
    for title in (existing.title, shouted, accented, f"  {existing.title} "):
        assert find_duplicates(title, [portugal]) == [existing], title


def test_a_title_alone_or_a_country_alone_is_not_a_duplicate(existing):
    assert find_duplicates(existing.title, [country("ES").pk]) == []
    assert find_duplicates("Another practice entirely", [country("PT").pk]) == []
    assert find_duplicates(existing.title, []) == []
    assert find_duplicates("", [country("PT").pk]) == []


def test_only_implementing_countries_count_and_a_practice_is_not_its_own_duplicate(existing):
    partner = make_practice("partnered", title="Shared title", countries=[("JP", "COD")])
    PracticeCountry.objects.filter(practice=partner).update(involvement="partner")
    assert find_duplicates("Shared title", [country("JP").pk]) == []
    assert find_duplicates(existing.title, [country("PT").pk], exclude_pk=existing.pk) == []


def test_a_practice_written_in_the_same_transaction_is_found_before_it_is_indexed():
    # An import writes rows one after the other and indexes them at commit.
    make_practice("first-row", title="Programa Sequía", countries=[("MX", "COO")])
    Practice.objects.filter(slug="first-row").update(search_text="")
    found = find_duplicates("programa sequia", [country("MX").pk])
    assert [p.slug for p in found] == ["first-row"]


# -- in the admin -------------------------------------------------------------------------


def test_adding_a_duplicate_warns_with_a_link_and_saves_nothing(client, curator, existing):
    client.force_login(curator)
    before = Practice.objects.count()

    response = save(client, add_form(client, existing.title.upper(), "PT"))

    assert response.status_code == 200
    assert Practice.objects.count() == before
    html = response.content.decode()
    link = reverse("admin:practices_practice_change", args=[existing.pk])
    assert f'<a href="{link}" target="_blank" rel="noopener">{existing.title}</a>' in html
    assert "Save anyway: this is a different practice" in html
    assert 'type="checkbox" name="save_anyway"' in html


def test_ticking_save_anyway_saves_it_and_history_says_so(client, curator, existing):
    client.force_login(curator)

    response = save(client, add_form(client, existing.title, "PT", save_anyway="on"))

    assert response.status_code == 302
    added = Practice.objects.get(slug="a-new-practice")
    assert added.title == existing.title
    assert added.country_links.get().country == country("PT")
    assert added.history.earliest("history_id").history_change_reason == SAVED_ANYWAY_REASON


def test_the_same_title_in_another_country_is_saved_without_a_warning(client, curator, existing):
    client.force_login(curator)

    response = save(client, add_form(client, existing.title, "ES"))

    assert response.status_code == 302
    assert Practice.objects.filter(slug="a-new-practice").exists()


def test_the_same_country_only_as_a_partner_is_saved_without_a_warning(client, curator, existing):
    client.force_login(curator)
    response = save(client, add_form(client, existing.title, "PT", involvement="partner"))
    assert response.status_code == 302


def test_renaming_a_practice_into_a_duplicate_warns(client, curator, existing):
    other = make_practice("in-portugal", title="Something else", countries=[("PT", "COD")])
    client.force_login(curator)
    url = reverse("admin:practices_practice_change", args=[other.pk])
    data = form_data(client.get(url), "practice_form")
    data["title_en"] = existing.title

    response = client.post(url, {**data, "_save": "Save"})

    assert response.status_code == 200
    assert existing.title in response.content.decode()
    other.refresh_from_db()
    assert other.title == "Something else"


def test_adding_an_implementing_country_that_makes_a_duplicate_warns(client, curator, existing):
    twin = make_practice("twin", title=existing.title, countries=[("ES", "COD")])
    client.force_login(curator)
    url = reverse("admin:practices_practice_change", args=[twin.pk])
    data = form_data(client.get(url), "practice_form")
    add_inline_row(
        data, "country_links", country=str(country("PT").pk), role="COD", involvement="implementing"
    )

    response = client.post(url, {**data, "_save": "Save"})

    assert response.status_code == 200
    assert not twin.country_links.filter(country__iso2="PT").exists()


def test_editing_something_else_of_an_accepted_twin_does_not_ask_again(client, curator, existing):
    twin = make_practice(
        "twin", title=existing.title, countries=[("PT", "COD")], publication_state="draft"
    )
    client.force_login(curator)
    url = reverse("admin:practices_practice_change", args=[twin.pk])
    data = form_data(client.get(url), "practice_form")
    data["summary_en"] = "A better summary."

    response = client.post(url, {**data, "_save": "Save"})

    assert response.status_code == 302
    twin.refresh_from_db()
    assert twin.summary == "A better summary."


def test_the_checkbox_is_hidden_until_there_is_something_to_confirm(client, curator):
    client.force_login(curator)
    html = client.get(ADD_URL).content.decode()
    assert 'type="hidden" name="save_anyway"' in html
    assert 'type="checkbox" name="save_anyway"' not in html
