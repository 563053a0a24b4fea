from django.contrib import admin
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from .models import (
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


class PracticeCountryInline(admin.TabularInline):
    model = PracticeCountry
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


class PracticeSourceInline(admin.TabularInline):
    model = Practice.sources.through
    extra = 1
    autocomplete_fields = ["source"]
    verbose_name = _("source")
    verbose_name_plural = _("Sources")


@admin.register(Practice)
class PracticeAdmin(SimpleHistoryAdmin):
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
        "paper_section",
        "themes",
        "kind",
        "scope",
        "status",
        "evidence_level",
    ]
    search_fields = ["title", "slug", "summary", "description", "countries__name"]
    prepopulated_fields = {"slug": ["title"]}
    autocomplete_fields = ["lead_organisation", "partners", "evaluation_source"]
    filter_horizontal = ["themes", "target_groups", "stages", "gcm_objectives"]
    readonly_fields = ["created_at", "updated_at", "state_changed_at", "state_changed_by"]
    inlines = [PracticeCountryInline, OutcomeMetricInline, PracticeSourceInline]
    fieldsets = [
        (None, {"fields": ["title", "slug", "summary", "description"]}),
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
        (_("Period and status"), {"fields": ["start_year", "end_year", "period_note", "status"]}),
        (
            _("Evidence"),
            {"fields": ["evidence_level", "evaluation_summary", "evaluation_source"]},
        ),
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
class OutcomeMetricAdmin(admin.ModelAdmin):
    list_display = ["practice", "label", "display_value", "unit", "year"]
    list_filter = ["year", "qualifier"]
    search_fields = ["label", "practice__title", "unit"]
    autocomplete_fields = ["practice", "source"]
    list_select_related = ["practice"]


@admin.register(PracticeCountry)
class PracticeCountryAdmin(admin.ModelAdmin):
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
class EvaluationAdmin(SimpleHistoryAdmin):
    list_display = ["practice", "method", "evaluator", "year"]
    list_filter = ["method"]
    search_fields = ["practice__title", "evaluator", "findings"]
    autocomplete_fields = ["practice", "source"]


@admin.register(ScorecardRating)
class ScorecardRatingAdmin(SimpleHistoryAdmin):
    list_display = ["practice", "criterion", "rating", "reviewer", "rated_on"]
    list_filter = ["criterion", "rating"]
    search_fields = ["practice__title", "justification"]
    autocomplete_fields = ["practice"]
    readonly_fields = ["reviewer"]

    def save_model(self, request, obj, form, change):
        # The reviewer is whoever records the rating, never chosen from a list.
        obj.reviewer = request.user
        super().save_model(request, obj, form, change)
