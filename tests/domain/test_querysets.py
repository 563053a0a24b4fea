"""The queryset verbs the pages are built on."""

import pytest

from countries.models import Country
from practices.models import Practice

pytestmark = pytest.mark.django_db


def slugs(queryset) -> list[str]:
    return list(queryset.values_list("slug", flat=True))


def test_country_in_a_role_matches_one_link_not_any_two():
    mexico = Country.objects.get(iso2="MX")
    as_destination = slugs(Practice.objects.for_country(mexico, "COD"))
    assert "mx-frontier-worker-migration-form" in as_destination
    # Mexico is origin and transit there; the destination is the United States.
    assert "mx-child-protection-officers-opi" not in as_destination


def test_country_in_two_roles_is_listed_once():
    mexico = Country.objects.get(iso2="MX")
    found = slugs(Practice.objects.for_country(mexico))
    assert found.count("mx-child-protection-officers-opi") == 1
    assert len(found) == len(set(found))


def test_transit_role_gives_exactly_the_practices_where_mexico_is_transit():
    mexico = Country.objects.get(iso2="MX")
    assert sorted(slugs(Practice.objects.for_country(mexico, "COT"))) == [
        "mx-child-protection-officers-opi",
        "mx-dif-shelters-and-community-centres",
        "mx-gt-border-comprehensive-health-model",
    ]
