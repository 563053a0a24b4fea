"""Spreadsheet import and export in the admin: a file in, drafts out, and nothing half done.

Driven through the real admin pages (preview, then confirmation) as a curator, plus the
resource on its own. Every bad file must leave the database byte-for-byte as it was: each such
test checksums every table before and after.
"""

import csv
import hashlib
import io
import os
from decimal import Decimal

import openpyxl
import pytest
import tablib
from django.contrib.auth.models import Group, Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse
from django.utils.html import escape

from countries.models import Country
from practices.import_widgets import format_metric, parse_metric
from practices.models import OutcomeMetric, Practice, PracticeCountry, Source, Theme
from practices.resources import PracticeResource
from practices.spreadsheet import COLUMN_NAMES, EXAMPLE_ROW, REQUIRED_COLUMNS

from .conftest import make_practice

pytestmark = pytest.mark.django_db

IMPORT_URL = reverse("admin:practices_practice_import")
CONFIRM_URL = reverse("admin:practices_practice_process_import")
EXPORT_URL = reverse("admin:practices_practice_export")
TEMPLATE_URL = reverse("admin:practices_practice_import_template")
CSV_FORMAT, XLSX_FORMAT = "0", "1"  # the order of PracticeAdmin's import and export formats


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    """Each test its own MEDIA_ROOT, where the file between preview and confirmation waits."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def curator_client(client, curator):
    client.force_login(curator)
    return client


def kept_files(media) -> list[str]:
    folder = media / "django-import-export"
    return sorted(os.listdir(folder)) if folder.exists() else []


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


def preview(client, content: bytes, name: str = "practices.csv", fmt: str = CSV_FORMAT):
    upload = SimpleUploadedFile(name, content)
    return client.post(IMPORT_URL, {"import_file": upload, "format": fmt, "resource": "0"})


def confirm(client, response):
    data = response.context["confirm_form"].initial
    return client.post(CONFIRM_URL, data)


def import_file(client, content: bytes, name: str = "practices.csv", fmt: str = CSV_FORMAT):
    response = preview(client, content, name, fmt)
    assert response.status_code == 200
    assert response.context.get("confirm_form") is not None, page_text(response)
    confirmed = confirm(client, response)
    assert confirmed.status_code == 302
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
    """The messages an import page shows: about the upload, and the import's own."""
    found = [str(m) for m in response.context["form"].errors.get("import_file", [])]
    result = response.context.get("result")
    return found + (messages(result) if result else [])


def export(client, fmt: str = CSV_FORMAT) -> bytes:
    fields = {f"practiceresource_{name}": "on" for name in COLUMN_NAMES}
    response = client.post(EXPORT_URL, {"format": fmt, "resource": "0", **fields})
    assert response.status_code == 200, response.content[:500]
    return response.content


# -- the database, byte for byte ------------------------------------------------------------


