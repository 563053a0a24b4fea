from itertools import groupby

from django.shortcuts import get_object_or_404, render

from practices.models import Practice, PracticeCountry

from .models import Country


def country_list(request):
    countries = Country.objects.with_practice_counts().order_by("region", "subregion", "name")
    regions = [
        (region or "—", list(members))
        for region, members in groupby(countries, key=lambda c: c.region)
    ]
    context = {"regions": regions}
    return render(request, "countries/country_list.html", context)


def country_detail(request, iso2):
    country = get_object_or_404(Country, iso2=iso2.upper())
    practices = (
        Practice.objects.published()
        .filter(country_links__country=country)
        .distinct()
        .with_card_data()
        .order_by("title")
    )
    by_role = []
    for role, label in PracticeCountry.Role.choices:
        members = [
            p
            for p in practices
            if any(
                link.country_id == country.pk and link.role == role
                for link in p.country_links.all()
            )
        ]
        if members:
            by_role.append((role, label, members))
    context = {"country": country, "by_role": by_role, "practice_count": len(practices)}
    return render(request, "countries/country_detail.html", context)
