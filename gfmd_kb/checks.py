"""The project's own deployment checks (``manage.py check --deploy``, which ``make serve`` runs
before it starts gunicorn: an error stops it)."""

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register

from .serving import web_concurrency


@register(Tags.caches, deploy=True)
def check_shared_cache(app_configs, **kwargs):
    """The cached counts (practices.cache) are only right if every process shares the cache:
    a save in one process replaces the data generation that the others' keys include."""
    backend = settings.CACHES["default"]["BACKEND"]
    if backend.endswith("RedisCache"):
        return []
    warming = []
    if settings.WARM_CACHE:
        warming.append(
            Warning(
                "WARM_CACHE is on but the cache is not shared (CACHE_URL is not redis://): the "
                "worker would compute the list's counts into its own memory, which no web "
                "process reads.",
                hint="Set CACHE_URL=redis://host:6379/1, or WARM_CACHE=false.",
                id="gfmd.W002",
            )
        )
    workers = web_concurrency()
    if workers > 1:
        return [
            Error(
                f"The cache is not shared between processes (CACHE_URL is not redis://), and "
                f"gunicorn would run {workers} worker processes: each would keep its own "
                "counts, and show a practice that was unpublished in another one.",
                hint="Set CACHE_URL=redis://host:6379/1 (the README's production settings), "
                "or WEB_CONCURRENCY=1 for a single process.",
                id="gfmd.E001",
            ),
            *warming,
        ]
    return [
        Warning(
            "The cache is not shared between processes (CACHE_URL is not redis://).",
            hint="With one gunicorn worker it is right; with a second app server, each would "
            "keep its own counts. Set CACHE_URL=redis://host:6379/1.",
            id="gfmd.W001",
        ),
        *warming,
    ]


@register()
def check_pdf_library(app_configs, **kwargs):
    """The roundtable brief's PDF is laid out by WeasyPrint, which needs the system's Pango."""
    try:
        import weasyprint  # noqa: F401
    except OSError as error:
        return [
            Warning(
                f"The brief's PDF cannot be made on this machine: {error}",
                hint="Install Pango (Debian and Ubuntu: apt-get install libpango-1.0-0 "
                "libpangoft2-1.0-0). Every other page and file works without it.",
                id="gfmd.W003",
            )
        ]
    return []
