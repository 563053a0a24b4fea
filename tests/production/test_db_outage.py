"""The real thing: PostgreSQL goes away under a running gunicorn, or hangs, then comes back.

gunicorn serves the site as in production (DEBUG off, gunicorn.conf.py) from its own
PostgreSQL database, reached through a TCP relay this test controls. Cutting the relay is the
database host going down: established connections die and new ones are refused. Freezing it is
a database that hangs (a stopped server process, a stalled network): connections are accepted
and queries sent, and nothing ever comes back. The site must answer with its 503 page
meanwhile, within its database timeouts, keep serving what needs no database, and serve again,
with no restart, once the relay is back.

Needs the PostgreSQL server at 127.0.0.1:5432, and runs when the suite runs on PostgreSQL
(CI's second pass); the suite's own test database is not used.
"""

import contextlib
import os
import re
import socket
import sys
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psycopg2
import pytest

from tests.processes import child_env, free_port, manage_or_fail, start, stop, wait_until_up
from tests.public_urls import PUBLIC_URLS

# The site under test has a PostgreSQL database of its own, whatever the suite's: CI's
# PostgreSQL pass runs this, and its SQLite pass does not run it again.
pytestmark = pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="PostgreSQL going away: runs in the PostgreSQL pass",
)

POSTGRES = ("127.0.0.1", 5432)
CONNECT_TIMEOUT = STATEMENT_TIMEOUT = 2
# The longest a request may wait on a database that hangs: the health check of its kept
# connection (the connect timeout), a new connection (the same), the client's grace second.
WORST_WAIT = CONNECT_TIMEOUT * 2 + 1


class Relay:
    """A TCP relay to PostgreSQL that can be cut (every connection closed) and restored."""

    def __init__(self, target):
        self.target = target
        self.port = free_port()
        self.sockets: list[socket.socket] = []
        self.running = False
        self.flowing = threading.Event()
        self.flowing.set()

    def start(self):
        self.listener = socket.create_server(("127.0.0.1", self.port))
        self.listener.settimeout(0.1)
        self.running = True
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self):
        while self.running:
            try:
                client, _ = self.listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            upstream = socket.create_connection(self.target)
            self.sockets += [client, upstream]
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(source, sink), daemon=True).start()

    def _pipe(self, source, sink):
        with contextlib.suppress(OSError):
            while data := source.recv(65536):
                self.flowing.wait()
                sink.sendall(data)
        with contextlib.suppress(OSError):
            sink.shutdown(socket.SHUT_RDWR)

    def cut(self):
        self.running = False
        self.thread.join()
        self.listener.close()
        for sock in self.sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()
        self.sockets.clear()

    def freeze(self):
        """Keep accepting connections and reading from both sides, and forward nothing."""
        self.flowing.clear()

    def thaw(self):
        self.flowing.set()


def get(url: str, timeout: float = 20) -> tuple[int, str, dict]:
    """Status, body and headers; a binary body (the workbook) decoded leniently."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 (127.0.0.1)
            return response.status, response.read().decode(errors="replace"), dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(), dict(error.headers)


@pytest.fixture(scope="module")
def database():
    try:
        admin = psycopg2.connect(host=POSTGRES[0], port=POSTGRES[1], user="postgres")
    except psycopg2.OperationalError:
        pytest.skip("no PostgreSQL server at 127.0.0.1:5432")
    admin.autocommit = True
    name = f"gfmd_outage_{os.getpid()}"
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cursor.execute(f'CREATE DATABASE "{name}"')
    yield name
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.close()


@pytest.fixture(scope="module")
def site(database, tmp_path_factory):
    relay = Relay(POSTGRES)
    relay.start()
    port = free_port()
    env = {
        **child_env(),
        "DEBUG": "false",
        "HTTPS": "false",
        "SECRET_KEY": "outage-test-not-secret",
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:{relay.port}/{database}",
        "STATIC_ROOT": str(tmp_path_factory.mktemp("static")),
        "CACHE_URL": "dummy://",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": "1",
        "GUNICORN_THREADS": "2",
        "GUNICORN_ACCESS_LOG": "",
        # Short limits, so that the test is quick; production's are a few seconds too.
        "DB_CONNECT_TIMEOUT": str(CONNECT_TIMEOUT),
        "DB_STATEMENT_TIMEOUT": str(STATEMENT_TIMEOUT),
    }
    manage_or_fail(env, "migrate", "--noinput", "-v0")
    manage_or_fail(env, "load_paper", "-v0")
    manage_or_fail(env, "collectstatic", "--noinput", "-v0")
    log_path = tmp_path_factory.mktemp("gunicorn") / "output"
    with log_path.open("w") as log:
        gunicorn = str(Path(sys.executable).parent / "gunicorn")
        server = start([gunicorn, "-c", "gunicorn.conf.py", "gfmd_kb.wsgi"], env, log)
    base = f"http://127.0.0.1:{port}"
    wait_until_up(base + "/about/", server, log_path, timeout=30)
    try:
        yield base, relay
    finally:
        stop(server, timeout=30)
        if relay.running:
            relay.cut()


def test_pages_say_the_database_is_unreachable_then_recover(site):
    base, relay = site
    pages = ["/", "/practices/?theme=children", "/countries/", "/practices/export.csv"]
    for page in pages:
        assert get(base + page)[0] == 200, page

    relay.cut()
    for page in pages:
        status, body, headers = get(base + page)
        assert status == 503, (page, status, body[:300])
        assert "temporarily unavailable" in body and "Traceback" not in body
        assert headers["Retry-After"] == "30"

    relay.start()
    for page in pages:
        assert get(base + page)[0] == 200, page


def timed_get(url: str) -> tuple[int, str, float]:
    started = time.monotonic()
    status, body, _headers = get(url, timeout=60)
    return status, body, time.monotonic() - started


def test_a_database_that_hangs_gets_503_within_the_timeouts_then_recovers(site):
    base, relay = site
    home = get(base + "/")[1]
    stylesheet = re.search(r'href="(/static/[^"]+\.css)"', home).group(1)
    for page in PUBLIC_URLS:
        assert get(base + page)[0] == 200, page

    relay.freeze()
    try:
        waits = {}
        for page in PUBLIC_URLS:
            status, body, waited = timed_get(base + page)
            assert status == 503, (page, status, body[:300])
            assert "temporarily unavailable" in body
            waits[page] = waited
        print("time to 503:", {page: round(wait, 1) for page, wait in waits.items()})
        assert max(waits.values()) < WORST_WAIT + 1, waits

        # Every thread busy waiting on the database: what needs none still answers, once a
        # thread is free again (each gives up within WORST_WAIT).
        with ThreadPoolExecutor(max_workers=6) as pool:
            stuck = [pool.submit(timed_get, base + page) for page in PUBLIC_URLS[:4]]
            time.sleep(0.2)
            static = pool.submit(timed_get, base + stylesheet)
            login = pool.submit(timed_get, base + "/admin/login/")
            assert static.result()[0] == 200 and static.result()[2] < WORST_WAIT + 1
            status, body, waited = login.result()
            assert status == 200 and 'name="password"' in body, (status, body[:300])
            assert waited < 2 * WORST_WAIT + 1
            assert all(future.result()[0] == 503 for future in stuck)
    finally:
        relay.thaw()

    started = time.monotonic()
    for page in PUBLIC_URLS:
        assert get(base + page)[0] == 200, page
    print(f"recovered: every page served again in {time.monotonic() - started:.1f} s")
