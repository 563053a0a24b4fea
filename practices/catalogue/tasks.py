"""The catalogue's background job, as a django-tasks task: ``manage.py db_worker`` runs it."""

from django.conf import settings
from django.core.cache import cache
from django_tasks import task

from . import warming

PENDING_KEY = "list-warming-pending"
# A queued job that never runs (a worker down) blocks the next ones for this long at most.
PENDING_TIMEOUT = 15 * 60


@task()
def warm_list_counts() -> int:
    """The list's common counts for the current data (``warming``); queued after a change."""
    # Cleared first: a change committed from now on queues a job that will see it.
    cache.delete(PENDING_KEY)
    return warming.warm()


def queue_warming(sender=None, **kwargs) -> None:
    """Receiver of ``practices.cache.generation_replaced``: queue one warming job, unless one
    is queued and not started yet (it will see this change)."""
    if not settings.WARM_CACHE:
        return
    if not cache.add(PENDING_KEY, True, timeout=PENDING_TIMEOUT):
        return
    try:
        warm_list_counts.enqueue()
    except Exception:
        cache.delete(PENDING_KEY)  # not queued: let the next change try again
        raise
