"""A practice's history: every change recorded, with what each entry changed.

django-simple-history writes an entry for every save and delete of a practice and of the
records hanging off it (country links, figures, evaluations, ratings), and, for the practice's
many-to-many links, a copy of the links as they stood at each entry.

Three gaps of the library are closed here. Before the first recorded change:

- A record that has no history yet (the paper's practices, organisations and sources, loaded
  as a baseline without history; rows written in bulk) gets an entry of its stored state
  before it first changes, so that change shows what it changed, and the earlier values are
  kept: a renamed slug or source key among them, which ``former_keys`` reads.

At deletion:

- Django empties a practice's link tables before it deletes the practice, so the library's
  deletion entry would record no links at all. The links are read just before (``pre_delete``)
  and written into the deletion entry: it shows the practice as it was when deleted, and a
  practice never edited since the paper was loaded (which has no other entry) keeps them too.
- The deletion entry is dated when the deletion starts, before its country links, figures,
  evaluations and ratings are deleted with it. Their deletion entries are thus dated at or
  after the practice's: that is how ``practices.curation.restore`` tells them from rows a
  curator had deleted earlier on purpose.
"""

from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Exists, ForeignKey, OuterRef
from django.db.models.signals import m2m_changed, post_delete, pre_delete, pre_save
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from simple_history.signals import pre_create_historical_m2m_records

from .models import (
    Evaluation,
    Organisation,
    OutcomeMetric,
    Practice,
    PracticeCountry,
    ScorecardRating,
    Source,
)

# Stored in English with the history entries it labels, like the workflow's reasons, and
# translated when the admin shows it.
BASELINE = gettext_noop("As it stood before its first recorded change")

# The records deleted with a practice and brought back with it, in the order they are shown.
DEPENDENTS = [PracticeCountry, OutcomeMetric, Evaluation, ScorecardRating]
# Whose state before a first change is kept (``_ensure_baseline``). For organisations and
# sources it keeps the slug or key the paper gave them, so a rename shows what it renamed, and
# ``former_keys`` (what load_paper asks) knows the paper's key is not missing but renamed.
TRACKED = [Practice, *DEPENDENTS, Organisation, Source]


def historical(model):
    """The history model of ``model`` (HistoricalPractice for Practice)."""
    return model.history.model


def m2m_fields() -> list:
    """The practice's many-to-many fields whose links history copies at each entry."""
    return list(historical(Practice)._history_m2m_fields)


def m2m_history_model(m2m_field):
    """The table holding, per history entry, the links of ``m2m_field`` at that entry."""
    return getattr(historical(Practice), m2m_field.name).model


def latest_only(history_model):
    """Entries with no later entry for the same record."""
    later = history_model.objects.filter(id=OuterRef("id"), history_id__gt=OuterRef("history_id"))
    return ~Exists(later)


def links_by_entry(entries) -> dict[str, dict[int, dict[int, str]]]:
    """The many-to-many links at each of ``entries`` (history entries of one model):
    ``{field name: {history_id: {linked pk: its name}}}``, one query per field."""
    if not entries:
        return {}
    history_model = type(entries[0])
    ids = [entry.history_id for entry in entries]
    links = {}
    for m2m_field in history_model._history_m2m_fields:
        target = m2m_field.m2m_reverse_field_name()
        per_entry: dict[int, dict[int, str]] = defaultdict(dict)
        rows = (
            getattr(history_model, m2m_field.name)
            .model.objects.filter(history__in=ids)
            .select_related(target)
        )
        for row in rows:
            linked_pk = getattr(row, f"{target}_id")
            linked = getattr(row, target)
            per_entry[row.history_id][linked_pk] = (
                str(linked)
                if linked is not None
                else _("%(what)s %(id)s (deleted since)")
                % {"what": m2m_field.related_model._meta.verbose_name, "id": linked_pk}
            )
        links[m2m_field.name] = per_entry
    return links


