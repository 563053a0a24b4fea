"""Pending revisions of published practices: the reviewer's queue, the diff, the decision."""

from django.contrib import admin

from practices.models import PracticeRevision


@admin.register(PracticeRevision)
class PracticeRevisionAdmin(admin.ModelAdmin):
    list_display = ["practice", "state", "updated_by", "updated_at"]
    list_filter = ["state"]
    list_select_related = ["practice", "updated_by"]
    search_fields = ["practice__title"]
    fields = [
        "practice",
        "state",
        "origin",
        "created_by",
        "created_at",
        "updated_by",
        "updated_at",
        "message",
        "decided_by",
        "decided_at",
    ]
    readonly_fields = fields

    # Revisions are made by saving a published practice, never added or edited here.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
