"""The admin site: curators, reviewers and preparers only.

Django lets any active staff user into the admin; here being staff is not enough. An account
must also be a superuser or in one of the roles (``workflow.Role``), so a staff flag set by
mistake (or left from another tool) opens nothing. Preparers hold the dossiers' permissions
only, so the admin shows them their dossiers and nothing else.
"""

from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from . import desk
from .workflow import Role


def may_use_admin(user) -> bool:
    """Active staff who are superusers, curators, reviewers or preparers."""
    if not (user.is_active and user.is_staff):
        return False
    if user.is_superuser:
        return True
    # Asked on every admin request; kept on the user object for the rest of this one.
    if not hasattr(user, "_kb_has_role"):
        user._kb_has_role = user.groups.filter(name__in=Role.values).exists()
    return user._kb_has_role


class RoleAuthenticationForm(AdminAuthenticationForm):
    """Refuses, with a reason, staff who hold none of the roles.

    The stock form would log them in only for the site to turn them away at every page.
    """

    error_messages = {
        **AdminAuthenticationForm.error_messages,
        "no_role": _(
            "This account is neither a curator nor a reviewer, nor a preparer, so it may not "
            "use the admin. Ask an administrator to add it to one of the three groups."
        ),
    }

    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        if not may_use_admin(user):
            raise ValidationError(self.error_messages["no_role"], code="no_role")


class KnowledgeBaseAdminSite(admin.AdminSite):
    site_header = _("GFMD good-practice knowledge base")
    site_title = _("GFMD good-practice knowledge base")
    index_title = _("Curation")
    login_form = RoleAuthenticationForm
    # The desk's queues above the app list (practices.curation.desk).
    index_template = "curation/desk_index.html"

    def has_permission(self, request):
        return may_use_admin(request.user)

    def index(self, request, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "desk_queues": desk.desk_for(request.user),
            "desk_is_reviewer": desk.is_reviewer(request.user),
        }
        return super().index(request, extra_context)
