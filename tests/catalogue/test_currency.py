"""How current a practice is, as the public sees it: the status with the year it was reported,
when and against what it was last verified (never by whom), a "may be out of date" notice on
its page and its card, the list's ``currency`` filter with its counts, and the exports' dates.
"""

import csv
import datetime
import io
import json
from urllib.parse import parse_qsl

import pytest
from django.utils import timezone

from practices.models import Practice
from tests.conftest import make_practice

pytestmark = pytest.mark.django_db

OPI = "mx-child-protection-officers-opi"  # one of the paper's: reported in 2010
PAPER_COUNT = 59


@pytest.fixture(autouse=True)
def three_years(settings):
    settings.CURRENCY_YEARS = 3


def recently() -> datetime.date:
    return timezone.localdate() - datetime.timedelta(days=30)


@pytest.fixture
def verified(django_user_model):
    """A paper practice a named reviewer verified a month ago."""
    reviewer = django_user_model.objects.create_user(
        "lr", "lucia@example.org", first_name="Lucía", last_name="Ramos"
    )
    # Saved as the reviewer's verification page saves it: what follows a practice's changes
    # (its export rows, the cached counts) follows this one too.
    practice = Practice.objects.get(slug=OPI)
    practice.verified_on = recently()
    practice.verified_by = reviewer
    practice.verified_against = "DIF annual report 2025"
    practice.save()
    return practice


def page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def listed(client, query: str) -> list[str]:
    response = client.get(f"/practices/?{query}&page_size=100")
    assert response.status_code == 200
    return [practice.slug for practice in response.context["page"]]


# -- the practice's page and its card -----------------------------------------------------


def test_the_page_gives_the_status_with_the_year_it_was_reported(client):
    html = page(client, f"/practices/{OPI}/")
    assert "Ongoing, as reported in 2010</a>" in html
    assert "not verified since it was reported" in html


def test_the_page_says_when_and_against_what_it_was_verified_never_by_whom(client, verified):
    html = page(client, f"/practices/{OPI}/")
    assert f'<time datetime="{verified.verified_on:%Y-%m-%d}">' in html
    assert "against DIF annual report 2025" in html
    for name in ("Lucía", "Ramos", "lucia@example.org", ">lr<"):
        assert name not in html


def test_a_practice_reported_long_ago_shows_the_notice_on_its_page(client):
    html = page(client, f"/practices/{OPI}/")
    assert 'id="currency-notice"' in html
    assert "This practice may be out of date." in html
    assert "Its status was reported in 2010, and nobody has verified it since." in html
    assert 'href="/practices/?currency=out_of_date"' in html


def test_a_check_long_ago_is_named_in_the_notice(client, settings):
    settings.CURRENCY_YEARS = 1
    two_years_ago = timezone.localdate() - datetime.timedelta(days=800)
    Practice.objects.filter(slug=OPI).update(verified_on=two_years_ago, verified_against="A call")
    html = page(client, f"/practices/{OPI}/")
    assert f"It was last verified on {two_years_ago:%-d %B %Y}, more than a year ago." in html, (
        "the period is the setting's"
    )


def test_a_recently_verified_practice_has_no_notice(client, verified):
    html = page(client, f"/practices/{OPI}/")
    assert "may be out of date" not in html.lower()


def test_the_card_shows_the_status_with_its_year_and_the_notice(client, verified):
    make_practice("reported-long-ago", title="Reported long ago", status_as_of=2015)
    make_practice("reported-this-year", title="Reported this year", status_as_of=2026)
    html = page(client, "/practices/?page_size=100")
    cards = {card.split("</h3>")[0]: card for card in html.split('<li class="practice-row">')[1:]}

    def card(title: str) -> str:
        return next(text for head, text in cards.items() if title in head)

    old = card("Reported long ago")
    assert '<span class="status">Ongoing, as reported in 2015</span>' in old
    assert "May be out of date" in old
    fresh = card("Reported this year")
    assert '<span class="status">Ongoing, as reported in 2026</span>' in fresh
    assert "May be out of date" not in fresh
    assert "May be out of date" not in card(verified.title)
    # Theme and country pages use the same card.
    assert "Ongoing, as reported in 2015" in page(client, "/themes/children/")
    assert "Ongoing, as reported in 2015" in page(client, "/countries/mx/")


# -- the list's filter ------------------------------------------------------------------------


