"""manage.py generate_practices: synthetic, published practices for benchmarks and load tests."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from countries.models import Country
from practices.models import Evaluation, OutcomeMetric, Practice, PracticeCountry

pytestmark = pytest.mark.django_db


def generate(**options) -> str:
    out = StringIO()
    call_command("generate_practices", stdout=out, **options)
    return out.getvalue()


def synthetic():
    return Practice.objects.filter(slug__startswith="synthetic-")


def snapshot() -> list[tuple]:
    """Every generated practice and what hangs off it, named by natural keys (not ids), so
    two runs compare equal when they generated the same data."""
    practices = (
        synthetic()
        .order_by("slug")
        .select_related("lead_organisation", "evaluation_source")
        .prefetch_related(
            "themes",
            "country_links__country",
            "partners",
            "target_groups",
            "stages",
            "gcm_objectives",
            "sources",
            "metrics__source",
            "evaluations",
        )
    )
    return [
        (
            p.slug,
            p.title,
            p.summary,
            p.description,
            p.coverage,
            p.scope,
            p.kind,
            p.status,
            p.evidence_level,
            p.evaluation_summary,
            p.evaluation_source and p.evaluation_source.key,
            p.start_year,
            p.end_year,
            p.lead_organisation.slug,
            sorted(t.slug for t in p.themes.all()),
            sorted(
                (link.country.iso2, link.role, link.involvement) for link in p.country_links.all()
            ),
            sorted(o.slug for o in p.partners.all()),
            sorted(g.slug for g in p.target_groups.all()),
            sorted(s.slug for s in p.stages.all()),
            sorted(o.number for o in p.gcm_objectives.all()),
            sorted(s.key for s in p.sources.all()),
            sorted(
                (m.label, m.value, m.qualifier, m.unit, m.year, m.comparison_note, m.position)
                + (m.source and m.source.key,)
                for m in p.metrics.all()
            ),
            sorted((e.method, e.evaluator, e.year, e.findings) for e in p.evaluations.all()),
        )
        for p in practices
    ]


def table_counts() -> dict[str, int]:
    models = [Practice, PracticeCountry, OutcomeMetric, Evaluation]
    models += [
        getattr(Practice, name).through
        for name in ("themes", "partners", "target_groups", "stages", "gcm_objectives", "sources")
    ]
    return {model._meta.label: model.objects.count() for model in models}


def test_it_creates_exactly_n_published_practices_numbered_from_one():
    output = generate(count=40)

    assert synthetic().count() == 40
    assert not synthetic().exclude(publication_state="published").exists()
    assert list(synthetic().order_by("slug").values_list("slug", flat=True)) == [
        f"synthetic-{n:06d}" for n in range(1, 41)
    ]
    assert "Created 40 synthetic practices" in output


def test_every_practice_has_the_stated_relations():
    generate(count=200)
    practices = synthetic().prefetch_related(
        "themes",
        "country_links",
        "partners",
        "target_groups",
        "stages",
        "gcm_objectives",
        "sources",
        "metrics",
    )

    for p in practices:
        assert 1 <= len(p.themes.all()) <= 3, p.slug
        links = p.country_links.all()
        assert 1 <= len(links) <= 4, p.slug
        assert len({link.country_id for link in links}) <= 4, p.slug
        assert p.lead_organisation_id is not None, p.slug
        partners = {o.pk for o in p.partners.all()}
        assert len(partners) <= 2 and p.lead_organisation_id not in partners, p.slug
        assert len(p.target_groups.all()) <= 2, p.slug
        assert 1 <= len(p.stages.all()) <= 2, p.slug
        assert len(p.gcm_objectives.all()) <= 2, p.slug
        assert len(p.sources.all()) <= 2, p.slug
        assert len(p.metrics.all()) <= 3, p.slug
        assert p.title and p.summary and p.description, p.slug
        assert p.start_year is None or 1990 <= p.start_year <= 2024, p.slug
        assert p.end_year is None or (p.start_year and p.end_year >= p.start_year), p.slug


def test_values_vary_across_the_choices_and_regions():
    generate(count=200)
    links = PracticeCountry.objects.filter(practice__in=synthetic())

    assert set(links.values_list("role", flat=True)) == {"COO", "COT", "COD"}
    regions = set(Country.objects.filter(practice_links__in=links).values_list("region", flat=True))
    assert {"Africa", "Americas", "Asia", "Europe", "Oceania"} <= regions
    for field in ("scope", "kind", "status", "evidence_level"):
        drawn = set(synthetic().values_list(field, flat=True))
        assert drawn == set(dict(Practice._meta.get_field(field).flatchoices)), field
    assert synthetic().filter(start_year__isnull=True).exists()
    assert synthetic().filter(end_year__isnull=False).exists()
    assert synthetic().filter(metrics__isnull=True).exists()
    assert OutcomeMetric.objects.filter(practice__in=synthetic()).exists()
    # Practices in the paper's countries outnumber any other country's.
    assert links.filter(country__iso2="MX").count() > links.filter(country__iso2="FJ").count()


def test_same_seed_gives_the_same_data_and_another_seed_does_not():
    generate(count=30, seed=7)
    first = snapshot()
    generate(count=30, seed=7, clear=True)
    assert snapshot() == first

    generate(count=30, seed=8, clear=True)
    assert snapshot() != first


def test_a_second_run_continues_numbering_as_one_longer_run_would():
    generate(count=5)
    generate(count=5)
    in_two_runs = snapshot()

    generate(count=10, clear=True)
    assert [row[0] for row in in_two_runs] == [f"synthetic-{n:06d}" for n in range(1, 11)]
    assert snapshot() == in_two_runs


def test_clear_removes_only_synthetic_practices():
    paper = Practice.objects.exclude(slug__startswith="synthetic-")
    paper_slugs = set(paper.values_list("slug", flat=True))
    paper_links = PracticeCountry.objects.filter(practice__in=paper).count()
    paper_metrics = OutcomeMetric.objects.filter(practice__in=paper).count()
    generate(count=20)

    output = generate(count=3, clear=True)

    assert synthetic().count() == 3
    assert set(paper.values_list("slug", flat=True)) == paper_slugs
    assert PracticeCountry.objects.filter(practice__in=paper).count() == paper_links
    assert OutcomeMetric.objects.filter(practice__in=paper).count() == paper_metrics
    assert "after deleting 20 earlier ones" in output


def test_dry_run_writes_nothing():
    generate(count=10)
    before = table_counts()

    output = generate(count=25, dry_run=True, clear=True)

    assert table_counts() == before
    assert "Would create 25 synthetic practices" in output
    assert "nothing was written" in output


def test_generated_rows_pass_model_validation():
    generate(count=60)
    sample = synthetic().order_by("slug")[::6]

    for practice in sample:
        practice.full_clean()
        for link in practice.country_links.all():
            link.full_clean()
        for metric in practice.metrics.all():
            metric.full_clean()


def test_an_evaluated_practice_rests_on_an_evaluation_of_a_matching_method():
    generate(count=200)
    practices = synthetic().prefetch_related("evaluations")

    claimed = [p for p in practices if p.claims_evaluation]
    assert {p.evidence_level for p in claimed} == {"evaluated", "independent"}
    for practice in claimed:
        assert practice.evidence_basis(), practice.slug
        practice.full_clean()
    assert not Evaluation.objects.filter(
        practice__in=synthetic(), practice__evidence_level__in=["described", "outputs"]
    ).exists()
    independent = Evaluation.objects.filter(practice__evidence_level="independent")
    assert independent.exclude(method="internal_review").exists()


def test_generated_practices_are_in_the_search_index_after_each_run():
    generate(count=100)
    generate(count=100)
    titled = set(synthetic().filter(title__icontains="unaccompanied").values_list("pk", flat=True))
    assert titled

    found = set(synthetic().search("unaccompanied").values_list("pk", flat=True))

    assert titled <= found


def test_count_must_be_positive():
    with pytest.raises(CommandError, match="at least 1"):
        generate(count=0)
