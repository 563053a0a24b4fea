"""A practice's history: what each entry changed, and bringing a deleted practice back.

django-simple-history writes an entry for every save and delete of a practice and of the
records hanging off it (country links, figures, evaluations, ratings), and, for the practice's
many-to-many links, a copy of the links as they stood at each entry.

Three gaps of the library are closed here. Before the first recorded change:

- A record that has no history yet (the paper's practices, loaded as a baseline without
  history; rows written in bulk) gets an entry of its stored state before it first changes,
  so that change shows what it changed, and the earlier values are kept.

At deletion:

- Django empties a practice's link tables before it deletes the practice, so the library's
  deletion entry would record no links at all. The links are read just before (``pre_delete``)
  and written into the deletion entry: it shows the practice as it was when deleted, and a
  practice never edited since the paper was loaded (which has no other entry) keeps them too.
- The deletion entry is dated when the deletion starts, before its country links, figures,
  evaluations and ratings are deleted with it. Their deletion entries are thus dated at or
  after the practice's: that is how ``restore_practice`` tells them from rows a curator had
  deleted earlier on purpose.
"""

from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, ForeignKey, OuterRef
from django.db.models.signals import m2m_changed, post_delete, pre_delete, pre_save
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from simple_history.signals import pre_create_historical_m2m_records

from .models import Evaluation, OutcomeMetric, Practice, PracticeCountry, ScorecardRating

# Stored in English with the history entries it labels, like the workflow's reasons, and
# translated when the admin shows it.
RESTORED = gettext_noop("Restored")

BASELINE = gettext_noop("As it stood before its first recorded change")

# The records deleted with a practice and brought back with it, in the order they are shown.
DEPENDENTS = [PracticeCountry, OutcomeMetric, Evaluation, ScorecardRating]
TRACKED = [Practice, *DEPENDENTS]


def historical(model):
    """The history model of ``model`` (HistoricalPractice for Practice)."""
    return model.history.model


def m2m_fields() -> list:
    """The practice's many-to-many fields whose links history copies at each entry."""
    return list(historical(Practice)._history_m2m_fields)


def m2m_history_model(m2m_field):
    """The table holding, per history entry, the links of ``m2m_field`` at that entry."""
    return getattr(historical(Practice), m2m_field.name).model


def _latest_only(history_model):
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


