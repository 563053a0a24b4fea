"""A reader can browse the real pages in a browser, and axe-core finds no serious barrier on them.

The site is served by a real `runserver` with the paper loaded (see conftest.py); the browser is
Debian's headless chromium.
"""

import csv
import re
from urllib.parse import parse_qsl, urlsplit

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

PAPER_THEMES = {
    "Family reunification",
    "Transnational families",
    "Migrant children and adolescents",
    "Gender-sensitive migration policy",
    "Health",
}
AXE_PAGES = [
    "/",
    "/practices/",
    "/practices/pt-family-reunification-support-offices/",
    "/countries/",
    "/countries/mx/",
    "/themes/children/",
    "/themes/",
    "/coverage/",
    "/coverage/?role=COD",
    "/coverage/map/?by=cod&theme=children",
    "/coverage/corridors/?focus=PH",
    "/coverage/evidence/?columns=stage&region=americas",
    "/submit/",
    "/practices/?theme=children&country=MX&theme=bogus",
    # A role picked beside a country draws its chip selected, also where the country has no
    # practice left in the list (its option is greyed: the chip's text must stay readable).
    "/practices/?cod=US",
    "/practices/?coo=US",
    "/practices/?cod=US&q=kafeel",
    "/about/",
    "/practices/brief/?theme=children&countries=MX,US,FR",
]
BLOCKING_IMPACTS = {"serious", "critical"}


def open_page(page, path: str):
    response = page.goto(path)
    assert response is not None and response.status == 200, f"{path} answered {response.status}"
    return response


def section_headed(page, name, level: int = 2):
    """The <section> whose heading of `level` matches `name` (a string or a regex)."""
    heading = page.get_by_role("heading", level=level, name=name)
    return page.locator("section").filter(has=heading)


