"""The Content Security Policy is sent, and the pages really satisfy it.

The policy allows scripts and styles from the site's own files only (settings.py): an inline
<script>, <style>, style="…" attribute or onclick="…" handler left in any template would be
blocked by the browser, and the page would silently lose it. Chromium reports every blocked
item on the console; each page here must report none, the admin's included.
"""

import pytest

from tests.browser.conftest import REVIEWER
from tests.public_urls import PUBLIC_URLS

pytestmark = pytest.mark.browser

PUBLIC_PAGES = [
    # The pages, not the files (exports, citations, the feed): every page's path ends in "/".
    *(url for url in PUBLIC_URLS if url.endswith("/")),
    "/practices/?theme=children&cod=US&q=family",
    "/coverage/?role=COD",
]
# The error pages' header is checked in tests/production/test_deploy_settings.py: this site runs
# with DEBUG.
ADMIN_PAGES = [
    "/admin/",
    "/admin/practices/practice/",
    "/admin/practices/practice/?q=children",
    "/admin/practices/practice/add/",
    "/admin/practices/practice/import/",
    "/admin/practices/practice/export/",
    "/admin/practices/practice/deleted/",
    "/admin/practices/organisation/",
    "/admin/practices/organisation/add/",
    "/admin/practices/outcomemetric/",
    "/admin/practices/practicecountry/",
    "/admin/password_change/",
]


def blocked_items(page, path: str) -> list[str]:
    """What the browser refused to run or apply on ``path``, from its console."""
    messages = []
    page.on(
        "console",
        lambda message: (
            messages.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    response = page.goto(path)
    assert "script-src 'self'" in response.headers.get("content-security-policy", ""), path
    page.wait_for_load_state("load")
    page.wait_for_timeout(200)  # scripts run after load add and style elements too
    return messages


@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_public_page_breaks_no_rule_of_the_policy(page, path):
    assert blocked_items(page, path) == []


def log_in(page):
    username, password = REVIEWER
    page.goto("/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("input[type=submit]")
    page.wait_for_url("**/admin/")


def test_admin_pages_break_no_rule_of_the_policy(page):
    log_in(page)
    blocked = {path: blocked_items(page, path) for path in ADMIN_PAGES}
    # A practice's own pages: its change form and its history.
    page.goto("/admin/practices/practice/")
    change_url = page.locator("#result_list tbody a").first.get_attribute("href")
    for path in (change_url, change_url.replace("/change/", "/history/")):
        blocked[path] = blocked_items(page, path)
    assert {path: items for path, items in blocked.items() if items} == {}


def test_an_inline_script_would_be_reported(page):
    """The check above can fail: the same listener sees an inline script being blocked."""
    messages = blocked_items(page, "/about/")
    page.evaluate(
        "() => { const s = document.createElement('script');"
        " s.textContent = 'window.ran = 1'; document.body.appendChild(s); }"
    )
    page.wait_for_timeout(200)
    assert any("script-src" in message for message in messages)
    assert page.evaluate("() => window.ran") is None


def test_the_export_pages_select_all_still_works_from_its_static_script(page):
    """Its handler was an inline onchange attribute, which the policy blocks: now bound by
    static/js/admin_export.js."""
    log_in(page)
    page.goto("/admin/practices/practice/export/")
    fields = page.locator(".selectable-field-export-row input[type=checkbox]")
    assert fields.count() > 10
    page.click("#select-all-toggle")
    assert all(not box.is_checked() for box in fields.all())
    page.click("label[for=select-all-toggle]")
    assert all(box.is_checked() for box in fields.all())


def test_the_site_icon_comes_from_the_site_itself(page):
    """The page's icon and the /favicon.ico browsers ask for by default both answer with the
    site's own SVG: no 404 in the server's log, nothing from elsewhere."""
    page.goto("/practices/")
    href = page.locator('link[rel="icon"]').get_attribute("href")
    assert href.startswith("/static/")
    for path in (href, "/favicon.ico"):
        response = page.request.get(path)
        assert response.status == 200, path
        assert response.headers["content-type"].startswith("image/svg+xml"), path
