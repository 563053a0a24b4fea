from itertools import groupby

from django.shortcuts import get_object_or_404, render

from practices.coverage import country_role_table
from practices.models import Practice, Theme, group_by_role

from .models import Country, name_sort_key


def country_list(request):
    countries = Country.objects.with_practice_counts().order_by("region")
    regions = [
        (region or "—", sorted(members, key=lambda c: name_sort_key(c.name)))
        for region, members in groupby(countries, key=lambda c: c.region)
    ]
    context = {
        "regions": regions,
        # The few countries the base has practices for, most first, before the full index.
        "with_practices": sorted(
            (c for _region, members in regions for c in members if c.practice_count),
            key=lambda c: (-c.practice_count, name_sort_key(c.name)),
        ),
    }
    return render(request, "countries/country_list.html", context)


def country_detail(request, iso2):
    country = get_object_or_404(Country, iso2=iso2.upper())
    practices = Practice.objects.published().for_country(country).with_card_data()
    practices = list(practices.order_by("title"))
    themes = list(Theme.objects.all())
    context = {
        "country": country,
        "by_role": group_by_role(practices, country),
        "practice_count": len(practices),
        "themes": themes,
        "role_table": country_role_table(country, themes),
    }
    return render(request, "countries/country_detail.html", context)
