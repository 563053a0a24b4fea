"""With JavaScript, the list's filters apply as they are ticked, in place; without it, the same
addresses give the same lists. At phone width the page fits, its filters come above the results,
and every control is big enough for a finger.

static/js/practice_list.js swaps the regions of the page marked data-live-region with those of the
same URL fetched from the server; these tests prove that no navigation happens (a value set on
`window` survives), that the address follows, and that Back brings the previous list back.
"""

import re
from urllib.parse import parse_qsl, urlsplit

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PHONE, new_page
from tests.browser.test_browse import assert_no_serious_violation, facet_count, open_page

pytestmark = pytest.mark.browser

PHONE_WIDTH = 390
MIN_TAP = 44  # px: WCAG 2.5.5's target size, Apple's and Google's guidance
FIGURES_PAGE = "/practices/mx-child-protection-officers-opi/"  # seven figures, wide table


def result_count(page) -> int:
    return int(page.locator("#result-count").get_attribute("data-count"))


def titles(page) -> list[str]:
    return page.locator("li.practice-row h3 a").all_inner_texts()


def mark_the_window(page) -> None:
    """A value on `window`: a full page load would lose it."""
    page.evaluate("window.sameDocument = 'still here'")


def still_the_same_document(page) -> bool:
    return page.evaluate("window.sameDocument") == "still here"


def wait_for_count(page, n: int) -> None:
    expect(page.locator("#result-count")).to_have_attribute("data-count", str(n))


def test_ticking_a_facet_updates_list_counts_chips_and_address_in_place(page):
    open_page(page, "/practices/")
    total = result_count(page)
    children = facet_count(page, "theme", "children")
    mexico_before = facet_count(page, "country", "MX")
    mark_the_window(page)

    page.locator('input[name="theme"][value="children"]').check()
    page.wait_for_url(re.compile(r"/practices/\?theme=children$"))
    wait_for_count(page, children)

    assert still_the_same_document(page), "the page was reloaded"
    assert children < total
    assert page.locator("li.practice-row").count() == min(children, 25)
    # The counts are those of the new list: Mexico's is now its share of the children's.
    assert facet_count(page, "country", "MX") < mexico_before
    expect(page.locator(".active-filters")).to_contain_text("Migrant children and adolescents")
    assert "theme=children" in page.locator("#export-csv").get_attribute("href")
    # The new count is read out, and focus stays on the box that was ticked.
    expect(page.locator("#list-status")).to_have_text(f"{children} practices")
    assert page.evaluate("document.activeElement.id") == "f-theme-children"


def test_a_role_picked_keeps_the_ticks_and_the_address_opens_the_same_list_without_js(
    page, page_without_js
):
    open_page(page, "/practices/")
    mark_the_window(page)
    page.locator('input[name="theme"][value="children"]').check()
    page.wait_for_url(re.compile(r"theme=children"))
    page.locator('.role-option[name="coo"][value="MX"]').click()
    page.wait_for_url(re.compile(r"coo=MX"))
    assert still_the_same_document(page)
    query = urlsplit(page.url).query
    assert parse_qsl(query, keep_blank_values=True) == [("theme", "children"), ("coo", "MX")]
    # The picked role is now a ticked box, focused where its button was.
    expect(page.locator("#r-coo-MX")).to_be_checked()
    assert page.evaluate("document.activeElement.id") == "r-coo-MX"

    open_page(page_without_js, page.url)
    assert result_count(page_without_js) == result_count(page) > 0
    assert titles(page_without_js) == titles(page)


def test_back_brings_the_previous_list_back(page):
    open_page(page, "/practices/?theme=children")
    children = result_count(page)
    children_titles = titles(page)
    mark_the_window(page)

    page.locator('input[name="theme"][value="health"]').check()
    page.wait_for_url(re.compile(r"theme=health"))
    assert result_count(page) > children

    page.go_back()
    page.wait_for_url(re.compile(r"/practices/\?theme=children$"))
    wait_for_count(page, children)
    assert still_the_same_document(page)
    assert titles(page) == children_titles
    expect(page.locator('input[name="theme"][value="health"]')).not_to_be_checked()
    page.go_forward()
    page.wait_for_url(re.compile(r"theme=health"))
    expect(page.locator('input[name="theme"][value="health"]')).to_be_checked()