def fingerprint() -> dict[str, tuple[int, str]]:
    """Every table's row count and a checksum of its rows, read in primary-key order."""
    tables = {}
    with connection.cursor() as cursor:
        for table in sorted(connection.introspection.table_names(cursor)):
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
    fields = {
        f.attname: getattr(practice, f.attname)
        for f in Practice._meta.concrete_fields
        if f.attname not in NOT_IMPORTED and not f.is_relation
    }
    return {
        **fields,
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


# -- importing through the admin --------------------------------------------------------------


def test_it_imports_a_csv_file_as_drafts_with_every_relation_and_figure(curator_client, curator):
    content = csv_bytes([row(), row("second-desk", cod="", country_details="", metrics="")])
    response = import_file(curator_client, content, "desks.csv")

    assert response["Location"] == reverse("admin:practices_practice_changelist")
    practice = Practice.objects.get(slug="new-help-desk")
    assert practice.publication_state == Practice.PublicationState.DRAFT
    assert practice.state_changed_by == curator
    assert snapshot(practice) | {"metrics": None} == {
        "title": "Help desk for families of migrants",
        "slug": "new-help-desk",
        "summary": "A help desk for the families migrants leave behind.",
        "description": "Social workers advise the families of migrant workers.",
        "coverage": "",
        "scope": "bilateral",
        "kind": "service",
        "start_year": 2008,
        "end_year": None,
        "period_note": "Since 2008.",
        "status": "ongoing",
        "evidence_level": "outputs",
        "evaluation_summary": "Outputs are reported; there is no evaluation.",
        "paper_section": "",
        "paper_reference": "",
        "lead_organisation": "ph-owwa",
        "evaluation_source": "fn-27",
        "themes": ["children", "transnational-families"],
        "partners": ["iom", "unicef"],
        "target_groups": ["children-left-behind"],
        "stages": ["pre-departure", "return"],
        "gcm_objectives": [3, 16],
        "sources": ["fn-22", "fn-27"],
        "countries": [
            ("IT", "COD", "implementing", ""),
            ("JP", "COD", "partner", "Hosts the social workers"),
            ("PH", "COO", "implementing", ""),
        ],
        "metrics": None,
    }
    fn27 = Source.objects.get(key="fn-27").pk
    assert snapshot(practice)["metrics"] == [
        (
            "Families assisted",
            Decimal("17000"),
            "about",
            "families",
            2010,
            "Average per year",
            None,
            1,
        ),
        ("Offices", Decimal("12"), "more_than", "offices", 2009, "", fn27, 2),
        ("Share of women", Decimal("61.5"), "exact", "percent", 2010, "", None, 3),
    ]
    second = Practice.objects.get(slug="second-desk")
    assert second.publication_state == Practice.PublicationState.DRAFT
    assert not second.metrics.exists()
    assert list(second.country_links.values_list("country__iso2", "role")) == [("PH", "COO")]


def test_it_imports_an_xlsx_workbook_the_same_way(curator_client):
    rows = [row(start_year=2008), row("second-desk", gcm_objectives=7, cod="", country_details="")]
    import_file(curator_client, xlsx_bytes(rows), "desks.xlsx", XLSX_FORMAT)

    practice = Practice.objects.get(slug="new-help-desk")
    assert practice.publication_state == Practice.PublicationState.DRAFT
    assert practice.start_year == 2008
    assert practice.metrics.count() == 3
    assert practice.country_links.count() == 3
    second = Practice.objects.get(slug="second-desk")
    assert list(second.gcm_objectives.values_list("number", flat=True)) == [7]


def test_a_csv_file_without_byte_order_mark_imports_too(curator_client):
    import_file(curator_client, csv_bytes([row(title="Côte d’Ivoire desk")], bom=False))
    assert Practice.objects.get(slug="new-help-desk").title == "Côte d’Ivoire desk"


def test_a_csv_file_separated_by_semicolons_imports_too(curator_client):
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(row()), delimiter=";")
    writer.writeheader()
    writer.writerow(row(start_year="2008"))
    import_file(curator_client, out.getvalue().encode())
    practice = Practice.objects.get(slug="new-help-desk")
    assert sorted(practice.themes.values_list("slug", flat=True)) == [
        "children",
        "transnational-families",
    ]


def test_the_preview_writes_nothing_and_keeps_the_file_for_the_confirmation(curator_client, media):
    before = fingerprint()
    response = preview(curator_client, csv_bytes([row()]))

    assert response.status_code == 200
    assert response.context.get("confirm_form") is not None
    assert "New" in page_text(response)
    assert fingerprint() == before
    assert len(kept_files(media)) == 1
    confirm(curator_client, response)
    assert Practice.objects.filter(slug="new-help-desk").exists()
    assert kept_files(media) == [], "the confirmation removes the file it read"


def test_the_preview_tells_new_changed_and_unchanged_rows_apart(client, curator, reviewer):
    client.force_login(reviewer)
    exported = {
        r["slug"]: r for r in csv.DictReader(io.StringIO(export(client).decode("utf-8-sig")))
    }
    unchanged = exported["mx-child-protection-officers-opi"]
    changed = {**exported["ph-tulay-project"], "summary": "A new summary."}
    client.force_login(curator)
    response = preview(client, csv_bytes([unchanged, changed, row()], COLUMN_NAMES))

    totals = response.context["result"].totals
    assert (totals["new"], totals["update"], totals["skip"]) == (1, 1, 1)
    text = page_text(response)
    assert "Unchanged" in text and "Changed" in text and "New" in text
    confirm(client, response)
    opi = Practice.objects.get(slug="mx-child-protection-officers-opi")
    tulay = Practice.objects.get(slug="ph-tulay-project")
    # Unchanged: not saved, still published. Changed: back to draft, for a reviewer.
    assert opi.publication_state == Practice.PublicationState.PUBLISHED
    assert not opi.history.exists()
    assert tulay.publication_state == Practice.PublicationState.DRAFT
    assert tulay.summary == "A new summary."


