"""A country in several roles at once (OR), the "has figures" filter, and what an empty list
suggests instead of a bare "no practice"."""

import csv
import io

import pytest

from practices.models import OutcomeMetric, Practice
from tests.catalogue.test_list_filters_facets_paging import listed

pytestmark = pytest.mark.django_db


def test_a_country_in_either_of_two_roles_is_the_union_of_both_roles(client):
    as_origin, as_destination = set(listed(client, "coo=MX")), set(listed(client, "cod=MX"))
    assert as_origin and as_destination
    either = listed(client, "country=MX&role=coo&role=cod")
    assert set(either) == as_origin | as_destination
    assert len(either) == len(set(either)), "a practice is listed once"
    # Both roles on one practice (the old URL) is a different question, with no answer here.
    assert listed(client, "coo=MX&cod=MX") == []


def test_roles_apply_to_every_ticked_country_and_leave_corridors_alone(client):
    expected = set(listed(client, "cot=MX")) | set(listed(client, "cot=GT"))
    assert set(listed(client, "country=MX&country=GT&role=cot")) == expected
    assert set(listed(client, "coo=PH&cod=JP")) == {"ph-social-workers-japan"}
    # A role in the same parameter's case as the role parameters: COO, coo.
    assert set(listed(client, "country=mx&role=COO")) == set(listed(client, "coo=MX"))


def test_a_role_without_a_country_is_ignored_and_said(client):
    response = client.get("/practices/?role=coo")
    assert response.context["page"].paginator.count == Practice.objects.published().count()
    ignored = response.context["ignored"]
    assert [(name, value) for name, value, _why in ignored] == [("role", "coo")]
    assert "give the country it applies to" in response.content.decode()


def test_removing_the_last_country_removes_its_roles(client):
    chips = client.get("/practices/?country=MX&role=coo&role=cod").context["chips"]
    by_value = {value: query for _label, value, query in chips}
    assert by_value["Mexico"] == ""
    assert by_value["Country of origin"] == "country=MX&role=cod"


def test_an_empty_list_names_each_single_change_that_gives_practices(client):
    response = client.get("/practices/?coo=MX&cod=MX")
    assert response.context["page"].paginator.count == 0
    found = {w.query: w.count for w in response.context["widenings"]}
    assert found == {
        "country=MX&role=coo&role=cod": len(listed(client, "country=MX&role=coo&role=cod")),
        "coo=MX": len(listed(client, "coo=MX")),
        "cod=MX": len(listed(client, "cod=MX")),
    }
    counts = [w.count for w in response.context["widenings"]]
    assert counts == sorted(counts, reverse=True), "the widest change first"
    html = response.content.decode()
    assert 'href="?coo=MX"' in html
    assert "Country of origin: Mexico" in html
    assert "export.csv" not in html, "no download of an empty list"


def test_when_no_single_change_helps_none_is_offered(client):
    # Two filters that each give nothing: leaving out either one still gives nothing.
    response = client.get("/practices/?q=zzzqqq&theme=children&country=ZW")
    assert response.context["page"].paginator.count == 0
    assert response.context["widenings"] == []
    assert "Remove a filter above to widen the list." in response.content.decode()


def test_a_list_with_practices_suggests_nothing(client):
    assert client.get("/practices/?coo=MX").context["widenings"] == []


def test_has_figures_splits_the_list_by_whether_a_practice_gives_any_figure(client):
    with_figures = set(listed(client, "has_figures=yes"))
    without = set(listed(client, "has_figures=no"))
    counted = set(
        OutcomeMetric.objects.filter(practice__publication_state="published").values_list(
            "practice__slug", flat=True
        )
    )
    assert with_figures == counted
    assert not with_figures & without
    assert with_figures | without == set(listed(client))


def test_the_export_takes_the_either_role_filter(client):
    body = b"".join(
        client.get("/practices/export.csv?country=MX&role=coo&role=cod").streaming_content
    )
    rows = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))
    assert {row["slug"] for row in rows} == set(listed(client, "country=MX&role=coo&role=cod"))


def test_the_role_facet_shows_only_once_a_country_is_ticked(client):
    names = [f.name for f in client.get("/practices/?theme=children").context["facets"]]
    assert "role" not in names
    facets = client.get("/practices/?country=MX").context["facets"]
    roles = next(f for f in facets if f.name == "role")
    assert [option.value for option in roles.options] == ["coo", "cot", "cod"]
