"""History in the admin: who changed what and when, and bringing back a deleted practice.

Each history page (django-simple-history's) lists, for every entry, the fields it changed
from the entry before, many-to-many links included ("Themes: added Health"), and the reason
it was made for ("Published", "Restored"). A practice's page also lists the changes to its
country links, figures, evaluations and ratings, each linked to that record's own history
page.

The library diffs links with at least two queries per many-to-many field and entry (a
practice has six such fields: over a hundred queries for ten entries); here every entry of a
page is diffed from one query per field, so a history page costs the same whatever its length.
"""

from collections import defaultdict
from datetime import date, datetime
from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import ForeignKey
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import render
from django.template.defaultfilters import yesno
from django.urls import path, reverse
from django.utils import formats, timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from simple_history.models import DeletedObject
from simple_history.template_utils import ObjDiffDisplay

from practices import history
from practices.figures import plain

from . import restore

# Changed at every save: listing it would say nothing the date does not.
NOT_SHOWN = {"updated_at"}
# The most changes to dependent records a practice's history page lists.
MAX_DEPENDENT_ENTRIES = 200
DELETED_PER_PAGE = 50


def _display(model_field, value) -> str:
    """A field's value as a curator reads it: choice labels, names, dates, "—" for nothing."""
    if isinstance(value, DeletedObject):
        # The library stands in a DeletedObject for every foreign key it cannot read, an empty
        # one too ("Deleted user (pk=None)"): empty is nothing; otherwise it is named as the
        # link fields name a record deleted since (practices.history.links_by_entry).
        if value.pk is None:
            return "—"
        return _("%(what)s %(id)s (deleted since)") % {
            "what": value.model._meta.verbose_name,
            "id": value.pk,
        }
    if value is None or value == "":
        return "—"
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(value, datetime):
        return formats.localize(timezone.localtime(value))
    if isinstance(value, date):
        return formats.localize(value)
    if isinstance(value, bool):
        return yesno(value)
    if isinstance(value, Decimal):
        return plain(value)  # a figure's 17000, not 17000.00
    return str(value)


def _shorten(old: str, new: str) -> tuple[str, str]:
    # A long description: the part around the first difference, not the whole text twice.
    return ObjDiffDisplay(max_length=120).common_shorten_repr(old, new)


def field_changes(newer, older) -> list[dict]:
    """What ``newer`` changed from ``older`` in plain fields (``diff_against``).

    Foreign keys come as objects, read from the entries' select_related: no query.
    """
    m2m_names = {f.name for f in getattr(newer, "_history_m2m_fields", [])}
    delta = newer.diff_against(
        older, excluded_fields=m2m_names | NOT_SHOWN, foreign_keys_are_objs=True
    )
    changes = []
    for change in delta.changes:
        model_field = newer.instance_type._meta.get_field(change.field)
        old, new = _shorten(_display(model_field, change.old), _display(model_field, change.new))
        changes.append({"field": capfirst(model_field.verbose_name), "old": old, "new": new})
    return changes


def link_changes(newer, older, links: dict) -> list[dict]:
    """What ``newer`` changed from ``older`` in many-to-many links, from ``links``
    (``history.links_by_entry``): each field's added and removed items."""
    changes = []
    for m2m_field in getattr(newer, "_history_m2m_fields", []):
        before = links[m2m_field.name].get(older.history_id, {})
        after = links[m2m_field.name].get(newer.history_id, {})
        added = [after[pk] for pk in after.keys() - before.keys()]
        removed = [before[pk] for pk in before.keys() - after.keys()]
        if added or removed:
            changes.append(
                {
                    "field": capfirst(m2m_field.verbose_name),
                    "added": sorted(added),
                    "removed": sorted(removed),
                }
            )
    return changes


def _object_of(entry):
    """The record as it was at ``entry``, its foreign keys taken from the entry's joins."""
    obj = entry.history_object
    for model_field in entry.tracked_fields:
        if isinstance(model_field, ForeignKey):
            historical_field = entry._meta.get_field(model_field.name)
            if historical_field.is_cached(entry):
                related = historical_field.get_cached_value(entry)
                if related is not None:
                    model_field.set_cached_value(obj, related)
    return obj


class HistoryChangesMixin:
    """For a SimpleHistoryAdmin: each entry's changes and its reason, on the history page."""

    object_history_list_template = "curation/history_list.html"

    def set_history_delta_changes(self, request, historical_records, foreign_keys_are_objs=True):
        entries = list(historical_records)
        if not entries:
            return
        # The oldest entry of a page is diffed with the newest of the next page.
        paginator = getattr(historical_records, "paginator", None)
        if paginator is not None and historical_records.has_next():
            end = historical_records.end_index()
            entries += list(paginator.object_list[end : end + 1])
        links = history.links_by_entry(entries) if entries[0]._history_m2m_fields else {}
        for newer, older in zip(entries, entries[1:], strict=False):
            newer.history_delta_changes = field_changes(newer, older)
            newer.history_link_changes = link_changes(newer, older, links) if links else []


