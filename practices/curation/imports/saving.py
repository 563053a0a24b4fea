"""How a checked row is saved: the save side of the resource, as ``rows`` is its export side.

``PracticeResource`` (``resources.py``) mixes this in. Reading the file, rows are only
planned; ``writer`` then saves the plan through these hooks (changed practices one by one,
new ones in bulk with the same history). A new practice enters as a draft; a row changing a
published practice becomes its revision (``curation.revisions``), which the public does not
see until a reviewer publishes it; a changed one in review goes back to draft; an archived one
stays archived. History names the importing user, and the file as the reason.
"""

from django.utils import timezone
from django.utils.translation import gettext_noop

from practices import history
from practices.models import Practice

from .. import revisions
from . import writer
from .plan import revision_content, write_links, write_metrics

IMPORTED = gettext_noop("Imported")
IMPORTED_FROM = gettext_noop("Imported from %(file)s")


def importer(kwargs: dict):
    """The signed-in user the import runs for, or None (a script without ``user=``)."""
    user = kwargs.get("user")
    return user if user is not None and user.is_authenticated else None


class PracticeRowSave:
    def save_instance(self, instance, is_create, row, **kwargs):
        """Reading the file, a row that passed is planned, not saved: ``writer`` saves the
        plan (through this method, for a changed practice) once every row has passed."""
        if not self.writing:
            self.planned.append(writer.PlannedRow(instance, is_create, dict(row)))
            return
        super().save_instance(instance, is_create, row, **kwargs)

    def before_save_instance(self, instance, row, **kwargs):
        user = importer(kwargs)
        # Who and why, in the history of the practice and of its links and figures (in a
        # request the middleware knows the user too; a script passes user=).
        if user is not None:
            instance._history_user = user
        # In English, as the workflow's reasons are stored, whoever's language the admin is in.
        file_name = kwargs.get("file_name")
        reason = IMPORTED_FROM % {"file": file_name} if file_name else IMPORTED
        instance._change_reason = reason[:100]  # simple-history's column is 100 long
        # A changed published practice stays as it is: the row becomes its revision
        # (after_save_instance), which a reviewer publishes.
        if instance.pk is not None and revisions.revises(instance):
            instance._as_revision = kwargs.get("file_name") or "import"
            return
        # A new practice enters as a draft. A changed one in review goes back to draft, so the
        # public never sees what no reviewer has read; an archived one stays archived (only a
        # reviewer restores it).
        State = Practice.PublicationState
        if instance.pk is None or instance.publication_state == State.IN_REVIEW:
            instance.publication_state = State.DRAFT
            instance.state_changed_at = timezone.now()
            instance.state_changed_by = user

    def after_save_instance(self, instance, row, **kwargs):
        if hasattr(instance, "_as_revision"):
            self._save_revision(instance, row, importer(kwargs))
            return
        attribution = {"_change_reason": instance._change_reason}
        if getattr(instance, "_history_user", None) is not None:
            attribution["_history_user"] = instance._history_user
        write_links(instance, instance._import_plan, attribution)
        write_metrics(instance, instance._import_plan, attribution)

    # A new practice gets one history entry, showing it as imported, links included
    # (practices.history.defer_creation_entry). A changed practice is saved as the admin saves
    # one, and practices.history first records how it stood if it has no entry yet.

    def _save_revision(self, instance, row, user) -> None:
        stored = Practice.objects.get(pk=instance.pk)
        start, _conflicts = revisions.editable_content(stored, revisions.open_revision(stored))
        content = revision_content(instance, instance._import_plan, set(row.keys()), start)
        origin = revisions.IMPORT_ORIGIN % {"file": instance._as_revision}
        revisions.save_revision(stored, content, user, origin)

    def do_instance_save(self, instance, is_create):
        if hasattr(instance, "_as_revision"):
            return  # the live practice is not touched
        if is_create:
            history.defer_creation_entry(instance)
        instance.save(force_insert=is_create)

    def save_m2m(self, instance, row, **kwargs):
        if not self.writing:
            return  # planned: plan.m2m has the links, written with the practice
        if hasattr(instance, "_as_revision"):
            return
        super().save_m2m(instance, row, **kwargs)
        history.write_creation_entry(instance)
