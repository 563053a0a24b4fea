"""Which language a request is answered in.

Public pages: the language of their address (English at /, French at /fr/, Spanish at /es/),
whatever the browser asks, so that a link always opens the page it names. The admin keeps one
address per page and speaks the curator's language: the one the browser asks for
(Accept-Language), or the one the curator last chose on the public site (the language cookie).
"""

from django.middleware.locale import LocaleMiddleware as DjangoLocaleMiddleware
from django.urls import reverse
from django.utils import translation


class LocaleMiddleware(DjangoLocaleMiddleware):
    def process_request(self, request):
        super().process_request(request)
        if request.path_info.startswith(reverse("admin:index")):
            translation.activate(translation.get_language_from_request(request))
            request.LANGUAGE_CODE = translation.get_language()
