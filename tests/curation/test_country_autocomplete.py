"""The admin's country boxes (an organisation's country, a practice's countries) find a
country by its ISO codes, the exact code first: "MA" is Morocco, at the top, not somewhere
after every name containing "ma" (twenty names a page: it was not even on the first)."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

AUTOCOMPLETE = reverse("admin:autocomplete")


def answers(client, term: str, model_name: str = "organisation", field_name: str = "country"):
    response = client.get(
        AUTOCOMPLETE,
        {
            "app_label": "practices",
            "model_name": model_name,
            "field_name": field_name,
            "term": term,
        },
    )
    assert response.status_code == 200
    return [result["text"] for result in response.json()["results"]]


@pytest.mark.parametrize(
    ("term", "country"),
    [
        ("MA", "Morocco"),
        ("ma", "Morocco"),
        ("MAR", "Morocco"),
        ("DE", "Germany"),
        ("MEX", "Mexico"),
    ],
)
def test_an_iso_code_finds_its_country_first(client, curator, term, country):
    client.force_login(curator)
    assert answers(client, term)[0] == country


def test_names_still_match_after_the_exact_code(client, curator):
    client.force_login(curator)
    found = answers(client, "MA")
    assert found[0] == "Morocco"
    assert {"Malawi", "Guatemala"} <= set(found)


def test_a_name_finds_its_country(client, curator):
    client.force_login(curator)
    assert answers(client, "morocc") == ["Morocco"]


def test_the_practice_forms_country_box_finds_codes_first_too(client, curator):
    client.force_login(curator)
    found = answers(client, "PH", model_name="practicecountry", field_name="country")
    assert found[0] == "Philippines"
