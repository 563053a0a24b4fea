"""Bad data is refused by the database itself, not only by forms."""

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from countries.models import Country
from practices.models import OutcomeMetric, Practice, PracticeCountry
from tests.conftest import make_practice

pytestmark = pytest.mark.django_db


def refused(create) -> bool:
    try:
        with transaction.atomic():
            create()
    except IntegrityError:
        return True
    return False


def test_end_year_before_start_year_is_refused():
    assert refused(lambda: make_practice("backwards", start_year=2010, end_year=2008))


def test_end_year_equal_to_start_year_is_accepted():
    assert not refused(lambda: make_practice("one-year", start_year=2010, end_year=2010))


def test_year_out_of_range_is_refused():
    assert refused(lambda: make_practice("far-future", start_year=3010))


def test_duplicate_slug_is_refused():
    make_practice("same-slug")
    assert refused(lambda: make_practice("same-slug", title="Another title"))


def test_duplicate_practice_country_role_is_refused():
    practice = make_practice("one-role", countries=[("MX", "COD")])
    mexico = Country.objects.get(iso2="MX")
    assert refused(
        lambda: PracticeCountry.objects.create(practice=practice, country=mexico, role="COD")
    )


def test_same_country_in_two_roles_is_accepted():
    practice = make_practice("two-roles", countries=[("MX", "COO")])
    mexico = Country.objects.get(iso2="MX")
    PracticeCountry.objects.create(practice=practice, country=mexico, role="COT")
    assert practice.country_links.count() == 2


def test_negative_figure_is_refused():
    practice = make_practice("negative")
    assert refused(
        lambda: OutcomeMetric.objects.create(
            practice=practice, label="People", value=Decimal("-1"), unit="people", year=2009
        )
    )


def test_figure_without_unit_is_refused():
    practice = make_practice("no-unit")
    assert refused(
        lambda: OutcomeMetric.objects.create(
            practice=practice, label="People", value=Decimal("5"), unit="", year=2009
        )
    )


def test_same_figure_twice_for_one_year_is_refused():
    practice = make_practice("twice")
    OutcomeMetric.objects.create(
        practice=practice, label="People", value=Decimal("5"), unit="people", year=2009
    )
    assert refused(
        lambda: OutcomeMetric.objects.create(
            practice=practice, label="People", value=Decimal("6"), unit="people", year=2009
        )
    )


def test_empty_slug_is_refused():
    assert refused(lambda: Practice.objects.create(title="x", slug="", scope="unilateral"))
