from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("practices.catalogue.urls")),
]

# A database that cannot be reached answers 503 with a page that says so (gfmd_kb.errors).
handler500 = "gfmd_kb.errors.server_error"
