from itertools import groupby, islice
from urllib.parse import quote, urlencode

from django.conf import settings
from django.core.paginator import Paginator
from django.db.models import Count
from django.db.models.functions import Lower
from django.http import StreamingHttpResponse
from django.middleware.gzip import re_accepts_gzip
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from countries.models import Country, name_sort_key
from countries.world_map import file_size, geometry
from practices.cache import cached
from practices.export_workbook import CONTENT_TYPE as XLSX
from practices.export_workbook import workbook_bytes
from practices.languages import localized
from practices.models import (
    Currency,
    OutcomeMetric,
    Practice,
    PracticeCountry,
    Source,
    Theme,
    currency_cutoff,
    group_by_role,
)

from . import citation, coverage_views
from . import coverage as cov
from .brief.content import Reference
from .export import COLUMNS as EXPORT_COLUMNS
from .export import (
    CSV,
    JSON,
    Download,
    attachment,
    cover_rows,
    export_filename,
    export_stream,
)
from .facets import counts_for
from .filters import PracticeFilter, querystring, widenings
from .lang import follows_lang_parameter
from .numbers import whole_number
from .scorecard import MAX_RATING, scorecard

PAGE_SIZE = 25
PAGE_SIZES = (10, 25, 50, 100)
MAX_PAGE_SIZE = PAGE_SIZES[-1]


def home(request):
    published = Practice.objects.published()
    context = {
        **cached("home", (), lambda: home_counts(published)),
        "recent": published.with_card_data().order_by("-updated_at", Lower(localized("title")))[:6],
        "world": coverage_views.home_map(),
    }
    return render(request, "catalogue/home.html", context)


def home_counts(published) -> dict:
    return {
        "themes": list(Theme.objects.with_practice_counts()),
        "regions": cov.region_counts(),
        "practice_count": published.count(),
        "country_count": Country.objects.filter(practice_links__practice__in=published)
        .distinct()
        .count(),
        "metric_count": OutcomeMetric.objects.filter(practice__in=published).count(),
    }


def practice_list(request):
    clean = query_without_empty_values(request.GET)
    if clean is not None:
        return redirect(f"{request.path}?{clean}" if clean else request.path)
    filterset = PracticeFilter(request.GET, queryset=Practice.objects.published())
    page_size, notes = page_size_from(request.GET)
    params = filterset.params()
    total, facets, facets_html = cached_list_counts(filterset)
    # An empty list says which single change would give practices, instead of a bare "none".
    widened = (
        cached("widenings", (params, currency_cutoff()), lambda: widenings(filterset))
        if not total and any(name != "sort" for name, _value in params)
        else []
    )
    paginator = Paginator(filterset.sorted_qs().with_card_data(), page_size)
    paginator.count = total  # Paginator.count is a cached_property: no second COUNT query
    page, page_note = page_from(paginator, request.GET.get("page"))
    if page_size != PAGE_SIZE:
        params.append(("page_size", str(page_size)))
    context = {
        "filter": filterset,
        "page": page,
        "facets": facets,
        "facets_html": facets_html,
        "chips": filterset.chips(),
        "ignored": filterset.ignored(),
        "notes": [*notes, page_note] if page_note else notes,
        "params": params,
        "page_size": page_size,
        "page_sizes": PAGE_SIZES,
        "export_query": querystring(filterset.params()),
        "widenings": widened,
        "default_sort": "relevance" if filterset.query else "title",
        "default_page_size": PAGE_SIZE,
    }
    return render(request, "catalogue/practice_list.html", context)


def query_without_empty_values(query) -> str | None:
    """The query string without its empty values and default settings, or None if it has no
    empty value (nothing to clean).

    The form without JavaScript sends every field, filled or not (``?q=&sort=title&year_from=``):
    answered with a redirect to the same list at its short, shareable address. The script sends
    only what is filled and not a default, so it is never redirected.
    """
    pairs = [(name, value) for name, values in query.lists() for value in values]
    if all(value.strip() for _name, value in pairs):
        return None
    searching = any(name == "q" and value.strip() for name, value in pairs)
    defaults = {("sort", "relevance" if searching else "title"), ("page_size", str(PAGE_SIZE))}
    return urlencode([(n, v) for n, v in pairs if v.strip() and (n, v.strip()) not in defaults])