def test_the_preview_warns_of_a_practice_the_base_may_hold_already(curator_client):
    make_practice("existing-desk", countries=(("IT", "COD"),), title="Help desk for families")
    content = csv_bytes([row(title="Help Desk for Families"), row("other", title="Another")])

    response = preview(curator_client, content)

    assert response.context["result"].warnings == [
        "Row 2: “Help Desk for Families” may be the practice “Help desk for families” "
        "(existing-desk): the same title, and a country implements both. Import it only if it "
        "is a different practice."
    ]
    assert "may be the practice" in page_text(response)
    # A warning, not an error: the curator may still confirm.
    assert response.context.get("confirm_form") is not None


def test_history_records_each_imported_practice_with_its_user_and_file(curator_client, curator):
    import_file(curator_client, csv_bytes([row()]), "desks.csv")

    practice = Practice.objects.get(slug="new-help-desk")
    (entry,) = practice.history.all()
    assert (entry.history_type, entry.history_user, entry.history_change_reason) == (
        "+",
        curator,
        "Imported from desks.csv",
    )
    # The entry holds the final links, so the practice can be restored from it.
    assert sorted(link.theme.slug for link in entry.themes.all()) == [
        "children",
        "transnational-families",
    ]
    link_entries = PracticeCountry.history.filter(practice_id=practice.pk)
    assert {e.history_user for e in link_entries} == {curator}
    assert OutcomeMetric.history.filter(practice_id=practice.pk).count() == 3


# -- bad files: a clear message, and nothing changed --------------------------------------------


def latin1_file():
    latin = row(title="Côte d'Ivoire", country_details="", metrics="Offices: 3 offices (2010)")
    return csv_bytes([latin], bom=False, encoding="latin-1")


def formula_xlsx():
    return xlsx_bytes([row()], formulas={(0, "title"): '=HYPERLINK("http://x.example","click")'})


BAD_FILES = {
    "wrong encoding": (latin1_file, CSV_FORMAT, "not UTF-8"),
    "missing column": (
        lambda: csv_bytes([row()], [c for c in row() if c != "themes"]),
        CSV_FORMAT,
        "Required column(s) missing: themes",
    ),
    "unknown country code": (
        lambda: csv_bytes([row(coo="PH; XX")]),
        CSV_FORMAT,
        "Row 2, column coo: there is no country “XX”",
    ),
    "unknown theme": (
        lambda: csv_bytes([row(themes="children; healht")]),
        CSV_FORMAT,
        "Row 2, column themes: there is no theme “healht”",
    ),
    "year out of range": (
        lambda: csv_bytes([row(start_year="1700")]),
        CSV_FORMAT,
        "Row 2, column start_year: 1700 is not a year from 1900 to 2100",
    ),
    "duplicate slug": (
        lambda: csv_bytes([row("desk"), row("other"), row("desk")]),
        CSV_FORMAT,
        "Row 4, column slug: “desk” is also on row 2",
    ),
    "formula in a CSV cell": (
        lambda: csv_bytes([row(summary='=HYPERLINK("http://x.example")')]),
        CSV_FORMAT,
        "Row 2, column summary: the cell starts with “=”, so a spreadsheet would run it",
    ),
    "formula in a workbook": (
        formula_xlsx,
        XLSX_FORMAT,
        "Row 2, column title: the cell starts with “=”",
    ),
    "empty file": (lambda: b"", CSV_FORMAT, "The submitted file is empty."),
    "header only": (
        lambda: csv_bytes([row()])[: csv_bytes([row()]).index(b"\r\n") + 2],
        CSV_FORMAT,
        "No valid data to import",
    ),
    "10 MB of random bytes": (lambda: os.urandom(10 * 1024 * 1024), CSV_FORMAT, "not UTF-8"),
    "10 MB of random bytes as a workbook": (
        lambda: os.urandom(10 * 1024 * 1024),
        XLSX_FORMAT,
        "not an Excel workbook",
    ),
    "10 MB of random text": (
        lambda: random_text(10 * 1024 * 1024),
        CSV_FORMAT,
        "",  # any clear message; which one depends on where the junk puts commas
    ),
}


def random_text(size: int) -> bytes:
    alphabet = b"abcdefghij ,;\"'\n=+-0123456789"
    return bytes(alphabet[b % len(alphabet)] for b in os.urandom(size))


