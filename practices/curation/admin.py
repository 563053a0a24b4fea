from django.contrib import admin
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from modeltranslation.admin import TranslationAdmin
from simple_history.admin import SimpleHistoryAdmin

from practices.languages import columns
from practices.models import (
    DiscussionQuestion,
    Evaluation,
    GCMObjective,
    Organisation,
    Outcome,
    OutcomeMetric,
    Practice,
    PracticeCountry,
    ScorecardRating,
    Source,
    Stage,
    TargetGroup,
    Theme,
)

from . import (
    dossier_admin,  # noqa: F401 (registers DossierAdmin)
    submission_admin,  # noqa: F401 (registers SubmissionAdmin, CallAdmin)
)
from .desk import SentBackFilter
from .evidence_admin import EvidenceGuardMixin
from .forms import (
    CountryLinkFormSet,
    DuplicateGuardMixin,
    EvaluationFormSet,
    OutcomeMetricForm,
    PracticeAdminForm,
)
from .history_admin import HistoryChangesMixin, PracticeHistoryMixin
from .imports.admin import PracticeImportExportMixin
from .imports.resources import PracticeResource
from .revision_admin import PracticeRevisionMixin
from .verification_admin import CurrencyListFilter, VerificationMixin
from .workflow_admin import PublicationWorkflowMixin


class PracticeCountryInline(admin.TabularInline):
    model = PracticeCountry
    # Its clean() warns of a practice with the same title and implementing country.
    formset = CountryLinkFormSet
    extra = 1
    autocomplete_fields = ["country"]
    verbose_name_plural = _("Countries and their roles")


class OutcomeMetricInline(admin.TabularInline):
    model = OutcomeMetric
    # Values read without guessing (12,5 is an error, not 125) and shown as written; the
    # form's fields, in its order.
    form = OutcomeMetricForm
    extra = 1
    autocomplete_fields = ["source"]
    verbose_name_plural = _("Figures")


class EvaluationInline(admin.StackedInline):
    model = Evaluation
    # Its clean() checks that the evidence level rests on the evaluations kept.
    formset = EvaluationFormSet
    extra = 0
    autocomplete_fields = ["source"]
    fields = ["method", "evaluator", "year", "findings", "source"]
    verbose_name_plural = _("Evaluations")


class ScorecardRatingInline(admin.TabularInline):
    # Curators hold only view_scorecardrating: for them the scorecard is read-only.
    model = ScorecardRating
    extra = 0
    max_num = len(ScorecardRating.Criterion)
    fields = ["criterion", "rating", "justification", "rated_on", "reviewer"]
    readonly_fields = ["reviewer"]
    verbose_name_plural = _("Scorecard")


@admin.register(Practice)
class PracticeAdmin(
    # First: on a published practice, a save writes a revision and nothing else.
    PracticeRevisionMixin,
    DuplicateGuardMixin,
    PracticeHistoryMixin,
    PracticeImportExportMixin,
    PublicationWorkflowMixin,
    VerificationMixin,
    SimpleHistoryAdmin,
):
    # The workflow buttons and the duplicate guard's warning (curation.workflow_admin, .forms).
    change_form_template = "curation/practice_change_form.html"
    # A "Save anyway" checkbox for the duplicate guard (curation.forms).
    form = PracticeAdminForm
    # Spreadsheet import and export (curation.imports.admin, curation.imports.resources).
    resource_classes = [PracticeResource]
    list_display = [
        "title",
        "paper_section",
        "kind",
        "status",
        "evidence_level",
        "publication_state",
        "updated_at",
    ]
    list_filter = [
        "publication_state",
        # The desk's queues link to these (curation.desk).
        SentBackFilter,
        "paper_section",
        "themes",
        "kind",
        "scope",
        "status",
        "evidence_level",
        # Whether nobody has verified it for too long (curation.verification_admin).
        CurrencyListFilter,
    ]
    search_fields = [
        *columns("title"),
        "slug",
        *columns("summary"),
        *columns("description"),
        "countries__name_en",
        "countries__name_fr",
        "countries__name_es",
    ]
    prepopulated_fields = {"slug": ["title_en"]}
    # Sources as a field, not an inline on the link table: an inline writes the table
    # directly, which history never hears of; the field's changes are in every entry.
    autocomplete_fields = ["lead_organisation", "partners", "evaluation_source", "sources"]
    filter_horizontal = ["themes", "target_groups", "stages", "gcm_objectives"]
    readonly_fields = [
        "created_at",
        "updated_at",
        "state_changed_at",
        "state_changed_by",
        "verified_on",
        "verified_by",
        "verified_against",
    ]
    inlines = [PracticeCountryInline, OutcomeMetricInline, EvaluationInline, ScorecardRatingInline]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "title_en",
                    "save_anyway",
                    "based_on",
                    "slug",
                    "summary_en",
                    "description_en",
                ]
            },
        ),
        # The same words in French and Spanish, each with how they came about (the public
        # page shows the English, marked "not yet translated", where a field is left empty).
        *(
            (
                name,
                {
                    "fields": [
                        f"title_{code}",
                        f"summary_{code}",
                        f"description_{code}",
                        f"origin_{code}",
                    ],
                    "description": _(
                        "Leave a field empty until it is translated: the public page then "
                        "shows the English words, marked as not yet translated."
                    ),
                },
            )
            for code, name in (("fr", _("In French")), ("es", _("In Spanish")))
        ),
        (
            _("Classification"),
            {
                "fields": [
                    "themes",
                    "target_groups",
                    "stages",
                    "gcm_objectives",
                    "scope",
                    "kind",
                    "coverage",
                ]
            },
        ),
        (_("Organisations"), {"fields": ["lead_organisation", "partners"]}),
        (
            _("Period and status"),
            {"fields": ["start_year", "end_year", "period_note", "status", "status_as_of"]},
        ),
        # Set by a reviewer's "Record a verification" (curation.verification_admin), never typed.
        (_("Verification"), {"fields": ["verified_on", "verified_by", "verified_against"]}),
        (
            _("Evidence"),
            {"fields": ["evidence_level", "evaluation_summary", "evaluation_source"]},
        ),
        (_("Sources"), {"fields": ["sources"]}),
        (
            _("Place in the paper and the Forum"),
            {"fields": ["paper_section", "paper_reference", "forum_discussion"]},
        ),
        (
            _("Publication"),
            {
                "fields": [
                    "publication_state",
                    "state_changed_at",
                    "state_changed_by",
                    "created_at",
                    "updated_at",
                ]
            },
        ),
    ]

    def save_formset(self, request, form, formset, change):
        if formset.model is not ScorecardRating:
            return super().save_formset(request, form, formset, change)
        save_ratings(request, formset)


