"""The figures the source gives about a practice: each a value with its unit and year."""

from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _

from ..languages import ExplicitLanguages
from .validators import YEAR_VALIDATORS


class OutcomeMetricQuerySet(ExplicitLanguages, models.QuerySet):
    def get_by_natural_key(self, practice_slug: str, label: str, year: int):
        # The English label: a figure's key whatever the language active.
        return self.get(practice__slug=practice_slug, label_en=label, year=year)


class OutcomeMetric(models.Model):
    """One number the source gives about a practice, with its unit and year."""

    class Qualifier(models.TextChoices):
        EXACT = "exact", _("exact")
        ABOUT = "about", _("about")
        MORE_THAN = "more_than", _("more than")
        TARGET = "target", _("target")

    practice = models.ForeignKey(
        "practices.Practice",
        verbose_name=_("practice"),
        on_delete=models.CASCADE,
        related_name="metrics",
    )
    label = models.CharField(_("label"), max_length=200)
    value = models.DecimalField(_("value"), max_digits=14, decimal_places=2)
    qualifier = models.CharField(
        _("qualifier"),
        max_length=10,
        choices=Qualifier.choices,
        default=Qualifier.EXACT,
        help_text=_("How the source states it: 'around 17,000', 'more than 300', 'to be trained'."),
    )
    unit = models.CharField(_("unit"), max_length=60)
    year = models.PositiveSmallIntegerField(_("year"), validators=YEAR_VALIDATORS)
    comparison_note = models.CharField(_("comparison or note"), max_length=300, blank=True)
    source = models.ForeignKey(
        "practices.Source",
        verbose_name=_("source"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="metrics",
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    objects = OutcomeMetricQuerySet.as_manager()
    # history: registered by practices.translation, once its language columns exist.

    class Meta:
        verbose_name = _("outcome metric")
        verbose_name_plural = _("outcome metrics")
        ordering = ["practice", "position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["practice", "label", "year"], name="practices_metric_label_year_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(value__gte=0), name="practices_metric_value_not_negative"
            ),
            models.CheckConstraint(condition=~models.Q(unit=""), name="practices_metric_has_unit"),
            models.CheckConstraint(
                condition=models.Q(year__gte=1900, year__lte=2100),
                name="practices_metric_year_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.label}: {self.display_value} {self.unit} ({self.year})"

    def natural_key(self) -> tuple[str, str, int]:
        return (self.practice.slug, self.label, self.year)

    natural_key.dependencies = ["practices.practice"]

    @property
    def display_value(self) -> str:
        """The value as the paper states it: '10,831', '17', 'more than 300'."""
        return self.format_value(self.value, self.qualifier)

    @classmethod
    def format_value(cls, value: Decimal, qualifier: str) -> str:
        text = f"{int(value):,}" if value == value.to_integral() else f"{value.normalize():,f}"
        prefix = {
            cls.Qualifier.ABOUT: _("about"),
            cls.Qualifier.MORE_THAN: _("more than"),
        }.get(qualifier)
        return f"{prefix} {text}" if prefix else text
