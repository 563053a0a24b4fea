"""The curator of bench/load.py: imports a spreadsheet through the admin, as a browser would.

Logs in at /admin/login/ with the CSRF token, opens the practice import page, uploads the file
with the page's own form, then reloads the import job's page (as its meta refresh does) until
the worker's preview is ready, posts its "Confirm import" form, and reloads again until the
import is done. Each step is timed; nothing here knows Django's internals.
"""

import re
import time
from dataclasses import dataclass, field
from html import unescape
from html.parser import HTMLParser
from pathlib import Path

import requests

IMPORT_PATH = "/admin/practices/practice/import/"


@dataclass
class Form:
    action: str = ""
    fields: dict[str, str] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)
    selects: dict[str, list[tuple[str, str]]] = field(default_factory=dict)  # (value, label)


class Forms(HTMLParser):
    """Every <form> of a page with its inputs' values and its selects' options."""

    def __init__(self, html: str):
        super().__init__()
        self.forms: list[Form] = []
        self.select = self.option = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.forms.append(Form(action=attrs.get("action") or ""))
        elif not self.forms:
            return
        elif tag == "input" and attrs.get("name") and attrs.get("type") == "file":
            self.forms[-1].files.append(attrs["name"])
        elif tag == "input" and attrs.get("name"):
            self.forms[-1].fields[attrs["name"]] = attrs.get("value") or ""
        elif tag == "select":
            self.select = attrs.get("name")
            self.forms[-1].selects[self.select] = []
        elif tag == "option" and self.select:
            self.option = attrs.get("value") or ""
            self.forms[-1].selects[self.select].append((self.option, ""))

    def handle_data(self, data):
        if self.select and self.option is not None:
            options = self.forms[-1].selects[self.select]
            options[-1] = (self.option, options[-1][1] + data.strip())

    def handle_endtag(self, tag):
        if tag == "option":
            self.option = None
        elif tag == "select":
            self.select = None

    def having(self, name: str) -> Form:
        for form in self.forms:
            if name in form.fields or name in form.selects or name in form.files:
                return form
        raise ImportFailed(f"no form with a {name!r} field on the page")


class ImportFailed(Exception):
    pass


@dataclass
class ImportRun:
    started: float = 0.0  # seconds after the load began
    login_s: float | None = None
    page_s: float | None = None
    preview_s: float | None = None
    confirm_s: float | None = None
    preview_summary: str = ""
    warnings: int = 0
    message: str = ""
    completed: bool = False
    error: str = ""


def messages(html: str) -> list[str]:
    return [
        unescape(re.sub(r"<[^>]+>", "", text)).strip()
        for text in re.findall(r'<li class="(?:success|error|warning)">(.*?)</li>', html, re.S)
    ]


def expect(response: requests.Response, status: int, step: str) -> None:
    if response.status_code != status:
        raise ImportFailed(f"{step}: HTTP {response.status_code}, expected {status}")


def wait_for(session, url: str, texts: tuple[str, ...], deadline: float):
    """The job's page once it shows one of ``texts``, reloaded every second as a browser
    reloads it (the page's meta refresh)."""
    while time.monotonic() < deadline:
        page = session.get(url, timeout=60)
        expect(page, 200, "job page")
        if any(text in page.text for text in texts):
            return page
        time.sleep(1)
    raise ImportFailed(f"the job page never showed {texts!r}")


def import_file(
    base: str, username: str, password: str, path: Path, timeout: float, run: ImportRun
) -> ImportRun:
    """Log in, upload ``path``, preview, confirm; ``run`` is filled in as it goes (so a
    caller that gives up waiting still sees how far it got)."""
    deadline = time.monotonic() + timeout
    session = requests.Session()

    def remaining() -> float:
        return max(deadline - time.monotonic(), 1.0)

    def step(attribute: str, call):
        began = time.perf_counter()
        response = call()
        setattr(run, attribute, time.perf_counter() - began)
        return response

    try:
        login = session.get(f"{base}/admin/login/?next=/admin/", timeout=30)
        expect(login, 200, "login page")
        form = Forms(login.text).having("csrfmiddlewaretoken")
        data = {**form.fields, "username": username, "password": password}
        response = step(
            "login_s",
            lambda: session.post(
                f"{base}/admin/login/?next=/admin/",
                data=data,
                headers={"Referer": login.url},
                allow_redirects=False,
                timeout=30,
            ),
        )
        expect(response, 302, "login (wrong password, or not a curator?)")

        page = step("page_s", lambda: session.get(f"{base}{IMPORT_PATH}", timeout=60))
        expect(page, 200, "import page")
        form = Forms(page.text).having("import_file")
        began = time.perf_counter()
        with path.open("rb") as upload:
            files = {"import_file": (path.name, upload, "text/csv")}
            uploaded = session.post(
                f"{base}{IMPORT_PATH}",
                data=form.fields,
                files=files,
                headers={"Referer": page.url},
                allow_redirects=False,
                timeout=remaining(),
            )
        expect(uploaded, 302, "upload")
        job_url = requests.compat.urljoin(page.url, uploaded.headers["Location"])
        preview = wait_for(session, job_url, ("Confirm import", "cannot be imported"), deadline)
        run.preview_s = time.perf_counter() - began
        summary = re.search(r"(\d+) new practices?", preview.text)
        run.preview_summary = summary.group(0) if summary else ""
        run.warnings = preview.text.count('<p class="warning">')
        confirm = next((f for f in Forms(preview.text).forms if "/confirm/" in f.action), None)
        if confirm is None:
            raise ImportFailed("the preview has no confirmation form")
        began = time.perf_counter()
        done = session.post(
            requests.compat.urljoin(job_url, confirm.action),
            data=confirm.fields,
            headers={"Referer": job_url},
            allow_redirects=False,
            timeout=60,
        )
        expect(done, 302, "confirm")
        landing = wait_for(session, job_url, ("imported, as drafts", "The import failed"), deadline)
        run.confirm_s = time.perf_counter() - began
        found = re.search(r"\d+ new practices? imported, as drafts", landing.text)
        run.message = found.group(0) if found else " ".join(messages(landing.text))
        run.completed = found is not None
        if not run.completed:
            run.error = run.message or "no result after the confirmation"
    except (ImportFailed, requests.RequestException, StopIteration) as error:
        run.error = f"{type(error).__name__}: {error}"
    return run
