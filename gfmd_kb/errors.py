"""The server's own error pages.

A database that cannot be reached is not a bug: the page says the service is briefly
unavailable (503, with Retry-After) instead of "something went wrong" (500). Neither page
touches the database: they render without the request's context processors, which would read
the session and the user.
"""

import sys

from django.db import DatabaseError, InterfaceError, OperationalError
from django.http import HttpResponse
from django.template import loader

RETRY_AFTER_SECONDS = 30


def database_unreachable(exc: BaseException | None) -> bool:
    """An error raised because the connection failed, not because a query was wrong."""
    if isinstance(exc, InterfaceError):
        return True
    if isinstance(exc, OperationalError):
        return True
    return isinstance(exc, DatabaseError) and "connection" in str(exc).lower()


def server_error(request, template_name="500.html"):
    exc = sys.exc_info()[1]
    if database_unreachable(exc):
        response = HttpResponse(loader.render_to_string("503.html"), status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    return HttpResponse(loader.render_to_string(template_name), status=500)
