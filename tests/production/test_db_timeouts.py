"""PostgreSQL's limits on every connection (gfmd_kb.postgresql): a statement that runs too long
is cancelled, a transaction left open is ended, and a command gets longer than a web request.

The database that stops answering altogether is tests/production/test_db_outage.py.
"""

import os
import subprocess
import sys
import time

import pytest
from django.conf import settings
from django.db import OperationalError, connection, transaction
from django.test import RequestFactory

from gfmd_kb.errors import server_error
from tests.processes import BASE_DIR, manage

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not settings.DATABASES["default"]["ENGINE"].endswith("postgresql"),
        reason="PostgreSQL's limits",
    ),
]


def show(name: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SHOW {name}")
        return cursor.fetchone()[0]


def child_env(**overrides: str) -> dict[str, str]:
    """This test database, for a child process (which reads no `.env`)."""
    database = connection.settings_dict
    return {
        **os.environ,
        "ENV_FILE": "",
        "DATABASE_URL": f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}"
        f"/{database['NAME']}",
        **overrides,
    }


def test_a_web_request_gets_a_few_seconds_a_statement():
    assert show("statement_timeout") == f"{settings.DB_STATEMENT_TIMEOUT}s"
    assert show("idle_in_transaction_session_timeout") == "1min"
    assert settings.DATABASES["default"]["OPTIONS"]["connect_timeout"] == 3


def test_a_command_gets_longer():
    result = manage(
        child_env(),
        "shell",
        "--no-imports",
        "-c",
        "from django.db import connection; c = connection.cursor(); "
        "c.execute('SHOW statement_timeout'); print(c.fetchone()[0])",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "10min"


def test_a_statement_past_the_timeout_is_cancelled_and_gets_the_503_page():
    started = time.monotonic()
    with (
        pytest.raises(OperationalError, match="statement timeout") as raised,
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("SET LOCAL statement_timeout = 200")
        cursor.execute("SELECT pg_sleep(5)")
    assert time.monotonic() - started < 2
    try:
        raise raised.value
    except OperationalError:
        response = server_error(RequestFactory().get("/practices/"))
    assert response.status_code == 503 and response["Retry-After"] == "30"
    # The connection is still usable: the server cancelled the statement, not the session.
    assert show("statement_timeout") == f"{settings.DB_STATEMENT_TIMEOUT}s"


def test_a_transaction_left_open_releases_its_locks():
    """A process that took a lock in a transaction and then went silent (a worker stopped
    mid-import, a request abandoned) is ended by the server, and its locks go with it."""
    holder = subprocess.Popen(  # noqa: S603 (our interpreter and manage.py)
        [sys.executable, str(BASE_DIR / "manage.py"), "shell", "--no-imports", "-c"]
        + [
            "import sys, time\n"
            "from django.db import connection, transaction\n"
            "with transaction.atomic():\n"
            "    connection.cursor().execute('SELECT pg_advisory_xact_lock(4242)')\n"
            "    print('locked', flush=True)\n"
            "    time.sleep(60)\n"
        ],
        cwd=BASE_DIR,
        env=child_env(DB_IDLE_IN_TRANSACTION_TIMEOUT="1"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        started = time.monotonic()
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(4242)")
        waited = time.monotonic() - started
    finally:
        holder.kill()
        holder.wait()
    assert 0.5 < waited < 4, waited
