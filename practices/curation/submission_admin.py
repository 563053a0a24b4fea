"""The reviewers' pages for the call for practices: the submissions and the calls.

A submission's page shows what was submitted (links as plain text: nobody follows an
unreviewed address by a slip of the mouse), who sent it, the practices it may duplicate, and
the steps so far; its buttons take it into review, ask the submitter for more information,
decline it with a reason, or turn it into a draft practice with its lead organisation matched
to one the base holds or created. Each is a step of ``practices.submissions``. Only reviewers
(who may publish) see either page.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import quote, unquote
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from countries.models import Country
from practices import submissions as steps
from practices.models import (
    Call,
    Evaluation,
    GCMObjective,
    Organisation,
    Practice,
    PracticeCountry,
    Stage,
    Submission,
    TargetGroup,
    Theme,
)
from practices.models.submission import LONG_TEXT

from .decision_admin import DecisionPageAdmin
from .desk import is_reviewer
from .submissions import (
    likely_duplicates,
    new_organisation,
    organisation_matches,
    practice_from,
)


class ReviewersOnly:
    def has_module_permission(self, request):
        return is_reviewer(request.user)

    def has_view_permission(self, request, obj=None):
        return is_reviewer(request.user)


class MessageForm(forms.Form):
    message = forms.CharField(
        label=gettext_lazy("Message to the submitter"),
        max_length=LONG_TEXT,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class AcceptForm(forms.Form):
    organisation = forms.ModelChoiceField(
        label=gettext_lazy("Lead organisation"),
        queryset=Organisation.objects.order_by("name"),
        required=False,
        help_text=gettext_lazy("One the base holds; or create a new one below."),
    )
    new_organisation = forms.CharField(
        label=gettext_lazy("Or create an organisation named"), max_length=200, required=False
    )
    new_organisation_kind = forms.ChoiceField(
        label=gettext_lazy("Its kind"),
        choices=[("", "—"), *Organisation.Kind.choices],
        required=False,
    )

    def clean(self):
        data = super().clean()
        if data.get("organisation") and data.get("new_organisation"):
            raise forms.ValidationError(
                _("Choose an organisation the base holds or name a new one, not both.")
            )
        if data.get("new_organisation") and not data.get("new_organisation_kind"):
            self.add_error("new_organisation_kind", _("Say what kind of organisation it is."))
        return data


def _names(model, keys, field):
    found = {getattr(obj, field): obj for obj in model.objects.filter(**{f"{field}__in": keys})}
    return [str(found[key]) if key in found else str(key) for key in keys]


def readable(content: dict) -> dict:
    """The submission's content with names for its codes and slugs, for the reviewer."""
    countries = {
        c.iso2: c.name
        for c in Country.objects.filter(
            iso2__in=[row["country"] for row in content.get("countries", [])]
        )
    }
    roles = dict(PracticeCountry.Role.choices)
    involvements = dict(PracticeCountry.Involvement.choices)
    evaluation = content.get("evaluation")
    return {
        "themes": _names(Theme, content.get("themes", []), "slug"),
        "target_groups": _names(TargetGroup, content.get("target_groups", []), "slug"),
        "stages": _names(Stage, content.get("stages", []), "slug"),
        "gcm_objectives": _names(GCMObjective, content.get("gcm_objectives", []), "number"),
        "countries": [
            f"{countries.get(row['country'], row['country'])}: {roles.get(row['role'], '')}"
            f" ({str(involvements.get(row['involvement'], '')).lower()})"
            for row in content.get("countries", [])
        ],
        "scope": Practice.Scope(content["scope"]).label,
        "kind": Practice.Kind(content["kind"]).label,
        "status": Practice.Status(content["status"]).label,
        "evidence_level": Practice.EvidenceLevel(content["evidence_level"]).label,
        "evaluation_method": (Evaluation.Method(evaluation["method"]).label if evaluation else ""),
    }


