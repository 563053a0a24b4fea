"""The server's own error pages.

A database that cannot be reached is not a bug: the page says the service is briefly
unavailable (503, with Retry-After) instead of "something went wrong" (500). Neither page
touches the database: they render without the request's context processors, which would read
the session and the user.
"""

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.template import loader

RETRY_AFTER_SECONDS = 30
# What the database driver raises when the server cannot be reached or the connection broke
# (Django wraps psycopg2's and sqlite3's errors in these).
UNREACHABLE = (OperationalError, InterfaceError)


def server_error(request, template_name="500.html"):
    exc = sys.exc_info()[1]
    if isinstance(exc, UNREACHABLE):
        response = HttpResponse(loader.render_to_string("503.html"), status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    return HttpResponse(loader.render_to_string(template_name), status=500)
