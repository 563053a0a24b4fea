"""The evidence that a practice works: evaluations of it, and a reviewer's scorecard.

The paper warns of "a huge lack of evaluation and evidence of such examples being 'good
practices'". A practice's ``evidence_level`` says how far the evidence goes; an ``Evaluation``
records each study behind it, and the scorecard rates it against the criteria practice
repositories use, one ``ScorecardRating`` per criterion, its earlier ratings kept in history.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.text import get_text_list
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


class EvidenceRule:
    """For ``Practice``: whether its evidence level rests on its evaluations
    (``Practice.EVALUATION_METHODS`` says which methods bear out which level)."""

    @property
    def claims_evaluation(self) -> bool:
        """Whether the evidence level says the practice was evaluated."""
        return self.evidence_level in self.EVALUATION_METHODS

    def evidence_rests_on(self, methods) -> bool:
        """Whether the evidence level is borne out by evaluations of ``methods``."""
        needed = self.EVALUATION_METHODS.get(self.evidence_level)
        return needed is None or bool(needed & set(methods))

    def evaluation_needed(self) -> str:
        """What the level needs, in words: "an evaluation of any method"."""
        needed = self.EVALUATION_METHODS.get(self.evidence_level)
        if needed is None:
            return ""
        if needed == frozenset(Evaluation.Method.values):
            return _("an evaluation of any method")
        labels = [
            str(label).lower() for value, label in Evaluation.Method.choices if value in needed
        ]
        left_out = [
            str(label).lower() for value, label in Evaluation.Method.choices if value not in needed
        ]
        return _("%(methods)s (%(others)s does not count)") % {
            "methods": get_text_list(labels, _("or")),
            "others": get_text_list(left_out, _("or")),
        }

    def evidence_basis(self) -> list[Evaluation]:
        """The evaluations the evidence level rests on, newest first; none for the levels
        that claim no evaluation. Uses the prefetched evaluations when present."""
        needed = self.EVALUATION_METHODS.get(self.evidence_level)
        if needed is None or self.pk is None:
            return []
        evaluations = [e for e in self.evaluations.all() if e.method in needed]
        return sorted(evaluations, key=lambda e: (-e.year, e.pk))

    def check_evidence(self) -> None:
        """Refuse a level that claims an evaluation the practice has none of (``clean``)."""
        # The admin's evaluations formset checks the level against the rows it is about to
        # save and delete, which the saved ones would contradict: it sets this flag.
        if getattr(self, "_evidence_checked_by_form", False):
            return
        if not self.claims_evaluation:
            return
        # A practice not yet saved has no evaluation.
        saved = self.evaluations.values_list("method", flat=True) if self.pk else []
        if not self.evidence_rests_on(saved):
            raise ValidationError(
                {
                    "evidence_level": _(
                        "“%(level)s” needs at least one evaluation of the practice on record: "
                        "%(needed)s, and this practice has none. Record the evaluation first "
                        "(Evaluations, on the practice's admin page), or choose a lower "
                        "evidence level."
                    )
                    % {
                        "level": self.get_evidence_level_display(),
                        "needed": self.evaluation_needed(),
                    }
                },
                code="evaluation_needed",
            )