def cached_list_counts(filterset: PracticeFilter, compute=None):
    """``list_counts(filterset)``, from the cache when there.

    The count and the facets depend on the filters only, not on the page: cached together,
    with the facets' HTML (rendering them is a good part of the page's time), in each language.
    And on the day: a practice ages out of date (the currency facet) without being saved.
    ``warming`` fills the same entries ahead, with its own ``compute``.
    """
    key = (filterset.params(), currency_cutoff())
    return cached("list", key, compute or (lambda: list_counts(filterset)))


def list_counts(filterset: PracticeFilter):
    """How many practices the filters give, every facet's counts, and the facets' HTML.

    The total and the counts come from one statement (``facets.counts_for``).
    """
    total, facets = counts_for(filterset)
    return total, facets, render_facets(facets)


def render_facets(facets) -> str:
    return render_to_string("catalogue/_facets.html", {"facets": facets})


def page_size_from(data) -> tuple[int, list[str]]:
    """The page size asked for, clamped to 1..MAX_PAGE_SIZE, with a note when changed."""
    raw = (data.get("page_size") or "").strip()
    if not raw:
        return PAGE_SIZE, []
    size = whole_number(raw)
    if size is None or size < 1:
        return PAGE_SIZE, [
            _("Page size “%(v)s” is not a number of practices; showing %(n)s.")
            % {"v": raw[:20], "n": PAGE_SIZE}
        ]
    if size > MAX_PAGE_SIZE:
        return MAX_PAGE_SIZE, [_("A page shows at most %(n)s practices.") % {"n": MAX_PAGE_SIZE}]
    return size, []


def page_from(paginator, number):
    """The page asked for, or the nearest that exists, with a note when it did not."""
    # Read here, not by the paginator: its int() takes "٢" for page 2.
    page = paginator.get_page(whole_number(number))
    if number not in (None, "", str(page.number)):
        return page, _("There is no page “%(asked)s”; showing page %(n)s of %(total)s.") % {
            "asked": str(number)[:20],
            "n": page.number,
            "total": paginator.num_pages,
        }
    return page, None


@follows_lang_parameter
def export_csv(request):
    return _export(request, CSV, "text/csv; charset=utf-8")


@follows_lang_parameter
def export_json(request):
    return _export(request, JSON, "application/json; charset=utf-8")


def _export(request, kind, content_type):
    """The list page's rows (same query string, every page), streamed as a download."""
    filterset = PracticeFilter(request.GET, queryset=Practice.objects.published())
    # The site's address without the script prefix, which export_stream adds.
    base_url = request.build_absolute_uri("/").rstrip("/")
    chunks = export_stream(filterset.sorted_qs(), base_url, kind)
    # The query runs, and the first rows are read, before the response starts: a database
    # that cannot be reached gets the error page (503), not a 200 and a truncated file.
    first = list(islice(chunks, 2))
    compress = bool(re_accepts_gzip.search(request.headers.get("Accept-Encoding", "")))
    response = StreamingHttpResponse(Download(first, chunks, compress), content_type=content_type)
    patch_vary_headers(response, ["Accept-Encoding"])
    if compress:
        response["Content-Encoding"] = "gzip"
    # Today in the site's time zone, not the server's: the day the preparer downloaded it.
    filename = export_filename(filterset.params(), timezone.localdate(), kind)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    say_ignored(response, filterset)
    return response


def say_ignored(response, filterset) -> None:
    ignored = [f"{name}={value}" for name, value, _why in filterset.ignored()]
    if ignored:
        # The same values the list page would name as ignored, for scripts that check.
        response["X-Ignored-Filters"] = quote(", ".join(ignored), safe="=, ")


def practice_detail(request, slug):
    practice = get_object_or_404(Practice.objects.published().with_detail_data(), slug=slug)
    context = {
        "practice": practice,
        "country_groups": practice.links_by_role(),
        "related": practice.related(),
        "scorecard": scorecard(practice),
        "max_rating": MAX_RATING,
        "out_of_date": practice.may_be_out_of_date(),
        "currency_years": settings.CURRENCY_YEARS,
        **citation_context(request, practice),
    }
    return render(request, "catalogue/practice_detail.html", context)


def theme_detail(request, slug):
    theme = get_object_or_404(Theme, slug=slug)
    practices = (
        Practice.objects.published()
        .filter(themes=theme)
        .with_card_data()
        .order_by(Lower(localized("title")), "pk")
    )
    context = {"theme": theme, "practices": practices}
    return render(request, "catalogue/theme_detail.html", context)


def theme_list(request):
    themes = Theme.objects.with_practice_counts()
    context = {"themes": themes, "chart": cov.theme_chart(themes)}
    return render(request, "catalogue/theme_list.html", context)


