from django.contrib.admin.apps import AdminConfig


class KnowledgeBaseAdminConfig(AdminConfig):
    """django.contrib.admin, with the site that admits curators and reviewers only."""

    default_site = "practices.curation.site.KnowledgeBaseAdminSite"