def write_entry(model, obj, history_type: str, user, reason: str):
    """One history entry of ``obj`` as it is now, with its many-to-many links."""
    history_model = historical(model)
    entry = history_model(
        history_date=timezone.now(),
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
        write_entry(model, stored, "+", None, BASELINE)


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


# -- deleted practices and bringing them back -----------------------------------------------


def deleted_practices():
    """The deletion entry of each practice that is gone: its latest entry, no live practice.

    Newest deletion first, with who deleted it.
    """
    history_model = historical(Practice)
    return (
        history_model.objects.filter(history_type="-")
        .filter(_latest_only(history_model))
        .exclude(Exists(Practice.objects.filter(pk=OuterRef("id"))))
        .select_related("history_user")
        .order_by("-history_date", "-history_id")
    )


def slugs_in_use(slugs) -> dict[str, Practice]:
    """The live practices holding any of ``slugs``, by slug."""
    return {p.slug: p for p in Practice.objects.filter(slug__in=list(slugs))}


class RestoreError(Exception):
    """Why a practice cannot be restored, in words for the user."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


@dataclass
class Restored:
    practice: Practice
    # What could not come back as it was (a partner organisation deleted since, ...).
    notes: list[str] = field(default_factory=list)


def restore_practice(history_id: int, user) -> Restored:
    """Bring back the practice whose deletion entry is ``history_id``, as a draft.

    The practice gets its id and every field back, its many-to-many links as they were when
    deleted, and the country links, figures, evaluations and ratings deleted with it, each
    with its own id; every new history entry is by ``user`` with the reason "Restored". A
    restored practice is a draft again: a reviewer decides if the public sees it.

    Anything it pointed to that has been deleted since is left out and named in the notes.
    Raises ``RestoreError`` (and writes nothing) if this is not the latest entry of a deleted
    practice, or if a live practice now has its slug. One transaction: all or nothing.
    """
    history_model = historical(Practice)
    with transaction.atomic():
        # Locked: two reviewers pressing Restore at once, the second waits and is refused.
        record = history_model.objects.select_for_update().filter(history_id=history_id).first()
        if record is None or record.history_type != "-":
            raise RestoreError(_("This history entry is not the deletion of a practice."))
        if Practice.objects.filter(pk=record.id).exists():
            raise RestoreError(
                _("“%(title)s” is not deleted: it has been restored already.")
                % {"title": record.title}
            )
        if history_model.objects.filter(id=record.id, history_id__gt=record.history_id).exists():
            raise RestoreError(
                _("“%(title)s” was deleted again later: restore it from its latest deletion.")
                % {"title": record.title}
            )
        taken = Practice.objects.filter(slug=record.slug).first()
        if taken is not None:
            raise RestoreError(
                _(
                    "“%(title)s” cannot come back: the practice “%(other)s” now has its slug "
                    "“%(slug)s”. Change that practice's slug first."
                )
                % {"title": record.title, "other": taken.title, "slug": record.slug}
            )
        notes: list[str] = []
        practice = _restore_practice_row(record, user, notes)
        _restore_links(record, practice, notes)
        # One entry once the links are back, rather than one for the row and one per field.
        write_entry(Practice, practice, "+", user, RESTORED)
        for model in DEPENDENTS:
            _restore_dependents(model, record, user, notes)
    return Restored(practice, notes)


def _existing(model, pk) -> bool:
    return pk is not None and model._default_manager.filter(pk=pk).exists()


def _values(record, notes: list[str], skip: tuple[str, ...] = ()) -> dict | None:
    """The record's field values; a dangling optional reference emptied, a required one None.

    Returns None when a required reference (a country, a reviewer) no longer exists.
    """
    values = {}
    for model_field in record.tracked_fields:
        value = getattr(record, model_field.attname)
        if (
            isinstance(model_field, ForeignKey)
            and model_field.name not in skip
            and value is not None
            and not _existing(model_field.related_model, value)
        ):
            what = {
                "field": model_field.verbose_name,
                "record": record.history_object,
                "id": value,
            }
            if not model_field.null:
                notes.append(
                    _("Left out “%(record)s”: its %(field)s (id %(id)s) no longer exists.") % what
                )
                return None
            notes.append(
                _("“%(record)s”: its %(field)s (id %(id)s) no longer exists; left empty.") % what
            )
            value = None
        values[model_field.attname] = value
    return values


def _restore_practice_row(record, user, notes: list[str]) -> Practice:
    values = _values(record, notes, skip=("state_changed_by",))
    values.update(
        publication_state=Practice.PublicationState.DRAFT,
        state_changed_at=timezone.now(),
        state_changed_by_id=user.pk,
    )
    practice = Practice(**values)
    # Its history entry is written once the links are back (``restore_practice``).
    practice.skip_history_when_saving = True
    practice.save(force_insert=True)
    # auto_now_add gave it a new creation date: it keeps the one it had.
    Practice.objects.filter(pk=practice.pk).update(created_at=values["created_at"])
    practice.created_at = values["created_at"]
    return practice


def _restore_links(record, practice: Practice, notes: list[str]) -> None:
    """Links as the deletion entry holds them (as the entry before, if it holds none)."""
    history_model = historical(Practice)
    source = record
    if not any(m2m_history_model(f).objects.filter(history=record).exists() for f in m2m_fields()):
        # A deletion from before the links were written into deletion entries.
        source = (
            history_model.objects.filter(id=record.id, history_id__lt=record.history_id)
            .order_by("-history_id")
            .first()
        ) or record
    for m2m_field in m2m_fields():
        target = m2m_field.m2m_reverse_field_name()
        wanted = list(
            m2m_history_model(m2m_field)
            .objects.filter(history=source)
            .values_list(f"{target}_id", flat=True)
        )
        related = m2m_field.related_model
        found = set(related._default_manager.filter(pk__in=wanted).values_list("pk", flat=True))
        for pk in sorted(set(wanted) - found):
            notes.append(
                _("A link to %(what)s id %(id)s was left out: it no longer exists.")
                % {"what": related._meta.verbose_name, "id": pk}
            )
        getattr(practice, m2m_field.name).set(sorted(found))
    del practice.skip_history_when_saving


def _restore_dependents(model, record, user, notes: list[str]) -> None:
    """The rows of ``model`` deleted with the practice: latest entry a deletion dated at or
    after the practice's (see the module docstring)."""
    history_model = historical(model)
    deleted_with_it = (
        history_model.objects.filter(
            practice_id=record.id, history_type="-", history_date__gte=record.history_date
        )
        .filter(_latest_only(history_model))
        .order_by("history_id")
    )
    for entry in deleted_with_it:
        values = _values(entry, notes, skip=("practice",))
        if values is None:
            continue
        row = model(**values)
        row._change_reason = RESTORED
        row._history_user = user
        row.save(force_insert=True)
        if "created_at" in values:
            model._default_manager.filter(pk=row.pk).update(created_at=values["created_at"])
