"""gunicorn's settings for the knowledge base (`make serve`; gunicorn reads this file itself).

Every value can be changed from the environment, or the project's `.env` (read here as the
settings read it: gunicorn reads this file before Django starts), without editing this file.

Worker class: ``gthread``. Each worker process serves ``GUNICORN_THREADS`` requests at once in
threads, while its main thread keeps telling the arbiter it is alive. So ``timeout`` only
catches a worker that is truly stuck; a long CSV export streaming to a slow client runs in a
thread and is never killed halfway (a ``sync`` worker would be killed after ``timeout``
seconds, mid-download). Spreadsheet imports run in ``manage.py db_worker``, not here. The
work is mostly waiting on PostgreSQL, which threads do well; processes use both cores.
"""

import os
from pathlib import Path

from gfmd_kb import envfile
from gfmd_kb.serving import web_concurrency

envfile.read_into_environ(Path(__file__).resolve().parent / ".env")

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# WEB_CONCURRENCY, two per core by default; the deployment check counts them the same way.
workers = web_concurrency()
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
# Seconds a worker's main loop may go silent before it is restarted (not a request limit).
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
# On a restart or a deploy, requests in progress (a long export) get this long to finish
# before their worker is stopped.
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "300"))
keepalive = 5
# No periodic worker recycling by default: it restarts a worker whatever it is doing, and a
# long export would lose its answer past graceful_timeout. Set it (with jitter) only if memory
# is seen to creep.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "0"))
max_requests_jitter = max_requests // 10
# Behind one reverse proxy on the same host, trust its X-Forwarded-* headers only from it.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "warning").lower()
# Request lines and headers beyond these are refused before Django sees them.
limit_request_line = 8190
limit_request_fields = 100
