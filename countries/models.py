import unicodedata

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

# The UN M49 regions a country belongs to, as country-converter names them (it files the
# Antarctic territories under "Antarctica", where M49 has no region). The region filter takes
# their slugs: region=africa, region=americas.
REGIONS = ("Africa", "Americas", "Antarctica", "Asia", "Europe", "Oceania")
# Their names in the page's language (the stored value and the filter's slug stay English).
REGION_NAMES = {
    "Africa": _("Africa"),
    "Americas": _("Americas"),
    "Antarctica": _("Antarctica"),
    "Asia": _("Asia"),
    "Europe": _("Europe"),
    "Oceania": _("Oceania"),
}


def region_name(region: str) -> str:
    """A UN M49 region's name in the active language: "Amériques" for "Americas"."""
    return str(REGION_NAMES.get(region, region))


def name_sort_key(name: str) -> str:
    """Sort key that reads "Réunion" as "reunion": the same order on every database,
    whatever its collation (PostgreSQL's C collation puts accented letters after "z")."""
    return unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().casefold()


class CountryQuerySet(models.QuerySet):
    def get_by_natural_key(self, iso2: str) -> "Country":
        return self.get(iso2=iso2.upper())

    def in_region(self, region: str) -> "CountryQuerySet":
        """Countries of one UN M49 region (``Africa``, ``Americas`` ...) or subregion."""
        return self.filter(models.Q(region__iexact=region) | models.Q(subregion__iexact=region))


class Country(models.Model):
    """A country or territory of ISO 3166-1, with its UN M49 grouping.

    Every ISO 3166 entry exists (generated from pycountry and country-converter by
    ``manage.py build_country_fixture``), not only those the paper names, so curators can
    link any country without first creating it.
    """

    iso2 = models.CharField(_("ISO 3166 alpha-2"), max_length=2, unique=True)
    iso3 = models.CharField(_("ISO 3166 alpha-3"), max_length=3, unique=True)
    numeric = models.CharField(_("ISO 3166 numeric"), max_length=3, blank=True)
    name = models.CharField(_("name"), max_length=100)
    official_name = models.CharField(_("official name"), max_length=200, blank=True)
    slug = models.SlugField(_("slug"), max_length=100, unique=True)
    region = models.CharField(_("UN M49 region"), max_length=40, blank=True)
    subregion = models.CharField(
        _("UN M49 subregion"),
        max_length=60,
        blank=True,
        help_text=_("The finest M49 grouping: the intermediate region where M49 has one."),
    )

    objects = CountryQuerySet.as_manager()

    class Meta:
        verbose_name = _("country")
        verbose_name_plural = _("countries")
        ordering = ["name"]
        indexes = [
            # The region facet and the regional groupings on the country index page.
            models.Index(fields=["region", "subregion"], name="countries_country_region_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("practices:country-detail", kwargs={"iso2": self.iso2.lower()})

    def natural_key(self) -> tuple[str]:
        return (self.iso2,)
