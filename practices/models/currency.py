"""How current a practice is: when its status was reported, when it was last verified.

One rule (``currency_cutoff``) for the list's filter and facet counts (``currency_condition``,
in SQL) and for a practice's own page (``CurrencyRule.may_be_out_of_date``, in Python).
"""

import datetime

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


def currency_cutoff(today: datetime.date | None = None) -> datetime.date:
    """The day before which a check is too old: ``settings.CURRENCY_YEARS`` years ago.

    A practice is current when it was verified on or after this day; never verified, when the
    year its status was reported ("as of") is not before the cutoff's year (reported in 2023,
    it is current until the end of 2026 with the default of three years); with neither, when it
    was entered on or after this day.
    """
    today = today or datetime.date.today()
    years = settings.CURRENCY_YEARS
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # 29 February
        return today.replace(year=today.year - years, day=28)


class Currency(models.TextChoices):
    """Whether a practice may be out of date: the list's ``currency`` parameter's values."""

    CURRENT = "current", _("Current")
    OUT_OF_DATE = "out_of_date", _("May be out of date")


def currency_condition(currency: str, today: datetime.date | None = None) -> models.Q:
    """The practices of ``currency`` (a ``Currency`` value) on ``today``, as one condition: a
    filter, or the facet counts' aggregates (``currency_cutoff`` states the rule)."""
    cutoff = currency_cutoff(today)
    out_of_date = (
        models.Q(verified_on__lt=cutoff)
        | models.Q(verified_on__isnull=True, status_as_of__lt=cutoff.year)
        | models.Q(verified_on__isnull=True, status_as_of__isnull=True, created_at__date__lt=cutoff)
    )
    # Negated, Django keeps a NULL date or year from hiding a practice from both sides.
    return out_of_date if currency == Currency.OUT_OF_DATE else ~out_of_date


class CurrencyRule:
    """For ``Practice``: its status with the year it was reported, and whether it may be out
    of date (its fields ``status``, ``status_as_of``, ``verified_on``, ``created_at``)."""

    @property
    def status_as_reported(self) -> str:
        """The status with the year it was reported in: "Ongoing, as reported in 2010"."""
        if self.status_as_of:
            return _("%(status)s, as reported in %(year)s") % {
                "status": self.get_status_display(),
                "year": self.status_as_of,
            }
        return self.get_status_display()

    def may_be_out_of_date(self, today: datetime.date | None = None) -> bool:
        """Whether nobody has verified it for too long (``currency_cutoff``)."""
        cutoff = currency_cutoff(today)
        if self.verified_on:
            return self.verified_on < cutoff
        if self.status_as_of:
            return self.status_as_of < cutoff.year
        created = self.created_at.date() if self.created_at else datetime.date.today()
        return created < cutoff