class PracticeHistoryMixin(HistoryChangesMixin):
    """The practice's history page with its dependents' changes; the deleted practices page
    and its Restore buttons, for users who may delete practices (reviewers)."""

    object_history_template = "curation/practice_history.html"
    change_list_template = "curation/practice_change_list.html"

    # -- one entry for a new practice ------------------------------------------------------

    def save_model(self, request, obj, form, change):
        if not change:
            # Its links are saved after it (save_related): one entry once they are in.
            history.defer_creation_entry(obj)
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        history.write_creation_entry(form.instance)

    def get_urls(self):
        opts = self.opts
        prefix = f"{opts.app_label}_{opts.model_name}"
        # Before the model's own URLs, whose "<object_id>/" would take "deleted/".
        return [
            path(
                "deleted/",
                self.admin_site.admin_view(self.deleted_view),
                name=f"{prefix}_deleted",
            ),
            path(
                "deleted/<int:history_id>/restore/",
                self.admin_site.admin_view(self.restore_view),
                name=f"{prefix}_restore",
            ),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        extra_context = extra_context or {}
        if self.has_delete_permission(request):
            extra_context["deleted_practices_url"] = self._admin_url("deleted")
        return super().changelist_view(request, extra_context)

    def history_view(self, request, object_id, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "dependent_entries": self._dependent_entries(object_id),
            "max_dependent_entries": MAX_DEPENDENT_ENTRIES,
        }
        return super().history_view(request, object_id, extra_context)

    def _dependent_entries(self, object_id) -> list[dict]:
        """Changes to the practice's country links, figures, evaluations and ratings, newest
        first: one query per kind of record."""
        try:
            practice_id = int(object_id)
        except (TypeError, ValueError):
            return []
        rows = []
        for model, entries in history.dependent_entries(practice_id).items():
            opts = model._meta
            by_record = defaultdict(list)
            for entry in entries:
                by_record[entry.id].append(entry)
            for record_entries in by_record.values():
                record_entries.sort(key=lambda e: e.history_id)
                previous = None
                for entry in record_entries:
                    rows.append(
                        {
                            "entry": entry,
                            "kind": capfirst(opts.verbose_name),
                            "object": _object_of(entry),
                            "changes": field_changes(entry, previous) if previous else [],
                            "history_url": reverse(
                                f"{self.admin_site.name}:{opts.app_label}_{opts.model_name}_history",
                                args=[entry.id],
                            ),
                        }
                    )
                    previous = entry
        rows.sort(
            key=lambda row: (row["entry"].history_date, row["entry"].history_id), reverse=True
        )
        return rows[:MAX_DEPENDENT_ENTRIES]

    # -- deleted practices --------------------------------------------------------------

    def _check_may_restore(self, request):
        # Deleting and restoring go together: reviewers (and superusers), not curators.
        if not (self.has_delete_permission(request) and self.has_add_permission(request)):
            raise PermissionDenied

    def deleted_view(self, request):
        """Practices deleted and not restored, newest deletion first, each with Restore."""
        self._check_may_restore(request)
        page = Paginator(restore.deleted_practices(), DELETED_PER_PAGE).get_page(
            request.GET.get("p")
        )
        taken = restore.slugs_in_use([entry.slug for entry in page])
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Deleted practices"),
            "page": page,
            # A live practice holding its slug: restoring would be refused, so say so first.
            "rows": [(entry, taken.get(entry.slug)) for entry in page],
        }
        return render(request, "curation/practice_deleted_list.html", context)

    def restore_view(self, request, history_id):
        """Restore the practice deleted at entry ``history_id`` (POST), then open it."""
        self._check_may_restore(request)
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        try:
            restored = restore.restore_practice(history_id, request.user)
        except restore.RestoreError as error:
            self.message_user(request, error.message, messages.ERROR)
            return HttpResponseRedirect(self._admin_url("deleted"))
        practice = restored.practice
        self.log_addition(request, practice, restore.RESTORED)
        self.message_user(
            request,
            _("“%(title)s” is back, as a draft: a reviewer decides when the public sees it.")
            % {"title": practice.title},
            messages.SUCCESS,
        )
        for note in restored.notes:
            self.message_user(request, note, messages.WARNING)
        return HttpResponseRedirect(self._admin_url("change", practice.pk))

    def _admin_url(self, view: str, *args) -> str:
        opts = self.opts
        return reverse(
            f"{self.admin_site.name}:{opts.app_label}_{opts.model_name}_{view}", args=args
        )
