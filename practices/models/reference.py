"""Reference tables a practice points to. Each has a natural key, so fixtures and
spreadsheet imports name records by slug, number or key, never by database id."""

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from ..languages import ExplicitLanguages


class NaturalKeyQuerySet(ExplicitLanguages, models.QuerySet):
    """``get_by_natural_key`` for tables whose natural key is one unique field."""

    def get_by_natural_key(self, key):
        return self.get(**{self.model.NATURAL_KEY: key})


class NaturalKeyModel(models.Model):
    NATURAL_KEY = "slug"

    objects = NaturalKeyQuerySet.as_manager()

    class Meta:
        abstract = True

    def natural_key(self) -> tuple:
        return (getattr(self, self.NATURAL_KEY),)


class ThemeQuerySet(NaturalKeyQuerySet):
    def with_practice_counts(self) -> "ThemeQuerySet":
        """Each theme with ``practice_count``: its published practices, in one query.

        Ordered explicitly: Django drops ``Meta.ordering`` from GROUP BY queries, which would
        leave the themes in whatever order the database returns them.
        """
        return self.annotate(
            practice_count=models.Count(
                "practices",
                filter=models.Q(practices__publication_state="published"),
                distinct=True,
            )
        ).order_by(*Theme._meta.ordering)


class Theme(NaturalKeyModel):
    """The paper's five policy areas (sections 4.1 to 4.5)."""

    slug = models.SlugField(_("slug"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    paper_section = models.CharField(_("paper section"), max_length=10, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    objects = ThemeQuerySet.as_manager()

    class Meta:
        verbose_name = _("theme")
        verbose_name_plural = _("themes")
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("practices:theme-detail", kwargs={"slug": self.slug})


class TargetGroup(NaturalKeyModel):
    slug = models.SlugField(_("slug"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=120)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        verbose_name = _("target group")
        verbose_name_plural = _("target groups")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Stage(NaturalKeyModel):
    """A stage of the migration cycle, in the order a migrant lives through them."""

    slug = models.SlugField(_("slug"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("stage")
        verbose_name_plural = _("stages")
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name


class Organisation(NaturalKeyModel):
    class Kind(models.TextChoices):
        GOVERNMENT = "government", _("Government")
        INTERGOVERNMENTAL = "intergovernmental", _("UN / intergovernmental")
        REGIONAL = "regional", _("Regional body")
        NGO = "ngo", _("NGO / civil society")
        PRIVATE = "private", _("Private sector")
        ACADEMIC = "academic", _("Academic")
        DIASPORA = "diaspora", _("Diaspora / migrant association")

    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    name = models.CharField(_("name"), max_length=200)
    acronym = models.CharField(_("acronym"), max_length=30, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    country = models.ForeignKey(
        "countries.Country",
        verbose_name=_("country"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="organisations",
        help_text=_("Where it is based; empty for international bodies."),
    )
    note = models.CharField(_("note"), max_length=300, blank=True)

    # Files and bookmarks name an organisation by its slug: a rename is kept, with who made it.
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.acronym})" if self.acronym else self.name


class GCMObjective(NaturalKeyModel):
    """One of the 23 objectives of the Global Compact for Migration (2018).

    The paper predates the Compact: linking a practice to an objective is a curator's
    judgement, kept so officers can find practices by the framework they use today.
    """

    NATURAL_KEY = "number"

    number = models.PositiveSmallIntegerField(_("number"), unique=True)
    short_label = models.CharField(_("short label"), max_length=60)
    title = models.CharField(_("title"), max_length=200)

    class Meta:
        verbose_name = _("GCM objective")
        verbose_name_plural = _("GCM objectives")
        ordering = ["number"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(number__gte=1, number__lte=23),
                name="practices_gcmobjective_number_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number}. {self.short_label}"


class Source(NaturalKeyModel):
    """Evidence behind a practice: a footnote of the paper, or a curator's reference."""

    NATURAL_KEY = "key"

    key = models.SlugField(
        _("key"),
        max_length=80,
        unique=True,
        help_text=_("A stable name, e.g. fn-22 for the paper's footnote 22."),
    )
    footnote = models.PositiveSmallIntegerField(_("footnote in the paper"), null=True, blank=True)
    citation = models.TextField(_("citation"))
    url = models.URLField(_("URL"), max_length=500, blank=True)
    year = models.PositiveSmallIntegerField(_("year"), null=True, blank=True)

    # Files name a source by its key: a changed key or citation is kept, with who made it.
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("source")
        verbose_name_plural = _("sources")
        ordering = ["footnote", "key"]
        constraints = [
            models.UniqueConstraint(
                fields=["footnote"],
                condition=models.Q(footnote__isnull=False),
                name="practices_source_footnote_unique",
            ),
        ]

    def __str__(self) -> str:
        label = self.citation if len(self.citation) <= 80 else self.citation[:79] + "…"
        return f"[{self.footnote}] {label}" if self.footnote else label
