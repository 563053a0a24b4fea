"""What the spreadsheet import tests (test_import_*.py) share: files to upload, the admin's
import and export pages driven as a browser would (with the background worker run in-process
where a real one would pick the job up), and the database read back byte for byte and practice
by practice.

The fixtures they share (``media``, ``curator_client``) are in this folder's conftest.py.
"""

import csv
import hashlib
import io
from unittest import mock

import openpyxl
import tablib
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse
from django_tasks_db.management.commands.db_worker import Worker

from practices.curation.imports.resources import PracticeResource
from practices.curation.imports.spreadsheet import COLUMN_NAMES
from practices.curation.models import ImportJob
from practices.models import Practice

IMPORT_URL = reverse("admin:practices_practice_import")
CONFIRM_URL = reverse("admin:practices_practice_process_import")
EXPORT_URL = reverse("admin:practices_practice_export")
TEMPLATE_URL = reverse("admin:practices_practice_import_template")
CSV_FORMAT, XLSX_FORMAT = "0", "1"  # the order of PracticeAdmin's export formats
# The job runner's own tables, and the import's records: they record what happened by design.
BOOKKEEPING_TABLES = {
    "django_tasks_database_dbtaskresult",
    "curation_importjob",
    "curation_importrow",
}


def kept_files(media) -> list[str]:
    """Every file the imports keep in MEDIA_ROOT, as paths under imports/."""
    folder = media / "imports"
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


def job_url(job, action: str = "") -> str:
    name = f"admin:practices_practice_import_job{'_' + action if action else ''}"
    return reverse(name, kwargs={"job_id": job.pk})


def run_worker() -> int:
    """Run every queued task as ``manage.py db_worker --batch`` would (the same Worker), in
    this process and this test's transaction; returns how many ran.

    The worker checks its database connection between tasks (``close_old_connections``),
    which in a test's transaction would close it: that one call is left out."""
    worker = Worker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="test-worker",
        excluded_queue_names=[],
    )
    target = "django_tasks_db.management.commands.db_worker.close_old_connections"
    with mock.patch(target):
        worker.run()
    return worker._run_tasks


# -- files ----------------------------------------------------------------------------------


def row(slug: str = "new-help-desk", **cells) -> dict:
    """A valid row for a new practice, with ``cells`` changed."""
    values = {
        "slug": slug,
        "title": "Help desk for families of migrants",
        "summary": "A help desk for the families migrants leave behind.",
        "description": "Social workers advise the families of migrant workers.",
        "themes": "transnational-families; children",
        "coo": "PH",
        "cot": "",
        "cod": "IT; JP",
        "country_details": "JP COD: partner — Hosts the social workers",
        "coverage": "",
        "lead_organisation": "ph-owwa",
        "partners": "IOM; unicef",
        "target_groups": "children-left-behind",
        "stages": "pre-departure; return",
        "scope": "bilateral",
        "kind": "service",
        "gcm_objectives": "16; 3",
        "status": "ongoing",
        "evidence_level": "outputs",
        "evaluation_summary": "Outputs are reported; there is no evaluation.",
        "evaluation_source": "fn-27",
        "start_year": "2008",
        "end_year": "",
        "period_note": "Since 2008.",
        "paper_section": "",
        "paper_reference": "",
        "metrics": "Families assisted: about 17,000 families (2010) — Average per year\n"
        "Offices: more than 12 offices (2009) [source: fn-27]\n"
        "Share of women: 61.5 percent (2010)",
        "sources": "fn-27; fn-22",
    }
    values.update(cells)
    return values


def csv_bytes(rows: list[dict], columns=None, *, bom: bool = True, encoding="utf-8") -> bytes:
    columns = columns or list(rows[0])
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return ("\ufeff" if bom else "").encode(encoding) + out.getvalue().encode(encoding)


def xlsx_bytes(rows: list[dict], formulas: dict | None = None) -> bytes:
    """A workbook of ``rows``; ``formulas`` maps (row index, column) to a real formula."""
    book = openpyxl.Workbook()
    sheet = book.active
    columns = list(rows[0])
    sheet.append(columns)
    for values in rows:
        sheet.append([values[name] for name in columns])
    for (index, column), formula in (formulas or {}).items():
        sheet.cell(row=index + 2, column=columns.index(column) + 1).value = formula
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# -- the admin's pages -----------------------------------------------------------------------


def upload(client, content: bytes, name: str = "practices.csv"):
    """Post the file to the import page (its format is recognised from its content)."""
    return client.post(IMPORT_URL, {"import_file": SimpleUploadedFile(name, content)})


def preview(client, content: bytes, name: str = "practices.csv"):
    """Upload the file, let the worker read it, and open the job's page (or, when the upload
    itself was refused, the import page with its message)."""
    response = upload(client, content, name)
    if response.status_code != 302:
        return response
    run_worker()
    return client.get(response["Location"])


def job_of(response) -> ImportJob:
    return response.context["job"]


