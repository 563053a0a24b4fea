"""Synthetic practices that look like real ones: what ``generate_practices`` writes.

Practice number n is drawn from its own random stream, seeded with (seed, n), so the same seed
gives the same practices whatever the count. Only reference rows that already exist (those of
``load_paper``) are linked.
"""

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from itertools import accumulate

from django.core.management.base import CommandError

from countries.models import Country
from practices.models import (
    Evaluation,
    GCMObjective,
    Organisation,
    OutcomeMetric,
    Practice,
    PracticeCountry,
    Source,
    Stage,
    TargetGroup,
    Theme,
)

from .vocabulary import (
    ACCENTED_SENTENCES,
    COMPARISON_NOTES,
    COVERAGE_BY_REGION,
    EVALUATION_SUMMARIES,
    EVALUATORS,
    GENERIC_SENTENCES,
    SUMMARY_OPENINGS,
    TITLE_PATTERNS,
    TOPICS,
)

PREFIX = "synthetic-"
CHUNK = 1000  # practices built, written and reported at a time
BATCH = 2000  # rows per INSERT for the link tables (Django lowers it where SQLite needs)
# The paper's countries weigh this much more than any other when countries are drawn.
PAPER_COUNTRY_WEIGHT = 25
ACCENTED_SHARE = 0.04
LAST_YEAR = 2024
# The choice values, read once: an enum's .values is rebuilt on every access.
SCOPES = Practice.Scope.values
KINDS = Practice.Kind.values
STATUSES = Practice.Status.values
EVIDENCE_LEVELS = Practice.EvidenceLevel.values
QUALIFIERS = OutcomeMetric.Qualifier.values


def slug_for(number: int) -> str:
    return f"{PREFIX}{number:06d}"


def synthetic_practices():
    return Practice.objects.filter(slug__startswith=PREFIX)


def weighted(rng: random.Random, options, weights):
    return rng.choices(options, weights=weights)[0]


@dataclass
class Draft:
    """One practice before it has a primary key, with the ids of everything it links to."""

    practice: Practice
    theme_ids: list[int]
    links: list[tuple[int, str, str]]  # (country id, role, involvement)
    partner_ids: list[int]
    target_group_ids: list[int]
    stage_ids: list[int]
    gcm_ids: list[int]
    source_ids: list[int]
    metrics: list[OutcomeMetric] = field(default_factory=list)
    evaluations: list[Evaluation] = field(default_factory=list)


class ReferenceData:
    """The existing rows synthetic practices link to, read once, in a stable order."""

    def __init__(self):
        self.themes = dict(Theme.objects.order_by("slug").values_list("slug", "pk"))
        self.groups = dict(TargetGroup.objects.order_by("slug").values_list("slug", "pk"))
        self.stages = dict(Stage.objects.order_by("slug").values_list("slug", "pk"))
        self.gcm = dict(GCMObjective.objects.order_by("number").values_list("number", "pk"))
        self.organisations = list(
            Organisation.objects.order_by("slug").values_list("pk", "name", "country_id")
        )
        self.sources = list(Source.objects.order_by("key").values_list("pk", flat=True))
        # Antarctica has no migration practices to speak of; every other region takes part.
        self.countries = list(
            Country.objects.exclude(region__in=["", "Antarctica"])
            .order_by("iso2")
            .values_list("pk", "name", "region")
        )
        if not (self.themes and self.countries and self.organisations and self.stages):
            raise CommandError(
                "Reference data is missing (themes, countries, stages, organisations): "
                "run `manage.py load_paper` first."
            )
        paper_countries = set(
            PracticeCountry.objects.exclude(practice__slug__startswith=PREFIX).values_list(
                "country_id", flat=True
            )
        )
        self.country_cum_weights = list(
            accumulate(
                PAPER_COUNTRY_WEIGHT if pk in paper_countries else 1 for pk, _, _ in self.countries
            )
        )
        self.organisations_by_country = {}
        for org in self.organisations:
            if org[2]:
                self.organisations_by_country.setdefault(org[2], []).append(org)


