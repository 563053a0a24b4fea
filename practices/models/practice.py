"""A good practice: what it is, who runs it, where, since when, and how it is known."""

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from ..languages import localized
from .country_link import PracticeCountry
from .currency import CurrencyRule
from .evidence import Evaluation, EvidenceRule
from .practice_queryset import PracticeQuerySet
from .validators import YEAR_VALIDATORS

# Addresses under /practices/ that are not practices: a practice with one of these slugs would
# never be reached at /practices/<slug>/.
RESERVED_SLUGS = frozenset({"brief"})


class Practice(CurrencyRule, EvidenceRule, models.Model):
    class Scope(models.TextChoices):
        UNILATERAL = "unilateral", _("Unilateral")
        BILATERAL = "bilateral", _("Bilateral")
        REGIONAL = "regional", _("Regional")
        MULTILATERAL = "multilateral", _("Multilateral")

    class Kind(models.TextChoices):
        PROGRAMME = "programme", _("Programme or project")
        POLICY = "policy", _("Policy, plan or strategy")
        LAW = "law", _("Law or regulation")
        SERVICE = "service", _("Service or institution")
        AGREEMENT = "agreement", _("Agreement or MOU")
        NETWORK = "network", _("Network or dialogue")
        TOOL = "tool", _("Guide, tool or standard")
        RESEARCH = "research", _("Research or data")

    class Status(models.TextChoices):
        ONGOING = "ongoing", _("Ongoing")
        COMPLETED = "completed", _("Completed")
        PLANNED = "planned", _("Planned")
        UNDER_DISCUSSION = "under_discussion", _("Under discussion")

    class EvidenceLevel(models.TextChoices):
        # The paper warns of "a huge lack of evaluation and evidence of such examples being
        # 'good practices'": most of its practices are described only.
        DESCRIBED = "described", _("Described only")
        OUTPUTS = "outputs", _("Outputs reported")
        EVALUATED = "evaluated", _("Evaluated")
        INDEPENDENT = "independent", _("Independently evaluated")

    # The evaluations a level claims, as the methods that bear it out: "evaluated" rests on an
    # evaluation of any method; "independently evaluated" on one made from outside the practice
    # (an independent or impact evaluation, an audit), never on its own internal review. The
    # other levels claim no evaluation. Checked by ``clean`` (the model, the import), the
    # admin's evaluations formset and its evaluation pages (practices.curation).
    EVALUATION_METHODS = {
        EvidenceLevel.EVALUATED: frozenset(Evaluation.Method.values),
        EvidenceLevel.INDEPENDENT: frozenset(
            {Evaluation.Method.INDEPENDENT, Evaluation.Method.IMPACT, Evaluation.Method.AUDIT}
        ),
    }

    class PaperSection(models.TextChoices):
        BACKGROUND = "3", _("3. Background and context")
        REGIONAL_AND_INTERNATIONAL = "4", _("4. Regional entities and international organisations")
        FAMILY_REUNIFICATION = "4.1", _("4.1 Family reunification in the COD")
        TRANSNATIONAL_FAMILIES = "4.2", _("4.2 Support for transnational families")
        CHILDREN = "4.3", _("4.3 Support and protection for migrant children and adolescents")
        GENDER = "4.4", _("4.4 Migration policies with a gender perspective")
        HEALTH = "4.5", _("4.5 Health care provision for migrants in the migration process")

    class TranslationOrigin(models.TextChoices):
        # How a practice's words in French or Spanish came about: the page says which.
        PAPER = "paper", _("The paper's own wording")
        HUMAN = "human", _("Human translation")
        KNOWLEDGE_BASE = "knowledge_base", _("The knowledge base's translation")
        MACHINE = "machine", _("Machine translation, not checked")

    class PublicationState(models.TextChoices):
        DRAFT = "draft", _("Draft")
        IN_REVIEW = "in_review", _("In review")
        PUBLISHED = "published", _("Published")
        ARCHIVED = "archived", _("Archived")

    title = models.CharField(_("title"), max_length=250)
    slug = models.SlugField(_("slug"), max_length=120, unique=True)
    summary = models.TextField(_("summary"), help_text=_("One or two sentences."))
    description = models.TextField(
        _("description"),
        help_text=_("Plain text. Keep a phrase of the source's own words so readers can find it."),
    )
    themes = models.ManyToManyField(
        "practices.Theme", verbose_name=_("themes"), related_name="practices"
    )
    countries = models.ManyToManyField(
        "countries.Country",
        verbose_name=_("countries"),
        through="practices.PracticeCountry",
        related_name="practices",
    )
    coverage = models.CharField(
        _("coverage"),
        max_length=300,
        blank=True,
        help_text=_(
            "For regional or global practices whose source names a group rather than "
            "countries, e.g. 'European Union and African states'."
        ),
    )
    lead_organisation = models.ForeignKey(
        "practices.Organisation",
        verbose_name=_("lead organisation"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="led_practices",
    )
    partners = models.ManyToManyField(
        "practices.Organisation",
        verbose_name=_("partner organisations"),
        blank=True,
        related_name="partner_practices",
    )
    target_groups = models.ManyToManyField(
        "practices.TargetGroup",
        verbose_name=_("target groups"),
        blank=True,
        related_name="practices",
    )
    stages = models.ManyToManyField(
        "practices.Stage", verbose_name=_("stages"), blank=True, related_name="practices"
    )
    gcm_objectives = models.ManyToManyField(
        "practices.GCMObjective",
        verbose_name=_("GCM objectives"),
        blank=True,
        related_name="practices",
        help_text=_("A curator's mapping: the paper (2010) predates the Compact (2018)."),
    )
    sources = models.ManyToManyField(
        "practices.Source", verbose_name=_("sources"), blank=True, related_name="practices"
    )
    scope = models.CharField(_("scope"), max_length=20, choices=Scope.choices)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    start_year = models.PositiveSmallIntegerField(
        _("start year"), null=True, blank=True, validators=YEAR_VALIDATORS
    )
    end_year = models.PositiveSmallIntegerField(
        _("end year"), null=True, blank=True, validators=YEAR_VALIDATORS
    )
    period_note = models.CharField(
        _("period note"),
        max_length=300,
        blank=True,
        help_text=_("How the years were read from the source, e.g. 'for the last five years'."),
    )
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=Status.choices,
        help_text=_("As last reported by the source."),
    )
    status_as_of = models.PositiveSmallIntegerField(
        _("status as of"),
        null=True,
        blank=True,
        validators=YEAR_VALIDATORS,
        help_text=_("The year the source reported this status in: 2010 for the paper's practices."),
    )
    # Set by a reviewer's "verify" action only, never typed in the form.
    verified_on = models.DateField(_("last verified on"), null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("last verified by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    verified_against = models.CharField(
        _("verified against"),
        max_length=300,
        blank=True,
        help_text=_("What the practice was checked against: a report, a web page, a ministry."),
    )
    evidence_level = models.CharField(
        _("evidence level"),
        max_length=20,
        choices=EvidenceLevel.choices,
        default=EvidenceLevel.DESCRIBED,
    )
    evaluation_summary = models.TextField(_("evaluation summary"), blank=True)
    evaluation_source = models.ForeignKey(
        "practices.Source",
        verbose_name=_("evaluation source"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="evaluated_practices",
    )
    paper_section = models.CharField(
        _("paper section"),
        max_length=4,
        choices=PaperSection.choices,
        blank=True,
        help_text=_("Where the 2010 paper describes it; empty for practices added later."),
    )
    paper_reference = models.CharField(
        _("place in the paper"),
        max_length=200,
        blank=True,
        help_text=_("E.g. 'second bullet' or 'footnote 22'."),
    )
    forum_discussion = models.CharField(
        _("discussed in the Forum"),
        max_length=300,
        blank=True,
        help_text=_("Where the GFMD discussed it, e.g. 'GFMD 2019, Roundtable 2.1'."),
    )
    # How the French and the Spanish words (title, summary, description, figure labels) came
    # about; blank while there are none.
    origin_fr = models.CharField(
        _("French words: origin"), max_length=20, choices=TranslationOrigin.choices, blank=True
    )
    origin_es = models.CharField(
        _("Spanish words: origin"), max_length=20, choices=TranslationOrigin.choices, blank=True
    )
    publication_state = models.CharField(
        _("publication state"),
        max_length=20,
        choices=PublicationState.choices,
        default=PublicationState.DRAFT,
    )
    state_changed_at = models.DateTimeField(_("state changed at"), null=True, blank=True)
    state_changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("state changed by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # Kept up to date by practices.search_index.update_search_index (on save, on load, on import).
    search_text = models.TextField(_("search text"), blank=True, editable=False)
    search_vector = SearchVectorField(_("search vector"), null=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = PracticeQuerySet.as_manager()
    # Every change, its many-to-many links and its translations included (the history is
    # registered by practices.translation, once the language columns exist).
    HISTORY_EXCLUDED = ["search_text", "search_vector"]
    HISTORY_M2M = ["themes", "partners", "target_groups", "stages", "gcm_objectives", "sources"]

    class Meta:
        verbose_name = _("practice")
        verbose_name_plural = _("practices")
        ordering = ["title_en"]
        permissions = [
            ("submit_practice", _("Can submit a practice for review")),
            ("publish_practice", _("Can publish, unpublish and archive a practice")),
            ("import_practice", _("Can import practices from a spreadsheet")),
            ("export_practice", _("Can export practices to a spreadsheet")),
            ("verify_practice", _("Can record that a practice was verified")),
        ]
        indexes = [
            # published() is the first filter of every public query, and the list's default
            # order is by title whatever its case.
            models.Index(
                models.F("publication_state"),
                Lower("title_en"),
                name="practices_state_ltitle_idx",
            ),
            # The same in French and in Spanish: by the title in that language, or the English
            # one where there is none (the expression the list orders by: languages.localized).
            *(
                models.Index(
                    models.F("publication_state"),
                    Lower(localized("title", code)),
                    name=f"practices_state_ltitle_{code}_idx",
                )
                for code in ("fr", "es")
            ),
            # The published practices' ids without reading the table's wide rows: every facet
            # count and export starts from them (an index-only scan instead of a scan of the
            # whole table, at 100,000 practices a third of the list page's time).
            models.Index(fields=["publication_state", "id"], name="practices_state_id_idx"),
            # The start-year range filter and the "by year" sort.
            models.Index(fields=["start_year"], name="practices_start_year_idx"),
            # The "recently updated" sort and the home page's recent practices.
            models.Index(fields=["-updated_at"], name="practices_updated_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_year__isnull=True)
                | models.Q(start_year__isnull=True)
                | models.Q(end_year__gte=models.F("start_year")),
                name="practices_practice_years_ordered",
            ),
            models.CheckConstraint(
                condition=models.Q(start_year__isnull=True)
                | models.Q(start_year__gte=1900, start_year__lte=2100),
                name="practices_practice_start_year_range",
            ),
            models.CheckConstraint(
                condition=models.Q(end_year__isnull=True)
                | models.Q(end_year__gte=1900, end_year__lte=2100),
                name="practices_practice_end_year_range",
            ),
            models.CheckConstraint(
                condition=~models.Q(slug=""), name="practices_practice_slug_not_empty"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("practices:practice-detail", kwargs={"slug": self.slug})

    def natural_key(self) -> tuple[str]:
        return (self.slug,)

    @property
    def period(self) -> str:
        if self.start_year and self.end_year:
            return f"{self.start_year}–{self.end_year}"
        if self.start_year:
            return _("since %(year)s") % {"year": self.start_year}
        if self.end_year:
            return _("until %(year)s") % {"year": self.end_year}
        return ""

    def translation_origin(self, language: str) -> str:
        """How this practice's words in ``language`` came about ("" for English, or none yet)."""
        return getattr(self, f"origin_{language}", "")

    def clean(self):
        super().clean()
        self.check_evidence()
        if self.slug in RESERVED_SLUGS:
            raise ValidationError(
                {
                    "slug": _(
                        "“%(slug)s” is the address of another page (/practices/%(slug)s/): "
                        "choose another slug."
                    )
                    % {"slug": self.slug}
                }
            )

    def related(self, limit: int = 6) -> list["Practice"]:
        """Up to ``limit`` other published practices sharing a country or a theme, those
        sharing most countries first, then most themes, then by title.

        Ranked on the practices' ids and titles alone, then only the chosen few are read
        whole: grouping every candidate with all its columns (its description too) cost more
        than the rest of the page. Reads this practice's themes and countries from the
        prefetch cache when present.
        """
        theme_ids = [theme.pk for theme in self.themes.all()]
        country_ids = list({link.country_id for link in self.country_links.all()})
        ranked = list(
            Practice.objects.published()
            .exclude(pk=self.pk)
            .filter(
                models.Q(themes__in=theme_ids) | models.Q(country_links__country__in=country_ids)
            )
            .values("pk", "title")
            .annotate(
                shared_countries=models.Count(
                    "country_links__country",
                    filter=models.Q(country_links__country__in=country_ids),
                    distinct=True,
                ),
                shared_themes=models.Count(
                    "themes", filter=models.Q(themes__in=theme_ids), distinct=True
                ),
            )
            .order_by("-shared_countries", "-shared_themes", "title")
            .values_list("pk", flat=True)[:limit]
        )
        chosen = Practice.objects.in_bulk(ranked)
        return [chosen[pk] for pk in ranked]

    def links_by_role(self) -> list[tuple[str, list["PracticeCountry"]]]:
        """Country links grouped COO, COT, COD; uses the prefetched links when present."""
        groups = []
        links = list(self.country_links.all())
        for role in PracticeCountry.Role:
            members = [link for link in links if link.role == role.value]
            if members:
                groups.append((role, members))
        return groups
