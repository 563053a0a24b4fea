"""Keep each practice's stored search text in step with what it is searched by.

A practice is found by its own text, its organisations and its countries, so a change to any
of them re-indexes that practice. The work waits for the transaction to commit: the admin
saves a practice, then its partners and country rows, and a fixture load saves rows in any
order, so indexing at each save would read a half-written practice (and index it several
times). Raw saves (``loaddata``) are skipped: ``load_paper`` rebuilds the index at the end.
"""

from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from .models import Organisation, Practice, PracticeCountry
from .search_index import update_search_index


def pending_ids() -> set[int]:
    """Practice ids waiting for this connection's next commit.

    Kept on the connection, which is the thread's own: a module-wide set would let one
    request's commit index (and clear) another request's practices before that request had
    committed them. A rolled-back transaction leaves its ids here; they are re-indexed at the
    next commit, which is harmless.
    """
    return transaction.get_connection().__dict__.setdefault("_search_index_pending", set())


def _index_pending():
    pending = pending_ids()
    ids = set(pending)
    pending.clear()
    if ids:
        update_search_index(Practice.objects.filter(pk__in=ids))


def reindex_on_commit(practice_ids) -> None:
    pending_ids().update(practice_ids)
    transaction.on_commit(_index_pending)


@receiver(post_save, sender=Practice)
def index_practice(sender, instance, raw=False, **kwargs):
    if not raw:
        reindex_on_commit([instance.pk])


@receiver(post_save, sender=PracticeCountry)
@receiver(post_delete, sender=PracticeCountry)
def index_country_link(sender, instance, raw=False, **kwargs):
    if not raw:
        reindex_on_commit([instance.practice_id])


@receiver(m2m_changed, sender=Practice.partners.through)
def index_partners(sender, instance, action, reverse, pk_set, **kwargs):
    if not action.startswith("post_"):
        return
    if not reverse:
        reindex_on_commit([instance.pk])
    elif pk_set is not None:
        reindex_on_commit(pk_set)  # an organisation's practices: pk_set holds practice ids
    else:
        reindex_on_commit(Practice.objects.filter(partners=instance).values_list("pk", flat=True))


@receiver(post_save, sender=Organisation)
def index_organisation(sender, instance, raw=False, created=False, **kwargs):
    # A renamed organisation: the practices it leads or partners in are found by its name.
    if not raw and not created:
        practices = Practice.objects.filter(lead_organisation=instance) | Practice.objects.filter(
            partners=instance
        )
        reindex_on_commit(practices.values_list("pk", flat=True))
