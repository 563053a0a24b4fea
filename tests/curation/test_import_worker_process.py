"""The import with a real job runner: the site served by runserver and `manage.py db_worker`
in processes of their own, sharing a SQLite file and MEDIA_ROOT, as `make run` starts them.

A curator uploads a file and logs out before any worker has read it; logging in again later
(a new session) they find the preview ready, confirm it, log out again, and find it imported.
Nothing here touches the Django ORM of the test process: the children own their database.
"""

import http.cookiejar
import re
import sqlite3
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid

import pytest

from tests.curation.imports_helpers import csv_bytes, row
from tests.processes import (
    child_env,
    free_port,
    local_site,
    manage_command,
    start,
    stop,
    wait_until_up,
)

CURATOR = ("worker-curator", "Patient-otter-57-lamps")
TIMEOUT = 120  # seconds for the worker to pick a job up and finish it, on a busy machine


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """runserver and a db_worker over one throwaway SQLite file; their base URL and database."""
    tmp = tmp_path_factory.mktemp("worker-site")
    database = tmp / "site.sqlite3"
    env = {
        **child_env(),
        # As `make run` serves the site: static files without collectstatic's manifest.
        "DEBUG": "true",
        "DATABASE_URL": f"sqlite:///{database}",
        "MEDIA_ROOT": str(tmp / "media"),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "PYTHONUNBUFFERED": "1",
    }
    username, password = CURATOR
    local_site(env, (username, "curator", password))
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    log_path = tmp / "processes.log"
    with log_path.open("w") as log:
        server = start(manage_command("runserver", f"127.0.0.1:{port}", "--noreload"), env, log)
        worker = start(manage_command("db_worker", "--no-reload", "--interval", "0.2"), env, log)
    try:
        wait_until_up(base_url + "/", server, log_path)
        yield base_url, database, log_path
    finally:
        stop(server)
        stop(worker)


class NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    """A browser session: its own cookies; redirects are answers, not followed."""

    def __init__(self, base_url: str):
        self.base_url = base_url
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), NoRedirects()
        )

    def request(self, path: str, data: bytes | None = None, content_type: str = ""):
        """(status, body, Location) of a GET, or of a POST of ``data``."""
        url = urllib.parse.urljoin(self.base_url, path)
        headers = {"Referer": url}
        if content_type:
            headers["Content-Type"] = content_type
        request = urllib.request.Request(url, data=data, headers=headers)  # noqa: S310 (local)
        try:
            with self.opener.open(request, timeout=60) as response:
                return response.status, response.read().decode(), ""
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode(), error.headers.get("Location", "")

    def post(self, path: str, fields: dict, files: dict | None = None):
        if not files:
            return self.request(path, urllib.parse.urlencode(fields).encode(), FORM)
        boundary = uuid.uuid4().hex
        body = b""
        for name, value in fields.items():
            head = f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
            body += f"{head}{value}\r\n".encode()
        for name, (file_name, content) in files.items():
            body += (
                f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
                f'filename="{file_name}"\r\nContent-Type: application/octet-stream\r\n\r\n'
            ).encode()
            body += content + b"\r\n"
        body += f"--{boundary}--\r\n".encode()
        return self.request(path, body, f"multipart/form-data; boundary={boundary}")


FORM = "application/x-www-form-urlencoded"


def token_of(html: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)


def log_in(base_url: str) -> Browser:
    """A new browser session, logged in as the curator."""
    browser = Browser(base_url)
    _status, page, _location = browser.request("/admin/login/")
    username, password = CURATOR
    fields = {"csrfmiddlewaretoken": token_of(page), "username": username, "password": password}
    status, body, _location = browser.post("/admin/login/?next=/admin/", fields)
    assert status == 302, body[:500]
    return browser


def wait_for(browser, url: str, text: str) -> str:
    """The job page, once it says ``text`` (in a browser it refreshes itself)."""
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        status, page, _location = browser.request(url)
        assert status == 200
        if text in page:
            return page
        time.sleep(0.5)
    pytest.fail(f"the job page never said {text!r}:\n{page[-2000:]}")


def job_state(database, job_url: str) -> str:
    job_id = job_url.rstrip("/").rsplit("/", 1)[1].replace("-", "")
    with sqlite3.connect(database) as db:
        (state,) = db.execute(
            "SELECT state FROM curation_importjob WHERE replace(id, '-', '') = ?", (job_id,)
        ).fetchone()
    return state


def test_an_import_job_runs_in_the_worker_and_outlives_the_browser_session(site):
    base_url, database, log_path = site
    content = csv_bytes([row("worker-desk-1"), row("worker-desk-2", title="Another desk")])

    first = log_in(base_url)
    import_path = "/admin/practices/practice/import/"
    _status, page, _location = first.request(import_path)
    status, body, job_url = first.post(
        import_path,
        {"csrfmiddlewaretoken": token_of(page)},
        {"import_file": ("desks.csv", content)},
    )
    assert status == 302, body[:2000]
    # Logged out before any worker read the file: the session is gone, the job is not.
    first.post("/admin/logout/", {"csrfmiddlewaretoken": token_of(page)})

    second = log_in(base_url)
    summary = wait_for(second, job_url, "Confirm import")
    assert "2 new practices" in summary
    assert "desks.csv" in second.request(import_path)[1]
    status, _body, _location = second.post(
        f"{job_url}confirm/", {"csrfmiddlewaretoken": token_of(summary)}
    )
    assert status == 302
    del second  # this browser is gone too

    third = log_in(base_url)
    result = wait_for(third, job_url, "2 new practices imported, as drafts")
    assert "Imported" in result
    assert job_state(database, job_url) == "imported"
    with sqlite3.connect(database) as db:
        slugs = {
            slug
            for (slug,) in db.execute(
                "SELECT slug FROM practices_practice WHERE slug LIKE 'worker-desk-%'"
            )
        }
    assert slugs == {"worker-desk-1", "worker-desk-2"}
    assert "Traceback" not in log_path.read_text()
