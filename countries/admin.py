from django.contrib import admin
from django.db.models import Case, IntegerField, Q, Value, When
from modeltranslation.admin import TranslationAdmin

from .models import Country


@admin.register(Country)
class CountryAdmin(TranslationAdmin):  # the name in each language side by side
    list_display = ["name", "iso2", "iso3", "region", "subregion"]
    list_filter = ["region", "subregion"]
    search_fields = ["name_en", "name_fr", "name_es", "official_name", "iso2", "iso3"]
    prepopulated_fields = {"slug": ["name"]}

    def get_search_results(self, request, queryset, search_term):
        """Codes first: in the country boxes (the admin's autocomplete, 20 answers a page)
        "MA" is Morocco and "MEX" Mexico, before the names that merely contain the letters
        (Malawi, Guatemala ...), which would push the country off the first page.

        The changelist sorts by its own columns afterwards; the autocomplete keeps this order.
        """
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        term = search_term.strip()
        if 2 <= len(term) <= 3 and term.isalpha():
            exact_code = Q(iso2__iexact=term) | Q(iso3__iexact=term)
            queryset = queryset.annotate(
                code_match=Case(
                    When(exact_code, then=Value(0)), default=Value(1), output_field=IntegerField()
                )
            ).order_by("code_match", *self.model._meta.ordering)
        return queryset, may_have_duplicates