def save_ratings(request, formset) -> None:
    """Save a scorecard formset: whoever saves a new or changed rating is its reviewer."""
    changed = {id(f.instance): f.changed_data for f in formset.forms}
    ratings = formset.save(commit=False)
    for rating in formset.deleted_objects:
        rating.delete()
    for rating in ratings:
        rating.reviewer = request.user
        edited = changed.get(id(rating), [])
        # A new judgement is dated today unless the reviewer gave its date.
        if rating.pk and "rated_on" not in edited and {"rating", "justification"} & set(edited):
            rating.rated_on = timezone.localdate()
        rating.save()


# The reference tables' words in each language side by side (modeltranslation's admin puts
# name_en, name_fr, name_es where the form names "name").
@admin.register(Theme)
class ThemeAdmin(TranslationAdmin):
    list_display = ["name", "slug", "paper_section", "position"]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = columns("name")


@admin.register(TargetGroup)
class TargetGroupAdmin(TranslationAdmin):
    list_display = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = columns("name")


@admin.register(Stage)
class StageAdmin(TranslationAdmin):
    list_display = ["name", "slug", "position"]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = columns("name")


@admin.register(Organisation)
class OrganisationAdmin(HistoryChangesMixin, SimpleHistoryAdmin):
    # History shows who renamed a slug or changed an acronym, from what: files name an
    # organisation by them, and load_paper reads renames there (practices.history).
    list_display = ["name", "acronym", "kind", "country"]
    list_filter = ["kind"]
    search_fields = ["name", "acronym", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["country"]


@admin.register(GCMObjective)
class GCMObjectiveAdmin(TranslationAdmin):
    list_display = ["number", "short_label", "title"]
    search_fields = [*columns("short_label"), *columns("title")]


@admin.register(Source)
class SourceAdmin(HistoryChangesMixin, SimpleHistoryAdmin):
    # History shows who changed a key or a citation, from what: files name a source by its
    # key, and load_paper reads renamed keys there (practices.history).
    # A curator pasting "www.example.org" means the secure address.
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_display = ["__str__", "footnote", "year", "key"]
    search_fields = ["citation", "key"]


@admin.register(OutcomeMetric)
class OutcomeMetricAdmin(HistoryChangesMixin, SimpleHistoryAdmin):
    form = OutcomeMetricForm
    list_display = ["practice", "label", "value_as_written", "unit", "year"]
    list_filter = ["year", "qualifier"]
    search_fields = [*columns("label"), "practice__title_en", *columns("unit")]
    autocomplete_fields = ["practice", "source"]
    list_select_related = ["practice"]

    @admin.display(description=_("value"), ordering="value")
    def value_as_written(self, metric):
        # "about 17,000", not 17000.00.
        return metric.display_value


@admin.register(PracticeCountry)
class PracticeCountryAdmin(HistoryChangesMixin, SimpleHistoryAdmin):
    list_display = ["practice", "country", "role", "involvement"]
    list_filter = ["role", "involvement"]
    search_fields = [
        "practice__title_en",
        "country__name_en",
        "country__name_fr",
        "country__name_es",
    ]
    autocomplete_fields = ["practice", "country"]
    list_select_related = ["practice", "country"]


@admin.register(DiscussionQuestion)
class DiscussionQuestionAdmin(TranslationAdmin):
    list_display = ["number", "text"]
    filter_horizontal = ["practices"]


@admin.register(Outcome)
class OutcomeAdmin(TranslationAdmin):
    list_display = ["letter", "text"]
    filter_horizontal = ["practices"]


@admin.register(Evaluation)
class EvaluationAdmin(EvidenceGuardMixin, HistoryChangesMixin, SimpleHistoryAdmin):
    # Deleting, or changing, the evaluation an evidence level rests on is refused.
    list_display = ["practice", "method", "evaluator", "year"]
    list_filter = ["method"]
    search_fields = ["practice__title_en", "evaluator", "findings"]
    autocomplete_fields = ["practice", "source"]


@admin.register(ScorecardRating)
class ScorecardRatingAdmin(HistoryChangesMixin, SimpleHistoryAdmin):
    list_display = ["practice", "criterion", "rating", "reviewer", "rated_on"]
    list_filter = ["criterion", "rating"]
    search_fields = ["practice__title_en", "justification"]
    autocomplete_fields = ["practice"]
    readonly_fields = ["reviewer"]

    def save_model(self, request, obj, form, change):
        # The reviewer is whoever records the rating, never chosen from a list.
        obj.reviewer = request.user
        super().save_model(request, obj, form, change)
