"""PostgreSQL that fails fast: Django's backend, with every wait on the server bounded.

A database that is down refuses connections at once, and the site answers 503. One that hangs
(a frozen server, a stalled network, a lock held for ever) answers nothing, and without limits
every request that needs it waits for ever, until no thread is left to serve even a static
file. So each connection gets

- a **connect timeout**: establishing a connection (TCP, start-up, authentication) may take
  ``OPTIONS["connect_timeout"]`` seconds; Django's health check of a kept connection at the
  start of a request too;
- a **statement timeout** (``OPTIONS["statement_timeout"]``, seconds): the server cancels a
  statement that runs longer, and the connection stays usable;
- an **idle-in-transaction timeout** (``OPTIONS["idle_in_transaction_timeout"]``): the server
  ends a session that left a transaction open and silent that long, so an abandoned request or
  job never keeps its locks;
- a **client-side deadline**: a server that does not answer at all cannot cancel anything, so
  the wait for each answer is bounded here too, one second past the statement timeout (the
  server's own cancellation, which keeps the connection, normally comes first). Past it, the
  connection is closed and the query raises ``OperationalError``, which the error view
  (``gfmd_kb.errors``) turns into the 503 page.

The deadline works through psycopg2's wait callback ("green" mode): psycopg2 then sends each
query without blocking and calls ``wait`` until the answer is there, and ``wait`` waits with
``select`` for at most the time left. The callback is global to the process, and in green mode
psycopg2 refuses ``COPY`` and large objects, which the site does not use.
"""

import contextlib
import select
import threading
import time

from django.db.backends.postgresql import base
from psycopg2 import OperationalError, extensions

# Settled connections; any other status is a connection still being established.
CONNECTED = frozenset(
    {extensions.STATUS_READY, extensions.STATUS_BEGIN, extensions.STATUS_PREPARED}
)
# How much longer than the statement timeout the client waits for the server's answer.
GRACE_SECONDS = 1.0

_limits = threading.local()


def wait(conn, cursor=None):
    """psycopg2's wait callback: poll ``conn`` until its operation is done, within the
    deadline of the thread's current limits (none outside a connection of this backend)."""
    connecting = conn.status not in CONNECTED
    limit = getattr(_limits, "connect" if connecting else "answer", None)
    deadline = None if limit is None else time.monotonic() + limit
    while True:
        state = conn.poll()
        if state == extensions.POLL_OK:
            return
        left = None if deadline is None else deadline - time.monotonic()
        if left is not None and left <= 0:
            # psycopg2 closes the connection when the callback raises: nothing half-read is
            # left on it, and Django opens a new one for the next request.
            raise OperationalError(
                f"the database did not answer within {limit:g} s"
                + (" while connecting" if connecting else "")
            )
        if state == extensions.POLL_READ:
            select.select([conn.fileno()], [], [], left)
        elif state == extensions.POLL_WRITE:
            select.select([], [conn.fileno()], [], left)
        else:  # pragma: no cover (psycopg2 returns only the three states above)
            raise OperationalError(f"unexpected state {state} from the database driver")


extensions.set_wait_callback(wait)


@contextlib.contextmanager
def answer_within(seconds: float | None):
    """Within this block, the thread waits at most ``seconds`` for each answer (``None``: for
    ever)."""
    before = getattr(_limits, "answer", None)
    _limits.answer = seconds
    try:
        yield
    finally:
        _limits.answer = before


def _milliseconds(seconds: float) -> int:
    return round(seconds * 1000)


class DatabaseWrapper(base.DatabaseWrapper):
    def __init__(self, settings_dict, *args, **kwargs):
        options = settings_dict.setdefault("OPTIONS", {})
        # Our own keys: read once, and kept out of what goes to psycopg2.connect().
        self.statement_timeout = options.pop("statement_timeout", None)
        self.idle_in_transaction_timeout = options.pop("idle_in_transaction_timeout", None)
        super().__init__(settings_dict, *args, **kwargs)

    def get_connection_params(self):
        params = super().get_connection_params()
        server = [params.pop("options", "")]
        if self.statement_timeout:
            server.append(f"-c statement_timeout={_milliseconds(self.statement_timeout)}")
        if self.idle_in_transaction_timeout:
            server.append(
                "-c idle_in_transaction_session_timeout="
                f"{_milliseconds(self.idle_in_transaction_timeout)}"
            )
        if options := " ".join(part for part in server if part):
            params["options"] = options
        return params

    def _set_limits(self):
        connect = self.settings_dict["OPTIONS"].get("connect_timeout")
        _limits.connect = float(connect) if connect else None
        if getattr(_limits, "answer", None) is None and self.statement_timeout:
            _limits.answer = self.statement_timeout + GRACE_SECONDS

    def get_new_connection(self, conn_params):
        self._set_limits()
        return super().get_new_connection(conn_params)

    def is_usable(self):
        # The health check of a kept connection, before a request uses it: a server that
        # does not answer it within the connect timeout is taken for gone.
        with answer_within(self.settings_dict["OPTIONS"].get("connect_timeout")):
            return super().is_usable()
