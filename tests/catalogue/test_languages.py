"""The site in English, French and Spanish: every public page at /fr/ and /es/, the content in
the page's language with English where a translation is missing (and a badge that says so),
search in the page's language, and filters whose values mean the same in every language."""

import csv
import io
import json
import re

import pytest
from django.utils import translation

from practices.models import OutcomeMetric, Practice, Theme
from tests.conftest import make_practice
from tests.public_urls import fetch

pytestmark = pytest.mark.django_db

OPI = "mx-child-protection-officers-opi"
DIF = "mx-dif-shelters-and-community-centres"

# Each public page, with a word of the interface that page shows in each language.
PAGES = [
    "/",
    "/practices/",
    "/practices/?theme=children&cod=US",
    f"/practices/{OPI}/",
    "/practices/brief/?theme=children",
    "/themes/",
    "/themes/children/",
    "/countries/",
    "/countries/mx/",
    "/coverage/",
    "/coverage/map/",
    "/coverage/corridors/",
    "/coverage/evidence/",
    "/about/",
    "/submit/",
]
NAV = {"en": "About the data", "fr": "À propos des données", "es": "Acerca de los datos"}
SKIP = {"en": "Skip to content", "fr": "Aller au contenu", "es": "Saltar al contenido"}


def prefixed(language: str, url: str) -> str:
    return url if language == "en" else f"/{language}{url}"


def listed_slugs(client, url: str) -> list[str]:
    response = client.get(url)
    assert response.status_code == 200, url
    return [practice.slug for practice in response.context["page"]]


# -- every page in each language -------------------------------------------------------------


@pytest.mark.parametrize("language", ["fr", "es"])
@pytest.mark.parametrize("url", PAGES)
def test_every_public_page_answers_in_the_language_of_its_address(client, language, url):
    response, content = fetch(client, prefixed(language, url))
    assert response.status_code == 200
    assert f'<html lang="{language}"' in content
    assert response["Content-Language"] == language
    if "/brief/" not in url:  # the brief is a document: no navigation, no skip link
        assert NAV[language] in content and SKIP[language] in content
        assert NAV["en"] not in content


def test_english_stays_at_the_address_it_always_had(client):
    """No redirect, whatever the browser prefers: a shared English link opens in English."""
    response = client.get("/practices/", HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 200
    assert '<html lang="en"' in response.content.decode()


def test_a_page_names_its_other_languages_for_search_engines(client):
    content = client.get("/fr/practices/?theme=children").content.decode()
    for code, path in [("en", "/practices/"), ("fr", "/fr/practices/"), ("es", "/es/practices/")]:
        assert f'hreflang="{code}" href="http://testserver{path}?theme=children"' in content
    assert 'hreflang="x-default" href="http://testserver/practices/?theme=children"' in content


def test_the_language_switcher_keeps_the_filter_and_the_page(client):
    query = "?theme=children&cod=US&sort=oldest&page_size=10"
    content = client.get(f"/practices/{query}").content.decode()
    switcher = re.search(r'<nav class="languages".*?</nav>', content, re.S).group(0)
    links = dict(re.findall(r'<a href="([^"]+)" lang="(\w+)"', switcher))
    query_html = query.replace("&", "&amp;")
    assert links == {
        f"/practices/{query_html}": "en",
        f"/fr/practices/{query_html}": "fr",
        f"/es/practices/{query_html}": "es",
    }
    assert 'aria-current="true">English<' in switcher
    # Followed, the link gives the same practices in French.
    assert sorted(listed_slugs(client, f"/fr/practices/{query}")) == sorted(
        listed_slugs(client, f"/practices/{query}")
    )


# -- the content in the page's language ------------------------------------------------------


def test_a_practice_reads_in_french_with_its_origin(client):
    practice = Practice.objects.get(slug=OPI)
    content = client.get(f"/fr/practices/{OPI}/").content.decode()
    assert f"<h1>{practice.title_fr.replace(chr(39), '&#x27;')}</h1>" in content
    assert "enfants non accompagnés" in content
    assert "Traduction de la base de connaissances" in content
    # The description is the paper's English, marked as such, in English for screen readers.
    assert re.search(r'<div class="description" lang="en">\s*<p>In 2008, Mexico', content)
    assert "Pas encore traduit" in content
    # The vocabularies and the figures' labels are translated too.
    assert "Enfants et adolescents migrants" in content
    assert OutcomeMetric.objects.filter(practice=practice).first().label_fr in content


def test_a_practice_without_french_words_shows_its_english_with_a_badge(client):
    make_practice(
        "english-only",
        title="A practice in English only",
        summary="Only English.",
        countries=[("IS", "COD")],
    )
    content = client.get("/fr/practices/english-only/").content.decode()
    assert re.search(
        r'<h1><span lang="en">A practice in English only</span> '
        r'<span class="badge-untranslated" lang="fr">Pas encore traduit</span></h1>',
        content,
    )
    assert '<span lang="en">Only English.</span>' in content
    listed = client.get("/fr/practices/?cod=IS").content.decode()
    assert "Pas encore traduit" in listed and "A practice in English only" in listed
    # In English nothing is marked.
    assert "badge-untranslated" not in client.get("/practices/english-only/").content.decode()


def test_an_empty_translation_is_no_translation(client):
    """A French title left empty (as a form leaves it) reads as its English, with the badge."""
    practice = make_practice("blank-french", title="Blank French", summary="English summary.")
    practice.title_fr = ""
    practice.summary_fr = "Résumé en français."
    practice.save()
    practice.refresh_from_db()
    assert practice.title_fr is None
    content = client.get("/fr/practices/blank-french/").content.decode()
    assert '<span lang="en">Blank French</span>' in content
    assert '<p class="lead">Résumé en français.</p>' in content


def test_a_record_made_while_french_is_active_still_has_its_english(client):
    """Made with Practice(title=…) in a French request, a record's words are its English too:
    every record has English, which every page and export falls back to."""
    with translation.override("fr"):
        practice = make_practice("made-in-french", title="Fait en français")
    practice.refresh_from_db()
    assert (practice.title_en, practice.title_fr) == ("Fait en français", "Fait en français")
    response, content = fetch(client, "/practices/export.json")
    assert any(r["title"] == "Fait en français" for r in json.loads(content))


# -- search and filters ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "language,words",
    [("fr", "enfants non accompagnés"), ("es", "niños no acompañados")],
)
def test_a_search_in_the_page_language_finds_the_dif_and_opi_practices(client, language, words):
    found = listed_slugs(client, f"/{language}/practices/?q={words}")
    assert {OPI, DIF} <= set(found)
    assert all(slug.startswith(("mx-", "rcm-")) or "mx" in slug for slug in found), found