def test_sorting_and_searching_leave_no_empty_or_default_parameter(page):
    open_page(page, "/practices/")
    page.select_option("#list-sort", label="Newest first (start year)")
    page.wait_for_url(re.compile(r"/practices/\?sort=newest$"))
    page.select_option("#list-sort", label="Title")
    page.wait_for_url(re.compile(r"/practices/$"))
    # Title was the default order: a search then takes its own, relevance.
    page.fill("#list-q", "family")
    page.press("#list-q", "Enter")
    page.wait_for_url(re.compile(r"/practices/\?q=family$"))
    expect(page.locator("#list-sort option:checked")).to_have_text("Relevance")
    page.select_option("#list-sort", label="Title")
    page.wait_for_url(re.compile(r"/practices/\?q=family&sort=title$"))
    page.select_option("#list-page-size", "10")
    page.wait_for_url(re.compile(r"/practices/\?q=family&sort=title&page_size=10$"))
    assert page.locator("li.practice-row").count() == 10


def test_links_within_the_list_are_followed_in_place(page):
    open_page(page, "/practices/?theme=children&theme=health")
    mark_the_window(page)
    page.locator('a[rel="next"]').click()
    page.wait_for_url(re.compile(r"page=2"))
    page.get_by_role("link", name=re.compile("^Remove Theme: Health")).click()
    page.wait_for_url(re.compile(r"/practices/\?theme=children$"))
    page.get_by_role("link", name="Clear all").click()
    page.wait_for_url(re.compile(r"/practices/$"))
    assert still_the_same_document(page)
    expect(page.locator(".active-filters")).to_have_count(0)


def visible_options(page) -> list[str]:
    return page.locator("#facet-options-country > li:visible").all_inner_texts()


def test_typing_narrows_a_long_facet_accents_and_case_aside(page, page_without_js):
    open_page(page, "/practices/")
    everyone = len(visible_options(page))
    assert everyone > 12
    page.fill("#narrow-country", "MÉXI")
    shown = visible_options(page)
    assert len(shown) == 1 and shown[0].startswith("Mexico")
    page.fill("#narrow-country", "zzz")
    assert visible_options(page) == []
    expect(page.locator("#narrow-none-country")).to_be_visible()
    page.fill("#narrow-country", "")
    assert len(visible_options(page)) == everyone
    expect(page.locator("#narrow-none-country")).to_be_hidden()

    # Without the script the box would do nothing: it is not shown.
    open_page(page_without_js, "/practices/")
    expect(page_without_js.locator("#narrow-country")).to_be_hidden()
    expect(page_without_js.locator("#apply-filters")).to_be_visible()
    expect(page.locator("#apply-filters")).to_be_hidden()


def test_typing_narrows_a_long_facet_on_a_phone_too(phone):
    open_page(phone, "/practices/")
    phone.locator(".filters-toggle").click()
    phone.fill("#narrow-country", "united")
    assert [text.split()[:2] for text in visible_options(phone)] == [["United", "States"]]


def test_without_js_picking_a_role_keeps_a_tick_not_yet_applied(page_without_js):
    page = page_without_js
    open_page(page, "/practices/")
    page.locator('input[name="theme"][value="children"]').check()
    page.locator('.role-option[name="coo"][value="MX"]').click()
    page.wait_for_url(re.compile(r"coo=MX"))
    assert parse_qsl(urlsplit(page.url).query, keep_blank_values=True) == [
        ("theme", "children"),
        ("coo", "MX"),
    ]
    expect(page.locator('input[name="theme"][value="children"]')).to_be_checked()


