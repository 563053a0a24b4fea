"""A number in a public URL is written with the digits 0 to 9; any other digit is an unknown
value, named and ignored like any other, and the rest of the URL still applies.

``str.isdigit()`` is true of "²" and "①", which ``int()`` refuses: these gave a server error.
``int()``, and Django's IntegerField and DecimalField with it, read "٣" (Arabic-Indic) and "３"
(fullwidth) as 3: a page applied them as if 3 had been written.
"""

import csv
import io
import json

import pytest

from practices.catalogue.numbers import whole_number
from practices.models import GCMObjective
from tests.conftest import make_practice
from tests.public_urls import fetch

pytestmark = pytest.mark.django_db

# Not a number here: superscript and circled digits (No), Roman numerals (Nl), decimal digits
# of other scripts (Nd: Arabic-Indic, fullwidth, Devanagari), and what int(), Decimal() or
# IntegerField also read as a number.
NOT_NUMBERS = ["²", "①", "Ⅻ", "٣", "３", "३", "1_0", "+3", "-3", "3.0", "1e1", " ", "", "1²"]
CONTENT_TYPES = {"csv": "text/csv; charset=utf-8", "json": "application/json; charset=utf-8"}


def listed(client, query: str) -> list[str]:
    response = client.get(f"/practices/?{query}&page_size=100")
    assert response.status_code == 200
    return [practice.slug for practice in response.context["page"]]


def ignored(response) -> dict[str, str]:
    return {name: value for name, value, _why in response.context["ignored"]}


@pytest.mark.parametrize(
    "url",
    [
        # Found by an outside attack run: each was a server error.
        "/practices/?page_size=%C2%B2",
        "/practices/?page_size=①",
        "/practices/?gcm=①",
        "/practices/export.csv?gcm=²",
        "/practices/export.json?gcm=³",
        # int() refuses more than 4,300 digits: isdigit() let them through to it.
        "/practices/?page_size=" + "1" * 5000,
    ],
)
def test_the_urls_that_gave_a_server_error_give_a_page(client, url):
    response, content = fetch(client, url)
    assert response.status_code == 200, url
    assert "Traceback" not in content


@pytest.mark.parametrize("value", ["12", "0", "007", " 42 ", "999999999"])
def test_a_whole_number_is_ascii_digits(value):
    assert whole_number(value) == int(value)


@pytest.mark.parametrize("value", [*NOT_NUMBERS, None, "1234567890", "٣" * 3, "1" * 5000])
def test_anything_else_is_not_a_number(value):
    assert whole_number(value) is None


def test_the_length_is_bounded():
    assert whole_number("123", max_digits=3) == 123
    assert whole_number("1234", max_digits=3) is None


@pytest.mark.parametrize("value", ["²", "①", "٣", "３", "1" * 5000])
def test_a_page_size_in_other_digits_shows_the_default_size_and_says_so(client, value):
    response, content = fetch(client, f"/practices/?page_size={value}")
    assert response.status_code == 200
    assert response.context["page_size"] == 25
    assert len(response.context["page"]) == 25
    note = f"Page size “{value[:20]}” is not a number of practices; showing 25."
    assert note in response.context["notes"]
    assert note in content


@pytest.mark.parametrize("value", ["①", "²", "٣", "３"])
def test_a_gcm_objective_in_other_digits_is_named_and_the_rest_applies(client, value):
    make_practice("gcm-seven").gcm_objectives.add(GCMObjective.objects.get(number=7))
    make_practice("gcm-eight").gcm_objectives.add(GCMObjective.objects.get(number=8))
    response, content = fetch(client, f"/practices/?gcm={value}&gcm=7&theme=children")
    assert response.status_code == 200
    slugs = [p.slug for p in response.context["page"]]
    assert "gcm-seven" in slugs and "gcm-eight" not in slugs
    assert slugs == listed(client, "gcm=7&theme=children")
    assert ignored(response) == {"gcm": value}
    assert f"gcm={value}" in content
    assert ("gcm", "7") in response.context["params"]


@pytest.mark.parametrize(
    ("query", "name", "value"),
    [
        ("year_from=２０００", "year_from", "２０００"),
        ("year_to=٢٠٠٥", "year_to", "٢٠٠٥"),
        ("year_from=2000.0", "year_from", "2000.0"),
        ("criterion=effectiveness&min_rating=٣", "min_rating", "٣"),
    ],
)
def test_a_year_or_a_rating_in_other_digits_is_named_and_not_applied(client, query, name, value):
    response, content = fetch(client, f"/practices/?{query}&theme=children&page_size=100")
    assert response.status_code == 200
    assert [p.slug for p in response.context["page"]] == listed(client, "theme=children")
    assert ignored(response)[name] == value
    why = next(why for n, _v, why in response.context["ignored"] if n == name)
    assert "whole number, written with the digits 0 to 9" in why
    assert f"{name}={value}" in content
    # The note is one sentence: the field's message, and one full stop after it.
    assert "digits 0 to 9." in content and "digits 0 to 9.." not in content


def test_a_year_in_ascii_digits_still_filters(client):
    response = client.get("/practices/?year_from=2005&year_to=2007&page_size=100")
    assert not response.context["ignored"]
    years = {p.start_year for p in response.context["page"]}
    assert years and all(2005 <= year <= 2007 for year in years)
    assert ("year_from", "2005") in response.context["params"]


@pytest.mark.parametrize("value", ["٢", "２", "²", "-1"])
def test_a_page_number_in_other_digits_shows_the_first_page_and_says_so(client, value):
    response, content = fetch(client, f"/practices/?page={value}&page_size=10")
    assert response.status_code == 200
    assert response.context["page"].number == 1
    assert f"There is no page “{value}”; showing page 1 of" in content


@pytest.mark.parametrize(
    ("extension", "value", "named"),
    [("csv", "²", "gcm=%C2%B2"), ("json", "³", "gcm=%C2%B3"), ("csv", "٣", "gcm=%D9%A3")],
)
def test_an_export_ignores_a_gcm_objective_in_other_digits(client, extension, value, named):
    """As it ignores any unknown value: every row, and the value named in X-Ignored-Filters."""
    response, content = fetch(client, f"/practices/export.{extension}?gcm={value}")
    _response, everything = fetch(client, f"/practices/export.{extension}")
    assert response.status_code == 200
    assert response["Content-Type"] == CONTENT_TYPES[extension]
    assert response["X-Ignored-Filters"] == named
    assert content == everything
    if extension == "csv":
        assert len(list(csv.DictReader(io.StringIO(content.removeprefix("\ufeff"))))) > 1
    else:
        assert len(json.loads(content)) > 1
