"""The brief as a PDF: WeasyPrint lays out the brief's own page (document.html) with its print
stylesheet (static/css/brief.css: A4, page numbers, the shipped fonts).

Nothing is fetched over the network: the only resources the document loads are the site's own
static files, read from disk by ``StaticFiles``; any other address is refused.
"""

import functools
import mimetypes
import os
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.exceptions import SuspiciousFileOperation
from django.template.loader import render_to_string

from .content import Brief

CONTENT_TYPE = "application/pdf"


class PdfUnavailable(Exception):
    """This machine cannot lay out a PDF: WeasyPrint's system libraries (Pango) are missing."""


def weasyprint():
    """The WeasyPrint module. Importing it loads the system's Pango library, which a machine
    may lack: the brief's page and its Word and Excel files work without it, the PDF cannot,
    and says why (``PdfUnavailable``) instead of failing every page that imports this one."""
    try:
        import weasyprint
        import weasyprint.urls
    except OSError as error:  # cffi: "cannot load library 'libpango-1.0-0'"
        raise PdfUnavailable(str(error)) from error
    return weasyprint


@functools.cache
def static_files():
    """A WeasyPrint URL fetcher that gives the site's static files from disk, and refuses
    every other address."""
    urls = weasyprint().urls

    class StaticFiles(urls.URLFetcher):
        def fetch(self, url, headers=None):
            # STATIC_URL may follow a script prefix (/kb/static/...): the name follows it.
            prefix = urlsplit(settings.STATIC_URL).path
            path = urlsplit(url).path
            if prefix not in path:
                raise ValueError(f"the brief loads only the site's static files, not {url}")
            found = static_file(path.split(prefix, 1)[1])
            if not found:
                raise ValueError(f"no static file {path}")
            with open(found, "rb") as file:
                body = file.read()
            content_type = mimetypes.guess_type(found)[0] or "application/octet-stream"
            return urls.URLFetcherResponse(url, body, {"Content-Type": content_type})

    return StaticFiles()


def static_file(name: str) -> str | None:
    """The file on disk of the static file ``name``: collected (a hashed name, in production)
    or still in the app's folder (in development and the tests)."""
    try:
        collected = staticfiles_storage.path(name)
    except NotImplementedError:  # a storage without files on this machine
        collected = None
    except SuspiciousFileOperation:  # ../ out of the static files
        return None
    if collected and os.path.isfile(collected):
        return collected
    return finders.find(name)


def brief_pdf(brief: Brief, base_url: str) -> bytes:
    """``brief`` as a PDF; ``base_url`` is the site's address (its links are absolute).

    Raises ``PdfUnavailable`` on a machine without WeasyPrint's system libraries."""
    html = render_to_string("catalogue/brief/document.html", {"brief": brief})
    document = weasyprint().HTML(string=html, base_url=base_url, url_fetcher=static_files())
    return document.write_pdf()
