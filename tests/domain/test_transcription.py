"""The paper's practices are all in the base, and every record is true to the paper."""

import re
from decimal import Decimal

import pytest

from practices.models import (
    DiscussionQuestion,
    Outcome,
    OutcomeMetric,
    Practice,
    PracticeCountry,
    Source,
)
from tests.conftest import normalise

pytestmark = pytest.mark.django_db

# One record per distinct practice (a bullet can hold several), counted by hand from the paper.
PRACTICES_PER_SECTION = {
    "3": 1,  # Bahrain's abolition of the Kafeel system (footnote 22)
    "4.1": 3,
    "4.2": 6,
    "4.3": 13,
    "4.4": 21,
    "4.5": 5,
    "4": 10,  # closing paragraphs: regional entities and international organisations
}


def test_practices_per_section_match_the_paper():
    counts = {
        section: Practice.objects.filter(paper_section=section).count()
        for section in PRACTICES_PER_SECTION
    }
    assert counts == PRACTICES_PER_SECTION
    assert Practice.objects.count() == sum(PRACTICES_PER_SECTION.values())


def test_every_paper_practice_is_published():
    assert not Practice.objects.exclude(publication_state="published").exists()


def test_every_practice_has_a_theme():
    assert list(Practice.objects.filter(themes__isnull=True).values_list("slug", flat=True)) == []


def test_every_practice_has_a_country_with_a_role_or_says_whom_it_covers():
    without_countries = Practice.objects.filter(country_links__isnull=True)
    # Only regional or global frameworks may name a group instead of countries, and they
    # must say which group.
    assert not without_countries.filter(coverage="").exists()
    assert not without_countries.exclude(scope__in=["regional", "multilateral"]).exists()
    assert without_countries.count() <= 8


def test_every_figure_has_a_unit_and_a_year():
    assert not OutcomeMetric.objects.filter(unit="").exists()
    assert not OutcomeMetric.objects.filter(year__isnull=True).exists()


def in_paper(text: str, paper_text: str) -> bool:
    """True if ``text`` is in the paper, allowing one break where a page of footnotes
    interrupts the running text (outcome c, the Pan Armenian Games sentence)."""
    text = normalise(text)
    if text in paper_text:
        return True
    words = text.split(" ")
    return any(
        " ".join(words[:i]) in paper_text and " ".join(words[i:]) in paper_text
        for i in range(3, len(words) - 2)
    )


def test_every_description_keeps_a_passage_of_the_paper(paper_text):
    """Each description holds at least twelve consecutive words of the paper, verbatim."""
    missing = []
    for practice in Practice.objects.all():
        words = normalise(practice.description).split(" ")
        runs = (" ".join(words[i : i + 12]) for i in range(max(1, len(words) - 11)))
        if not any(run in paper_text for run in runs):
            missing.append(practice.slug)
    assert missing == []


def number_forms(value: Decimal) -> set[str]:
    whole = int(value)
    return {f"{whole:,}", str(whole)} if value == whole else {f"{value.normalize()}"}


def test_every_figure_appears_in_the_paper(paper_text):
    """No figure was mistyped: each value is written somewhere in the paper."""
    absent = [
        (metric.practice.slug, metric.label, str(metric.value))
        for metric in OutcomeMetric.objects.select_related("practice")
        if not any(
            re.search(rf"(?<![\d,]){re.escape(form)}(?![\d,])", paper_text)
            for form in number_forms(metric.value)
        )
    ]
    assert absent == []


