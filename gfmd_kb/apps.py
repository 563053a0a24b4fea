from django.contrib.admin.apps import AdminConfig


class KnowledgeBaseAdminConfig(AdminConfig):
    """django.contrib.admin, with the site that admits curators and reviewers only; and the
    project's own deployment checks (``gfmd_kb.checks``), registered once the apps are ready."""

    default_site = "practices.curation.site.KnowledgeBaseAdminSite"

    def ready(self):
        super().ready()
        from . import checks  # noqa: F401 (registers them)
