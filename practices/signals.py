"""Keep each practice's stored search text, and its ready export rows, in step with the data.

A practice is found by its own text, its organisations and its countries, so a change to any
of them re-indexes that practice. The work waits for the transaction to commit: the admin
saves a practice, then its partners and country rows, and a fixture load saves rows in any
order, so indexing at each save would read a half-written practice (and index it several
times). Raw saves (``loaddata``) are skipped: ``load_paper`` rebuilds the index at the end.
"""

from django.db import transaction
from django.db.models import Q
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete
from django.dispatch import receiver

from countries.models import Country

from . import export_rows
from .models import (
    Evaluation,
    GCMObjective,
    Organisation,
    OutcomeMetric,
    Practice,
    PracticeCountry,
    ScorecardRating,
    Source,
    Stage,
    TargetGroup,
    Theme,
)
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


# -- the ready export rows ------------------------------------------------------------------
# Everything a practice's export record shows (practices.export_rows) marks its rows stale in
# the same transaction, raw saves (loaddata) included: a mark costs one statement, and a
# missed one would export what the practice no longer says. Writers that send no signals
# (bulk inserts, raw SQL) call export_rows.mark_stale themselves.

PRACTICE_ROWS = (PracticeCountry, OutcomeMetric, Evaluation, ScorecardRating)
EXPORTED_LINKS = ("themes", "partners", "target_groups", "stages", "gcm_objectives", "sources")
# Country links added through the many-to-many manager are bulk-inserted: no post_save.
M2M_LINKS = (*EXPORTED_LINKS, "countries")


@receiver(post_save, sender=Practice)
def export_practice(sender, instance, **kwargs):
    export_rows.mark_stale([instance.pk])


@receiver(pre_delete, sender=Practice)
def practice_deleting(sender, instance, **kwargs):
    # Its figures and links are deleted first, one by one: they need not mark its rows.
    export_rows.deleting_ids().add(instance.pk)


@receiver(post_delete, sender=Practice)
def forget_practice(sender, instance, **kwargs):
    export_rows.forget(instance.pk)


def export_practice_row(sender, instance, **kwargs):
    export_rows.mark_stale([instance.practice_id])


for _model in PRACTICE_ROWS:
    post_save.connect(export_practice_row, sender=_model, dispatch_uid=f"export-{_model.__name__}")
    post_delete.connect(
        export_practice_row, sender=_model, dispatch_uid=f"export-{_model.__name__}"
    )


def export_links(sender, instance, action, reverse, pk_set, **kwargs):
    if not reverse:
        if action.startswith("post_"):
            export_rows.mark_stale([instance.pk])
    elif action == "pre_clear":
        # A theme (say) cleared of its practices: they are known only before.
        field = _link_field(sender)
        through = sender.objects.filter(**{field.m2m_reverse_field_name(): instance})
        export_rows.mark_stale(through.values_list(f"{field.m2m_field_name()}_id", flat=True))
    elif action in ("post_add", "post_remove") and pk_set:
        export_rows.mark_stale(pk_set)  # the practices added to or removed from ``instance``


def _link_field(through):
    return next(
        field
        for name in M2M_LINKS
        if (field := Practice._meta.get_field(name)).remote_field.through is through
    )


for _name in M2M_LINKS:
    m2m_changed.connect(
        export_links,
        sender=Practice._meta.get_field(_name).remote_field.through,
        dispatch_uid=f"export-{_name}",
    )


def _practices_of(instance):
    """The ids of the practices whose records show ``instance`` (a reference record)."""
    if isinstance(instance, Organisation):
        practices = Practice.objects.filter(Q(lead_organisation=instance) | Q(partners=instance))
    elif isinstance(instance, Source):
        practices = Practice.objects.filter(Q(sources=instance) | Q(evaluations__source=instance))
    elif isinstance(instance, Country):
        practices = Practice.objects.filter(country_links__country=instance)
    else:  # a theme, a target group, a stage, a GCM objective: linked by one field
        name = next(
            name
            for name in EXPORTED_LINKS
            if Practice._meta.get_field(name).related_model is type(instance)
        )
        practices = Practice.objects.filter(**{name: instance})
    return practices.values_list("pk", flat=True)


def export_reference(sender, instance, created=False, **kwargs):
    # A renamed theme or organisation, an edited source: its practices show it. Before its
    # deletion: its links are deleted with it, and the practices are found through them.
    if not created:
        export_rows.mark_stale(_practices_of(instance))


for _model in (Theme, TargetGroup, Stage, GCMObjective, Organisation, Source, Country):
    post_save.connect(export_reference, sender=_model, dispatch_uid=f"export-{_model.__name__}")
    pre_delete.connect(export_reference, sender=_model, dispatch_uid=f"export-{_model.__name__}")
