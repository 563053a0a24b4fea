"""The roundtable brief's pages and files, and the dossiers that keep a brief by name.

A list's brief (``brief``, and as a file ``brief_file``) takes the list page's query string;
a dossier's owner page and its read-only shared page give the same brief and files, of the
dossier's practices (``of_dossier``). Their URLs are in ``catalogue/urls.py``.
"""

from datetime import date
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

from practices.export_workbook import CONTENT_TYPE as XLSX
from practices.models import Dossier, Practice

from ..export import attachment, export_filename
from ..filters import PracticeFilter, querystring
from ..lang import follows_lang_parameter
from ..private import private
from . import pdf, word
from .files import BriefFile
from .of_dossier import dossier_brief, dossier_workbook
from .of_list import brief_of_list
from .pdf import PdfUnavailable


@follows_lang_parameter
def brief(request):
    """The list's roundtable brief, to read, print or download (same query string as the list,
    and ``countries`` for the countries the preparer names, in order)."""
    filterset = PracticeFilter(request.GET, queryset=Practice.objects.published())
    countries_text = _countries_text(request)
    made = brief_of_list(filterset, countries_text, timezone.localdate())
    params = filterset.params()
    extra = [("countries", countries_text)] if countries_text else []
    context = {
        "brief": made,
        "params": params,
        "query": querystring(params),
        "full_query": querystring(params + extra),
        "countries_text": countries_text,
        "save_dossier_url": _save_dossier_url(request, params, countries_text),
    }
    return render(request, "catalogue/brief/page.html", context)


def _save_dossier_url(request, params, countries_text: str) -> str:
    """The admin's form for a new dossier, filled with this brief's filter and countries; for
    signed-in users who may make dossiers."""
    if not request.user.has_perm("practices.add_dossier"):
        return ""
    initial = {"query": querystring(params), "countries": countries_text}
    return reverse("admin:practices_dossier_add") + "?" + urlencode(initial)


@follows_lang_parameter
def brief_file(request, kind: str):
    """The list's brief as a PDF or Word file (``kind``, given by the URL)."""
    return _brief_file(request, kind)


BRIEF_TYPES = {"pdf": pdf.CONTENT_TYPE, "docx": word.CONTENT_TYPE}


def _brief_file(request, kind: str) -> HttpResponse:
    """The list's brief as a file (``kind``: pdf or docx): the one kept for this list and data
    if there is one (``brief.files``), else made now, or by the worker for a long list while a
    page says so and reloads until the file is there."""
    filterset = PracticeFilter(request.GET, queryset=Practice.objects.published())
    countries_text = _countries_text(request)
    spec = BriefFile.of_request(request, kind, filterset, countries_text)
    filename = export_filename(filterset.params(), date.fromisoformat(spec.day), kind, "gfmd-brief")
    try:
        if kind == "pdf":
            pdf.weasyprint()  # the worker could not make it either: say so now
        if spec.keepable and spec.path.exists():
            # A megabyte or two at most (a 500-practice PDF): read whole, like one made now.
            return attachment(spec.path.read_bytes(), BRIEF_TYPES[kind], filename)
        count = filterset.qs.count()
        if spec.made_in_request(count):
            body = spec.make()
            if spec.keepable:
                spec.save(body)
            return attachment(body, BRIEF_TYPES[kind], filename)
    except PdfUnavailable:
        # Said, not a 500: the brief's page, Word and Excel files still work.
        context = {
            "page_url": _with_query("practices:brief", spec.query, countries_text),
            "docx_url": _with_query("practices:brief-docx", spec.query, countries_text),
            "xlsx_url": _with_query("practices:export-xlsx", spec.query),
        }
        return render(request, "catalogue/brief/pdf_unavailable.html", context, status=503)
    spec.queue()
    context = {
        "kind": kind,
        "count": count,
        "brief_url": _with_query("practices:brief", spec.query, countries_text),
    }
    return render(request, "catalogue/brief/preparing.html", context, status=202)


def _with_query(name: str, query: str, countries_text: str = "") -> str:
    """The address of ``name`` with the list's query string (and the countries named)."""
    if countries_text:
        query = "&".join(part for part in (query, urlencode({"countries": countries_text})) if part)
    return reverse(name) + (f"?{query}" if query else "")


def _countries_text(request) -> str:
    """The countries the preparer names, as typed (spaces collapsed, bounded)."""
    return " ".join(request.GET.get("countries", "").split())[:300]


# -- dossiers: a preparer's saved briefs (practices.models.Dossier), edited in the admin ----------


