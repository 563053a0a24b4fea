"""One real server and one headless chromium for the browser tests.

The pages are served by `manage.py runserver` in a child process with its own SQLite file, not by
pytest-django's `live_server`: that one flushes the test database after each test, which would
wipe the paper's data the rest of the suite loads once per session. Nothing here touches the
Django ORM, so these tests request no database fixture.

Chromium is Debian's (`apt-get install chromium`), never a browser Playwright downloads.
"""

import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright

from tests.processes import BASE_DIR, child_env, free_port, manage_or_fail

CHROMIUM = "/usr/bin/chromium"
# A reviewer of the browser tests' own site, for the admin's pages.
REVIEWER = ("browser-reviewer", "Quiet-harbour-42-lantern")
SERVER_START_TIMEOUT = 60  # seconds; runserver answers in about one on a laptop
MISSING_CHROMIUM = (
    f"{CHROMIUM} is missing: the browser tests drive Debian's chromium. "
    "Install it with `apt-get install chromium`, or set GFMD_SKIP_BROWSER=1 to skip these tests."
)


def chromium_or_fail() -> str:
    """The chromium executable; a missing one fails the test unless GFMD_SKIP_BROWSER=1."""
    if Path(CHROMIUM).exists():
        return CHROMIUM
    if os.environ.get("GFMD_SKIP_BROWSER") == "1":
        pytest.skip(f"{CHROMIUM} is missing and GFMD_SKIP_BROWSER=1")
    pytest.fail(MISSING_CHROMIUM, pytrace=False)


def wait_until_up(url: str, process: subprocess.Popen, stderr_path: Path) -> None:
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        try:
            with urllib.request.urlopen(url, timeout=2):  # noqa: S310 (http://127.0.0.1 only)
                return
        except urllib.error.HTTPError:
            return  # it answered, even if not with a 200: the tests will say what is wrong
        except OSError:
            time.sleep(0.2)
    state = (
        f"exited with {process.returncode}"
        if process.poll() is not None
        else f"did not answer within {SERVER_START_TIMEOUT}s"
    )
    process.kill()
    process.wait()
    stderr = stderr_path.read_text(encoding="utf-8", errors="replace")
    pytest.fail(f"runserver at {url} {state}. Its stderr:\n{stderr}", pytrace=False)


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
    manage_or_fail(env, "migrate", "--noinput", "-v0")
    manage_or_fail(env, "load_paper", "-v0")
    reviewer, password = REVIEWER
    manage_or_fail(
        {**env, "BROWSER_REVIEWER_PW": password},
        *("create_user", reviewer, "--group", "reviewer"),
        *("--password-from-env", "BROWSER_REVIEWER_PW"),
    )

    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    stderr_path = tmp / "runserver.stderr"
    with stderr_path.open("w", encoding="utf-8") as stderr:
        process = subprocess.Popen(  # noqa: S603 (our own interpreter and manage.py)
            [
                sys.executable,
                str(BASE_DIR / "manage.py"),
                "runserver",
                f"127.0.0.1:{port}",
                "--noreload",
            ],
            cwd=BASE_DIR,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )
    try:
        wait_until_up(base_url + "/", process, stderr_path)
        yield base_url
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


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


@pytest.fixture
def page(browser, site):
    """A fresh browser context per test (no shared cookies), with relative URLs against `site`."""
    context = browser.new_context(base_url=site, accept_downloads=True)
    # Every page is local and small: fail in seconds, not in Playwright's default 30.
    context.set_default_timeout(10_000)
    expect.set_options(timeout=10_000)
    page = context.new_page()
    yield page
    context.close()