def dependent_entries(practice_id: int) -> dict:
    """Every history entry of the practice's country links, figures, evaluations and
    ratings, by model, with their users and foreign keys joined: one query per model."""
    found = {}
    for model in DEPENDENTS:
        history_model = historical(model)
        joined = [
            f.name
            for f in history_model.tracked_fields
            if isinstance(f, ForeignKey) and f.name != "practice"
        ]
        found[model] = list(
            history_model.objects.filter(practice_id=practice_id).select_related(
                "history_user", *joined
            )
        )
    return found


def write_entry(model, obj, history_type: str, user, reason: str, date=None):
    """One history entry of ``obj`` as it is now, with its many-to-many links, dated ``date``
    (by default now)."""
    history_model = historical(model)
    entry = history_model(
        history_date=date or timezone.now(),
        history_type=history_type,
        history_user=user,
        history_change_reason=reason,
        **{f.attname: getattr(obj, f.attname) for f in history_model.tracked_fields},
    )
    entry.save()
    for m2m_field in history_model._history_m2m_fields:
        through = m2m_field.remote_field.through
        links = through.objects.filter(**{m2m_field.m2m_field_name(): obj.pk})
        m2m_model = getattr(history_model, m2m_field.name).model
        m2m_model.objects.bulk_create(
            m2m_model(
                history=entry, **{f.attname: getattr(link, f.attname) for f in through._meta.fields}
            )
            for link in links
        )
    return entry


# -- before the first recorded change -----------------------------------------------------


def _ensure_baseline(model, instance) -> None:
    """Write the stored state of ``instance`` as an entry if it has none yet.

    Checked once per instance: a record saved or linked several times in a request (the
    admin saves a practice, then each of its link fields) costs one query, and a new record
    none (its creation is recorded).
    """
    if getattr(instance, "_history_baseline_checked", False) or instance.pk is None:
        return
    instance._history_baseline_checked = True
    if not getattr(settings, "SIMPLE_HISTORY_ENABLED", True):
        return
    if historical(model).objects.filter(id=instance.pk).exists():
        return
    stored = model._default_manager.filter(pk=instance.pk).first()
    if stored is not None:
        write_entry(model, stored, "+", None, BASELINE, date=_stood_since(stored))


def _stood_since(stored):
    """When ``stored`` (a record with no history) last stood as it stands now.

    A record with an ``updated_at`` (a practice, an evaluation) has stood so since then. One
    without (a country link, a figure) was written without history with its practice, by
    ``load_paper`` or in bulk, and has not changed since: it stands as its practice was
    loaded. Never later than now, whatever a clock or a hand-edited row says: the baseline
    comes before the change it precedes.
    """
    now = timezone.now()
    if hasattr(stored, "updated_at"):
        since = stored.updated_at
    elif not hasattr(stored, "practice_id"):
        since = None  # reference data (an organisation, a source) keeps no date of its own
    else:
        since = (
            Practice.objects.filter(pk=stored.practice_id)
            .values_list("created_at", flat=True)
            .first()
        )
    return min(since, now) if since else now


def baseline_before_save(sender, instance, raw=False, **kwargs):
    if raw or getattr(instance, "skip_history_when_saving", False):
        return
    if instance._state.adding:
        instance._history_baseline_checked = True
        return
    _ensure_baseline(sender, instance)


def baseline_before_link_change(sender, instance, action, reverse, **kwargs):
    changing = action in ("pre_add", "pre_remove", "pre_clear") and not reverse
    if changing and not getattr(instance, "skip_history_when_saving", False):
        _ensure_baseline(Practice, instance)


for _model in TRACKED:
    pre_save.connect(baseline_before_save, sender=_model, dispatch_uid=f"baseline-{_model}")
for _field in Practice.history.model._history_m2m_fields:
    m2m_changed.connect(
        baseline_before_link_change,
        sender=_field.remote_field.through,
        dispatch_uid=f"baseline-{_field.name}",
    )