def test_home_lists_the_five_themes_with_counts_and_leads_to_a_theme_page(page):
    open_page(page, "/")
    themes = section_headed(page, "Themes").locator("li")
    expect(themes).to_have_count(5)
    counts = {}
    for item in themes.all():
        name = item.get_by_role("link").inner_text().strip()
        counts[name] = int(item.locator(".count").inner_text())
    assert set(counts) == PAPER_THEMES
    assert all(n > 0 for n in counts.values()), counts

    themes.get_by_role("link", name="Migrant children and adolescents").click()
    expect(page).to_have_url(re.compile(r"/themes/children/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Migrant children and adolescents")
    # The count on the home page is the number of practices the theme page lists.
    n = counts["Migrant children and adolescents"]
    expect(page.locator(".result-count")).to_contain_text(re.compile(rf"\b{n} practices\b"))


def test_practice_page_shows_its_footnote_and_its_countries(page):
    open_page(page, "/practices/bh-abolition-kafeel-sponsorship/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Kafeel")
    expect(page.get_by_text("Footnote 22", exact=True)).to_be_visible()

    countries = page.locator("aside")
    destination = countries.get_by_role("heading", name=re.compile("Country of destination"))
    expect(destination).to_be_visible()
    expect(countries.get_by_role("link", name="Bahrain", exact=True)).to_be_visible()


def test_country_page_groups_its_practices_under_origin_transit_and_destination(page):
    open_page(page, "/countries/mx/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Mexico")

    headings = page.get_by_role("heading", level=2, name=re.compile(r"^Mexico as country of "))
    expect(headings).to_have_text(
        [re.compile(r"origin \(COO\)"), re.compile(r"transit \(COT\)"), re.compile(r"destination")]
    )
    for role in ("origin", "transit", "destination"):
        rows = section_headed(page, re.compile(rf"^Mexico as country of {role}")).locator(
            "li.practice-row"
        )
        assert rows.count() > 0, f"no practice under Mexico as country of {role}"
    destination = section_headed(page, re.compile(r"^Mexico as country of destination"))
    frontier = destination.get_by_role("link", name=re.compile("^Frontier worker migration form"))
    expect(frontier).to_be_visible()


def describe(violation: dict) -> str:
    targets = [" >>> ".join(map(str, node["target"])) for node in violation["nodes"][:3]]
    more = len(violation["nodes"]) - len(targets)
    return (
        f"- {violation['id']} ({violation['impact']}): {violation['help']}\n"
        f"    {violation.get('helpUrl', '')}\n"
        f"    on {', '.join(targets)}{f' and {more} more' if more > 0 else ''}"
    )


def assert_no_serious_violation(axe, page, where: str) -> None:
    results = axe.run(page)
    blocking = [v for v in results.response["violations"] if v["impact"] in BLOCKING_IMPACTS]
    report = "\n".join(describe(v) for v in blocking)
    version = results.response["testEngine"]["version"]
    assert not blocking, f"axe-core {version} on {where}:\n{report}"


@pytest.mark.parametrize("path", AXE_PAGES)
def test_axe_finds_no_serious_or_critical_violation(page, axe, path):
    open_page(page, path)
    assert_no_serious_violation(axe, page, path)


def facet_count(page, name: str, value: str) -> int:
    """The number beside one filter option: `<label><input ...> <span class=facet-count>`."""
    option = page.locator(f'input[name="{name}"][value="{value}"]')
    label = page.locator("label").filter(has=option)
    return int(label.locator(".facet-count").inner_text().strip())


def result_count(page) -> int:
    return int(page.locator(".result-count").get_attribute("data-count"))


def filter_params(query: str) -> list[tuple[str, str]]:
    return sorted((k, v) for k, v in parse_qsl(query) if k not in {"page", "page_size"})


def listed_slugs(page) -> list[str]:
    """The slugs of the practice rows on this page and on every following page."""
    slugs = []
    while True:
        hrefs = page.locator("li.practice-row h3 a").evaluate_all(
            "links => links.map(a => a.getAttribute('href'))"
        )
        slugs += [re.search(r"/practices/([^/]+)/$", urlsplit(h).path).group(1) for h in hrefs]
        following = page.locator('a[rel="next"]')
        if following.count() == 0:
            return slugs
        following.first.click()
        page.wait_for_load_state()


def test_filters_narrow_the_list_and_the_export_holds_the_same_rows(page_without_js, tmp_path):
    """The form as it works without JavaScript: tick, Apply, read; test_live_filters.py has the
    same list with the script."""
    page = page_without_js
    open_page(page, "/practices/")
    # Checked without waiting, so that a page without the filters fails at once.
    assert page.locator('form#filters[method="get"]').count() == 1, "no <form id=filters>"
    theme = page.locator('input[name="theme"][value="children"]')
    mexico = page.locator('input[name="country"][value="MX"]')

    total = result_count(page)
    children = facet_count(page, "theme", "children")
    assert 0 < children < total

    theme.check()
    page.click("#apply-filters")
    page.wait_for_url(re.compile(r"[?&]theme=children(&|$)"))
    # The form sent every field, empty or default: the list redirected to its short address.
    assert urlsplit(page.url).query == "theme=children"
    assert result_count(page) == children
    expect(theme).to_be_checked()
    # Read once the theme is applied: the counts beside the options are those of the current
    # result, so this is what ticking Mexico as well will give.
    in_mexico = facet_count(page, "country", "MX")
    assert 0 < in_mexico <= children

    mexico.check()
    page.click("#apply-filters")
    page.wait_for_url(re.compile(r"[?&]country=MX(&|$)"))
    assert result_count(page) == in_mexico
    assert "theme=children" in page.url
    assert "country=MX" in page.url
    filtered_url = page.url

    page.locator("li.practice-row h3 a").first.click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    expect(page.locator("main")).to_contain_text("Mexico")
    page.go_back()
    expect(page).to_have_url(filtered_url)

    slugs = listed_slugs(page)
    assert len(slugs) == in_mexico
    page.goto(filtered_url)

    export = page.locator("a#export-csv")
    href = urlsplit(export.get_attribute("href"))
    assert href.path == "/practices/export.csv"
    # The same filter and order; empty fields and the page size only shape the HTML page.
    assert filter_params(href.query) == filter_params(urlsplit(filtered_url).query)
    with page.expect_download() as download_info:
        export.click()
    path = tmp_path / "practices.csv"
    download_info.value.save_as(path)
    with open(path, encoding="utf-8-sig", newline="") as exported:
        rows = list(csv.DictReader(exported))
    assert [row["slug"] for row in rows] == slugs
