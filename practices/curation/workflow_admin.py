"""The publication workflow in the practice admin.

Nobody publishes by editing a field: the state and who moved it are read-only in the form, a
new practice starts as a draft, and the state moves only through ``practices.curation.workflow``, as
changelist actions (on several practices at once) or as buttons on the change page. Each is
offered only to users holding the transition's permission, and checked again when applied.

A mixin, so that the workflow composes with whatever else the practice admin is built from
(history, import and export, inlines): every method here calls ``super()``.
"""

from django.contrib import messages
from django.contrib.admin.options import IS_POPUP_VAR
from django.contrib.admin.utils import quote, unquote
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.text import get_text_list
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from practices.models import Practice

from .workflow import (
    Transition,
    TransitionError,
    TransitionNotPermitted,
    WrongState,
    apply_transition,
    available_transitions,
    get_transition,
    transitions_for_user,
)

# Moved by the workflow only; the form shows them but never writes them.
WORKFLOW_FIELDS = ["publication_state", "state_changed_at", "state_changed_by"]
# A warning names at most this many skipped practices, then says how many more.
MAX_NAMED = 10


def _transition_action(transition: Transition):
    def action(modeladmin, request, queryset):
        return modeladmin.apply_transition_to_selection(request, queryset, transition)

    action.__name__ = f"{transition.name}_selected"
    return action


class PublicationWorkflowMixin:
    # -- the form -------------------------------------------------------------------------

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        return fields + [name for name in WORKFLOW_FIELDS if name not in fields]

    def save_model(self, request, obj, form, change):
        # Whatever the form or a reverted history version carries, the state stays what the
        # workflow last made it; a new practice (or one saved back from history after being
        # deleted) starts as a draft.
        current = (
            Practice.objects.filter(pk=obj.pk)
            .values("publication_state", "state_changed_at", "state_changed_by_id")
            .first()
            if obj.pk
            else None
        )
        if current is None:
            obj.publication_state = Practice.PublicationState.DRAFT
            obj.state_changed_at = None
            obj.state_changed_by = None
        else:
            for attname, value in current.items():
                setattr(obj, attname, value)
        super().save_model(request, obj, form, change)

    # -- the changelist's actions ---------------------------------------------------------

    def get_actions(self, request):
        actions = super().get_actions(request)
        if self.actions is None or IS_POPUP_VAR in request.GET:
            return actions
        for transition in transitions_for_user(request.user):
            func = _transition_action(transition)
            actions[func.__name__] = (func, func.__name__, transition.action_label)
        return actions

    def apply_transition_to_selection(self, request, queryset, transition: Transition):
        """Move every selected practice the transition applies to; report the rest.

        One transaction: a failure part-way leaves every practice as it was, not some moved.
        """
        moved, skipped = [], []
        with transaction.atomic():
            for practice in queryset.order_by("title_en"):
                try:
                    apply_transition(practice, transition.name, request.user)
                except WrongState:
                    skipped.append(practice)
                else:
                    moved.append(practice)
                    self.log_change(request, practice, transition.reason)
        if moved:
            self.message_user(
                request,
                ngettext(
                    "%(count)d practice is now %(state)s.",
                    "%(count)d practices are now %(state)s.",
                    len(moved),
                )
                % {"count": len(moved), "state": _state(transition.target)},
                messages.SUCCESS,
            )
        if skipped:
            self.message_user(request, _skipped_message(skipped, transition), messages.WARNING)

    # -- the change page's buttons --------------------------------------------------------

    def get_urls(self):
        opts = self.opts
        return [
            path(
                "<path:object_id>/transition/",
                self.admin_site.admin_view(self.transition_view),
                name=f"{opts.app_label}_{opts.model_name}_transition",
            ),
            *super().get_urls(),
        ]

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if change and obj is not None:
            context["workflow_transitions"] = available_transitions(obj, request.user)
            context["workflow_url"] = self._url("transition", obj.pk)
        return super().render_change_form(request, context, add, change, form_url, obj)

    def transition_view(self, request, object_id):
        """Apply the transition a change page's button names, then go back to that page.

        The admin site wraps it: signed-in curators and reviewers only, CSRF-checked.
        """
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        practice = self.get_object(request, unquote(object_id))
        if practice is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not self.has_view_or_change_permission(request, practice):
            raise PermissionDenied
        try:
            transition = get_transition(request.POST.get("transition", ""))
            apply_transition(practice, transition.name, request.user)
        except TransitionNotPermitted:
            raise
        except TransitionError as error:
            self.message_user(request, error.message, messages.ERROR)
        else:
            self.log_change(request, practice, transition.reason)
            self.message_user(
                request,
                _("“%(title)s” is now %(state)s.")
                % {"title": practice.title, "state": _state(transition.target)},
                messages.SUCCESS,
            )
        return HttpResponseRedirect(self._url("change", practice.pk))

    def _url(self, view: str, pk) -> str:
        opts = self.opts
        return reverse(
            f"{self.admin_site.name}:{opts.app_label}_{opts.model_name}_{view}",
            args=[quote(pk)],
        )


def _state(value: str) -> str:
    return str(Practice.PublicationState(value).label).lower()


def _skipped_message(skipped: list[Practice], transition: Transition) -> str:
    named = [f"“{p.title}” ({_state(p.publication_state)})" for p in skipped[:MAX_NAMED]]
    if len(skipped) > MAX_NAMED:
        named.append(_("%(count)d more") % {"count": len(skipped) - MAX_NAMED})
    return ngettext(
        "%(count)d practice was left as it was, as “%(step)s” applies only to a practice "
        "that is %(sources)s: %(names)s.",
        "%(count)d practices were left as they were, as “%(step)s” applies only to a practice "
        "that is %(sources)s: %(names)s.",
        len(skipped),
    ) % {
        "count": len(skipped),
        "step": transition.label,
        "sources": transition.source_labels,
        "names": get_text_list(named, _("and")),
    }
