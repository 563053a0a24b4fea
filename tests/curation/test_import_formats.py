"""The file's format is told from its content, not its name or a choice on the page: an XLSX
workbook is a ZIP holding xl/workbook.xml, CSV is text; anything else is refused at once with a
message saying what it is. And the checks the import makes of a whole practice without a query
(its check constraints, evaluated in Python) agree with the database's."""

import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from practices.curation.imports.constraints import validate_check_constraints
from practices.curation.imports.upload import UnreadableFile, detect_format, read_dataset
from practices.curation.models import ImportJob
from practices.models import Practice
from tests.curation.imports_helpers import (
    csv_bytes,
    job_of,
    kept_files,
    page_text,
    preview,
    row,
    xlsx_bytes,
)


def detect(content: bytes) -> str:
    return detect_format(SimpleUploadedFile("any-name", content))


def test_workbooks_and_csv_text_are_told_apart_by_their_content():
    assert detect(xlsx_bytes([row()])) == "xlsx"
    assert detect(csv_bytes([row()])) == "csv"
    assert detect(csv_bytes([row()], bom=False)) == "csv"
    assert detect("slug;title\nx;Côte d’Ivoire\n".encode()) == "csv"
    # Latin-1 text is text: reading it says what is wrong with it.
    latin = "slug,title\nx,Côte d'Ivoire\n".encode("latin-1")
    assert detect(latin) == "csv"
    with pytest.raises(UnreadableFile, match="not UTF-8"):
        read_dataset(io.BytesIO(latin), "csv")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (bytes.fromhex("d0cf11e0a1b11ae1") + bytes(600), "old Excel workbook (.xls)"),
        (b"%PDF-1.7\n\x00\x01\x02binary", "neither an Excel workbook (.xlsx) nor a CSV"),
        (bytes(range(256)) * 10, "neither an Excel workbook (.xlsx) nor a CSV"),
        (b"PK\x03\x04 truncated", "a ZIP archive but not an Excel workbook"),
    ],
)
def test_other_files_are_refused_saying_what_they_are(content, message):
    with pytest.raises(UnreadableFile, match=message.replace("(", r"\(").replace(")", r"\)")):
        detect(content)


def test_a_zip_that_holds_no_workbook_is_refused():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")
    with pytest.raises(UnreadableFile, match="not an Excel workbook"):
        detect(out.getvalue())


@pytest.mark.django_db
@pytest.mark.usefixtures("media")
@pytest.mark.parametrize(
    ("content", "name"),
    [(xlsx_bytes([row()]), "practices.csv"), (csv_bytes([row()]), "practices.xlsx")],
    ids=["workbook named .csv", "CSV named .xlsx"],
)
def test_a_file_imports_whatever_its_name_says(curator_client, content, name):
    response = preview(curator_client, content, name)
    assert job_of(response).state == ImportJob.State.PREVIEWED
    assert job_of(response).format == ("xlsx" if content.startswith(b"PK") else "csv")


@pytest.mark.django_db
@pytest.mark.usefixtures("media")
def test_a_file_too_large_is_refused_before_it_is_kept(curator_client, media, settings):
    settings.IMPORT_MAX_FILE_MB = 1
    response = preview(curator_client, csv_bytes([row()] * 3000))
    assert "The file is larger than 1 MB" in page_text(response)
    assert not ImportJob.objects.exists() and kept_files(media) == []


YEARS = [None, 1899, 1900, 2000, 2100, 2101]


@pytest.mark.django_db
@pytest.mark.parametrize("slug", ["", "a-slug"])
def test_the_check_constraints_in_python_agree_with_the_database(slug):
    for start in YEARS:
        for end in YEARS:
            practice = Practice(slug=slug, start_year=start, end_year=end)
            try:
                validate_check_constraints(practice)
                in_python = None
            except ValidationError as error:
                in_python = sorted(error.messages)
            try:
                for constraint in Practice._meta.constraints:
                    constraint.validate(Practice, practice)
                in_database = None
            except ValidationError:
                in_database = "violated"
            assert (in_python is None) == (in_database is None), (slug, start, end, in_python)
