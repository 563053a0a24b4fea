"""The admin of a record that is made elsewhere and decided on its own page: a revision (made
by saving a published practice), a submission (made by the public form).

Such a record is never added, typed over or deleted in the admin: it is kept as the record of
what was decided. Its change page is the review (``change_view``), whose buttons post to
``<id>/decide/`` (``decide_view``, named ``<app>_<model>_decide``).
"""

from django.contrib import admin
from django.urls import path


class DecisionPageAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def decide_view(self, request, object_id):
        raise NotImplementedError

    def get_urls(self):
        return [
            path(
                "<path:object_id>/decide/",
                self.admin_site.admin_view(self.decide_view),
                name=f"{self.opts.app_label}_{self.opts.model_name}_decide",
            ),
            *super().get_urls(),
        ]
