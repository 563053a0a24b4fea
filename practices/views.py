from django.core.paginator import Paginator
from django.db.models import Count
from django.shortcuts import get_object_or_404, render

from countries.models import Country

from .models import OutcomeMetric, Practice, PracticeCountry, Theme

PAGE_SIZE = 25


def home(request):
    published = Practice.objects.published()
    regions = (
        Country.objects.filter(practice_links__practice__in=published)
        .exclude(region="")
        .values("region")
        .annotate(practice_count=Count("practice_links__practice", distinct=True))
        .order_by("region")
    )
    context = {
        "themes": Theme.objects.with_practice_counts(),
        "regions": regions,
        "recent": published.with_card_data().order_by("-updated_at", "title")[:6],
        "practice_count": published.count(),
        "country_count": Country.objects.filter(practice_links__practice__in=published)
        .distinct()
        .count(),
        "metric_count": OutcomeMetric.objects.filter(practice__in=published).count(),
    }
    return render(request, "practices/home.html", context)


def practice_list(request):
    practices = Practice.objects.published().with_card_data().order_by("title")
    query = request.GET.get("q", "").strip()[:200]
    if query:
        practices = practices.search(query)
    page = Paginator(practices, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"page": page, "query": query}
    return render(request, "practices/practice_list.html", context)


def practice_detail(request, slug):
    practice = get_object_or_404(Practice.objects.published().with_detail_data(), slug=slug)
    context = {
        "practice": practice,
        "country_groups": practice.links_by_role(),
        "related": practice.related()[:6],
    }
    return render(request, "practices/practice_detail.html", context)


def theme_detail(request, slug):
    theme = get_object_or_404(Theme, slug=slug)
    practices = Practice.objects.published().filter(themes=theme).with_card_data().order_by("title")
    context = {"theme": theme, "practices": practices}
    return render(request, "practices/theme_detail.html", context)


def about(request):
    context = {
        "evidence_levels": Practice.EvidenceLevel.choices,
        "roles": PracticeCountry.Role.choices,
        "sections": [
            (Practice.PaperSection(row["paper_section"]).label, row["n"])
            for row in Practice.objects.published()
            .exclude(paper_section="")
            .values("paper_section")
            .annotate(n=Count("id"))
            .order_by("paper_section")
        ],
        "unevaluated": Practice.objects.published()
        .filter(evidence_level__in=["described", "outputs"])
        .count(),
    }
    return render(request, "practices/about.html", context)