@pytest.mark.parametrize("case", BAD_FILES)
def test_a_bad_file_gets_a_clear_message_and_changes_nothing(curator_client, media, case):
    make_file, fmt, message = BAD_FILES[case]
    content = make_file()
    before = fingerprint()

    response = preview(
        curator_client, content, "bad.xlsx" if fmt == XLSX_FORMAT else "bad.csv", fmt
    )

    assert response.status_code == 200
    assert response.context.get("confirm_form") is None
    shown = " ".join(shown_messages(response))
    assert shown, "a message says what is wrong"
    assert message in shown
    assert all(m in page_text(response) for m in map(escape, shown_messages(response)))
    assert "Traceback" not in page_text(response)
    assert fingerprint() == before
    assert kept_files(media) == [], "a failed preview leaves no file behind"


def test_a_file_with_one_bad_row_imports_none_of_its_rows(curator_client):
    before = fingerprint()
    response = preview(curator_client, csv_bytes([row("good"), row("bad", kind="poem")]))

    assert "Row 3, column kind: “poem” is not a valid kind" in page_text(response)
    assert fingerprint() == before


def test_a_file_that_went_bad_between_preview_and_confirmation_writes_nothing(curator_client):
    response = preview(curator_client, csv_bytes([row("good"), row("also-good")]))
    Theme.objects.filter(slug="transnational-families").delete()
    before = fingerprint()

    confirmed = confirm(curator_client, response)

    assert confirmed.status_code == 302
    assert confirmed["Location"] == IMPORT_URL
    assert fingerprint() == before
    page = curator_client.get(IMPORT_URL)
    assert "Nothing was imported" in page_text(page)


# -- the round trip ---------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", [CSV_FORMAT, XLSX_FORMAT], ids=["csv", "xlsx"])
def test_exporting_every_practice_and_importing_the_file_gives_them_back(
    client, reviewer, curator, fmt
):
    # Beside the paper's practices, one with what a spreadsheet could spoil: text that reads
    # as a formula, a line break, decimals, a figure's source, a country in two roles.
    tricky = make_practice(
        "tricky-practice",
        countries=(("MX", "COO"), ("MX", "COT"), ("US", "COD")),
        title="=Not a formula; “quoted”, accented: Curaçao",
        description="-5 degrees\nSecond line, with a tab\there.",
        start_year=2001,
        end_year=2005,
        evaluation_source=Source.objects.get(key="fn-22"),
    )
    tricky.metrics.create(
        label="Share: of women", value=Decimal("12.25"), unit="percent", year=2004, position=1
    )
    tricky.metrics.create(
        label="Offices",
        value=Decimal("1234567"),
        qualifier="target",
        unit="offices (planned)",
        year=2005,
        comparison_note="Compared with 2004 — up",
        source=Source.objects.get(key="fn-27"),
        position=2,
    )
    link = tricky.country_links.get(role="COT")
    link.involvement, link.note = "context", "Transit; north-bound"
    link.save()
    expected = everything()

    client.force_login(reviewer)
    content = export(client, fmt)
    if fmt == CSV_FORMAT:
        assert content.startswith("\ufeff".encode()), "Excel reads it as UTF-8"
    # Empty the practice tables: practices and everything hanging off them; the reference
    # tables (countries, themes, organisations, sources ...) stay.
    Practice.objects.all().delete()
    assert not PracticeCountry.objects.exists() and not OutcomeMetric.objects.exists()

    client.force_login(curator)
    import_file(client, content, f"everything.{'xlsx' if fmt == XLSX_FORMAT else 'csv'}", fmt)

    assert everything() == expected
    assert set(Practice.objects.values_list("publication_state", flat=True)) == {"draft"}


def test_importing_an_export_again_changes_nothing(client, reviewer, curator):
    client.force_login(reviewer)
    content = export(client)
    client.force_login(curator)
    before = fingerprint()

    response = preview(client, content)
    totals = response.context["result"].totals
    assert (totals["new"], totals["update"]) == (0, 0)
    assert totals["skip"] == Practice.objects.count()
    confirm(client, response)

    changed = {t for t, v in fingerprint().items() if before[t] != v}
    # Only the admin's log and nothing else: no practice was saved.
    assert changed <= {"django_admin_log"}


# -- the template -------------------------------------------------------------------------------


def test_the_template_has_every_column_and_an_example_that_imports(curator_client):
    response = curator_client.get(TEMPLATE_URL)

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert list(rows[0]) == COLUMN_NAMES
    assert rows == [EXAMPLE_ROW]
    assert TEMPLATE_URL in page_text(curator_client.get(IMPORT_URL))

    import_file(curator_client, response.content)
    practice = Practice.objects.get(slug=EXAMPLE_ROW["slug"])
    assert practice.publication_state == Practice.PublicationState.DRAFT
    assert practice.metrics.count() == 2


