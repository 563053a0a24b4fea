"""The evaluations' own admin pages never leave an evidence level without its evaluation.

A practice that claims to be evaluated rests on at least one evaluation of a matching method
(``Practice.EVALUATION_METHODS``). On the practice's page its evaluations formset keeps the
rule (``forms.EvaluationFormSet``); here, on the Evaluation pages, so does every change that
could break it: deleting the evaluation (alone or with the list's action), changing its method,
or moving it to another practice. Each is refused with the practice named and what to do.
A practice whose level did not rest on its evaluations before is not a reason to refuse an
unrelated change.
"""

from django import forms
from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _

from practices.models import Evaluation, Practice


def loses_its_basis(practice: Practice, *, removing=(), adding=()) -> bool:
    """Whether ``practice``'s evidence level rests on its saved evaluations now and would not
    once the evaluations with the ids ``removing`` are gone and the methods ``adding`` added."""
    if not practice.claims_evaluation:
        return False
    saved = list(Evaluation.objects.filter(practice=practice).values_list("pk", "method"))
    after = {method for pk, method in saved if pk not in set(removing)} | set(adding)
    return practice.evidence_rests_on(m for _pk, m in saved) and not practice.evidence_rests_on(
        after
    )


def rests_on_it(practice: Practice) -> str:
    """The refusal's reason: "“GARF” is “Evaluated”, which rests on this evaluation: …"."""
    return _(
        "“%(practice)s” is “%(level)s”, which rests on this evaluation: it needs %(needed)s."
    ) % {
        "practice": practice.title,
        "level": practice.get_evidence_level_display(),
        "needed": practice.evaluation_needed(),
    }


class EvaluationAdminForm(forms.ModelForm):
    class Meta:
        model = Evaluation
        fields = ["practice", "method", "evaluator", "year", "findings", "source"]

    def clean(self):
        cleaned = super().clean()
        practice, method = cleaned.get("practice"), cleaned.get("method")
        if practice is None or method is None:
            return cleaned
        # self.instance still holds the saved values here: the form puts its own on it later.
        saved = self.instance
        removing = [saved.pk] if saved.pk else []
        if (
            saved.pk
            and saved.practice_id != practice.pk
            and loses_its_basis(saved.practice, removing=removing)
        ):
            self.add_error(
                "practice",
                rests_on_it(saved.practice)
                + " "
                + _("Record another such evaluation of it, or lower its evidence level, first."),
            )
        elif loses_its_basis(practice, removing=removing, adding=[method]):
            self.add_error(
                "method",
                rests_on_it(practice)
                + " "
                + _(
                    "Keep the method, record another such evaluation, or lower the practice's "
                    "evidence level first."
                ),
            )
        return cleaned


class EvidenceGuardMixin:
    """For the Evaluation admin: its form, its delete page and its delete action keep every
    practice's evidence level borne out."""

    form = EvaluationAdminForm

    def delete_view(self, request, object_id, extra_context=None):
        evaluation = self.get_object(request, unquote(object_id))
        if evaluation is not None and loses_its_basis(
            evaluation.practice, removing=[evaluation.pk]
        ):
            self.message_user(request, _deletion_refused(evaluation.practice), messages.ERROR)
            opts = self.opts
            return HttpResponseRedirect(
                reverse(
                    f"{self.admin_site.name}:{opts.app_label}_{opts.model_name}_change",
                    args=[evaluation.pk],
                )
            )
        return super().delete_view(request, object_id, extra_context)

    def get_actions(self, request):
        actions = super().get_actions(request)
        if "delete_selected" in actions:
            func, name, description = actions["delete_selected"]
            actions[name] = (_guarded(func), name, description)
        return actions


def _deletion_refused(practice: Practice) -> str:
    return (
        rests_on_it(practice)
        + " "
        + _("Record another such evaluation of it, or lower its evidence level, before deleting.")
    )


def _guarded(delete_selected):
    """The list's "Delete selected" action, refused (before its confirmation page) when it
    would leave a practice's evidence level without its evaluation."""

    def action(modeladmin, request, queryset):
        chosen = list(queryset.select_related("practice"))
        practices = {evaluation.practice_id: evaluation.practice for evaluation in chosen}
        refused = [
            practice
            for practice in practices.values()
            if loses_its_basis(
                practice,
                removing=[e.pk for e in chosen if e.practice_id == practice.pk],
            )
        ]
        if refused:
            for practice in refused:
                modeladmin.message_user(request, _deletion_refused(practice), messages.ERROR)
            modeladmin.message_user(request, _("Nothing was deleted."), messages.WARNING)
            return None
        return delete_selected(modeladmin, request, queryset)

    action.__name__ = delete_selected.__name__
    for attribute in ("allowed_permissions", "short_description"):
        if hasattr(delete_selected, attribute):
            setattr(action, attribute, getattr(delete_selected, attribute))
    return action
