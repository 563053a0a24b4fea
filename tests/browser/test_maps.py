"""The maps as a reader uses them: without a script, by keyboard, on a phone and on paper."""

import re

import pytest

pytestmark = pytest.mark.browser

MAP_PAGES = ["/coverage/map/?by=cod", "/coverage/corridors/", "/coverage/evidence/"]


def test_a_keyboard_reaches_a_country_on_the_map_and_opens_its_list(page_without_js):
    page = page_without_js
    page.goto("/coverage/map/?by=coo")
    for _ in range(80):
        page.keyboard.press("Tab")
        name = page.evaluate(
            "document.activeElement.closest('svg.world-map') && "
            "document.activeElement.getAttribute('aria-label')"
        )
        if name:
            break
    assert name and re.match(r"[A-Z][\w ]+: \d+ practices? as origin", name), name
    count = int(re.search(r": (\d+)", name).group(1))
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/practices/\?coo=[A-Z]{2}"))
    assert page.locator("#result-count").get_attribute("data-count") == str(count)


@pytest.mark.parametrize("path", MAP_PAGES)
def test_a_phone_shows_the_maps_without_sideways_scrolling(phone, path):
    phone.goto(path)
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390


@pytest.mark.parametrize("path", MAP_PAGES)
def test_maps_print_with_their_colours_and_without_the_controls(page, path):
    page.goto(path)
    page.emulate_media(media="print")
    assert page.locator(".views-nav").is_hidden()
    shown = page.locator("svg.world-map, table.gap-map td").first
    assert shown.is_visible()
    adjust = shown.evaluate("e => getComputedStyle(e).printColorAdjust")
    assert adjust == "exact"
