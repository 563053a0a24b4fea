"""What a practice says about itself must hold: a status with the year it was reported, a
"may be out of date" that the list filter and the page agree on, and an evidence level that
rests on an evaluation of a matching method."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from practices.models import Evaluation, Practice
from tests.conftest import make_practice

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 6, 15)  # with CURRENCY_YEARS = 3, the cutoff is 15 June 2023


@pytest.fixture
def three_years(settings):
    settings.CURRENCY_YEARS = 3


@pytest.fixture
def dated(three_years):
    """One practice for each branch of the rule, on each side of the cutoff."""
    cases = {
        "verified-recently": {"verified_on": datetime.date(2023, 6, 15), "status_as_of": 2010},
        "verified-long-ago": {"verified_on": datetime.date(2023, 6, 14), "status_as_of": 2026},
        "reported-recently": {"status_as_of": 2023},
        "reported-long-ago": {"status_as_of": 2022},
        "entered-recently": {},
        "entered-long-ago": {},
    }
    for slug, fields in cases.items():
        make_practice(slug, **fields)
    Practice.objects.filter(slug="entered-long-ago").update(
        created_at=timezone.make_aware(datetime.datetime(2023, 6, 14, 12))
    )
    return list(cases)


def test_the_list_and_the_page_agree_on_what_may_be_out_of_date(dated):
    ours = Practice.objects.filter(slug__in=dated)
    out_of_date = set(ours.may_be_out_of_date(TODAY).values_list("slug", flat=True))
    current = set(ours.current(TODAY).values_list("slug", flat=True))

    assert out_of_date == {"verified-long-ago", "reported-long-ago", "entered-long-ago"}
    assert current == {"verified-recently", "reported-recently", "entered-recently"}
    for practice in ours:
        assert practice.may_be_out_of_date(TODAY) == (practice.slug in out_of_date), practice.slug


def test_a_shorter_period_makes_more_practices_out_of_date(dated, settings):
    settings.CURRENCY_YEARS = 1
    ours = Practice.objects.filter(slug__in=dated)
    assert set(ours.current(TODAY).values_list("slug", flat=True)) == {"entered-recently"}


def test_the_papers_practices_are_reported_in_2010_and_out_of_date_after_2013(three_years):
    paper = Practice.objects.exclude(paper_section="")
    assert set(paper.values_list("status_as_of", flat=True)) == {2010}
    assert paper.current(datetime.date(2013, 12, 31)).count() == paper.count()
    assert paper.may_be_out_of_date(datetime.date(2014, 1, 1)).count() == paper.count()


def test_the_status_reads_with_the_year_it_was_reported_in():
    assert make_practice("with-year", status_as_of=2010).status_as_reported == (
        "Ongoing, as reported in 2010"
    )
    assert make_practice("no-year", status="completed").status_as_reported == "Completed"


# -- the evidence level rests on an evaluation ---------------------------------------------


def evaluate(practice, method: str) -> Evaluation:
    return Evaluation.objects.create(
        practice=practice, evaluator="Someone", year=2012, method=method, findings="Found."
    )


@pytest.mark.parametrize(
    ("level", "methods", "valid"),
    [
        ("described", [], True),
        ("outputs", [], True),
        ("evaluated", [], False),
        ("evaluated", ["internal_review"], True),
        ("evaluated", ["audit"], True),
        ("independent", [], False),
        ("independent", ["internal_review"], False),
        ("independent", ["internal_review", "independent_evaluation"], True),
        ("independent", ["impact_evaluation"], True),
        ("independent", ["audit"], True),
    ],
)
def test_model_validation_reads_the_saved_evaluations(level, methods, valid):
    practice = make_practice("claimed")
    for method in methods:
        evaluate(practice, method)
    practice.evidence_level = level

    if valid:
        practice.full_clean()
    else:
        with pytest.raises(ValidationError) as refused:
            practice.full_clean()
        [message] = refused.value.message_dict["evidence_level"]
        assert "needs at least one evaluation of the practice on record" in message
        assert "Record the evaluation first" in message


def test_an_independent_level_says_an_internal_review_does_not_count():
    practice = make_practice("internal-only")
    evaluate(practice, "internal_review")
    practice.evidence_level = "independent"
    with pytest.raises(ValidationError, match="internal review does not count"):
        practice.full_clean()


def test_a_new_practice_has_no_evaluation_to_rest_on():
    practice = Practice(
        slug="brand-new",
        title="Brand new",
        summary="S.",
        description="D.",
        scope="unilateral",
        kind="programme",
        status="ongoing",
        evidence_level="evaluated",
    )
    with pytest.raises(ValidationError) as refused:
        practice.full_clean()
    assert "evidence_level" in refused.value.message_dict


def test_the_basis_is_the_matching_evaluations_newest_first():
    practice = make_practice("basis", evidence_level="independent")
    internal = evaluate(practice, "internal_review")
    older = evaluate(practice, "audit")
    newer = Evaluation.objects.create(
        practice=practice, evaluator="Later", year=2015, method="impact_evaluation", findings="F."
    )
    assert practice.evidence_basis() == [newer, older]
    assert internal not in practice.evidence_basis()
    practice.evidence_level = "evaluated"
    assert practice.evidence_basis() == [newer, internal, older]
    practice.evidence_level = "outputs"
    assert practice.evidence_basis() == []


def test_the_papers_practices_stay_valid():
    for practice in Practice.objects.exclude(paper_section=""):
        practice.full_clean()