class PracticeFactory:
    def __init__(self, reference: ReferenceData, seed: int):
        self.ref = reference
        self.seed = seed
        self.topic_weights = [topic.weight for topic in TOPICS]

    def draft(self, number: int) -> Draft:
        # Reproducible test data, not secrets: a seeded PRNG is what is wanted here.
        rng = random.Random(f"{self.seed}:{number}")  # noqa: S311
        ref = self.ref
        topic = weighted(rng, TOPICS, self.topic_weights)
        second = weighted(rng, TOPICS, self.topic_weights) if rng.random() < 0.35 else None
        topics = [topic] if second in (None, topic) else [topic, second]

        countries = self.countries(rng)
        links = self.links(rng, countries)
        country_names = [name for _, name, _ in countries]
        kind = weighted(rng, KINDS, [30, 12, 10, 16, 8, 8, 8, 8])
        scope = self.scope(rng, len(countries))
        lead = self.lead_organisation(rng, countries)
        partner_count = rng.choice((0, 0, 1, 1, 2))
        # One spare candidate, in case the draw includes the lead organisation itself.
        candidates = rng.sample(ref.organisations, min(partner_count + 1, len(ref.organisations)))
        partners = [org[0] for org in candidates if org[0] != lead[0]][:partner_count]

        phrase = rng.choice(topic.phrases)
        title = rng.choice(TITLE_PATTERNS[kind]).format(
            topic=phrase, Topic=phrase[:1].upper() + phrase[1:]
        )
        if rng.random() < 0.8:
            title = f"{title} in {self.name_list(country_names[:2])}"
        group_slugs = sorted({slug for t in topics for slug in t.groups if slug in ref.groups})
        groups = rng.sample(group_slugs, min(rng.choice((0, 1, 1, 2)), len(group_slugs)))
        summary = f"{rng.choice(SUMMARY_OPENINGS)} {phrase}"
        if groups:
            summary += f", with a focus on {self.group_phrase(groups[0])},"
        summary += f" in {self.name_list(country_names)}."

        start_year, end_year, status = self.period(rng)
        sentences = rng.sample(topic.sentences, min(len(topic.sentences), rng.randint(2, 3)))
        if len(topics) > 1:
            sentences.append(rng.choice(topics[1].sentences))
        for template in rng.sample(GENERIC_SENTENCES, rng.randint(1, 3)):
            sentences.append(
                template.format(
                    country=rng.choice(country_names),
                    org=lead[1],
                    year=start_year or rng.randint(1995, LAST_YEAR),
                    count=rng.randint(3, 60),
                )
            )
        if rng.random() < ACCENTED_SHARE:
            sentences.insert(rng.randint(1, len(sentences)), rng.choice(ACCENTED_SENTENCES))

        evidence = weighted(rng, EVIDENCE_LEVELS, [50, 25, 15, 10])
        sources = sorted(rng.sample(ref.sources, min(rng.choice((0, 1, 1, 2)), len(ref.sources))))
        evaluated = evidence in ("evaluated", "independent")

        practice = Practice(
            slug=slug_for(number),
            title=title[:250],
            summary=summary,
            description=" ".join(sentences),
            coverage=COVERAGE_BY_REGION.get(countries[0][2], "") if scope == "regional" else "",
            lead_organisation_id=lead[0],
            scope=scope,
            kind=kind,
            start_year=start_year,
            end_year=end_year,
            status=status,
            evidence_level=evidence,
            evaluation_summary=rng.choice(EVALUATION_SUMMARIES) if evaluated else "",
            evaluation_source_id=sources[0] if evaluated and sources else None,
            publication_state=Practice.PublicationState.PUBLISHED,
            state_changed_at=datetime(2025, 1, 1, tzinfo=UTC) + timedelta(minutes=number),
        )
        draft = Draft(
            practice=practice,
            theme_ids=self.themes(rng, topics),
            links=links,
            partner_ids=partners,
            target_group_ids=[ref.groups[slug] for slug in groups],
            stage_ids=self.pick(rng, topics, "stages", ref.stages, 1, 2),
            gcm_ids=self.pick(rng, topics, "gcm", ref.gcm, 0, 2),
            source_ids=sources,
        )
        draft.metrics = self.metrics(rng, topics, start_year, end_year, sources)
        # Drawn last, so that the rest of a practice is what earlier versions generated.
        draft.evaluations = self.evaluations(rng, practice, lead[1])
        return draft

    def countries(self, rng):
        """1-4 distinct countries, the paper's far more often than others."""
        wanted = weighted(rng, (1, 2, 3, 4), (40, 30, 20, 10))
        chosen = {}
        for _ in range(wanted * 4):
            country = rng.choices(self.ref.countries, cum_weights=self.ref.country_cum_weights)[0]
            chosen.setdefault(country[0], country)
            if len(chosen) == wanted:
                break
        return list(chosen.values())

    @staticmethod
    def links(rng, countries):
        """Roles for the countries; now and then one country holds two (Mexico as origin and
        transit), as in the paper, but never the same role twice."""
        links = {}
        for index, (pk, _, _) in enumerate(countries):
            role = (
                rng.choice(("COO", "COD"))
                if index == 0
                else weighted(rng, ("COO", "COT", "COD"), (40, 20, 40))
            )
            involvement = (
                "implementing"
                if index == 0
                else rng.choice(("partner", "beneficiary", "context", "implementing"))
            )
            links.setdefault((pk, role), involvement)
        if len(links) < 4 and rng.random() < 0.05:
            links.setdefault((countries[0][0], "COT"), "implementing")
        return [(pk, role, involvement) for (pk, role), involvement in links.items()]

    @staticmethod
    def scope(rng, country_count):
        if country_count == 1:
            return weighted(rng, SCOPES, (85, 5, 5, 5))
        if country_count == 2:
            return weighted(rng, SCOPES, (10, 70, 10, 10))
        return weighted(rng, SCOPES, (5, 10, 45, 40))

    def lead_organisation(self, rng, countries):
        """Often a body of one of the practice's countries, when the base has one."""
        local = [
            org for pk, _, _ in countries for org in self.ref.organisations_by_country.get(pk, ())
        ]
        if local and rng.random() < 0.6:
            return rng.choice(local)
        return rng.choice(self.ref.organisations)

    @staticmethod
    def period(rng):
        status = weighted(rng, STATUSES, (45, 35, 10, 10))
        if rng.random() < 0.15:
            return None, None, status
        if status in ("planned", "under_discussion"):
            start = rng.randint(2018, LAST_YEAR)
            return start, (start + rng.randint(2, 5) if rng.random() < 0.5 else None), status
        start = rng.randint(1990, LAST_YEAR)
        if status == "completed":
            return start, min(start + rng.randint(0, 8), LAST_YEAR), status
        return start, None, status

    def themes(self, rng, topics):
        slugs = sorted(
            {slug for topic in topics for slug in topic.themes if slug in self.ref.themes}
        )
        if not slugs or rng.random() < 0.15:
            slugs = sorted({*slugs, rng.choice(sorted(self.ref.themes))})
        return [self.ref.themes[slug] for slug in rng.sample(slugs, min(len(slugs), 3))]

    @staticmethod
    def pick(rng, topics, attribute, ids, low, high):
        keys = sorted({key for topic in topics for key in getattr(topic, attribute) if key in ids})
        if len(keys) < low:
            keys = sorted(ids)
        return [ids[key] for key in rng.sample(keys, min(rng.randint(low, high), len(keys)))]

    @staticmethod
    def metrics(rng, topics, start_year, end_year, sources):
        """0-3 figures with distinct labels (so (practice, label, year) stays unique)."""
        candidates = [metric for topic in topics for metric in topic.metrics]
        chosen = rng.sample(candidates, min(rng.choice((0, 1, 1, 2, 3)), len(candidates)))
        first = start_year or 2000
        last = min(end_year or LAST_YEAR, LAST_YEAR)
        metrics, labels = [], set()
        for position, (label, unit, low, high) in enumerate(chosen, start=1):
            if label in labels:
                continue
            labels.add(label)
            value = Decimal(rng.randint(low, high))
            if unit == "percent":
                value += Decimal(rng.randint(0, 9)) / 10
            metrics.append(
                OutcomeMetric(
                    label=label,
                    value=value,
                    qualifier=weighted(rng, QUALIFIERS, (70, 15, 10, 5)),
                    unit=unit,
                    year=rng.randint(first, max(first, last)),
                    comparison_note=rng.choice(COMPARISON_NOTES),
                    source_id=rng.choice(sources) if sources and rng.random() < 0.5 else None,
                    position=position,
                )
            )
        return metrics

    @staticmethod
    def evaluations(rng, practice, lead_name):
        """1-2 evaluations that bear out the evidence level (Practice.EVALUATION_METHODS):
        at least one of a method the level needs, none for a level claiming no evaluation."""
        needed = Practice.EVALUATION_METHODS.get(practice.evidence_level)
        if needed is None:
            return []
        methods = [rng.choice(sorted(needed))]
        if rng.random() < 0.3:
            methods.append(rng.choice(sorted(EVALUATORS)))
        first = practice.start_year or 2000
        evaluations = []
        for method in methods:
            evaluations.append(
                Evaluation(
                    evaluator=rng.choice(EVALUATORS[method]).format(org=lead_name)[:200],
                    year=rng.randint(min(first + 1, LAST_YEAR), LAST_YEAR),
                    method=method,
                    findings=rng.choice(EVALUATION_SUMMARIES),
                    source_id=practice.evaluation_source_id,
                )
            )
        return evaluations

    @staticmethod
    def name_list(names):
        if len(names) == 1:
            return names[0]
        return ", ".join(names[:-1]) + " and " + names[-1]

    @staticmethod
    def group_phrase(slug):
        return slug.replace("-", " ")
