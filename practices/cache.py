"""Shared cache of the expensive public counts: facet counts, coverage, the home page's figures.

Every entry is keyed by the current *data generation*, a token kept in the cache itself. Any
committed change to a practice, a country or any other record of these apps sets a new token,
so every entry computed before it is never read again (and expires on its own): there is no
list of keys to delete, and a save on one app server invalidates the entries of all of them
when the cache is shared (Redis, ``CACHE_URL=redis://…``). The token changes when the
transaction commits, never before: a reader can never cache a half-written change under the
new token.

With ``locmem://`` each process has its own cache and its own token, so a save is seen at once
by its own process only; the others see it when their entries expire (the backend's
``TIMEOUT`` in settings.CACHES, an hour). The deploy checks (``gfmd_kb.checks``) say so.

Each new generation is announced by the signal ``generation_replaced``, sent once per committed
change: the catalogue computes the list's common counts ahead then (``catalogue.warming``),
instead of leaving them to the first unlucky request.
"""

import hashlib
import logging
import secrets

from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import Signal, receiver
from django.utils import translation

logger = logging.getLogger(__name__)

GENERATION_KEY = "data-generation"
WATCHED_APPS = {"practices", "countries"}
# A preparer's dossiers change no public count: saving or sharing one keeps the cache.
UNWATCHED_MODELS = {"practices.dossier", "practices.dossierpractice"}

# Sent (sender: this module's ``invalidate``) once the new generation is in the cache.
generation_replaced = Signal()


def generation() -> str:
    token = cache.get(GENERATION_KEY)
    if token is None:
        cache.add(GENERATION_KEY, secrets.token_hex(8), timeout=None)
        token = cache.get(GENERATION_KEY)
    return token


def invalidate() -> None:
    """Make every cached count stale, at once."""
    try:
        cache.set(GENERATION_KEY, secrets.token_hex(8), timeout=None)
    except Exception:  # a cache that cannot be reached holds nothing to invalidate
        logger.exception("could not invalidate the cache")
        return
    # A receiver that fails (a task queue that cannot be reached) never fails the save.
    for receiver_, error in generation_replaced.send_robust(sender=invalidate):
        if error is not None:
            logger.error("%s failed after a data change", receiver_, exc_info=error)


def cached(name: str, parts, compute):
    """``compute()``'s value for ``name`` and ``parts`` in the current language and generation.

    A cache that cannot be reached (Redis down) costs speed, never the page: the value is
    computed as if nothing were cached.
    """
    try:
        token = generation()
        digest = hashlib.sha256(repr(parts).encode()).hexdigest()[:32]
        key = f"{name}:{token}:{translation.get_language()}:{digest}"
        value = cache.get(key) if token else None
    except Exception:
        logger.exception("cache unavailable; computing %s", name)
        return compute()
    if value is None:
        value = compute()
        try:
            if token:
                cache.set(key, value)
        except Exception:
            logger.exception("could not store %s in the cache", name)
    return value


def invalidate_on_commit() -> None:
    """Invalidate once when the current transaction commits (at once outside a transaction).

    One callback per transaction, however many rows it writes (an import writes thousands);
    a rolled-back transaction drops it with the rest.
    """
    connection = transaction.get_connection()
    if not any(func is invalidate for _sids, func, _robust in connection.run_on_commit):
        transaction.on_commit(invalidate, robust=True)


@receiver(post_save)
@receiver(post_delete)
@receiver(m2m_changed)
def _data_changed(sender, **kwargs):
    opts = sender._meta
    if opts.app_label in WATCHED_APPS and opts.label_lower not in UNWATCHED_MODELS:
        invalidate_on_commit()
