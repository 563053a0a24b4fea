from django.urls import path, register_converter

from . import coverage_views, views
from .brief import views as brief_views
from .feeds import PracticeFeed
from .submit import views as submit_views


class ISO2Converter:
    """Two letters, either case: /countries/mx/. Anything but two or three letters (ISO3Converter)
    is a 404 before any query."""

    regex = "[A-Za-z]{2}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


class ISO3Converter(ISO2Converter):
    """Three letters, either case: /countries/mex/, an alpha-3 code, sent on to /countries/mx/."""

    regex = "[A-Za-z]{3}"


class RecordIdConverter:
    """A record's id: ASCII digits, few enough for the database's integer (a longer number is
    a 404, not an out-of-range error)."""

    regex = "[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value) -> str:
        return str(value)


class ShareTokenConverter(ISO2Converter):
    """A shared dossier's or a submission's token (``secrets.token_urlsafe``): anything else is
    a 404 before any query."""

    regex = "[A-Za-z0-9_-]{20,64}"


register_converter(ISO2Converter, "iso2")
register_converter(ISO3Converter, "iso3")
register_converter(RecordIdConverter, "id")
register_converter(ShareTokenConverter, "token")

app_name = "practices"

urlpatterns = [
    path("", views.home, name="home"),
    path("about/", views.about, name="about"),
    path("practices/", views.practice_list, name="practice-list"),
    path("practices/export.csv", views.export_csv, name="export-csv"),
    path("practices/export.json", views.export_json, name="export-json"),
    path("practices/brief/", brief_views.brief, name="brief"),
    path("practices/brief.pdf", brief_views.brief_file, {"kind": "pdf"}, name="brief-pdf"),
    path("practices/brief.docx", brief_views.brief_file, {"kind": "docx"}, name="brief-docx"),
    path("practices/feed.atom", PracticeFeed(), name="practice-feed"),
    path(
        "practices/<slug:slug>/cite.bib",
        views.practice_cite,
        {"kind": "bib"},
        name="practice-cite-bib",
    ),
    path(
        "practices/<slug:slug>/cite.ris",
        views.practice_cite,
        {"kind": "ris"},
        name="practice-cite-ris",
    ),
    path(
        "practices/<slug:slug>/cite.json",
        views.practice_cite,
        {"kind": "json"},
        name="practice-cite-json",
    ),
    path("practices/export.xlsx", views.export_xlsx, name="export-xlsx"),
    path("practices/<slug:slug>/", views.practice_detail, name="practice-detail"),
    path("themes/", views.theme_list, name="theme-list"),
    path("themes/<slug:slug>/", views.theme_detail, name="theme-detail"),
    path("coverage/", coverage_views.coverage, name="coverage"),
    path("coverage/map/", coverage_views.coverage_map, name="coverage-map"),
    path("coverage/corridors/", coverage_views.coverage_corridors, name="coverage-corridors"),
    path("coverage/evidence/", coverage_views.coverage_evidence, name="coverage-evidence"),
    # The call for practices: the public form, each submission's private status page, the calls.
    path("submit/", submit_views.submit, name="submit"),
    path("submit/status/<token:token>/", submit_views.status, name="submission-status"),
    path("submit/calls/<slug:slug>/", submit_views.call_detail, name="call-detail"),
    # Practices seen by country: the countries app holds the reference data, not these pages.
    path("countries/", views.country_list, name="country-list"),
    path("countries/<iso2:iso2>/", views.country_detail, name="country-detail"),
    path("countries/<iso3:iso3>/", views.country_alpha3, name="country-alpha3"),
    # A dossier (a saved brief): its owner's page, and its read-only page for whoever has the
    # link, each with its PDF, Word file and Excel workbook.
    path("dossiers/<id:pk>/", brief_views.dossier, name="dossier"),
    path(
        "dossiers/<id:pk>/brief.pdf", brief_views.dossier_file, {"kind": "pdf"}, name="dossier-pdf"
    ),
    path(
        "dossiers/<id:pk>/brief.docx",
        brief_views.dossier_file,
        {"kind": "docx"},
        name="dossier-docx",
    ),
    path("dossiers/<id:pk>/export.xlsx", brief_views.dossier_xlsx, name="dossier-xlsx"),
    path("dossiers/shared/<token:token>/", brief_views.dossier_shared, name="dossier-shared"),
    path(
        "dossiers/shared/<token:token>/brief.pdf",
        brief_views.dossier_shared_file,
        {"kind": "pdf"},
        name="dossier-shared-pdf",
    ),
    path(
        "dossiers/shared/<token:token>/brief.docx",
        brief_views.dossier_shared_file,
        {"kind": "docx"},
        name="dossier-shared-docx",
    ),
    path(
        "dossiers/shared/<token:token>/export.xlsx",
        brief_views.dossier_shared_xlsx,
        name="dossier-shared-xlsx",
    ),
]