def test_the_filter_splits_the_list_in_two(client, verified):
    make_practice("reported-this-year", status_as_of=2026)
    out_of_date = listed(client, "currency=out_of_date")
    current = listed(client, "currency=current")

    assert set(current) == {OPI, "reported-this-year"}
    assert len(out_of_date) == PAPER_COUNT - 1 and OPI not in out_of_date
    assert sorted(listed(client, "currency=out_of_date&currency=current")) == sorted(
        out_of_date + current
    )
    # With other filters, AND as always.
    assert listed(client, "currency=current&cod=US") == [OPI]


def test_the_facet_counts_the_two_sides_and_its_chip_removes_it(client, verified):
    response = client.get("/practices/?currency=current&theme=children")
    facet = next(f for f in response.context["facets"] if f.name == "currency")
    counts = {option.value: option.count for option in facet.options}
    assert [option.label for option in facet.options] == ["Current", "May be out of date"]
    assert counts["current"] == len(listed(client, "currency=current&theme=children"))
    # Unticked: the length of the list ticking it too gives (options OR together).
    both = listed(client, "currency=current&currency=out_of_date&theme=children")
    assert counts["out_of_date"] == len(both) == len(listed(client, "theme=children"))
    chips = {(str(label), value): query for label, value, query in response.context["chips"]}
    assert parse_qsl(chips[("Currency", "Current")]) == [("theme", "children")]


def test_an_unknown_currency_is_named_and_ignored(client):
    response = client.get("/practices/?currency=stale&page_size=100")
    assert response.status_code == 200
    assert ("currency", "stale") in {(n, v) for n, v, _why in response.context["ignored"]}
    assert len(response.context["page"]) == PAPER_COUNT


def test_the_counts_follow_the_day_not_only_the_data(client, settings):
    """Counts are cached until the data changes; a practice also ages out of date unsaved."""
    make_practice("reported-in-2020", status_as_of=2020)

    def current_count() -> int:
        facet = next(f for f in client.get("/practices/").context["facets"] if f.name == "currency")
        return next(option.count for option in facet.options if option.value == "current")

    settings.CURRENCY_YEARS = 10
    assert current_count() == 1
    settings.CURRENCY_YEARS = 3  # the cutoff moves, as it does when the day changes
    assert current_count() == 0


@pytest.mark.parametrize("extra", [10, 200])
def test_the_filtered_list_runs_a_fixed_number_of_queries(
    client, django_assert_num_queries, without_history, extra
):
    for i in range(extra):
        make_practice(f"bulk-{i:03}", status_as_of=2010 + i % 20)
    # As the list with any ticked facet: the total and every facet's counts in one
    # statement, the page, its themes and country links.
    with django_assert_num_queries(1 + 3):
        client.get("/practices/?currency=out_of_date&page_size=100")


# -- the exports and the About page ---------------------------------------------------------


def test_the_exports_give_the_year_reported_and_the_date_verified(client, verified):
    raw = b"".join(client.get("/practices/export.csv?cod=US").streaming_content)
    rows = {r["slug"]: r for r in csv.DictReader(io.StringIO(raw.decode("utf-8-sig")))}
    assert rows[OPI]["status_as_of"] == "2010"
    assert rows[OPI]["verified_on"] == f"{verified.verified_on:%Y-%m-%d}"
    never = next(r for slug, r in rows.items() if slug != OPI)
    assert (never["status_as_of"], never["verified_on"]) == ("2010", "")
    assert b"Ramos" not in raw

    records = json.loads(b"".join(client.get("/practices/export.json").streaming_content))
    record = next(r for r in records if r["slug"] == OPI)
    assert (record["status_as_of"], record["verified_on"]) == (
        2010,
        f"{verified.verified_on:%Y-%m-%d}",
    )
    assert "verified_by" not in record


def test_the_exports_take_the_filter(client, verified):
    raw = b"".join(client.get("/practices/export.csv?currency=current").streaming_content)
    assert [r["slug"] for r in csv.DictReader(io.StringIO(raw.decode("utf-8-sig")))] == [OPI]


def test_the_about_page_explains_the_rule_and_the_parameter(client):
    html = page(client, "/about/")
    assert 'id="currency"' in html
    assert "more than 3 years" in html
    assert "<code>currency=out_of_date</code>" in html
    assert "<code>currency=current</code>" in html
    assert "<code>status_as_of</code>" in html and "<code>verified_on</code>" in html
