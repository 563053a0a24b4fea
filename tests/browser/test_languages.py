"""The pages in French and Spanish, in a browser: the switcher keeps what the reader was looking
at, English shown for want of a translation is marked and announced in English, and axe-core
finds no serious barrier on the translated pages, at desktop and at phone width."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.test_browse import assert_no_serious_violation, open_page

pytestmark = pytest.mark.browser

OPI = "mx-child-protection-officers-opi"
AXE_PAGES = [
    "/fr/",
    "/fr/practices/?theme=children&cod=US",
    f"/fr/practices/{OPI}/",
    "/fr/coverage/",
    "/es/practices/?q=niños no acompañados",
    f"/es/practices/{OPI}/",
    "/es/countries/mx/",
    "/es/about/",
]


@pytest.mark.parametrize("path", AXE_PAGES)
def test_axe_finds_no_serious_barrier_on_the_translated_pages(page, axe, path):
    open_page(page, path)
    assert_no_serious_violation(axe, page, path)


def test_the_switcher_opens_the_same_filtered_list_in_french(page):
    open_page(page, "/practices/?theme=children&cod=US")
    count = page.locator(".practice-row").count()
    page.get_by_role("navigation", name="Language").get_by_role("link", name="Français").click()
    expect(page).to_have_url(re.compile(r"//[^/]+/fr/practices/\?theme=children&cod=US$"))
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.get_by_role("heading", level=1)).to_have_text("Pratiques")
    assert page.locator(".practice-row").count() == count
    theme = page.get_by_role("checkbox", name="Enfants et adolescents migrants")
    expect(theme).to_be_checked()
    current = page.get_by_role("navigation", name="Langue").get_by_role("link", name="Français")
    expect(current).to_have_attribute("aria-current", "true")


def test_english_words_on_a_spanish_page_are_marked_and_in_english(page):
    open_page(page, f"/es/practices/{OPI}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Oficiales de Protección")
    description = page.locator(".description")
    expect(description).to_have_attribute("lang", "en")
    badge = page.get_by_role("heading", name="Descripción").locator(".badge-untranslated")
    expect(badge).to_have_text("Aún no traducido")
    expect(page.locator(".translation-origin")).to_contain_text(
        "Traducción de la base de conocimientos"
    )


@pytest.mark.parametrize("path", ["/fr/practices/?theme=children", f"/es/practices/{OPI}/"])
def test_the_longer_words_fit_a_phone(phone, path):
    open_page(phone, path)
    expect(
        phone.get_by_role("navigation", name="Idioma").or_(
            phone.get_by_role("navigation", name="Langue")
        )
    ).to_be_visible()
    assert phone.evaluate("document.scrollingElement.scrollWidth") <= 390