def test_on_a_phone_the_filters_open_above_the_results(phone):
    open_page(phone, "/practices/")
    toggle = phone.locator(".filters-toggle")
    results = phone.locator("li.practice-row").first
    expect(phone.locator("#facet-theme")).to_be_hidden()
    assert toggle.bounding_box()["y"] < results.bounding_box()["y"]
    count = phone.locator("#result-count").bounding_box()
    assert toggle.bounding_box()["y"] - (count["y"] + count["height"]) < 100, "near the count"
    toggle.click()
    expect(phone.locator("#facet-theme")).to_be_visible()
    assert phone.locator("#facet-theme").bounding_box()["y"] < results.bounding_box()["y"]
    # A tick applies at once; the panel stays open for the next one.
    phone.locator('input[name="theme"][value="health"]').check()
    phone.wait_for_url(re.compile(r"theme=health"))
    expect(phone.locator("#facet-theme")).to_be_visible()
    # Done ticking: the filters fold away, and the reader is taken to the count.
    phone.get_by_role("link", name="Show the list").click()
    expect(phone.locator("#facet-theme")).to_be_hidden()
    assert phone.evaluate("document.activeElement.id") == "result-count"


def test_on_a_phone_without_js_the_filters_are_open_and_the_list_a_tap_away(browser, site):
    phone = new_page(browser, site, java_script_enabled=False, **PHONE)
    try:
        open_page(phone, "/practices/")
        expect(phone.locator("#facet-theme")).to_be_visible()
        expect(phone.locator("#apply-filters")).to_be_visible()
        phone.get_by_role("link", name="Show the list").click()
        phone.wait_for_url(re.compile(r"#list-results$"))
        assert phone.evaluate("window.scrollY") > 0
    finally:
        phone.context.close()


@pytest.mark.parametrize("path", ["/practices/", "/practices/?cod=US", FIGURES_PAGE])
def test_at_phone_width_nothing_scrolls_sideways(phone, path):
    open_page(phone, path)
    if path.startswith("/practices/?") or path == "/practices/":
        phone.locator(".filters-toggle").click()
    width = phone.evaluate("document.scrollingElement.scrollWidth")
    assert width <= PHONE_WIDTH, f"{path} is {width}px wide"


def test_the_figures_table_scrolls_in_its_own_box(phone):
    open_page(phone, FIGURES_PAGE)
    box = phone.locator(".matrix-scroll").filter(has=phone.locator("table.figures")).first
    sizes = box.evaluate("b => [b.scrollWidth, b.clientWidth]")
    assert sizes[1] <= PHONE_WIDTH
    assert sizes[0] >= sizes[1]  # wider than the phone, or not: it never widens the page


TAP_TARGETS = [
    ".facet-options label",
    ".role-option",
    ".chip-remove",
    ".pagination a",
    ".browse button:visible",
    ".show-results",
    ".filters-toggle",
    ".facet summary",
]


@pytest.mark.parametrize("selector", TAP_TARGETS)
def test_at_phone_width_every_control_is_a_finger_high(phone, selector):
    heights = {}
    # Chips and pages on the first; a picked role (a ticked box) on the second.
    for path in ["/practices/?theme=children&theme=health&page_size=10", "/practices/?cod=US"]:
        open_page(phone, path)
        phone.locator(".filters-toggle").click()
        for element in phone.locator(selector).all():
            if element.is_visible():
                name = element.inner_text().strip()[:30] or element.get_attribute("aria-label")
                heights[name] = element.bounding_box()["height"]
    assert heights, f"nothing visible matches {selector}"
    small = {name: h for name, h in heights.items() if h < MIN_TAP}
    assert not small, f"{selector} below {MIN_TAP}px: {small}"


def test_axe_finds_no_serious_violation_with_the_filters_open_on_a_phone(phone, axe):
    open_page(phone, "/practices/?theme=children")
    phone.locator(".filters-toggle").click()
    assert_no_serious_violation(axe, phone, "/practices/?theme=children, filters open, 390px")
    phone.locator('.role-option[name="coo"][value="MX"]').click()
    phone.wait_for_url(re.compile(r"coo=MX"))
    assert_no_serious_violation(axe, phone, "the list swapped in after a role was picked")


def test_axe_finds_no_serious_violation_after_a_tick_on_a_wide_screen(page, axe):
    open_page(page, "/practices/")
    page.fill("#narrow-country", "phil")
    assert_no_serious_violation(axe, page, "/practices/ with a facet narrowed")
    page.locator('input[name="theme"][value="gender"]').check()
    page.wait_for_url(re.compile(r"theme=gender"))
    assert_no_serious_violation(axe, page, "/practices/ after a tick")