def about(request):
    context = {
        "currency_years": settings.CURRENCY_YEARS,
        "currencies": Currency.choices,
        "out_of_date_url": reverse("practices:practice-list") + "?currency=out_of_date",
        "evidence_levels": Practice.EvidenceLevel.choices,
        "export_columns": EXPORT_COLUMNS,
        "roles": PracticeCountry.Role.choices,
        "sections": [
            (Practice.PaperSection(row["paper_section"]).label, row["n"])
            for row in Practice.objects.published()
            .exclude(paper_section="")
            .values("paper_section")
            .annotate(n=Count("id"))
            .order_by("paper_section")
        ],
        # The brief's reference style, shown on two of the paper's footnotes.
        "reference_examples": [
            Reference(n, s.citation, s.year, s.url, s.footnote)
            for n, s in enumerate(Source.objects.filter(footnote__in=(22, 27)), start=1)
        ],
        "submit_url": reverse("practices:submit"),
        "submitter_months": settings.SUBMITTER_DETAILS_MONTHS,
        "map_source": geometry().source,
        "map_kb": round(file_size() / 1024),
        "unevaluated": Practice.objects.published()
        .filter(evidence_level__in=["described", "outputs"])
        .count(),
    }
    return render(request, "catalogue/about.html", context)


def country_list(request):
    countries = cov.countries_with_practice_counts().order_by("region")
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
    return render(request, "catalogue/country_list.html", context)


def country_detail(request, iso2):
    country = get_object_or_404(Country, iso2=iso2.upper())
    practices = Practice.objects.published().for_country(country).with_card_data()
    practices = list(practices.order_by(Lower(localized("title")), "pk"))
    themes = list(Theme.objects.all())
    context = {
        "country": country,
        "by_role": group_by_role(practices, country),
        "practice_count": len(practices),
        "themes": themes,
        "role_table": cov.country_role_table(country, themes),
        "world": coverage_views.country_map(country),
    }
    return render(request, "catalogue/country_detail.html", context)


def country_alpha3(request, iso3):
    """An ISO alpha-3 code (/countries/mex/) leads, for good, to the one address of that country."""
    country = get_object_or_404(Country, iso3=iso3.upper())
    return redirect(country, permanent=True)


def practice_cite(request, slug, kind):
    """The practice's record as a citation file: BibTeX, RIS or CSL-JSON (``kind``)."""
    practice = get_object_or_404(Practice.objects.published().with_citation_data(), slug=slug)
    record = citation.citation_for(
        practice, request.build_absolute_uri(practice.get_absolute_url())
    )
    write = {"bib": citation.bibtex, "ris": citation.ris, "json": citation.csl_json}[kind]
    filename = citation.filename(practice.slug, kind)
    return attachment(write(record), citation.CONTENT_TYPES[kind], filename)


def citation_context(request, practice) -> dict:
    """The practice page's "Cite this practice" text and its schema.org description.

    The text is formatted by citeproc-py (a few milliseconds): kept in the cache until the data
    changes (``cached``: every committed change starts a new generation), for the practice as it
    was last saved, at this address, on this day (the citation says when it was consulted).
    """
    url = request.build_absolute_uri(practice.get_absolute_url())
    record = citation.citation_for(practice, url)
    key = (practice.pk, practice.updated_at.isoformat(), url, record.accessed.isoformat())
    text = cached("citation", key, lambda: str(citation.formatted(record)))
    return {
        "citation": mark_safe(text),  # noqa: S308 (formatted escapes the practice's text)
        "json_ld": citation.json_ld_script(citation.json_ld(practice, request.build_absolute_uri)),
    }


@follows_lang_parameter
def export_xlsx(request):
    """The list page's practices (same query string, every page) as an Excel workbook: a cover
    saying what was asked, the CSV's columns, and every figure as a number."""
    filterset = PracticeFilter(request.GET, queryset=Practice.objects.published())
    day = timezone.localdate()
    query = querystring(filterset.params())
    list_address = request.build_absolute_uri(reverse("practices:practice-list"))
    cover = cover_rows(filterset, f"{list_address}?{query}" if query else list_address)
    # The site's address without the script prefix, which the practices' paths have.
    base_url = request.build_absolute_uri("/").rstrip("/")
    # Built whole before the response starts (a zip's index comes last): a database that
    # cannot be reached gets the error page, not half a file.
    content = workbook_bytes(filterset.sorted_qs(), cover, base_url, day=day)
    response = attachment(content, XLSX, export_filename(filterset.params(), day, "xlsx"))
    say_ignored(response, filterset)
    return response