def test_a_french_page_still_finds_a_practice_by_its_english_words(client):
    assert OPI in listed_slugs(client, "/fr/practices/?q=unaccompanied children")
    # Accents folded as ever: without them, in any case.
    assert OPI in listed_slugs(client, "/fr/practices/?q=ENFANTS NON ACCOMPAGNES")


@pytest.mark.parametrize(
    "query",
    [
        "theme=children",
        "country=MX&role=coo",
        "cod=US&evidence=described",
        "target_group=women-migrants&sort=oldest",
        "gcm=7&stage=transit",
    ],
)
def test_the_same_filter_gives_the_same_practices_in_every_language(client, query):
    """The same practices; in the order of their titles in each language (see below)."""
    english = listed_slugs(client, f"/practices/?{query}&page_size=100")
    assert english
    for language in ("fr", "es"):
        listed = listed_slugs(client, f"/{language}/practices/?{query}&page_size=100")
        assert sorted(listed) == sorted(english)


def test_facet_labels_and_chips_are_in_the_page_language(client):
    response = client.get("/es/practices/?theme=children")
    themes = next(f for f in response.context["facets"] if f.name == "theme")
    labels = {option.value: option.label for option in themes.options}
    assert labels["children"] == Theme.objects.get(slug="children").name_es
    assert labels["health"] == "Salud"
    content = response.content.decode()
    assert "Niños, niñas y adolescentes migrantes" in content


def test_the_list_sorts_by_the_title_in_the_page_language(client):
    iceland = [("IS", "COD")]  # a country no practice of the paper names
    make_practice("apple", title="Apple orchard", title_fr="Verger", countries=iceland)
    make_practice("zebra", title="Zebra crossing", title_fr="Passage", countries=iceland)
    make_practice("untranslated", title="Mango", countries=iceland)
    assert listed_slugs(client, "/practices/?cod=IS") == ["apple", "untranslated", "zebra"]
    # In French by the French title, or the English one where there is none.
    assert listed_slugs(client, "/fr/practices/?cod=IS") == ["untranslated", "zebra", "apple"]


# -- downloads in the page's language ----------------------------------------------------------


def csv_rows(content: str) -> dict[str, dict]:
    return {r["slug"]: r for r in csv.DictReader(io.StringIO(content.lstrip("\ufeff")))}