@admin.register(Submission)
class SubmissionAdmin(ReviewersOnly, DecisionPageAdmin):
    list_display = ["title", "state", "call", "created_at", "updated_at"]
    list_filter = ["state", "call"]
    search_fields = ["title"]
    list_select_related = ["call"]
    review_template = "curation/submission_review.html"

    def _url(self, submission, name="change"):
        return reverse(
            f"{self.admin_site.name}:practices_submission_{name}", args=[quote(submission.pk)]
        )

    def change_view(self, request, object_id, form_url="", extra_context=None):
        submission = self.get_object(request, unquote(object_id))
        if submission is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not self.has_view_permission(request, submission):
            raise PermissionDenied
        return self.render_review(request, submission, **(extra_context or {}))

    def render_review(self, request, submission, status=200, **forms_given):
        open_ = submission.state not in Submission.DECIDED_STATES
        matches = organisation_matches(submission.content.get("lead_organisation", ""))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Submission: “%(title)s”") % {"title": submission.title},
            "submission": submission,
            "content": submission.content,
            "names": readable(submission.content),
            "events": submission.events.select_related("by"),
            "duplicates": likely_duplicates(submission),
            "matches": matches,
            "is_open": open_,
            "decide_url": self._url(submission, "decide"),
            "practice_admin_url": (
                reverse(
                    f"{self.admin_site.name}:practices_practice_change",
                    args=[submission.practice_id],
                )
                if submission.practice_id
                else ""
            ),
            "ask_form": forms_given.get("ask_form") or MessageForm(prefix="ask"),
            "decline_form": forms_given.get("decline_form") or MessageForm(prefix="decline"),
            "accept_form": forms_given.get("accept_form")
            or AcceptForm(
                prefix="accept",
                initial={
                    "organisation": matches[0] if matches else None,
                    "new_organisation": ""
                    if matches
                    else submission.content.get("lead_organisation", ""),
                },
            ),
            "status_url": submission.status_url(),
        }
        return TemplateResponse(request, self.review_template, context, status=status)

    def decide_view(self, request, object_id):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        submission = self.get_object(request, unquote(object_id))
        if submission is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not self.has_view_permission(request, submission):
            raise PermissionDenied
        decision = request.POST.get("decision", "")
        user = request.user
        try:
            if decision == "take":
                steps.take(submission, user)
                done = _("You took “%(title)s” into review.")
            elif decision in ("ask", "decline"):
                form = MessageForm(request.POST, prefix=decision)
                if not form.is_valid():
                    self.message_user(
                        request, _("Write the message to the submitter first."), messages.ERROR
                    )
                    return self.render_review(
                        request, submission, status=400, **{f"{decision}_form": form}
                    )
                step = steps.ask if decision == "ask" else steps.decline
                step(submission, user, form.cleaned_data["message"])
                done = (
                    _("The submitter of “%(title)s” is asked for more information.")
                    if decision == "ask"
                    else _("“%(title)s” is declined; the submitter is told why.")
                )
            elif decision == "accept":
                form = AcceptForm(request.POST, prefix="accept")
                if not form.is_valid():
                    self.message_user(request, _("Correct the organisation."), messages.ERROR)
                    return self.render_review(request, submission, status=400, accept_form=form)
                data = form.cleaned_data

                def make(locked):
                    organisation = data["organisation"]
                    if data["new_organisation"]:
                        organisation = new_organisation(
                            data["new_organisation"], data["new_organisation_kind"]
                        )
                    return practice_from(locked, organisation, user)

                practice = steps.accept(submission, user, make)
                self.message_user(
                    request,
                    _(
                        "“%(title)s” is now a draft practice: check and complete it, then "
                        "submit and publish it as any other."
                    )
                    % {"title": practice.title_en},
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(
                    reverse(f"{self.admin_site.name}:practices_practice_change", args=[practice.pk])
                )
            else:
                self.message_user(request, _("Choose what to do."), messages.ERROR)
                return HttpResponseRedirect(self._url(submission))
        except steps.StepError as error:
            self.message_user(request, error.message, messages.ERROR)
            return HttpResponseRedirect(self._url(submission))
        self.message_user(request, done % {"title": submission.title}, messages.SUCCESS)
        return HttpResponseRedirect(self._url(submission))


@admin.register(Call)
class CallAdmin(ReviewersOnly, admin.ModelAdmin):
    list_display = ["title", "opens_on", "deadline"]
    prepopulated_fields = {"slug": ["title"]}
    filter_horizontal = ["themes"]
    fields = ["title", "slug", "text", "themes", "opens_on", "deadline"]

    def has_add_permission(self, request):
        return is_reviewer(request.user)

    def has_change_permission(self, request, obj=None):
        return is_reviewer(request.user)

    def has_delete_permission(self, request, obj=None):
        return is_reviewer(request.user)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    def view_on_site(self, obj):
        return obj.get_absolute_url()
