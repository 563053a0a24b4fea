"""Bringing a deleted practice back from its history, as a draft (reviewers only).

The deletion entry holds the practice as it was, its many-to-many links included
(``practices.history`` writes them in); the country links, figures, evaluations and ratings
deleted with it are those whose deletion entries are dated at or after the practice's.
"""

from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Exists, ForeignKey, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from practices.history import (
    DEPENDENTS,
    historical,
    latest_only,
    m2m_fields,
    m2m_history_model,
    write_entry,
)
from practices.models import Practice

# Stored in English with the history entries it labels, like the workflow's reasons, and
# translated when the admin shows it.
RESTORED = gettext_noop("Restored")


def deleted_practices():
    """The deletion entry of each practice that is gone: its latest entry, no live practice.

    Newest deletion first, with who deleted it.
    """
    history_model = historical(Practice)
    return (
        history_model.objects.filter(history_type="-")
        .filter(latest_only(history_model))
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
                % {"title": record.title_en}
            )
        if history_model.objects.filter(id=record.id, history_id__gt=record.history_id).exists():
            raise RestoreError(
                _("“%(title)s” was deleted again later: restore it from its latest deletion.")
                % {"title": record.title_en}
            )
        taken = Practice.objects.filter(slug=record.slug).first()
        if taken is not None:
            raise RestoreError(
                _(
                    "“%(title)s” cannot come back: the practice “%(other)s” now has its slug "
                    "“%(slug)s”. Change that practice's slug first."
                )
                % {"title": record.title_en, "other": taken.title, "slug": record.slug}
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
        .filter(latest_only(history_model))
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