def test_the_exports_follow_the_address_or_the_lang_parameter(client):
    practice = Practice.objects.get(slug=OPI)
    _r, english = fetch(client, "/practices/export.csv")
    _r, french = fetch(client, "/fr/practices/export.csv")
    _r, spanish = fetch(client, "/practices/export.csv?lang=es")
    english, french, spanish = csv_rows(english), csv_rows(french), csv_rows(spanish)
    # The same columns, under the same English keys, for scripts.
    assert list(english[OPI]) == list(french[OPI]) == list(spanish[OPI])
    assert english[OPI]["title"] == practice.title_en
    assert french[OPI]["title"] == practice.title_fr
    assert spanish[OPI]["title"] == practice.title_es
    assert french[OPI]["description"] == practice.description_en  # not translated: English
    assert "Enfants et adolescents migrants" in french[OPI]["theme_names"]
    _r, content = fetch(client, "/fr/practices/export.json?lang=es")
    record = next(r for r in json.loads(content) if r["slug"] == OPI)
    assert record["title"] == practice.title_es


def test_an_unknown_lang_is_named_and_the_address_language_stands(client):
    response = client.get("/fr/practices/export.csv?lang=de")
    assert "lang=de" in response["X-Ignored-Filters"]
    rows = csv_rows(b"".join(response.streaming_content).decode())
    assert rows[OPI]["title"] == Practice.objects.get(slug=OPI).title_fr
    content = client.get("/practices/?lang=xx").content.decode()
    assert "lang=xx" in content


def test_the_brief_comes_in_the_language_asked_for(client):
    content = client.get("/es/practices/brief/?theme=children").content.decode()
    assert '<html lang="es"' in content
    assert Practice.objects.get(slug=OPI).title_es in content
    docx = client.get("/practices/brief.docx?theme=children&lang=fr")
    assert docx.status_code == 200
    assert "attachment" in docx["Content-Disposition"]


def test_countries_and_regions_are_named_in_the_page_language(client):
    response = client.get("/fr/practices/?theme=children")
    facets = {facet.name: facet for facet in response.context["facets"]}
    countries = {option.value: option.label for option in facets["country"].options}
    regions = {option.value: option.label for option in facets["region"].options}
    assert (countries["MX"], countries["US"]) == ("Mexique", "États-Unis")
    assert regions["americas"] == "Amériques"
    spanish = client.get(f"/es/practices/{OPI}/").content.decode()
    assert "Estados Unidos" in spanish and "Honduras" in spanish
    # Found by its name in the page's language, and still by its English one.
    assert OPI in listed_slugs(client, "/fr/practices/?q=Mexique&page_size=100")
    assert OPI in listed_slugs(client, "/fr/practices/?q=Mexico&page_size=100")
    assert "Amériques" in client.get("/fr/countries/").content.decode()


def test_a_missing_page_says_so_in_the_language_of_its_address(client):
    response = client.get("/es/practices/no-such-practice/")
    assert response.status_code == 404
    content = response.content.decode()
    assert '<html lang="es"' in content and NAV["es"] in content


def test_the_workbook_in_french_keeps_its_sheet_and_column_names(client):
    import openpyxl

    response = client.get("/fr/practices/export.xlsx?theme=children")
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["Cover", "Practices", "Figures"]
    sheet = book["Practices"]
    header = [cell.value for cell in sheet[1]]
    assert header[:3] == ["slug", "title", "summary"]
    titles = {row[0]: row[1] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert titles[OPI] == Practice.objects.get(slug=OPI).title_fr


@pytest.mark.parametrize("url", ["/practices/?theme=children", f"/practices/{OPI}/"])
def test_a_page_in_french_runs_the_queries_it_runs_in_english(client, url):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(url), client.get(f"/fr{url}")  # warm: cached counts on both sides
    with CaptureQueriesContext(connection) as english:
        client.get(url)
    with CaptureQueriesContext(connection) as french:
        client.get(f"/fr{url}")
    assert len(french) == len(english)


def test_a_brief_in_french_marks_the_english_it_shows(client):
    make_practice("english-only", title="A practice in English only", countries=[("IS", "COD")])
    content = client.get("/fr/practices/brief/?cod=IS").content.decode()
    assert re.search(
        r'<h5><a href="[^"]+" lang="en">A practice in English only</a> '
        r'<span class="badge-untranslated" lang="fr">Pas encore traduit</span></h5>',
        content,
    )
    assert '<p class="brief-summary" lang="en">A summary.</p>' in content
    assert "badge-untranslated" not in client.get("/practices/brief/?cod=IS").content.decode()


def test_a_word_brief_in_french_says_which_title_is_not_yet_translated(client):
    import docx

    make_practice("english-only", title="A practice in English only", countries=[("IS", "COD")])
    response = client.get("/fr/practices/brief.docx?cod=IS")
    document = docx.Document(io.BytesIO(response.content))
    texts = [paragraph.text for paragraph in document.paragraphs]
    assert "A practice in English only (Pas encore traduit)" in texts
