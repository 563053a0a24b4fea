"""A submission turned into a draft practice, by a reviewer.

The submitter named their lead organisation in free text; ``organisation_matches`` finds the
organisations the base already holds under that name or acronym (case and accents aside, or
one name containing the other), and the reviewer picks one or creates a new one. The practice
is written whole in one transaction, as a draft, with the submitter's words in English and in
the language they wrote in; its status is dated the year it was submitted. It becomes public
only through the ordinary workflow (submit, publish).
"""

from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext_noop

from countries.models import Country
from practices.languages import column
from practices.models import (
    Evaluation,
    GCMObjective,
    Organisation,
    OutcomeMetric,
    Practice,
    PracticeCountry,
    Source,
    Stage,
    Submission,
    TargetGroup,
    Theme,
)
from practices.search import fold

from .duplicates import find_duplicates

# Stored with the practice's first history entry, in English (translated on display).
MADE_FROM_SUBMISSION = gettext_noop("Made from a submission")
WORDS = ("title", "summary", "description")


def organisation_matches(text: str, limit: int = 8) -> list[Organisation]:
    """The organisations ``text`` may name: the same name or acronym first, then those whose
    name contains it or is contained in it."""
    wanted = fold(text or "").strip()
    if not wanted:
        return []
    exact, near = [], []
    for organisation in Organisation.objects.only("pk", "name", "acronym", "kind", "slug"):
        name = fold(organisation.name).strip()
        acronym = fold(organisation.acronym).strip()
        if wanted in (name, acronym):
            exact.append(organisation)
        elif len(wanted) > 3 and (wanted in name or (len(name) > 3 and name in wanted)):
            near.append(organisation)
    return (exact + sorted(near, key=lambda o: o.name))[:limit]


def likely_duplicates(submission: Submission) -> list[Practice]:
    """The practices the base holds that this submission may be: the duplicate rule of the
    admin and the import (same title, a country in common)."""
    codes = {row["country"] for row in submission.content.get("countries", [])}
    ids = list(Country.objects.filter(iso2__in=codes).values_list("pk", flat=True))
    return find_duplicates(submission.title, ids)


def unique_slug(title: str) -> str:
    base = (slugify(title)[:100].strip("-")) or "practice"
    slug, number = base, 2
    while Practice.objects.filter(slug=slug).exists() or slug == "brief":
        slug = f"{base}-{number}"
        number += 1
    return slug


def new_organisation(name: str, kind: str) -> Organisation:
    base = slugify(name)[:50].strip("-") or "organisation"
    slug, number = base, 2
    while Organisation.objects.filter(slug=slug).exists():
        slug = f"{base}-{number}"
        number += 1
    return Organisation.objects.create(name=name[:200], kind=kind, slug=slug)


def practice_from(submission: Submission, organisation: Organisation | None, user) -> Practice:
    """The draft practice the submission describes (called inside ``submissions.accept``'s
    transaction)."""
    content = submission.content
    practice = Practice(
        slug=unique_slug(content["title"]),
        scope=content["scope"],
        kind=content["kind"],
        start_year=content.get("start_year"),
        end_year=content.get("end_year"),
        status=content["status"],
        status_as_of=submission.created_at.year,
        evidence_level=content["evidence_level"],
        forum_discussion=content.get("forum", ""),
        lead_organisation=organisation,
        publication_state=Practice.PublicationState.DRAFT,
        state_changed_at=timezone.now(),
        state_changed_by=user,
    )
    languages = {"en", submission.language} if submission.language else {"en"}
    for name in WORDS:
        for code in languages:
            setattr(practice, column(name, code), content[name])
    evaluation = content.get("evaluation")
    if evaluation:
        practice.evaluation_summary = evaluation["findings"]
    practice._change_reason = MADE_FROM_SUBMISSION
    practice._history_user = user
    try:
        practice.save()
    finally:
        del practice._change_reason
        del practice._history_user

    practice.themes.set(Theme.objects.filter(slug__in=content["themes"]))
    practice.target_groups.set(TargetGroup.objects.filter(slug__in=content["target_groups"]))
    practice.stages.set(Stage.objects.filter(slug__in=content["stages"]))
    practice.gcm_objectives.set(GCMObjective.objects.filter(number__in=content["gcm_objectives"]))
    countries = Country.objects.in_bulk(
        [row["country"] for row in content["countries"]], field_name="iso2"
    )
    PracticeCountry.objects.bulk_create(
        PracticeCountry(
            practice=practice,
            country=countries[row["country"]],
            role=row["role"],
            involvement=row["involvement"],
        )
        for row in content["countries"]
        if row["country"] in countries
    )
    sources = [
        Source.objects.create(
            key=f"submission-{submission.pk}-{number}",
            citation=row["citation"],
            url=row.get("url") or "",
            year=row.get("year"),
        )
        for number, row in enumerate(content["sources"], start=1)
    ]
    practice.sources.set(sources)
    for position, row in enumerate(content["figures"]):
        OutcomeMetric.objects.create(
            practice=practice,
            value=row["value"],
            year=row["year"],
            position=position,
            **{column(name, code): row[name] for name in ("label", "unit") for code in languages},
        )
    if evaluation:
        Evaluation.objects.create(
            practice=practice,
            evaluator=evaluation["evaluator"],
            year=evaluation["year"],
            method=evaluation["method"],
            findings=evaluation["findings"],
        )
    return practice
