from django.contrib import admin
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

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

from .desk import SentBackFilter, VerificationFilter
from .forms import CountryLinkFormSet, DuplicateGuardMixin, PracticeAdminForm
from .history_admin import HistoryChangesMixin, PracticeHistoryMixin
from .imports.admin import PracticeImportExportMixin
from .imports.resources import PracticeResource
from .revision_admin import PracticeRevisionAdmin  # noqa: F401 (registers it)
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
    extra = 1
    autocomplete_fields = ["source"]
    fields = [
        "label",
        "qualifier",
        "value",
        "unit",
        "year",
        "comparison_note",
        "source",
        "position",
    ]
    verbose_name_plural = _("Figures")


class EvaluationInline(admin.StackedInline):
    model = Evaluation
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
    DuplicateGuardMixin,
    PracticeHistoryMixin,
    PracticeImportExportMixin,
    PublicationWorkflowMixin,
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
        VerificationFilter,
        "paper_section",
        "themes",
        "kind",
        "scope",
        "status",
        "evidence_level",
    ]
    search_fields = ["title", "slug", "summary", "description", "countries__name"]
    prepopulated_fields = {"slug": ["title"]}
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
        (None, {"fields": ["title", "save_anyway", "slug", "summary", "description"]}),
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
        # Set by a reviewer's "verify" action, never typed.
        (_("Verification"), {"fields": ["verified_on", "verified_by", "verified_against"]}),
        (
            _("Evidence"),
            {"fields": ["evidence_level", "evaluation_summary", "evaluation_source"]},
        ),
        (_("Sources"), {"fields": ["sources"]}),
        (_("Place in the paper"), {"fields": ["paper_section", "paper_reference"]}),
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


@admin.register(Theme)
class ThemeAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "paper_section", "position"]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name"]


@admin.register(TargetGroup)
class TargetGroupAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name"]


@admin.register(Stage)
class StageAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "position"]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name"]


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "acronym", "kind", "country"]
    list_filter = ["kind"]
    search_fields = ["name", "acronym", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["country"]


@admin.register(GCMObjective)
class GCMObjectiveAdmin(admin.ModelAdmin):
    list_display = ["number", "short_label", "title"]
    search_fields = ["short_label", "title"]


@admin.register(Source)
class SourceAdmin(admin.ModelAdmin):
    # A curator pasting "www.example.org" means the secure address.
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_display = ["__str__", "footnote", "year", "key"]
    search_fields = ["citation", "key"]


@admin.register(OutcomeMetric)
class OutcomeMetricAdmin(HistoryChangesMixin, SimpleHistoryAdmin):
    list_display = ["practice", "label", "display_value", "unit", "year"]
    list_filter = ["year", "qualifier"]
    search_fields = ["label", "practice__title", "unit"]
    autocomplete_fields = ["practice", "source"]
    list_select_related = ["practice"]


@admin.register(PracticeCountry)
class PracticeCountryAdmin(HistoryChangesMixin, SimpleHistoryAdmin):
    list_display = ["practice", "country", "role", "involvement"]
    list_filter = ["role", "involvement"]
    search_fields = ["practice__title", "country__name"]
    autocomplete_fields = ["practice", "country"]
    list_select_related = ["practice", "country"]


@admin.register(DiscussionQuestion)
class DiscussionQuestionAdmin(admin.ModelAdmin):
    list_display = ["number", "text"]
    filter_horizontal = ["practices"]


@admin.register(Outcome)
class OutcomeAdmin(admin.ModelAdmin):
    list_display = ["letter", "text"]
    filter_horizontal = ["practices"]


@admin.register(Evaluation)
class EvaluationAdmin(HistoryChangesMixin, SimpleHistoryAdmin):
    list_display = ["practice", "method", "evaluator", "year"]
    list_filter = ["method"]
    search_fields = ["practice__title", "evaluator", "findings"]
    autocomplete_fields = ["practice", "source"]


@admin.register(ScorecardRating)
class ScorecardRatingAdmin(HistoryChangesMixin, SimpleHistoryAdmin):
    list_display = ["practice", "criterion", "rating", "reviewer", "rated_on"]
    list_filter = ["criterion", "rating"]
    search_fields = ["practice__title", "justification"]
    autocomplete_fields = ["practice"]
    readonly_fields = ["reviewer"]

    def save_model(self, request, obj, form, change):
        # The reviewer is whoever records the rating, never chosen from a list.
        obj.reviewer = request.user
        super().save_model(request, obj, form, change)