# -- at creation ---------------------------------------------------------------------------
#
# A new practice is saved, then its many-to-many links are set one field after another
# (themes, partners, sources ...). Left to itself, the library writes an entry for the save and
# one for each field set, each copying every link table, the first with no links at all: three
# or more entries for one "Save" in the admin, or one import row. So the creation and its links
# skip history, and once the links are in, one entry records the practice as created, links
# included. The admin (curation.history_admin) and the import (curation.imports.resources)
# both use this pair.


def defer_creation_entry(instance) -> None:
    """Before the first save of a new ``instance``: record nothing until
    ``write_creation_entry``."""
    instance.skip_history_when_saving = True
    # A creation has no earlier state to keep (see _ensure_baseline), though its entry is
    # written by the later save of an existing row.
    instance._history_baseline_checked = True


def write_creation_entry(instance) -> None:
    """After its links are set: the one entry of ``instance``'s creation, with its links.

    Does nothing for an instance ``defer_creation_entry`` was not called for (a change), or
    whose first save never happened (a dry run rolled back).
    """
    if not hasattr(instance, "skip_history_when_saving") or instance.pk is None:
        return
    del instance.skip_history_when_saving
    instance.save()
    # Written by a save of an existing row, the entry says "changed": it is the creation.
    instance.history.filter(history_type="~").update(history_type="+")


# -- at deletion ----------------------------------------------------------------------------


@receiver(pre_delete, sender=Practice)
def remember_links_at_deletion(sender, instance, **kwargs):
    # Sent for every practice of a deletion before any row is deleted, links included.
    instance._links_at_deletion = {
        m2m_field.name: list(
            m2m_field.remote_field.through.objects.filter(
                **{m2m_field.m2m_field_name(): instance.pk}
            )
        )
        for m2m_field in m2m_fields()
    }
    instance._history_date = timezone.now()


@receiver(post_delete, sender=Practice)
def forget_deletion_state(sender, instance, **kwargs):
    # After the library's own receiver has written the deletion entry: an instance saved
    # again (restored by hand) must not carry the deletion's date or links.
    for name in ("_links_at_deletion", "_history_date"):
        instance.__dict__.pop(name, None)


@receiver(pre_create_historical_m2m_records)
def write_links_into_deletion_entry(sender, rows, history_instance, instance, field, **kwargs):
    links = getattr(instance, "_links_at_deletion", None)
    if history_instance.history_type != "-" or links is None:
        return
    through_fields = field.remote_field.through._meta.fields
    # ``rows`` is the very list the library is about to write.
    rows.extend(
        sender(
            history=history_instance,
            **{f.attname: getattr(link, f.attname) for f in through_fields},
        )
        for link in links.get(field.name, [])
    )


# -- natural keys no record has any more ------------------------------------------------------


@dataclass
class FormerKeys:
    """Natural keys (slugs, source keys) that history shows a record had and no record has."""

    renamed: dict[str, str] = field(default_factory=dict)  # old key -> its record's key now
    deleted: set[str] = field(default_factory=set)  # the keys of records deleted since


def former_keys(model, key_field: str) -> FormerKeys:
    """What became of the ``key_field`` values no record of ``model`` has now: renamed (the
    record lives under another key) or deleted (its deletion is recorded).

    A key history does not know was never in the base, as far as it can tell: a rename made
    while history was off, or before the record's first recorded change kept its old key (see
    ``_ensure_baseline``), leaves no trace. Three queries, whatever the history's length.
    """
    current = dict(model._default_manager.values_list("pk", key_field))
    in_use = set(current.values())
    history_model = historical(model)
    deleted_ids = set(history_model.objects.filter(history_type="-").values_list("id", flat=True))
    found = FormerKeys()
    deleted = set()
    # Oldest first: a key two records have had is the one's that had it last.
    entries = history_model.objects.order_by("history_id").values_list("id", key_field)
    for pk, key in entries.iterator(chunk_size=2000):
        if key in in_use:
            continue
        if pk in current:
            found.renamed[key] = current[pk]
        elif pk in deleted_ids:
            deleted.add(key)
    # A key a living record had is not missing, whatever happened to another that had it.
    found.deleted = deleted - found.renamed.keys()
    return found
