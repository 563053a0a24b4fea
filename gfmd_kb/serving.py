"""How the production server runs: read by gunicorn.conf.py and by the deployment checks, so
that both count the same processes."""

import os


def web_concurrency() -> int:
    """gunicorn's worker processes: ``WEB_CONCURRENCY``, by default two per core."""
    raw = os.environ.get("WEB_CONCURRENCY", "").strip()
    return int(raw) if raw else (os.cpu_count() or 1) * 2
