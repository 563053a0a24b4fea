"""One real server and one headless chromium for the browser tests.

The pages are served by `manage.py runserver` in a child process with its own SQLite file, not by
pytest-django's `live_server`: that one flushes the test database after each test, which would
wipe the paper's data the rest of the suite loads once per session. Nothing here touches the
Django ORM, so these tests request no database fixture, and a PostgreSQL run skips them.

Chromium is Debian's (`apt-get install chromium`), never a browser Playwright downloads.
"""

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright

from tests.processes import (
    child_env,
    free_port,
    local_site,
    manage_command,
    start,
    stop,
    wait_until_up,
)

CHROMIUM = "/usr/bin/chromium"
# A reviewer of the browser tests' own site, for the admin's pages.
REVIEWER = ("browser-reviewer", "Quiet-harbour-42-lantern")
SERVER_START_TIMEOUT = 60  # seconds; runserver answers in about one on a laptop
MISSING_CHROMIUM = (
    f"{CHROMIUM} is missing: the browser tests drive Debian's chromium. "
    "Install it with `apt-get install chromium`, or set GFMD_SKIP_BROWSER=1 to skip these tests."
)


def pytest_collection_modifyitems(config, items):
    """The site these tests drive is served from its own SQLite file whatever DATABASE_URL
    says, so a PostgreSQL run would repeat the SQLite run's browser tests exactly: CI's
    PostgreSQL pass skips them (as it skips the README's commands)."""
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        return
    here = Path(__file__).parent
    skip = pytest.mark.skip(
        reason="the browser tests' site is SQLite whatever DATABASE_URL says: "
        "they run in the SQLite pass"
    )
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(skip)


def chromium_or_fail() -> str:
    """The chromium executable; a missing one fails the test unless GFMD_SKIP_BROWSER=1."""
    if Path(CHROMIUM).exists():
        return CHROMIUM
    if os.environ.get("GFMD_SKIP_BROWSER") == "1":
        pytest.skip(f"{CHROMIUM} is missing and GFMD_SKIP_BROWSER=1")
    pytest.fail(MISSING_CHROMIUM, pytrace=False)


@pytest.fixture(scope="session")
def site(tmp_path_factory):
    """The base URL of a development server with the paper loaded into a throwaway SQLite file."""
    chromium_or_fail()  # no point in building a site that no browser will visit
    tmp = tmp_path_factory.mktemp("browser-site")
    env = {
        **child_env(),
        "DEBUG": "true",
        "DATABASE_URL": f"sqlite:///{tmp / 'browser.sqlite3'}",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "PYTHONUNBUFFERED": "1",
    }
    reviewer, password = REVIEWER
    local_site(env, (reviewer, "reviewer", password))
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    log_path = tmp / "runserver.log"
    with log_path.open("w", encoding="utf-8") as log:
        process = start(manage_command("runserver", f"127.0.0.1:{port}", "--noreload"), env, log)
    try:
        wait_until_up(base_url + "/", process, log_path, timeout=SERVER_START_TIMEOUT)
        yield base_url
    finally:
        stop(process, timeout=10)


@pytest.fixture(scope="session")
def axe():
    """axe-core as bundled by axe-playwright-python: injected into the page, no network."""
    from axe_playwright_python.sync_playwright import Axe

    return Axe()


@pytest.fixture(scope="session")
def browser():
    """One headless chromium for the whole session."""
    executable = chromium_or_fail()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable, headless=True, args=["--no-sandbox"]
        )
        yield browser
        browser.close()


def new_page(browser, site, **options):
    """A page in a fresh browser context (no shared cookies), with relative URLs against `site`."""
    context = browser.new_context(base_url=site, accept_downloads=True, **options)
    # Every page is local and small: fail in seconds, not in Playwright's default 30.
    context.set_default_timeout(10_000)
    expect.set_options(timeout=10_000)
    return context.new_page()


@pytest.fixture
def page(browser, site):
    page = new_page(browser, site)
    yield page
    page.context.close()


@pytest.fixture
def page_without_js(browser, site):
    """The same, in a browser whose JavaScript is off: what the pages give without any script."""
    page = new_page(browser, site, java_script_enabled=False)
    yield page
    page.context.close()


PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


@pytest.fixture
def phone(browser, site):
    """A page 390 px wide, touch-driven: a common phone (iPhone 12 to 15)."""
    page = new_page(browser, site, **PHONE)
    yield page
    page.context.close()