@login_required
@follows_lang_parameter
def dossier(request, pk):
    """The owner's page of a dossier: its brief, its files and the state of its shared link."""
    saved = _own_dossier(request, pk)
    made = dossier_brief(saved, public=_published_only(request), day=timezone.localdate())
    shared_url = ""
    if saved.is_shared:
        shared_url = request.build_absolute_uri(_shared_path(saved, "dossier-shared"))
    context = {
        "brief": made,
        "dossier": saved,
        "owner_view": True,
        "shared_url": shared_url,
        "pdf_url": reverse("practices:dossier-pdf", args=[saved.pk]),
        "docx_url": reverse("practices:dossier-docx", args=[saved.pk]),
        "xlsx_url": reverse("practices:dossier-xlsx", args=[saved.pk]),
        "edit_url": reverse("admin:practices_dossier_change", args=[saved.pk]),
        "share_url": reverse("admin:practices_dossier_share", args=[saved.pk]),
        "dossiers_url": reverse("admin:practices_dossier_changelist"),
    }
    return private(render(request, "catalogue/dossier/page.html", context))


@login_required
@follows_lang_parameter
def dossier_file(request, pk, kind: str):
    """The owner's dossier as a PDF or Word brief (``kind``, given by the URL)."""
    saved = _own_dossier(request, pk)
    return _dossier_file(
        request, saved, kind, public=_published_only(request), page_url=_owner_path(saved)
    )


@follows_lang_parameter
def dossier_shared(request, token):
    """A dossier's read-only page for whoever has its link: published practices only."""
    saved = get_object_or_404(Dossier.objects.shared(), share_token=token)
    made = dossier_brief(saved, public=True, day=timezone.localdate())
    context = {
        "brief": made,
        "dossier": saved,
        "owner_view": False,
        "pdf_url": _shared_path(saved, "dossier-shared-pdf"),
        "docx_url": _shared_path(saved, "dossier-shared-docx"),
        "xlsx_url": _shared_path(saved, "dossier-shared-xlsx"),
    }
    return private(render(request, "catalogue/dossier/page.html", context))


@follows_lang_parameter
def dossier_shared_file(request, token, kind: str):
    """A shared dossier's PDF or Word brief: published practices only."""
    saved = get_object_or_404(Dossier.objects.shared(), share_token=token)
    page_url = _shared_path(saved, "dossier-shared")
    return _dossier_file(request, saved, kind, public=True, page_url=page_url)


@login_required
@follows_lang_parameter
def dossier_xlsx(request, pk):
    saved = _own_dossier(request, pk)
    return _dossier_workbook(request, saved, public=_published_only(request))


@follows_lang_parameter
def dossier_shared_xlsx(request, token):
    saved = get_object_or_404(Dossier.objects.shared(), share_token=token)
    return _dossier_workbook(request, saved, public=True)


def _dossier_workbook(request, saved: Dossier, *, public: bool) -> HttpResponse:
    """The dossier's practices as the list's Excel workbook: a cover naming the dossier."""
    day = timezone.localdate()
    body = dossier_workbook(saved, public=public, day=day, base_url=request.build_absolute_uri("/"))
    return private(attachment(body, XLSX, _dossier_filename(saved, day, "xlsx")))


# The files a dossier is written as from its brief: (renderer, content type) by extension.
DOSSIER_FILES = {
    "pdf": (pdf.brief_pdf, pdf.CONTENT_TYPE),
    "docx": (word.brief_docx, word.CONTENT_TYPE),
}


def _dossier_file(
    request, saved: Dossier, extension: str, *, public: bool, page_url: str
) -> HttpResponse:
    """The dossier as a file, made now: a dossier is a roundtable's few dozen practices, not
    a whole list, so it is not queued to the worker as a long list's brief is."""
    write, content_type = DOSSIER_FILES[extension]
    made = dossier_brief(saved, public=public, day=timezone.localdate())
    try:
        body = write(made, request.build_absolute_uri("/"))
    except PdfUnavailable:
        # Said, not a 500: the page and its Word and Excel files still work.
        context = {
            "private": True,
            "page_url": page_url,
            "docx_url": page_url + "brief.docx",
            "xlsx_url": page_url + "export.xlsx",
        }
        page = render(request, "catalogue/brief/pdf_unavailable.html", context, status=503)
        return private(page)
    filename = _dossier_filename(saved, made.date, extension)
    return private(attachment(body, content_type, filename))


def _dossier_filename(saved: Dossier, day, extension: str) -> str:
    """gfmd-dossier-<its title>-<day>.<extension>"""
    name = "-".join(part for part in ("gfmd-dossier", slugify(saved.title)[:60]) if part)
    return f"{name}-{day:%Y-%m-%d}.{extension}"


def _own_dossier(request, pk) -> Dossier:
    """The dossier ``pk`` if it is the signed-in user's (any, for a superuser), else a 404:
    another user's dossier is not said to exist."""
    if not request.user.has_perm("practices.view_dossier"):
        raise Http404
    return get_object_or_404(Dossier.objects.owned_by(request.user), pk=pk)


def _published_only(request) -> bool:
    """Whether the owner's page leaves unpublished practices out: unless the user may see
    them in the admin, where they are shown flagged."""
    return not request.user.has_perm("practices.view_practice")


def _owner_path(saved: Dossier) -> str:
    return reverse("practices:dossier", args=[saved.pk])


def _shared_path(saved: Dossier, name: str) -> str:
    return reverse(f"practices:{name}", args=[saved.share_token])
