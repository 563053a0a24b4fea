"""Revisions in the admin: the practice form saves a published practice's changes as its open
revision, and the revision's page is where a reviewer reads the diff and decides.

``PracticeRevisionMixin`` (for the practice admin): on a published practice, a valid save
writes the revision (``revisions.save_revision``) instead of the practice, and the form opens
on the open revision's content, so a second curator edits the pending change, not the live
version. Every practice form carries the version it was opened on (``based_on``): a save based
on an older version gets a conflict message instead of overwriting a colleague's save.

``PracticeRevisionAdmin``: the list of revisions and, as each one's change page, the review:
the field-by-field diff against the live version and the decision (publish, send back with a
message, discard).
"""

from decimal import Decimal

from django.contrib import admin, messages
from django.contrib.admin.utils import quote, unquote
from django.core.exceptions import PermissionDenied
from django.db.models import DecimalField
from django.http import HttpResponseNotAllowed, HttpResponseRedirect, QueryDict
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from practices import content as practice_content
from practices.figures import plain
from practices.models import Practice, PracticeRevision, ScorecardRating

from . import revisions
from .decision_admin import DecisionPageAdmin
from .forms import BASED_ON

FORM_ORIGIN = "admin form"


class PracticeRevisionMixin:
    """For the practice admin. Keep it first among the bases: on a published practice its
    ``save_model`` must run before anything else would save."""

    # -- what this request edits ---------------------------------------------------------

    def _revision_state(self, request, obj):
        """(revises, open revision) for ``obj``, read once per request."""
        if obj is None or obj.pk is None:
            return False, None
        cached = getattr(request, "_practice_revision", None)
        if cached is None or cached[0] != obj.pk:
            stored = Practice.objects.filter(pk=obj.pk).only("publication_state").first()
            revising = stored is not None and revisions.revises(stored)
            cached = (obj.pk, revising, revisions.open_revision(obj))
            request._practice_revision = cached
        return cached[1], cached[2]

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        revising, _revision = self._revision_state(request, obj)
        # A published practice keeps its URL: its slug is not part of a revision.
        if revising and "slug" not in fields:
            fields.append("slug")
        return fields

    def get_prepopulated_fields(self, request, obj=None):
        revising, _revision = self._revision_state(request, obj)
        return {} if revising else super().get_prepopulated_fields(request, obj)

    # -- the form opens on the revision, and knows its version ---------------------------

    def get_form(self, request, obj=None, change=False, **kwargs):
        form_class = super().get_form(request, obj, change, **kwargs)
        if obj is None or obj.pk is None:
            return form_class
        revising, revision = self._revision_state(request, obj)
        # From the database: ``obj`` may be an old version (history's "revert" form).
        token = revisions.current_token(obj.pk)
        bound = self._revision_data(request, obj, revision, token) if revising else None

        class VersionedForm(form_class):
            def __init__(self, *args, **form_kwargs):
                if bound is not None and not args and "data" not in form_kwargs:
                    form_kwargs["data"] = bound
                super().__init__(*args, **form_kwargs)
                if BASED_ON in self.fields:
                    self.fields[BASED_ON].initial = token

        VersionedForm.__name__ = form_class.__name__
        return VersionedForm

    def get_formset_kwargs(self, request, obj, inline, prefix):
        kwargs = super().get_formset_kwargs(request, obj, inline, prefix)
        revising, revision = self._revision_state(request, obj)
        if (
            revising
            and request.method != "POST"
            and inline.model in practice_content.RELATED.values()
        ):
            kwargs["data"] = self._revision_data(
                request, obj, revision, revisions.current_token(obj.pk)
            )
        return kwargs

    def _revision_data(self, request, obj, revision, token):
        """The open revision as the form's submitted data (None without one): the form then
        shows the pending change, as its author left it."""
        if revision is None or request.method == "POST":
            return None
        cached = getattr(request, "_practice_revision_data", None)
        if cached is None:
            editable, _conflicts = self._editable(request, obj, revision)
            cached = form_data(self, request, obj, editable, token)
            request._practice_revision_data = cached
        return cached

    def _editable(self, request, obj, revision):
        """``revisions.editable_content``, worked out once per request (the form's data and
        the notice of conflicts both need it)."""
        if not hasattr(request, "_practice_revision_editable"):
            request._practice_revision_editable = revisions.editable_content(obj, revision)
        return request._practice_revision_editable

    # -- saving a published practice saves its revision ----------------------------------

    def save_model(self, request, obj, form, change):
        revising, _revision = self._revision_state(request, obj)
        if change and revising:
            return  # the live practice is not touched: save_related writes the revision
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        revising, _revision = self._revision_state(request, form.instance)
        if not (change and revising):
            return super().save_related(request, form, formsets, change)
        practice = form.instance
        stored = Practice.objects.get(pk=practice.pk)
        content = content_from_forms(stored, form, formsets)
        # The scorecard is the reviewer's own judgement, not the practice's content: it is
        # saved at once.
        for formset in formsets:
            if formset.model is ScorecardRating:
                self.save_formset(request, form, formset, change)
        request._revision_saved = revisions.save_revision(
            stored, content, request.user, FORM_ORIGIN
        )

    def construct_change_message(self, request, form, formsets, add=False):
        if hasattr(request, "_revision_saved"):
            return ""  # nothing of the practice was saved; log_change says what was
        return super().construct_change_message(request, form, formsets, add)

    def log_change(self, request, obj, message):
        if hasattr(request, "_revision_saved"):
            message = (
                "Saved a revision for review" if request._revision_saved else "Saved, no change"
            )
        return super().log_change(request, obj, message)

    def response_change(self, request, obj):
        if not hasattr(request, "_revision_saved"):
            return super().response_change(request, obj)
        if request._revision_saved is None:
            self.message_user(
                request,
                _("“%(title)s” is as published: there was no change to send for review.")
                % {"title": obj},
                messages.INFO,
            )
        else:
            self.message_user(
                request,
                _(
                    "Your changes to “%(title)s” are saved as a revision waiting for review. "
                    "The public sees the published version until a reviewer publishes it."
                )
                % {"title": obj},
                messages.SUCCESS,
            )
        if "_continue" in request.POST:
            return HttpResponseRedirect(request.path)
        return self.response_post_save_change(request, obj)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if change and obj is not None:
            revising, revision = self._revision_state(request, obj)
            context["revising"] = revising
            context["open_revision"] = revision
            if revision is not None:
                context["revision_url"] = reverse(
                    f"{self.admin_site.name}:practices_practicerevision_change",
                    args=[revision.pk],
                )
                _editable, conflicts = self._editable(request, obj, revision)
                context["revision_conflicts"] = [
                    practice_content.part_label(key) for key in conflicts
                ]
        return super().render_change_form(request, context, add, change, form_url, obj)


