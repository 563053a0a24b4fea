"""A submission turned into a draft practice, by a reviewer.

The submitter named their lead organisation in free text; ``organisation_matches`` finds the
organisations the base already holds under that name or acronym (case and accents aside, or
one name containing the other), and the reviewer picks one or creates a new one. The practice
is written whole in one transaction, as a draft, with the submitter's words in English and in
the language they wrote in; its status is dated the year it was submitted. It becomes public
only through the ordinary workflow (submit, publish).
"""

from decimal import Decimal

from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext_noop

from countries.models import Country
from practices.content import apply_content, attribute, content_of, row_content
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
from practices.models.practice import RESERVED_SLUGS
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


def _free_slug(model, text: str, length: int, fallback: str) -> str:
    """``text`` as a slug no ``model`` record (nor a reserved address) has: "-2", "-3"… added
    when it is taken."""
    base = slugify(text)[:length].strip("-") or fallback
    slug, number = base, 2
    while slug in RESERVED_SLUGS or model.objects.filter(slug=slug).exists():
        slug = f"{base}-{number}"
        number += 1
    return slug


def new_organisation(name: str, kind: str) -> Organisation:
    slug = _free_slug(Organisation, name, 50, "organisation")
    return Organisation.objects.create(name=name[:200], kind=kind, slug=slug)


def practice_from(submission: Submission, organisation: Organisation | None, user) -> Practice:
    """The draft practice the submission describes (called inside ``submissions.accept``'s
    transaction), written as a revision is published (``content.apply_content``): every row
    and link in the history, attributed to the reviewer."""
    submitted = submission.content
    attribution = {"_history_user": user, "_change_reason": MADE_FROM_SUBMISSION}
    languages = {"en", submission.language} if submission.language else {"en"}
    evaluation = submitted.get("evaluation")
    practice = Practice(
        slug=_free_slug(Practice, submitted["title"], 100, "practice"),
        scope=submitted["scope"],
        kind=submitted["kind"],
        start_year=submitted.get("start_year"),
        end_year=submitted.get("end_year"),
        status=submitted["status"],
        status_as_of=submission.created_at.year,
        evidence_level=submitted["evidence_level"],
        evaluation_summary=evaluation["findings"] if evaluation else "",
        forum_discussion=submitted.get("forum", ""),
        lead_organisation=organisation,
        publication_state=Practice.PublicationState.DRAFT,
        state_changed_at=timezone.now(),
        state_changed_by=user,
        **{column(name, code): submitted[name] for name in WORDS for code in languages},
    )
    attribute(practice, attribution).save()

    content = content_of(practice)
    sources = [
        attribute(
            Source(
                key=f"submission-{submission.pk}-{number}",
                citation=row["citation"],
                url=row.get("url") or "",
                year=row.get("year"),
            ),
            attribution,
        )
        for number, row in enumerate(submitted["sources"], start=1)
    ]
    for source in sources:
        source.save()
    content["m2m"].update(
        themes=_pks(Theme, "slug", submitted["themes"]),
        target_groups=_pks(TargetGroup, "slug", submitted["target_groups"]),
        stages=_pks(Stage, "slug", submitted["stages"]),
        gcm_objectives=_pks(GCMObjective, "number", submitted["gcm_objectives"]),
        sources=[source.pk for source in sources],
    )
    countries = dict(Country.objects.values_list("iso2", "pk"))
    content["country_links"] = [
        row_content(
            PracticeCountry(
                country_id=countries[row["country"]],
                role=row["role"],
                involvement=row["involvement"],
            )
        )
        for row in submitted["countries"]
        if row["country"] in countries
    ]
    content["metrics"] = [
        row_content(
            OutcomeMetric(
                value=Decimal(row["value"]),
                year=row["year"],
                position=position,
                **{
                    column(name, code): row[name]
                    for name in ("label", "unit")
                    for code in languages
                },
            )
        )
        for position, row in enumerate(submitted["figures"])
    ]
    content["evaluations"] = (
        [
            row_content(
                Evaluation(
                    evaluator=evaluation["evaluator"],
                    year=evaluation["year"],
                    method=evaluation["method"],
                    findings=evaluation["findings"],
                )
            )
        ]
        if evaluation
        else []
    )
    apply_content(practice, content, attribution)
    return practice


def _pks(model, field: str, keys) -> list[int]:
    return sorted(model.objects.filter(**{f"{field}__in": keys}).values_list("pk", flat=True))
