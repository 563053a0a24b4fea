"""The evidence that a practice works: evaluations of it, and a reviewer's scorecard.

The paper warns of "a huge lack of evaluation and evidence of such examples being 'good
practices'". A practice's ``evidence_level`` says how far the evidence goes; an ``Evaluation``
records each study behind it, and the scorecard rates it against the criteria practice
repositories use, one ``ScorecardRating`` per criterion, its earlier ratings kept in history.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .validators import YEAR_VALIDATORS


class Evaluation(models.Model):
    class Method(models.TextChoices):
        INTERNAL_REVIEW = "internal_review", _("Internal review")
        INDEPENDENT = "independent_evaluation", _("Independent evaluation")
        IMPACT = "impact_evaluation", _("Impact evaluation")
        AUDIT = "audit", _("Audit")

    practice = models.ForeignKey(
        "practices.Practice",
        verbose_name=_("practice"),
        on_delete=models.CASCADE,
        related_name="evaluations",
    )
    evaluator = models.CharField(
        _("evaluated by"),
        max_length=200,
        help_text=_("The organisation or people who carried out the evaluation."),
    )
    year = models.PositiveSmallIntegerField(_("year"), validators=YEAR_VALIDATORS)
    method = models.CharField(_("method"), max_length=30, choices=Method.choices)
    findings = models.TextField(_("findings"))
    source = models.ForeignKey(
        "practices.Source",
        verbose_name=_("source"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="evaluations",
        help_text=_("The report, article or page that gives the findings."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("evaluation")
        verbose_name_plural = _("evaluations")
        ordering = ["practice", "-year", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(year__gte=1900, year__lte=2100),
                name="practices_evaluation_year_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_method_display()}, {self.evaluator} ({self.year})"


class ScorecardRating(models.Model):
    """A reviewer's rating of one practice against one criterion, with the reasons.

    One current rating per practice and criterion; a new judgement edits it, and the earlier
    ones stay in its history.
    """

    class Criterion(models.TextChoices):
        EFFECTIVENESS = "effectiveness", _("Effectiveness")
        SUSTAINABILITY = "sustainability", _("Sustainability")
        TRANSFERABILITY = "transferability", _("Transferability")
        GENDER = "gender_responsiveness", _("Gender-responsiveness")
        PARTICIPATION = "participation", _("Participation")
        CHILDRENS_RIGHTS = "childrens_rights", _("Children's rights")

    class Rating(models.IntegerChoices):
        WEAK = 1, _("1 – weak")
        LIMITED = 2, _("2 – limited")
        MODERATE = 3, _("3 – moderate")
        GOOD = 4, _("4 – good")
        STRONG = 5, _("5 – strong")

    practice = models.ForeignKey(
        "practices.Practice",
        verbose_name=_("practice"),
        on_delete=models.CASCADE,
        related_name="ratings",
    )
    criterion = models.CharField(_("criterion"), max_length=30, choices=Criterion.choices)
    rating = models.PositiveSmallIntegerField(_("rating"), choices=Rating.choices)
    justification = models.TextField(_("justification"))
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewer"),
        on_delete=models.PROTECT,
        related_name="scorecard_ratings",
    )
    rated_on = models.DateField(_("rated on"), default=timezone.localdate)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("scorecard rating")
        verbose_name_plural = _("scorecard ratings")
        ordering = ["practice", "criterion"]
        constraints = [
            models.UniqueConstraint(
                fields=["practice", "criterion"], name="practices_rating_one_per_criterion"
            ),
            models.CheckConstraint(
                condition=models.Q(rating__gte=1, rating__lte=5),
                name="practices_rating_one_to_five",
            ),
        ]
        indexes = [
            # The list's "minimum rating on a criterion" filter.
            models.Index(fields=["criterion", "rating"], name="practices_rating_criterion_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_criterion_display()}: {self.rating}/5"
