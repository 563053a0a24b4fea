"""An Atom feed of a list's new and changed practices: ``/practices/feed.atom?<the list's query>``.

The list page's filters (``PracticeFilter``), its published practices only, the most recently
changed first, at most ``MAX_ENTRIES``. As on the list page, a value the filters do not know is
ignored, not an error: the feed still answers, and its subtitle names what it ignored. Its
title says in words what was filtered, so a reader shows several feeds apart.
"""

from html import escape

from django.contrib.syndication.views import Feed
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext as _

from practices.models import Practice

from .citation import KNOWLEDGE_BASE, one_line
from .filters import PracticeFilter, querystring

MAX_ENTRIES = 50


class PracticeFeed(Feed):
    feed_type = Atom1Feed

    def get_object(self, request):
        return PracticeFilter(request.GET, queryset=Practice.objects.published())

    def title(self, filterset) -> str:
        # Every text here is written into XML, which cannot carry control characters: the
        # search words come from the URL.
        # The list's chips, in words: "Theme: Migrant children; Country: Mexico".
        described = "; ".join(f"{label}: {value}" for label, value, _query in filterset.chips())
        if described:
            return one_line(_("New and changed practices: %(filters)s") % {"filters": described})
        return _("New and changed practices")

    def subtitle(self, filterset) -> str:
        said = [
            _("The list's published practices, the most recently changed first (at most %(n)s).")
            % {"n": MAX_ENTRIES}
        ]
        said += [
            _("Ignored %(name)s=%(value)s: %(why)s.") % {"name": n, "value": v, "why": why}
            for n, v, why in filterset.ignored()
        ]
        return one_line(" ".join(said))

    def link(self, filterset) -> str:
        return list_address(reverse("practices:practice-list"), filterset)

    def feed_url(self, filterset) -> str:
        # Its own address with the filters it applies (the default would drop the query).
        return list_address(reverse("practices:practice-feed"), filterset)

    def author_name(self) -> str:
        return str(KNOWLEDGE_BASE)

    def items(self, filterset):
        # Whatever the list's sort, a feed is read by what changed last; pk breaks ties so two
        # readings of the same data list the same entries. One query for the themes of all.
        return filterset.qs.order_by("-updated_at", "-pk").prefetch_related("themes")[:MAX_ENTRIES]

    def item_title(self, practice) -> str:
        return one_line(practice.title)

    def item_description(self, practice) -> str:
        # Atom's summary is written as type="html": the plain text is escaped to stay text.
        return escape(one_line(practice.summary), quote=False)

    def item_link(self, practice) -> str:
        return practice.get_absolute_url()

    def item_updateddate(self, practice):
        return practice.updated_at

    def item_pubdate(self, practice):
        # When it was published (its last change of state), else when it was entered.
        return practice.state_changed_at or practice.created_at

    def item_categories(self, practice) -> list[str]:
        return [one_line(theme.name) for theme in practice.themes.all()]


def filters(filterset) -> list[tuple[str, str]]:
    """The applied filters as URL parameters, without the sort: a feed has its own order."""
    return [(name, value) for name, value in filterset.params() if name != "sort"]


def list_address(path: str, filterset) -> str:
    query = querystring(filters(filterset))
    return f"{path}?{query}" if query else path
