"""A country's name in English, French and Spanish (django-modeltranslation): ``country.name``
reads the active language's, English where there is none. The names come with the country
fixture (``build_country_fixture``: ISO 3166's own translations, from pycountry)."""

from modeltranslation.translator import TranslationOptions, register

from .models import Country


@register(Country)
class CountryTranslation(TranslationOptions):
    fields = ("name",)
    required_languages = ("en",)
