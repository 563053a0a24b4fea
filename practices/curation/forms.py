"""The admin's own forms: the practice form's duplicate guard, and the figure form's value.

The duplicate guard warns before saving a practice the base already holds.

What makes a duplicate is decided by ``practices.curation.duplicates.find_duplicates`` (same title,
whatever the case and accents, and a country implementing both). The title is in the
practice form but the countries are in the country-links inline, so the check runs where
both are known: the inline formset's ``clean``, which Django runs after the practice form has
put the new title on the practice. Until the curator ticks "Save anyway" (a field of the
practice form, shown once there is something to confirm), nothing is saved.
"""

from django import forms
from django.forms.models import BaseInlineFormSet
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from practices.figures import FigureValueField
from practices.languages import columns
from practices.models import OutcomeMetric, Practice, PracticeCountry
from practices.search import fold

from .duplicates import find_duplicates
from .revisions import current_token, open_revision

SAVE_ANYWAY = "save_anyway"
# The version of the practice (and of its open revision) the form was opened on.
BASED_ON = "based_on"
# Stored with the history entry of a practice saved despite the warning (see workflow.py).
SAVED_ANYWAY_REASON = gettext_noop("Saved anyway: a curator confirmed it is not a duplicate")


class PracticeAdminForm(forms.ModelForm):
    save_anyway = forms.BooleanField(
        label=_("Save anyway: this is a different practice"),
        required=False,
        # Hidden until the countries inline finds a possible duplicate (see
        # DuplicateGuardMixin.render_change_form): there is nothing to confirm before.
        widget=forms.HiddenInput,
    )

    based_on = forms.CharField(required=False, widget=forms.HiddenInput)

    class Meta:
        model = Practice
        # The admin builds the form with its fieldsets' fields; the title is the one this
        # form is about.
        fields = ["title_en"]

    def clean(self):
        """No lost update: a save based on a version someone else has saved over since is
        refused, and says so. The practice's row is locked until this request ends, so two
        saves at once are checked one after the other."""
        cleaned = super().clean()
        submitted = cleaned.get(BASED_ON)
        if submitted and self.instance.pk:
            current = current_token(self.instance.pk, lock=True)
            if submitted != current:
                # Saving this form again is then a choice made knowing of the other save.
                data = self.data.copy()
                data[BASED_ON] = current
                self.data = data
                raise forms.ValidationError(self._conflict_message(), code="conflict")
        return cleaned

    def _conflict_message(self) -> str:
        revision = open_revision(self.instance)
        if revision is not None:
            who, when = revision.updated_by, revision.updated_at
        else:
            latest = self.instance.history.select_related("history_user").first()
            who, when = (latest.history_user, latest.history_date) if latest else (None, None)
        name = (who.get_full_name() or who.get_username()) if who else _("someone")
        return _(
            "%(name)s saved this practice at %(when)s, after you opened this page: your "
            "changes were not saved, so as not to overwrite theirs. Open the practice in a "
            "new tab to see their version; saving this form again replaces theirs with yours."
        ) % {"name": name, "when": formats.localize(timezone.localtime(when)) if when else "?"}

    def offer_save_anyway(self, warning) -> None:
        """Show the checkbox, with the warning beside it."""
        self.fields[SAVE_ANYWAY].widget = forms.CheckboxInput()
        self.add_error(SAVE_ANYWAY, warning)


def duplicate_warning(duplicates) -> str:
    """The warning naming each possible duplicate, linked to its admin page (new tab)."""
    links = format_html_join(
        ", ",
        '<a href="{}" target="_blank" rel="noopener">{}</a> ({})',
        (
            (
                reverse("admin:practices_practice_change", args=[p.pk]),
                p.title,
                p.get_publication_state_display().lower(),
            )
            for p in duplicates
        ),
    )
    return format_html(
        "{} {}. {}",
        _("The base already has a practice with this title and implementing country:"),
        links,
        _(
            "If this is a different practice, tick “Save anyway: this is a different "
            "practice” and save again; otherwise edit the existing one."
        ),
    )