def content_from_forms(practice: Practice, form, formsets) -> dict:
    """The content a valid practice form and its inlines describe. What the form does not
    show (a field a user may not edit, an inline not offered) keeps its stored value."""
    content = practice_content.content_of(practice)
    data = form.cleaned_data
    for field in practice_content.fields():
        if field.name in data and field.name in form.fields:
            content["fields"][field.name] = practice_content.encode(field, data[field.name])
    for field in practice_content.m2m_fields():
        if field.name in data and field.name in form.fields:
            content["m2m"][field.name] = sorted(obj.pk for obj in data[field.name])
    related = {model: name for name, model in practice_content.RELATED.items()}
    for formset in formsets:
        name = related.get(formset.model)
        if name is None:
            continue
        rows = []
        for row_form in formset.forms:
            if formset.can_delete and formset._should_delete_form(row_form):
                continue
            if row_form.instance.pk is None and not row_form.has_changed():
                continue  # an empty extra row
            rows.append(practice_content.row_content(row_form.instance, row_form.cleaned_data))
        content[name] = rows
    return content


def _value(value) -> str:
    return "" if value is None else str(value)


def form_data(model_admin, request, practice: Practice, content: dict, token: str) -> QueryDict:
    """``content`` as the practice form would submit it: the main form's fields, and each
    inline's rows (stored rows the content lacks marked for deletion, new rows as extra
    forms)."""
    data = QueryDict(mutable=True)
    data[BASED_ON] = token
    for field in practice_content.fields():
        data[field.name] = _value(content["fields"][field.name])
    for field in practice_content.m2m_fields():
        data.setlist(field.name, [str(pk) for pk in content["m2m"][field.name]])
    related = {model: name for name, model in practice_content.RELATED.items()}
    for inline in model_admin.get_inline_instances(request, practice):
        name = related.get(inline.model)
        if name is None:
            continue
        formset_class = inline.get_formset(request, practice)
        prefix = formset_class.get_default_prefix()
        stored = list(formset_class(instance=practice, prefix=prefix).get_queryset())
        rows = {row["id"]: row for row in content[name] if row["id"] is not None}
        forms = []
        for obj in stored:
            row = rows.pop(obj.pk, None)
            forms.append((obj.pk, row or practice_content.row_content(obj), row is None))
        stored_ids = {obj.pk for obj in stored}
        forms += [
            (None, row, False)
            for row in content[name]
            if row["id"] is None or (row["id"] not in stored_ids and row["id"] in rows)
        ]
        for index, (pk, row, delete) in enumerate(forms):
            key = f"{prefix}-{index}-"
            data[key + "id"] = _value(pk)
            data[key + "practice"] = str(practice.pk)
            for field in practice_content.row_fields(inline.model):
                value = row[field.name]
                if value is not None and isinstance(field, DecimalField):
                    value = plain(Decimal(value))  # as the curator wrote it: 17000, 12.5
                data[key + field.name] = _value(value)
            if delete:
                data[key + "DELETE"] = "on"
        data[f"{prefix}-TOTAL_FORMS"] = str(len(forms))
        data[f"{prefix}-INITIAL_FORMS"] = str(len(stored))
        data[f"{prefix}-MIN_NUM_FORMS"] = "0"
        data[f"{prefix}-MAX_NUM_FORMS"] = "1000"
    data._mutable = False
    return data


