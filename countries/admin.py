from django.contrib import admin

from .models import Country


@admin.register(Country)
class CountryAdmin(admin.ModelAdmin):
    list_display = ["name", "iso2", "iso3", "region", "subregion"]
    list_filter = ["region", "subregion"]
    search_fields = ["name", "official_name", "iso2", "iso3"]
    prepopulated_fields = {"slug": ["name"]}
