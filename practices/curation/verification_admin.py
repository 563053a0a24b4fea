"""Verification in the practice admin: the "Record a verification" page, its button on the
change page (for reviewers only), and the changelist's currency filter.

A mixin, like the workflow's: every method calls ``super()``. What a verification writes and
when it is refused is ``practices.curation.verification``.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import quote, unquote
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from practices.models import Currency, Practice, currency_condition

from .verification import (
    Verification,
    VerificationError,
    VerificationNotPermitted,
    reason,
    record_verification,
    user_may_verify,
    verification_problems,
)


class VerificationForm(forms.Form):
    verified_on = forms.DateField(
        label=gettext_lazy("Verified on"),
        initial=timezone.localdate,
        # The browser's own date picker: no script, which the Content Security Policy limits.
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=gettext_lazy("The day the practice was checked; not in the future."),
    )
    verified_against = forms.CharField(
        label=gettext_lazy("Verified against"),
        max_length=Practice._meta.get_field("verified_against").max_length,
        widget=forms.TextInput(attrs={"size": 80}),
        help_text=gettext_lazy(
            "What it was checked against: a report, a web page (with its address), a ministry. "
            "Shown on the public page."
        ),
    )
    status = forms.ChoiceField(
        label=gettext_lazy("New status"),
        choices=[("", gettext_lazy("unchanged"))] + Practice.Status.choices,
        required=False,
        help_text=gettext_lazy("Only if the check found a different status."),
    )
    status_as_of = forms.IntegerField(
        label=gettext_lazy("Status as of"),
        min_value=1900,
        max_value=2100,
        required=False,
        help_text=gettext_lazy(
            "The year the status found was reported in. Empty with a new status: the year of "
            "the check. Alone: the same status, reported in a later year."
        ),
    )

    def __init__(self, *args, practice: Practice, **kwargs):
        super().__init__(*args, **kwargs)
        self.practice = practice

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("verified_on") is None:
            return cleaned
        # Every problem at once: a date in the future is named even when the source is
        # missing too (a field's own error, "required", stands alone).
        for field, problem in verification_problems(self.practice, self.verification()).items():
            if field not in self.errors:
                self.add_error(field, problem)
        return cleaned

    def verification(self) -> Verification:
        data = self.cleaned_data
        return Verification(
            verified_on=data["verified_on"],
            verified_against=data.get("verified_against") or "",
            status=data.get("status") or "",
            status_as_of=data.get("status_as_of"),
        )


class CurrencyListFilter(admin.SimpleListFilter):
    """The public list's currency facet, for the practice changelist: ?currency=out_of_date."""

    title = gettext_lazy("currency")
    parameter_name = "currency"

    def lookups(self, request, model_admin):
        return Currency.choices

    def queryset(self, request, queryset):
        # An unknown value (a hand-edited URL) filters nothing.
        if self.value() in Currency.values:
            return queryset.filter(currency_condition(self.value()))
        return queryset


class VerificationMixin:
    def get_urls(self):
        opts = self.opts
        return [
            path(
                "<path:object_id>/verify/",
                self.admin_site.admin_view(self.verify_view),
                name=f"{opts.app_label}_{opts.model_name}_verify",
            ),
            *super().get_urls(),
        ]

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if change and obj is not None and user_may_verify(request.user):
            context["verify_url"] = self._verification_url("verify", obj.pk)
        return super().render_change_form(request, context, add, change, form_url, obj)

    def verify_view(self, request, object_id):
        """A reviewer's form: when, against what, and any new status; then the change page.

        The admin site wraps it: signed-in curators and reviewers only, CSRF-checked; the
        permission to verify is checked here, and again when the verification is written.
        """
        practice = self.get_object(request, unquote(object_id))
        if practice is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not user_may_verify(request.user):
            raise VerificationNotPermitted
        form = VerificationForm(request.POST or None, practice=practice)
        if request.method == "POST" and form.is_valid():
            try:
                record_verification(practice, request.user, form.verification())
            except VerificationError as error:
                # Another reviewer recorded a later check meanwhile.
                for field, problem in error.problems.items():
                    form.add_error(field, problem)
            else:
                self.log_change(request, practice, reason(practice.verified_against))
                self.message_user(
                    request,
                    _("The verification of “%(title)s” is recorded.") % {"title": practice.title},
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(self._verification_url("change", practice.pk))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": practice,
            "title": _("Record a verification"),
            "form": form,
            "change_url": self._verification_url("change", practice.pk),
        }
        return render(request, "curation/practice_verify.html", context)

    def _verification_url(self, view: str, pk) -> str:
        opts = self.opts
        return reverse(
            f"{self.admin_site.name}:{opts.app_label}_{opts.model_name}_{view}",
            args=[quote(pk)],
        )
