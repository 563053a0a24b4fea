"""Pages reached only through a link someone was given: a shared dossier, a submission's status.

Such a page is kept out of search engines and shared caches: a revoked link must lead nowhere,
not to a copy. The site's referrer policy (same-origin) keeps the link from other sites; a
"no-referrer" policy would make a browser post the page's own forms with ``Origin: null``,
which the CSRF check refuses.
"""

from django.http import HttpResponse
from django.utils.cache import add_never_cache_headers


def private(response: HttpResponse) -> HttpResponse:
    response["X-Robots-Tag"] = "noindex, nofollow"
    add_never_cache_headers(response)
    return response