# -- the revisions' own pages ---------------------------------------------------------------


@admin.register(PracticeRevision)
class PracticeRevisionAdmin(DecisionPageAdmin):
    list_display = ["practice", "state", "updated_by", "updated_at", "decided_by"]
    list_filter = ["state"]
    list_select_related = ["practice", "updated_by", "decided_by"]
    search_fields = ["practice__title"]
    review_template = "curation/revision_review.html"

    def change_view(self, request, object_id, form_url="", extra_context=None):
        """The review: what the revision changes, and the decision."""
        revision = self.get_object(request, unquote(object_id))
        if revision is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not self.has_view_permission(request, revision):
            raise PermissionDenied
        practice = revision.practice
        live = practice_content.content_of(practice)
        if revision.is_open:
            proposed, conflicts = practice_content.merge(revision.base, live, revision.content)
            before = live
        else:
            # A decided revision: what it proposed against what it was based on.
            proposed, conflicts, before = revision.content, [], revision.base
        may_decide = request.user.has_perm("practices.publish_practice")
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Review the changes to “%(title)s”") % {"title": practice.title},
            "revision": revision,
            "practice": practice,
            "changes": practice_content.diff(before, proposed),
            "conflicts": [practice_content.part_label(key) for key in conflicts],
            "may_decide": revision.is_open and may_decide,
            "may_withdraw": revision.is_open
            and not may_decide
            and revision.created_by_id == request.user.pk,
            "decide_url": reverse(
                f"{self.admin_site.name}:practices_practicerevision_decide",
                args=[quote(revision.pk)],
            ),
            "edit_url": reverse(
                f"{self.admin_site.name}:practices_practice_change", args=[practice.pk]
            ),
            "public_url": practice.get_absolute_url()
            if practice.publication_state == Practice.PublicationState.PUBLISHED
            else None,
            "preserved_filters": self.get_preserved_filters(request),
            **(extra_context or {}),
        }
        return TemplateResponse(request, self.review_template, context)

    DECISIONS = {
        "publish": (revisions.publish, gettext_lazy("The changes to “%(title)s” are published.")),
        "send_back": (
            revisions.send_back,
            gettext_lazy("The revision of “%(title)s” is sent back to its curator."),
        ),
        "discard": (
            revisions.discard,
            gettext_lazy("The revision of “%(title)s” is discarded; the published version stays."),
        ),
    }

    def decide_view(self, request, object_id):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        revision = self.get_object(request, unquote(object_id))
        if revision is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        review_url = reverse(
            f"{self.admin_site.name}:practices_practicerevision_change", args=[quote(revision.pk)]
        )
        decision = self.DECISIONS.get(request.POST.get("decision", ""))
        if decision is None:
            self.message_user(request, _("Choose publish, send back or discard."), messages.ERROR)
            return HttpResponseRedirect(review_url)
        act, done = decision
        message = request.POST.get("message", "")[:2000]
        try:
            act(revision, request.user, message)
        except revisions.RevisionError as error:
            self.message_user(request, error.message, messages.ERROR)
            return HttpResponseRedirect(review_url)
        self.message_user(request, done % {"title": revision.practice.title}, messages.SUCCESS)
        return HttpResponseRedirect(review_url)
