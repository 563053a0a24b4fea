"""The evidence behind a practice: its evaluations and scorecard on the public page, the list
filtered by a minimum rating on a criterion, and both edited as inlines in the admin."""

import csv
import io
import json
from datetime import date

import pytest
from django.urls import reverse

from practices.models import Evaluation, Practice, ScorecardRating, Source
from tests.conftest import make_practice
from tests.curation.admin_form import add_inline_row, form_data

pytestmark = pytest.mark.django_db

OPI = "mx-child-protection-officers-opi"
GARF = "pt-family-reunification-support-offices"
KAFEEL = "bh-abolition-kafeel-sponsorship"


def rate(slug: str, criterion: str, rating: int, reviewer, **fields) -> ScorecardRating:
    return ScorecardRating.objects.create(
        practice=Practice.objects.get(slug=slug),
        criterion=criterion,
        rating=rating,
        justification=fields.pop("justification", f"Why {rating}."),
        reviewer=reviewer,
        **fields,
    )


def listed(client, query: str) -> set[str]:
    response = client.get(f"/practices/?{query}&page_size=100")
    assert response.status_code == 200
    return {practice.slug for practice in response.context["page"]}


# -- the public page ----------------------------------------------------------------------


def test_the_detail_page_lists_each_evaluation_with_its_source(client):
    practice = Practice.objects.get(slug=GARF)
    source = Source.objects.create(
        key="garf-review", citation="ACIDI, GARF review 2011", url="https://example.org/garf"
    )
    Evaluation.objects.create(
        practice=practice,
        evaluator="ACIDI evaluation unit",
        year=2011,
        method=Evaluation.Method.INDEPENDENT,
        findings="Waiting times halved.",
        source=source,
    )
    Evaluation.objects.create(
        practice=practice,
        evaluator="GARF staff",
        year=2009,
        method=Evaluation.Method.INTERNAL_REVIEW,
        findings="Families were reunited.",
        source=Source.objects.get(footnote=22),
    )

    html = client.get(practice.get_absolute_url()).content.decode()

    newest = html.index("Independent evaluation")
    assert newest < html.index("Internal review"), "newest evaluation first"
    assert "by ACIDI evaluation unit, 2011" in html
    assert "Waiting times halved." in html
    assert '<a href="https://example.org/garf" rel="external noopener">' in html
    assert "Footnote 22" in html


def test_the_scorecard_shows_every_criterion_rated_or_not(client, django_user_model):
    reviewer = django_user_model.objects.create_user(
        "lr", "lucia@example.org", first_name="Lucía", last_name="Ramos"
    )
    rate(
        OPI,
        "effectiveness",
        4,
        reviewer,
        justification="Children were returned safely.",
        rated_on=date(2024, 3, 5),
    )

    html = client.get(f"/practices/{OPI}/").content.decode()

    assert '<span class="rating-points" aria-hidden="true">●●●●○</span> 4 of 5' in html
    assert "Children were returned safely." in html
    # Rated by the role, never the account: no name, username or e-mail (test_public_privacy).
    assert "a reviewer" in html and "5 March 2024" in html
    assert "Lucía Ramos" not in html and "lucia@example.org" not in html
    # The five unrated criteria say so.
    assert html.count("not rated") == len(ScorecardRating.Criterion) - 1
    for criterion in ScorecardRating.Criterion:
        assert str(criterion.label).replace("'", "&#x27;") in html


def test_a_reviewer_is_shown_by_role_never_by_username_or_email(client, django_user_model):
    plain = django_user_model.objects.create_user("ana-reviews", "ana@example.org")
    emailish = django_user_model.objects.create_user("bo@example.org", "bo@example.org")
    rate(OPI, "effectiveness", 3, plain)
    rate(OPI, "participation", 2, emailish)

    html = client.get(f"/practices/{OPI}/").content.decode()

    assert "ana-reviews" not in html
    assert "@example.org" not in html
    assert "a reviewer" in html


def test_a_practice_without_evidence_records_says_so(client):
    html = client.get(f"/practices/{KAFEEL}/").content.decode()
    assert "No evaluation of this practice is recorded yet." in html
    assert "has not been rated against the scorecard" in html