# -- permissions ------------------------------------------------------------------------------


def test_a_curator_may_import_and_export(curator_client):
    assert curator_client.get(IMPORT_URL).status_code == 200
    assert curator_client.get(EXPORT_URL).status_code == 200
    page = page_text(curator_client.get(reverse("admin:practices_practice_changelist")))
    assert IMPORT_URL in page and EXPORT_URL in page


def test_without_the_import_permission_import_is_forbidden(curator_client):
    permission = Permission.objects.get(codename="import_practice")
    Group.objects.get(name="curator").permissions.remove(permission)

    assert curator_client.get(IMPORT_URL).status_code == 403
    assert curator_client.get(TEMPLATE_URL).status_code == 403
    assert preview(curator_client, csv_bytes([row()])).status_code == 403
    assert curator_client.post(CONFIRM_URL, {}).status_code == 403
    page = page_text(curator_client.get(reverse("admin:practices_practice_changelist")))
    assert IMPORT_URL not in page
    assert curator_client.get(EXPORT_URL).status_code == 200


def test_without_the_export_permission_export_is_forbidden(curator_client):
    permission = Permission.objects.get(codename="export_practice")
    Group.objects.get(name="curator").permissions.remove(permission)

    assert curator_client.get(EXPORT_URL).status_code == 403
    fields = {f"practiceresource_{name}": "on" for name in COLUMN_NAMES}
    response = curator_client.post(EXPORT_URL, {"format": "0", "resource": "0", **fields})
    assert response.status_code == 403


def test_a_user_outside_the_groups_cannot_import(client, outsider):
    client.force_login(outsider)
    for url in (IMPORT_URL, TEMPLATE_URL, EXPORT_URL):
        response = client.get(url)
        assert response.status_code in (302, 403)
        assert response.status_code == 403 or reverse("admin:login") in response["Location"]
    before = fingerprint()
    preview(client, csv_bytes([row()]))
    assert fingerprint() == before


def test_an_anonymous_user_is_sent_to_login(client):
    response = client.get(IMPORT_URL)
    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]


# -- the resource on its own ------------------------------------------------------------------


def run(rows, columns=None, dry_run=False, **kwargs):
    dataset = tablib.Dataset().load(csv_bytes(rows, columns).decode("utf-8-sig"), format="csv")
    return PracticeResource().import_data(dataset, dry_run=dry_run, **kwargs)


def test_an_unknown_partner_is_an_error_not_silently_dropped():
    result = run([row(partners="IOM; nobody-at-all; UNICEF")])
    assert messages(result) == [
        "Row 2, column partners: there is no organisation “nobody-at-all” (use the slug or the "
        "acronym shown in the admin's list of organisations)"
    ]
    assert not Practice.objects.filter(slug="new-help-desk").exists()


def test_an_acronym_shared_by_two_organisations_must_be_given_as_a_slug():
    from practices.models import Organisation

    for slug in ("xyz-one", "xyz-two"):
        Organisation.objects.create(slug=slug, name=slug, acronym="XYZ", kind="ngo")
    (message,) = messages(run([row(partners="XYZ")]))
    assert "“XYZ” names several organisations (xyz-one, xyz-two): use one of these" in message
    assert not messages(run([row(partners="xyz-two")]))


def test_every_problem_of_a_row_is_reported_at_once():
    found = messages(
        run([row(scope="worldwide", start_year="2010", end_year="2001", stages="transit; moon")])
    )
    assert found == [
        "Row 2, column scope: “worldwide” is not a valid scope: use one of unilateral, "
        "bilateral, regional, multilateral",
        "Row 2, column stages: there is no stage “moon” (known: destination, pre-departure, "
        "return, transit)",
        "Row 2, column end_year: the end year 2001 is before the start year 2010",
    ]