def confirm(client, response):
    """Confirm the previewed job of ``response`` and let the worker write it; the job's page
    after it."""
    job = job_of(response)
    posted = client.post(job_url(job, "confirm"))
    assert posted.status_code == 302, posted
    run_worker()
    return client.get(posted["Location"])


def import_file(client, content: bytes, name: str = "practices.csv"):
    response = preview(client, content, name)
    assert response.status_code == 200
    assert job_of(response).state == ImportJob.State.PREVIEWED, shown_messages(response)
    confirmed = confirm(client, response)
    assert job_of(confirmed).state == ImportJob.State.IMPORTED, shown_messages(confirmed)
    return confirmed


def page_text(response) -> str:
    return response.content.decode()


def messages(result) -> list[str]:
    """Every message of an import's result: about the file, then row by row."""
    found = [str(error.error) for error in result.base_errors]
    for invalid in result.invalid_rows:
        found += [m for ms in invalid.error_dict.values() for m in ms]
    for number, errors in result.row_errors():
        found += [f"{number}: {error.error}" for error in errors]
    return found


def shown_messages(response) -> list[str]:
    """The messages an import page shows: about the upload, or the job's own (about the file,
    then row by row)."""
    if "form" in response.context:
        return [str(m) for errors in response.context["form"].errors.values() for m in errors]
    job = job_of(response)
    found = [job.message] if job.message else []
    for row in job.rows.in_summary_order():
        if row.section == row.Section.ERROR:
            found += [message for _column, message in row.details]
    return found


def export(client, fmt: str = CSV_FORMAT) -> bytes:
    fields = {f"practiceresource_{name}": "on" for name in COLUMN_NAMES}
    response = client.post(EXPORT_URL, {"format": fmt, "resource": "0", **fields})
    assert response.status_code == 200, response.content[:500]
    return response.content


# -- the database, byte for byte ------------------------------------------------------------


def fingerprint() -> dict[str, tuple[int, str]]:
    """Every table's row count and a checksum of its rows, read in primary-key order; but the
    job runner's and the import jobs' own tables, which record each import by design."""
    tables = {}
    with connection.cursor() as cursor:
        for table in sorted(set(connection.introspection.table_names(cursor)) - BOOKKEEPING_TABLES):
            quoted = connection.ops.quote_name(table)
            cursor.execute(f"SELECT * FROM {quoted} ORDER BY 1")  # noqa: S608 (table names)
            rows = cursor.fetchall()
            digest = hashlib.sha256(repr(rows).encode()).hexdigest()
            tables[table] = (len(rows), digest)
    return tables


# -- a practice, field by field ---------------------------------------------------------------

NOT_IMPORTED = {
    "id",
    "publication_state",
    "state_changed_at",
    "state_changed_by",
    "created_at",
    "updated_at",
    "search_text",
    "search_vector",
}


def snapshot(practice: Practice) -> dict:
    """Everything the spreadsheet carries about a practice, by natural key."""
    languages = {
        f"{name}_{code}"
        for name in ("title", "summary", "description")
        for code in ["en", "fr", "es"]
    }
    languages |= {"origin_fr", "origin_es"}
    fields = {
        f.attname: getattr(practice, f.attname)
        for f in Practice._meta.concrete_fields
        if f.attname not in NOT_IMPORTED | languages and not f.is_relation
    }
    # The French and Spanish words, where the practice has some.
    translated = {
        name: getattr(practice, name)
        for name in sorted(languages)
        if not name.endswith("_en") and getattr(practice, name)
    }
    return {
        **fields,
        **({"translations": translated} if translated else {}),
        "lead_organisation": practice.lead_organisation and practice.lead_organisation.slug,
        "evaluation_source": practice.evaluation_source and practice.evaluation_source.key,
        "themes": sorted(practice.themes.values_list("slug", flat=True)),
        "partners": sorted(practice.partners.values_list("slug", flat=True)),
        "target_groups": sorted(practice.target_groups.values_list("slug", flat=True)),
        "stages": sorted(practice.stages.values_list("slug", flat=True)),
        "gcm_objectives": sorted(practice.gcm_objectives.values_list("number", flat=True)),
        "sources": sorted(practice.sources.values_list("key", flat=True)),
        "countries": sorted(
            practice.country_links.values_list("country__iso2", "role", "involvement", "note")
        ),
        "metrics": [
            (
                m.label,
                m.value,
                m.qualifier,
                m.unit,
                m.year,
                m.comparison_note,
                m.source_id,
                m.position,
            )
            for m in practice.metrics.order_by("position", "pk")
        ],
    }


def everything() -> dict[str, dict]:
    return {p.slug: snapshot(p) for p in Practice.objects.order_by("slug")}


# -- the resource on its own ------------------------------------------------------------------


def run(rows, columns=None, dry_run=False, **kwargs):
    dataset = tablib.Dataset().load(csv_bytes(rows, columns).decode("utf-8-sig"), format="csv")
    return PracticeResource().import_data(dataset, dry_run=dry_run, **kwargs)
