from django.contrib import admin
from django.shortcuts import redirect
from django.templatetags.static import static
from django.urls import include, path


def favicon(request):
    """Browsers ask for /favicon.ico whatever a page links (the admin's pages link none): send
    them to the site's icon. Not permanent: the icon's static name changes with its content."""
    return redirect(static("img/favicon.svg"))


urlpatterns = [
    path("favicon.ico", favicon),
    path("admin/", admin.site.urls),
    path("", include("practices.catalogue.urls")),
]

# A database that cannot be reached answers 503 with a page that says so (gfmd_kb.errors).
handler500 = "gfmd_kb.errors.server_error"
