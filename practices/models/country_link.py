"""A country's part in a practice: origin, transit or destination, and how it is involved."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from ..languages import localized


class PracticeCountryQuerySet(models.QuerySet):
    def get_by_natural_key(self, practice_slug: str, iso2: str, role: str):
        return self.get(practice__slug=practice_slug, country__iso2=iso2, role=role)

    def in_cycle_order(self) -> "PracticeCountryQuerySet":
        """Origin, transit, destination (the order a migrant travels), then by country name
        in the page's language."""
        return self.order_by(
            models.Case(
                models.When(role="COO", then=0),
                models.When(role="COT", then=1),
                default=2,
            ),
            localized("country__name"),
        )


class PracticeCountry(models.Model):
    """A country's part in a practice: its migration role, and how it is involved.

    One country can hold two roles in one practice (Mexico is both a country of origin and
    of transit for child protection), but each role only once.
    """

    class Role(models.TextChoices):
        COO = "COO", _("Country of origin")
        COT = "COT", _("Country of transit")
        COD = "COD", _("Country of destination")

    class Involvement(models.TextChoices):
        IMPLEMENTING = "implementing", _("Implementing")
        PARTNER = "partner", _("Partner")
        BENEFICIARY = "beneficiary", _("Beneficiary")
        CONTEXT = "context", _("Named on the migration route")

    practice = models.ForeignKey(
        "practices.Practice",
        verbose_name=_("practice"),
        on_delete=models.CASCADE,
        related_name="country_links",
    )
    country = models.ForeignKey(
        "countries.Country",
        verbose_name=_("country"),
        on_delete=models.PROTECT,
        related_name="practice_links",
    )
    role = models.CharField(_("role"), max_length=3, choices=Role.choices)
    involvement = models.CharField(
        _("involvement"),
        max_length=20,
        choices=Involvement.choices,
        default=Involvement.IMPLEMENTING,
    )
    note = models.CharField(_("note"), max_length=300, blank=True)

    objects = PracticeCountryQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("practice country")
        verbose_name_plural = _("practice countries")
        ordering = ["role", "country__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["practice", "country", "role"],
                name="practices_practicecountry_one_role_each",
            ),
        ]
        indexes = [
            # The role filters (cod=MX): find practices by country and role in one probe.
            models.Index(fields=["country", "role"], name="practices_country_role_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.country} ({self.role})"

    def natural_key(self) -> tuple[str, str, str]:
        return (self.practice.slug, self.country.iso2, self.role)

    natural_key.dependencies = ["practices.practice", "countries.country"]


def group_by_role(practices, country) -> list[tuple["PracticeCountry.Role", list]]:
    """The practices under each role ``country`` holds in them (origin, transit, destination).

    Reads the prefetched country links (``with_card_data()``); a practice where the country
    holds two roles appears under both.
    """
    groups = []
    for role in PracticeCountry.Role:
        members = [
            practice
            for practice in practices
            if any(
                link.country_id == country.pk and link.role == role
                for link in practice.country_links.all()
            )
        ]
        if members:
            groups.append((role, members))
    return groups
