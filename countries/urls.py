from django.urls import path, register_converter

from . import views


class ISO2Converter:
    """Two letters, either case: /countries/mx/. Anything else is a 404 before any query."""

    regex = "[A-Za-z]{2}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(ISO2Converter, "iso2")

app_name = "countries"

urlpatterns = [
    path("", views.country_list, name="country-list"),
    path("<iso2:iso2>/", views.country_detail, name="country-detail"),
]
