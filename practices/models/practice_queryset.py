"""How practices are read: the QuerySet verbs both sides use (``Practice.objects.…``): what
the public may see, by country and role, by words, by currency, and everything a card, a
detail page or a citation shows in a fixed number of queries."""

import datetime

from django.db import models
from django.db.models.functions import Coalesce

from ..languages import ExplicitLanguages
from ..search import filter_by_text, order_by_relevance
from .country_link import PracticeCountry
from .currency import Currency, currency_condition
from .evidence import Evaluation
from .metric import OutcomeMetric
from .reference import Source


class PracticeQuerySet(ExplicitLanguages, models.QuerySet):
    def get_by_natural_key(self, slug: str):
        return self.get(slug=slug)

    def published(self) -> "PracticeQuerySet":
        """Only what the public may see: every public page and export starts here."""
        return self.filter(publication_state=self.model.PublicationState.PUBLISHED)

    def for_country(self, country, role: str | None = None) -> "PracticeQuerySet":
        """Practices that involve ``country``; with ``role``, in that very role.

        Country and role are matched in one filter call, so both conditions hold on the same
        link row: Mexico as a destination, not Mexico in some role and some other destination.
        """
        conditions = {"country_links__country": country}
        if role:
            conditions["country_links__role"] = role
        return self.filter(**conditions).distinct()

    def search(self, query: str) -> "PracticeQuerySet":
        """Practices matching ``query``, whatever its accents or case (``practices.search``).

        Full-text on PostgreSQL (stored vector, GIN index); every word on SQLite.
        """
        return filter_by_text(self, query)

    def by_relevance(self, query: str) -> "PracticeQuerySet":
        """Best matches of ``query`` first, then by title."""
        return order_by_relevance(self, query)

    def may_be_out_of_date(self, today: datetime.date | None = None) -> "PracticeQuerySet":
        """Practices nobody has verified for longer than ``settings.CURRENCY_YEARS``.

        The same rule as ``Practice.may_be_out_of_date`` (``models.currency``)."""
        return self.filter(currency_condition(Currency.OUT_OF_DATE, today))

    def current(self, today: datetime.date | None = None) -> "PracticeQuerySet":
        """Every practice ``may_be_out_of_date`` leaves out."""
        return self.filter(currency_condition(Currency.CURRENT, today))

    def with_card_data(self) -> "PracticeQuerySet":
        """Everything a list row shows, in a fixed number of queries whatever the page size.

        ``figure_count`` is a correlated subquery, not a join to the figures: a join would
        repeat each practice once per figure (and multiply any other count beside it).
        """
        figures = (
            OutcomeMetric.objects.filter(practice=models.OuterRef("pk"))
            .order_by()
            .values("practice")
            .annotate(n=models.Count("pk"))
            .values("n")
        )
        figure_count = Coalesce(models.Subquery(figures, output_field=models.IntegerField()), 0)
        return (
            self.annotate(figure_count=figure_count)
            .select_related("lead_organisation")
            .prefetch_related(
                "themes",
                models.Prefetch(
                    "country_links",
                    queryset=PracticeCountry.objects.select_related("country").in_cycle_order(),
                ),
            )
        )

    def with_detail_data(self) -> "PracticeQuerySet":
        """Everything the detail page shows, in a fixed number of queries."""
        return self.with_card_data().prefetch_related(
            "partners",
            "target_groups",
            "stages",
            "gcm_objectives",
            models.Prefetch("sources", queryset=Source.objects.order_by("footnote", "key")),
            models.Prefetch("metrics", queryset=OutcomeMetric.objects.select_related("source")),
            "discussion_questions",
            "outcomes",
            # The evidence section: each evaluation with its source, and the ratings (their
            # reviewers are never named in public).
            models.Prefetch(
                "evaluations",
                queryset=Evaluation.objects.select_related("source").order_by("-year", "pk"),
            ),
            "ratings",
        )

    def with_citation_data(self) -> "PracticeQuerySet":
        """What a practice's citation names (``catalogue.citation``): its themes and its
        sources, in three queries whatever the number of sources."""
        return self.prefetch_related(
            "themes",
            models.Prefetch("sources", queryset=Source.objects.order_by("footnote", "key")),
        )