@pytest.mark.parametrize(
    ("cells", "expected"),
    [
        ({"themes": ""}, "Row 2, column themes: every practice needs at least one theme"),
        ({"title": ""}, "Row 2, column title: This field cannot be blank."),
        ({"slug": "not a slug"}, "Row 2, column slug: Enter a valid “slug”"),
        ({"start_year": "about 2009"}, "Row 2, column start_year: “about 2009” is not a year"),
        ({"gcm_objectives": "24"}, "Row 2, column gcm_objectives: there is no GCM objective “24”"),
        ({"sources": "fn-9999"}, "Row 2, column sources: there is no source “fn-9999”"),
        ({"lead_organisation": "UNHCRR"}, "Row 2, column lead_organisation: there is no"),
        ({"country_details": "FR COD: partner"}, "line 1: FR is not among the countries in"),
        ({"country_details": "JP COD: sponsor"}, "line 1: “JP COD: sponsor” is not written as"),
        ({"metrics": "Offices: 12 (2009)"}, "line 1: “Offices: 12 (2009)” is not a figure"),
        ({"metrics": "Offices: 12 offices (1700)"}, "line 1: year: Ensure this value is greater"),
        ({"metrics": "Offices: 1.234 offices (2009)"}, "line 1: value: Ensure that there are no"),
        (
            {"metrics": "A: 1 x (2009)\nA: 2 x (2009)"},
            "line 2: it has the label and year of line 1",
        ),
        ({"metrics": "A: 1 x (2009) [source: fn-0]"}, "line 1: there is no source “fn-0”"),
        ({"description": "@SUM(A1)"}, "column description: the cell starts with “@”"),
        ({"coverage": "\tleading tab"}, "column coverage: the cell starts with a tab"),
        ({"title": "nul\x00inside"}, "column title: the cell contains an invisible control"),
    ],
)
def test_row_errors_name_the_row_the_column_and_the_problem(cells, expected):
    before = Practice.objects.count()
    found = messages(run([row(**cells)]))
    assert any(expected in message for message in found), found
    assert Practice.objects.count() == before


def test_file_errors_name_the_columns():
    columns = [c for c in COLUMN_NAMES if c not in ("title", "kind")] + ["colour"]
    (message,) = messages(run([row(colour="red")], columns))
    assert "Unknown column(s): colour." in message
    assert "Required column(s) missing: title, kind." in message


def test_headers_are_read_as_a_person_types_them():
    rows = [{name.replace("_", " ").title(): value for name, value in row().items()}]
    result = run(rows)
    assert not messages(result)
    assert Practice.objects.get(slug="new-help-desk").start_year == 2008


def test_a_dry_run_rolls_everything_back():
    before = fingerprint()
    result = run([row()], dry_run=True)
    assert result.totals["new"] == 1
    assert fingerprint() == before


def test_an_import_leaves_optional_columns_it_lacks_as_they_are():
    practice = Practice.objects.get(slug="mx-child-protection-officers-opi")
    before = snapshot(practice)
    values = {
        "slug": practice.slug,
        "title": practice.title,
        "summary": "Shorter.",
        "description": practice.description,
        "themes": "; ".join(practice.themes.values_list("slug", flat=True)),
        "scope": practice.scope,
        "kind": practice.kind,
        "status": practice.status,
    }
    result = run([values], REQUIRED_COLUMNS)
    assert result.totals["update"] == 1, messages(result)
    after = snapshot(Practice.objects.get(pk=practice.pk))
    assert after == {**before, "summary": "Shorter."}


def test_archived_practices_stay_archived_when_an_import_changes_them():
    practice = make_practice("archived-one", publication_state="archived")
    values = {**row("archived-one"), "title": "Changed title"}
    run([values])
    assert Practice.objects.get(pk=practice.pk).publication_state == "archived"


def test_a_figure_reads_back_exactly_as_it_is_written():
    source = Source.objects.get(key="fn-27")
    metric = OutcomeMetric(
        label="Children: assisted",
        value=Decimal("17000.50"),
        qualifier="more_than",
        unit="children per year",
        year=2010,
        comparison_note="Compared with 2009 (up) — a record",
        source=source,
    )
    text = format_metric(metric)
    assert text == (
        "Children: assisted: more than 17,000.5 children per year (2010) — "
        "Compared with 2009 (up) — a record [source: fn-27]"
    )
    assert parse_metric(text) == {
        "label": "Children: assisted",
        "qualifier": "more_than",
        "value": Decimal("17000.5"),
        "unit": "children per year",
        "year": 2010,
        "comparison_note": "Compared with 2009 (up) — a record",
        "source_key": "fn-27",
    }
    # The public export's figures ("label: value unit (year)") read too.
    assert parse_metric("Recipients covered: about 81,695 people (2009)")["value"] == 81695


def test_country_codes_read_in_any_case_and_as_alpha_3():
    run([row(coo="ph; MEX", cod="ita", country_details="")])
    practice = Practice.objects.get(slug="new-help-desk")
    assert sorted(practice.country_links.values_list("country__iso2", "role")) == [
        ("IT", "COD"),
        ("MX", "COO"),
        ("PH", "COO"),
    ]
    assert Country.objects.get(iso2="MX").iso3 == "MEX"