# -- the list's minimum-rating filter -----------------------------------------------------


@pytest.fixture
def rated(reviewer):
    rate(OPI, "effectiveness", 5, reviewer)
    rate(GARF, "effectiveness", 3, reviewer)
    rate(KAFEEL, "effectiveness", 2, reviewer)
    rate(KAFEEL, "gender_responsiveness", 5, reviewer)
    draft = make_practice("rated-draft", publication_state="draft")
    ScorecardRating.objects.create(
        practice=draft, criterion="effectiveness", rating=5, justification="-", reviewer=reviewer
    )


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("criterion=effectiveness&min_rating=5", {OPI}),
        ("criterion=effectiveness&min_rating=3", {OPI, GARF}),
        ("criterion=effectiveness&min_rating=1", {OPI, GARF, KAFEEL}),
        ("criterion=gender_responsiveness&min_rating=4", {KAFEEL}),
        ("criterion=sustainability&min_rating=1", set()),
        # With other filters, AND as always.
        ("criterion=effectiveness&min_rating=3&country=MX", {OPI}),
        ("criterion=effectiveness&min_rating=2&cod=PT", {GARF}),
    ],
)
def test_a_minimum_rating_on_a_criterion_gives_exactly_these_practices(
    client, rated, query, expected
):
    assert listed(client, query) == expected


@pytest.mark.parametrize(
    ("query", "ignored", "why"),
    [
        ("criterion=effectiveness", ("criterion", "effectiveness"), "give a minimum rating"),
        ("min_rating=4", ("min_rating", "4"), "give the criterion"),
        ("criterion=nope&min_rating=4", ("criterion", "nope"), "Select a valid choice"),
        ("criterion=effectiveness&min_rating=9", ("min_rating", "9"), "less than or equal to 5"),
        ("criterion=effectiveness&min_rating=abc", ("min_rating", "abc"), "whole number"),
        ("criterion=effectiveness&min_rating=0", ("min_rating", "0"), "greater than or equal"),
    ],
)
def test_half_a_rating_filter_or_a_bad_value_is_ignored_and_named(
    client, rated, query, ignored, why
):
    everything = listed(client, "")
    response = client.get(f"/practices/?{query}&page_size=100")
    assert response.status_code == 200
    reasons = {(name, value): reason for name, value, reason in response.context["ignored"]}
    assert why in str(reasons[ignored])
    assert f"{ignored[0]}={ignored[1]}" in response.content.decode()
    assert {p.slug for p in response.context["page"]} == everything


def test_the_rating_filter_is_in_the_links_the_chip_and_the_export(client, rated):
    query = "theme=children&criterion=effectiveness&min_rating=4"
    response = client.get(f"/practices/?{query}")
    assert ("criterion", "effectiveness") in response.context["params"]
    assert ("min_rating", "4") in response.context["params"]
    chips = {value: link for _label, value, link in response.context["chips"]}
    # One chip for the pair; removing it keeps the other filters.
    assert chips["Effectiveness at least 4 of 5"] == "theme=children"
    html = response.content.decode()
    assert 'href="/practices/export.csv?theme=children&amp;criterion=effectiveness' in html
    assert '<option value="effectiveness" selected>Effectiveness</option>' in html
    assert '<option value="4" selected>4 of 5</option>' in html

    raw = b"".join(client.get(f"/practices/export.csv?{query}").streaming_content)
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert [row["slug"] for row in rows] == [OPI]


# -- in the admin -------------------------------------------------------------------------


def change_url(slug: str) -> str:
    return reverse("admin:practices_practice_change", args=[Practice.objects.get(slug=slug).pk])


def save_form(client, url: str, data: dict):
    response = client.post(url, {**data, "_save": "Save"})
    assert response.status_code == 302, response.context and response.context["errors"]
    return response


