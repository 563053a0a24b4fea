"""Spreadsheet import and export in the practice admin (django-import-export).

A mixin, so it composes with the rest of the practice admin (history, workflow): it adds the
import and export pages, a downloadable template, and what the library leaves to the project:
messages a curator can act on when a file cannot be read, the preview file removed when the
preview fails, and an import that fails at the confirm step reported as a failure (the
library would announce "Import finished" over a rolled-back import).

Who may use them: ``practices.import_practice`` and ``practices.export_practice``
(``IMPORT_EXPORT_IMPORT_PERMISSION_CODE`` and ``..._EXPORT_...`` in settings). The file kept
between the preview and the confirmation is in the default storage (MEDIA_ROOT), which every
app server must share, not in one server's temp folder.
"""

import csv
import zipfile

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.translation import gettext as _
from import_export.admin import ImportExportMixin
from import_export.formats.base_formats import CSV, XLSX
from import_export.results import RowResult
from tablib import InvalidDimensions

from .spreadsheet import COLUMNS, FormulaAwareXLSX, SpreadsheetCSV, template_dataset


def read_error_message(error: Exception, format_name: str) -> str:
    """Why a file could not be read at all, and what to do about it."""
    if isinstance(error, UnicodeDecodeError):
        return _(
            "The file is not UTF-8 text (byte %(byte)s at position %(position)s cannot be read "
            "as UTF-8). In your spreadsheet choose “Save as”, “CSV UTF-8”, and upload that file; "
            "or upload the workbook itself as XLSX."
        ) % {"byte": f"0x{error.object[error.start]:02x}", "position": error.start}
    if format_name == "XLSX" and (
        isinstance(error, zipfile.BadZipFile | KeyError | OSError)
        or type(error).__name__ == "InvalidFileException"
    ):
        return _(
            "The file is not an Excel workbook (.xlsx). If it is a CSV file, choose the CSV "
            "format; an old .xls workbook must first be saved as .xlsx."
        )
    if isinstance(error, InvalidDimensions):
        return _(
            "Some rows have more cells than the header row has columns: check that the file is "
            "one table with a single header row, its cells separated by commas or semicolons."
        )
    if isinstance(error, csv.Error):
        return _("The file is not a CSV table that can be read (%(error)s).") % {"error": error}
    return _(
        "The file could not be read as %(format)s (%(error)s). Check that you chose the "
        "file's format, and that it is a table of practices with a header row."
    ) % {"format": format_name, "error": type(error).__name__}


class PracticeImportExportMixin(ImportExportMixin):
    # CSV (UTF-8, with or without byte-order mark; commas or semicolons) and Excel workbooks,
    # whose formulas are read as formulas, to be refused.
    import_formats = [SpreadsheetCSV, FormulaAwareXLSX]
    export_formats = [CSV, XLSX]
    # With a byte-order mark, Excel reads the CSV as UTF-8 ("Côte d'Ivoire", not mojibake).
    to_encoding = "utf-8-sig"
    import_template_name = "curation/practice_import.html"

    # -- the template file -------------------------------------------------------------------

    def get_urls(self):
        opts = self.opts
        return [
            path(
                "import/template.csv",
                self.admin_site.admin_view(self.import_template_view),
                name=f"{opts.app_label}_{opts.model_name}_import_template",
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

    def get_import_context_data(self, **kwargs):
        opts = self.opts
        context = super().get_import_context_data(**kwargs)
        context["import_columns"] = COLUMNS
        context["import_template_url"] = reverse(
            f"{self.admin_site.name}:{opts.app_label}_{opts.model_name}_import_template"
        )
        return context

    # -- the preview -------------------------------------------------------------------------

    def add_data_read_fail_error_to_form(self, form, e):
        format_index = form.cleaned_data.get("format")
        formats = self.get_import_formats()
        try:
            format_name = formats[int(format_index)]().get_title().upper()
        except (TypeError, ValueError, IndexError):
            format_name = "?"
        form.add_error("import_file", read_error_message(e, format_name))

    def import_action(self, request, **kwargs):
        response = super().import_action(request, **kwargs)
        # The upload is kept for the confirm step; when the preview failed there is none, and
        # the library would leave the file in the storage for good.
        upload = request.FILES.get("import_file")
        name = getattr(upload, "tmp_storage_name", None)
        context = getattr(response, "context_data", None) or {}
        if name and not context.get("confirm_form"):
            storage = self.get_tmp_storage_class()(name=name, **self.get_tmp_storage_class_kwargs())
            storage.remove()
        return response

    # -- the confirmation --------------------------------------------------------------------

    def process_result(self, result, request):
        if result.has_errors() or result.has_validation_errors():
            # The data changed since the preview (a theme deleted, a slug taken): the import
            # was rolled back, and nothing was written.
            messages.error(
                request,
                _(
                    "Nothing was imported: the file no longer passes the checks it passed in "
                    "the preview. Upload it again to see why."
                ),
            )
            opts = self.opts
            return HttpResponseRedirect(
                reverse(f"{self.admin_site.name}:{opts.app_label}_{opts.model_name}_import")
            )
        return super().process_result(result, request)

    def add_success_message(self, result, request):
        totals = result.totals
        messages.success(
            request,
            _(
                "Import finished: %(new)s new practices, drafts for review; %(changed)s "
                "changed, back to draft if they were in review or published; %(unchanged)s "
                "unchanged."
            )
            % {
                "new": totals[RowResult.IMPORT_TYPE_NEW],
                "changed": totals[RowResult.IMPORT_TYPE_UPDATE],
                "unchanged": totals[RowResult.IMPORT_TYPE_SKIP],
            },
        )
