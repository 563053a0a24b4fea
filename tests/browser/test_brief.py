"""The roundtable brief in a browser: it fits a phone, and printed it is the brief alone, on A4
with page numbers."""

import pypdf
import pytest
from playwright.sync_api import expect

from tests.browser.test_browse import open_page

pytestmark = pytest.mark.browser

BRIEF = "/practices/brief/?theme=children"


def test_the_brief_fits_a_phone_its_tables_scroll_in_their_own_box(phone):
    open_page(phone, BRIEF)
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    box = phone.locator(".brief-entry .matrix-scroll").first
    assert box.evaluate("el => el.scrollWidth > el.clientWidth"), "the figures scroll sideways"


def test_printed_the_brief_leaves_out_the_site_and_its_tools(page, tmp_path):
    open_page(page, BRIEF)
    page.emulate_media(media="print")
    for hidden in (".site-header", ".site-footer", ".brief-tools"):
        expect(page.locator(hidden)).to_be_hidden()
    expect(page.get_by_role("heading", name="Roundtable brief", level=1)).to_be_visible()
    # The browser's own print: A4 pages from the brief's @page rule, numbered in the margin.
    pdf = tmp_path / "printed.pdf"
    page.pdf(path=pdf, prefer_css_page_size=True)
    reader = pypdf.PdfReader(pdf)
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)
    assert f"1 / {len(reader.pages)}" in reader.pages[0].extract_text()


def test_naming_countries_reorders_the_brief_and_keeps_the_filter(page):
    open_page(page, BRIEF)
    page.get_by_label("Only these countries, in this order").fill("US, MX")
    page.get_by_role("button", name="Update the brief").click()
    headings = page.locator(".brief-country > h3").all_inner_texts()
    assert headings[:2] == ["United States", "Mexico"]
    assert "theme=children" in page.url and "countries=US" in page.url