@pytest.mark.parametrize(
    ("slug", "label_words", "value", "unit", "year", "qualifier"),
    [
        ("pt-family-reunification-support-offices", "assisted", "10831", "people", 2009, "exact"),
        ("pt-family-reunification-support-offices", "increase", "17", "percent", 2009, "exact"),
        ("mx-child-protection-officers-opi", "in service", "300", "officers", 2010, "more_than"),
        ("pt-choices-programme", "recipients", "81695", "people", 2009, "about"),
        ("pt-choices-programme", "institutions", "780", "institutions", 2009, "exact"),
        ("pt-migrant-entrepreneurship-pilot", "women", "1462", None, None, "exact"),
        (
            "np-women-migrant-workers-economic-security-pilot",
            "beneficiaries",
            "1500",
            None,
            None,
            "target",
        ),
        ("mx-gt-border-comprehensive-health-model", "migrants", "20000", "people", 2010, "about"),
        ("mx-dif-shelters-and-community-centres", "shelters", "39", None, None, "exact"),
        ("ph-tulay-project", "abroad", "6", None, 2010, "exact"),
    ],
)
def test_spot_check_figures_against_the_paper(slug, label_words, value, unit, year, qualifier):
    metric = OutcomeMetric.objects.get(
        practice__slug=slug, label__icontains=label_words, value=Decimal(value)
    )
    assert metric.qualifier == qualifier
    if unit:
        assert metric.unit == unit
    if year:
        assert metric.year == year


def test_unaccompanied_children_per_year_are_both_recorded():
    values = set(
        OutcomeMetric.objects.filter(
            practice__slug="mx-child-protection-officers-opi", unit__icontains="per year"
        ).values_list("value", flat=True)
    )
    assert {Decimal("17000"), Decimal("4000")} <= values


def test_opi_officers_trained_for_central_america_in_2009():
    trained = dict(
        OutcomeMetric.objects.filter(
            practice__slug="mx-child-protection-officers-opi", year=2009
        ).values_list("value", "label")
    )
    assert {Decimal("55"), Decimal("12"), Decimal("10")} <= set(trained)


@pytest.mark.parametrize(
    ("slug", "iso2", "role"),
    [
        ("pt-family-reunification-support-offices", "PT", "COD"),
        ("mx-frontier-worker-migration-form", "MX", "COD"),
        ("mx-frontier-worker-migration-form", "GT", "COO"),
        ("mx-frontier-worker-migration-form", "BZ", "COO"),
        ("mx-child-protection-officers-opi", "MX", "COO"),
        ("mx-child-protection-officers-opi", "MX", "COT"),
        ("mx-child-protection-officers-opi", "HN", "COO"),
        ("bh-abolition-kafeel-sponsorship", "BH", "COD"),
        ("jo-special-working-contract-domestic-workers", "JO", "COD"),
        ("mx-gt-border-comprehensive-health-model", "MX", "COT"),
        ("ca-gender-based-analysis", "CA", "COD"),
        ("lk-slbfe-children-of-migrant-workers-unit", "LK", "COO"),
    ],
)
def test_country_roles_from_the_paper(slug, iso2, role):
    assert PracticeCountry.objects.filter(
        practice__slug=slug, country__iso2=iso2, role=role
    ).exists()


def test_years_from_the_paper():
    years = dict(Practice.objects.values_list("slug", "start_year"))
    assert years["mx-programa-paisano"] == 1989
    assert years["mx-frontier-worker-migration-form"] == 2008
    assert years["mx-local-visitor-migration-form"] == 2000
    assert years["pt-choices-programme"] == 2001
    assert years["ca-gender-based-analysis"] == 2000
    assert years["bh-abolition-kafeel-sponsorship"] == 2009
    assert years["jo-special-working-contract-domestic-workers"] == 2003
    plan = Practice.objects.get(slug="md-action-plan-children-without-parental-care")
    assert (plan.start_year, plan.end_year) == (2010, 2011)


def test_no_paper_practice_claims_an_evaluation():
    """The paper reports no evaluation of any of its examples."""
    assert set(Practice.objects.values_list("evidence_level", flat=True)) <= {
        "described",
        "outputs",
    }


def test_every_footnote_is_a_source():
    assert sorted(Source.objects.values_list("footnote", flat=True)) == list(range(1, 38))


def test_discussion_questions_and_outcomes_are_verbatim(paper_text):
    assert DiscussionQuestion.objects.count() == 4
    assert Outcome.objects.count() == 5
    for item in [*DiscussionQuestion.objects.all(), *Outcome.objects.all()]:
        assert in_paper(item.text, paper_text), item
        assert item.practices.exists(), item
