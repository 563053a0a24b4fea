"""The real thing: PostgreSQL goes away under a running gunicorn, then comes back.

gunicorn serves the site as in production (DEBUG off, gunicorn.conf.py) from its own
PostgreSQL database, reached through a TCP relay this test controls. Cutting the relay is the
database host going down: established connections die and new ones are refused. The site must
answer with its 503 page meanwhile, and serve again, with no restart, once the relay is back.

Needs the PostgreSQL server at 127.0.0.1:5432 (the production database; CI has it in both of
its passes). The suite's own test database is not used.
"""

import contextlib
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import psycopg2
import pytest

from tests.processes import BASE_DIR, child_env, free_port, manage_or_fail

POSTGRES = ("127.0.0.1", 5432)


class Relay:
    """A TCP relay to PostgreSQL that can be cut (every connection closed) and restored."""

    def __init__(self, target):
        self.target = target
        self.port = free_port()
        self.sockets: list[socket.socket] = []
        self.running = False

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

    @staticmethod
    def _pipe(source, sink):
        with contextlib.suppress(OSError):
            while data := source.recv(65536):
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


def get(url: str) -> tuple[int, str, dict]:
    try:
        with urllib.request.urlopen(url, timeout=20) as response:  # noqa: S310 (127.0.0.1)
            return response.status, response.read().decode(), dict(response.headers)
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
    }
    manage_or_fail(env, "migrate", "--noinput", "-v0")
    manage_or_fail(env, "collectstatic", "--noinput", "-v0")
    log = tmp_path_factory.mktemp("gunicorn") / "stderr"
    with log.open("w") as stderr:
        server = subprocess.Popen(  # noqa: S603
            [str(Path(sys.executable).parent / "gunicorn"), "-c", "gunicorn.conf.py"]
            + ["gfmd_kb.wsgi"],
            cwd=BASE_DIR,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError):
            get(base + "/about/")
            break
        time.sleep(0.2)
    try:
        yield base, relay
    finally:
        server.terminate()
        server.wait(timeout=30)
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
