"""Section 5 (questions to guide the discussion) and section 6 (possible outcomes)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from .reference import NaturalKeyModel


class DiscussionQuestion(NaturalKeyModel):
    NATURAL_KEY = "number"

    number = models.PositiveSmallIntegerField(_("number"), unique=True)
    text = models.TextField(_("text"))
    practices = models.ManyToManyField(
        "practices.Practice",
        verbose_name=_("practices that inform it"),
        blank=True,
        related_name="discussion_questions",
    )

    class Meta:
        verbose_name = _("discussion question")
        verbose_name_plural = _("discussion questions")
        ordering = ["number"]

    def __str__(self) -> str:
        return f"{self.number}. {self.text[:80]}"


class Outcome(NaturalKeyModel):
    NATURAL_KEY = "letter"

    letter = models.CharField(_("letter"), max_length=1, unique=True)
    text = models.TextField(_("text"))
    practices = models.ManyToManyField(
        "practices.Practice",
        verbose_name=_("practices that speak to it"),
        blank=True,
        related_name="outcomes",
    )

    class Meta:
        verbose_name = _("hoped-for outcome")
        verbose_name_plural = _("hoped-for outcomes")
        ordering = ["letter"]

    def __str__(self) -> str:
        return f"{self.letter}) {self.text[:80]}"
