from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.shortcuts import redirect
from django.templatetags.static import static
from django.urls import include, path


def favicon(request):
    """Browsers ask for /favicon.ico whatever a page links (the admin's pages link none): send
    them to the site's icon. Not permanent: the icon's static name changes with its content."""
    return redirect(static("img/favicon.svg"))


# Every public page in English at / (as before: no existing link is redirected), in French
# under /fr/ and in Spanish under /es/. The admin has one address and speaks the curator's
# language (gfmd_kb.locale).
urlpatterns = [
    path("favicon.ico", favicon),
    path("admin/", admin.site.urls),
    *i18n_patterns(
        path("", include("practices.catalogue.urls")),
        prefix_default_language=False,
    ),
]

# A database that cannot be reached answers 503 with a page that says so (gfmd_kb.errors).
handler500 = "gfmd_kb.errors.server_error"
