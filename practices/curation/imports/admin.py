"""Spreadsheet import and export in the practice admin (django-import-export).

A mixin, so it composes with the rest of the practice admin (history, workflow): it adds the
export page and a downloadable template, and replaces the library's import pages (which read
and then wrote the whole file inside two HTTP requests) with a job (``views``): the upload page
queues the file's preview for a background worker and sends the curator to the job's own page,
which shows its progress, then a summary to confirm, then the result.

Who may use them: ``practices.import_practice`` and ``practices.export_practice``
(``IMPORT_EXPORT_IMPORT_PERMISSION_CODE`` and ``..._EXPORT_...`` in settings). The file waits
between the preview and the confirmation in MEDIA_ROOT (``files``), which every app server and
worker must share.
"""

from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.urls import path
from django.views.decorators.http import require_POST
from import_export.admin import ImportExportMixin
from import_export.formats.base_formats import CSV, XLSX

from . import views
from .spreadsheet import template_dataset


class PracticeImportExportMixin(ImportExportMixin):
    export_formats = [CSV, XLSX]
    # With a byte-order mark, Excel reads the CSV as UTF-8 ("Côte d'Ivoire", not mojibake).
    to_encoding = "utf-8-sig"

    def get_urls(self):
        opts = self.opts
        name = f"{opts.app_label}_{opts.model_name}"
        view = self.admin_site.admin_view
        return [
            path(
                "import/template.csv",
                view(self.import_template_view),
                name=f"{name}_import_template",
            ),
            path(
                "import/<uuid:job_id>/",
                view(lambda request, job_id: views.job_page(self, request, job_id)),
                name=f"{name}_import_job",
            ),
            path(
                "import/<uuid:job_id>/confirm/",
                view(require_POST(lambda request, job_id: views.confirm(self, request, job_id))),
                name=f"{name}_import_job_confirm",
            ),
            path(
                "import/<uuid:job_id>/cancel/",
                view(require_POST(lambda request, job_id: views.cancel(self, request, job_id))),
                name=f"{name}_import_job_cancel",
            ),
            *super().get_urls(),
        ]

    def import_template_view(self, request):
        """The columns with one example row, as CSV with a byte-order mark (so that Excel
        reads it as UTF-8)."""
        if not self.has_import_permission(request):
            raise PermissionDenied
        response = HttpResponse(
            "\ufeff" + template_dataset().export("csv"), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = 'attachment; filename="practices-import-template.csv"'
        return response

    def import_action(self, request, **kwargs):
        """The upload page (``views.upload``): the import runs as a job."""
        return views.upload(self, request)

    def process_import(self, request, **kwargs):
        """The library's confirmation step, which an import job replaced: a form posted to it
        (from a page open since before, or forged) changes nothing and says so."""
        return views.old_confirmation(self, request)