class CountryLinkFormSet(BaseInlineFormSet):
    # The practices the last clean() took for duplicates: the admin shows the warning.
    duplicates: list = []

    def clean(self):
        super().clean()
        self.duplicates = []
        if any(self.errors):
            return
        implementing = self._implementing_countries()
        if not implementing or not self._identity_changed(implementing):
            return
        found = find_duplicates(self.instance.title_en, implementing, exclude_pk=self.instance.pk)
        if not found:
            return
        confirmed = forms.CheckboxInput().value_from_datadict(self.data, self.files, SAVE_ANYWAY)
        if confirmed:
            self.instance._change_reason = SAVED_ANYWAY_REASON
            return
        self.duplicates = found
        # The full warning, with the checkbox, is shown under the title (DuplicateGuardMixin).
        raise forms.ValidationError(
            _(
                "With this title and implementing country, this looks like a practice the "
                "base already has: see the warning under the title."
            ),
            code="possible_duplicate",
        )

    def _implementing_countries(self) -> set[int]:
        countries = set()
        for form in self.forms:
            data = getattr(form, "cleaned_data", None) or {}
            if (
                data.get("country")
                and data.get("involvement") == PracticeCountry.Involvement.IMPLEMENTING
                and not self._should_delete_form(form)
            ):
                countries.add(data["country"].pk)
        return countries

    def _identity_changed(self, implementing: set[int]) -> bool:
        """A new practice, a new title, or a new implementing country: worth a check.

        Editing anything else of a practice that already had its title and countries does
        not ask again about a duplicate a curator has already accepted.
        """
        if self.instance._state.adding:
            return True
        saved = Practice.objects.filter(pk=self.instance.pk).values_list("title_en", flat=True)
        if not saved or fold(saved[0] or "") != fold(self.instance.title_en or ""):
            return True
        before = set(
            PracticeCountry.objects.filter(
                practice=self.instance, involvement=PracticeCountry.Involvement.IMPLEMENTING
            ).values_list("country_id", flat=True)
        )
        return bool(implementing - before)


class DuplicateGuardMixin:
    """For the practice admin: show the possible duplicates found by CountryLinkFormSet
    next to the title, with the checkbox that lets the curator save anyway."""

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        duplicates = [
            practice
            for inline in context.get("inline_admin_formsets", [])
            for practice in getattr(inline.formset, "duplicates", [])
        ]
        form = context["adminform"].form
        if duplicates and hasattr(form, "offer_save_anyway"):
            form.offer_save_anyway(duplicate_warning(duplicates))
        return super().render_change_form(request, context, add, change, form_url, obj)


# -- a figure's value ----------------------------------------------------------------------------


class OutcomeMetricForm(forms.ModelForm):
    """The figure form, in the practice's inline and on the figure's own admin page."""

    class Meta:
        model = OutcomeMetric
        # In this order on the figure's page and in the practice's inline (without the
        # practice there).
        fields = [
            "practice",
            *columns("label"),
            "qualifier",
            "value",
            *columns("unit"),
            "year",
            "comparison_note",
            "source",
            "position",
        ]
        field_classes = {"value": FigureValueField}


# -- evaluations -------------------------------------------------------------------------------


class EvaluationFormSet(BaseInlineFormSet):
    """The practice's evaluations on its admin page: the evidence level chosen in the form must
    rest on the evaluations kept (``Practice.EVALUATION_METHODS``).

    Checked here, where the rows being added, changed and deleted are known and the practice
    form has already put the chosen level on the practice; the model's own check
    (``Practice.clean``, run first by the practice form) would read the saved rows, which this
    very save is about to change, so it is told to leave the rule to this formset.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The admin builds the formsets before it validates the practice form.
        self.instance._evidence_checked_by_form = True

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        practice = self.instance
        if practice.evidence_rests_on(self._methods_kept()):
            return
        raise forms.ValidationError(
            _(
                "The evidence level “%(level)s” needs at least one evaluation of the practice: "
                "%(needed)s. Add it here, keep the one you marked for deletion, or choose a "
                "lower evidence level."
            )
            % {
                "level": practice.get_evidence_level_display(),
                "needed": practice.evaluation_needed(),
            },
            code="evaluation_needed",
        )

    def _methods_kept(self) -> set[str]:
        methods = set()
        for form in self.forms:
            if self._should_delete_form(form):
                continue
            if form.instance.pk is None and not form.has_changed():
                continue  # an empty "add another" row
            # A row the user may only view has no method field: its saved method stands.
            method = form.cleaned_data.get("method") or form.instance.method
            if method:
                methods.add(method)
        return methods