def test_a_reviewer_rates_a_practice_in_its_admin_page_and_is_its_reviewer(client, reviewer):
    client.force_login(reviewer)
    url = change_url(GARF)
    data = form_data(client.get(url), "practice_form")
    add_inline_row(
        data,
        "ratings",
        criterion="transferability",
        rating="4",
        justification="Replicated in two more districts.",
        rated_on="2024-05-02",
    )

    save_form(client, url, data)

    rating = ScorecardRating.objects.get(practice__slug=GARF)
    assert (rating.criterion, rating.rating, rating.reviewer) == ("transferability", 4, reviewer)
    assert rating.history.get().history_user == reviewer


def test_a_changed_rating_takes_the_reviewer_who_changed_it_and_todays_date(
    client, reviewer, django_user_model
):
    first = django_user_model.objects.create_user("first-reviewer")
    rating = rate(GARF, "effectiveness", 2, first, rated_on=date(2020, 1, 1))
    client.force_login(reviewer)
    url = change_url(GARF)
    data = form_data(client.get(url), "practice_form")
    data["ratings-0-rating"] = "4"

    save_form(client, url, data)

    rating.refresh_from_db()
    assert (rating.rating, rating.reviewer, rating.rated_on) == (4, reviewer, date.today())
    assert list(rating.history.values_list("rating", flat=True)) == [4, 2]


def test_curators_add_evaluations_but_only_see_the_scorecard(client, curator, reviewer):
    # A draft: saved at once (a published practice's edits wait as a revision).
    Practice.objects.filter(slug=GARF).update(publication_state=Practice.PublicationState.DRAFT)
    rating = rate(GARF, "effectiveness", 2, reviewer)
    client.force_login(curator)
    url = change_url(GARF)
    page = client.get(url)
    html = page.content.decode()
    assert 'name="ratings-0-rating"' not in html, "the scorecard is read-only for curators"
    assert "Why 2." in html
    data = form_data(page, "practice_form")
    add_inline_row(
        data,
        "evaluations",
        method="audit",
        evaluator="Court of Auditors",
        year="2012",
        findings="Spending as planned.",
    )
    # A curator's forged scorecard row is not saved.
    data.update({"ratings-0-id": str(rating.pk), "ratings-0-rating": "5"})
    add_inline_row(data, "ratings", criterion="participation", rating="5", justification="x")

    save_form(client, url, data)

    evaluation = Evaluation.objects.get(practice__slug=GARF)
    assert (evaluation.evaluator, evaluation.year) == ("Court of Auditors", 2012)
    assert evaluation.history.get().history_user == curator
    rating.refresh_from_db()
    assert rating.rating == 2
    assert ScorecardRating.objects.filter(practice__slug=GARF).count() == 1


def test_the_exports_carry_the_evaluations_and_the_scorecard(client, django_user_model):
    reviewer = django_user_model.objects.create_user("x@example.org", "x@example.org")
    rate(GARF, "sustainability", 3, reviewer, rated_on=date(2024, 3, 5))
    rate(GARF, "effectiveness", 4, reviewer, rated_on=date(2024, 3, 5))
    Evaluation.objects.create(
        practice=Practice.objects.get(slug=GARF),
        evaluator="ACIDI",
        year=2011,
        method="independent_evaluation",
        findings="Waiting times halved.",
        source=Source.objects.get(footnote=22),
    )

    record = next(
        r
        for r in json.loads(b"".join(client.get("/practices/export.json").streaming_content))
        if r["slug"] == GARF
    )
    assert record["scorecard"] == [
        {
            "criterion": "effectiveness",
            "rating": 4,
            "justification": "Why 4.",
            "rated_on": "2024-03-05",
        },
        {
            "criterion": "sustainability",
            "rating": 3,
            "justification": "Why 3.",
            "rated_on": "2024-03-05",
        },
    ]
    [evaluation] = record["evaluations"]
    assert evaluation["method"] == "independent_evaluation"
    assert (evaluation["year"], evaluation["source"]["footnote"]) == (2011, 22)

    raw = b"".join(client.get("/practices/export.csv?cod=PT").streaming_content)
    row = next(r for r in csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))) if r["slug"] == GARF)
    assert row["scorecard"] == "effectiveness: 4/5; sustainability: 3/5"
    assert row["evaluations"] == "Independent evaluation, ACIDI (2011): Waiting times halved. [22]"
    assert b"x@example.org" not in raw
