"""The brief of a saved dossier (``practices.models.Dossier``).

A dossier holds its filter's practices (the list's, over the published practices, in the
list's order), then the practices added by hand that the filter does not give (by title),
less the practices removed by hand. The filter is read again each time: a practice published
since it was saved is in it, one unpublished since is not.

``public``: only published practices, even hand-picked ones. The shared read-only page is
always public; the owner's page is public too unless the owner may see unpublished practices
in the admin (``practices.view_practice``), and then shows them flagged.
"""

import datetime
from dataclasses import dataclass

from django.core.exceptions import SuspiciousOperation
from django.db.models import Case, Value, When
from django.db.models.functions import Lower
from django.http import QueryDict
from django.utils.translation import gettext as _

from practices.export_workbook import workbook_bytes
from practices.languages import localized
from practices.models import Dossier, DossierPractice, Practice

from ..filters import PracticeFilter
from .content import Brief, build_brief
from .of_list import asked_of, countries_from, ignored_of

Change = DossierPractice.Change
PUBLISHED = Practice.PublicationState.PUBLISHED


@dataclass
class Picks:
    """What the hand-picked rows change about the filter's practices."""

    added: list[int]  # not given by the filter, so added after its practices
    removed: list[int]  # given by the filter, and taken out
    notes: dict[int, str]


def dossier_filter(dossier: Dossier) -> tuple[PracticeFilter, list[str]]:
    """The list filter the dossier keeps, and what of it could not be read."""
    try:
        data = QueryDict(dossier.query)
    except SuspiciousOperation:  # more parameters than Django reads from a query string
        return PracticeFilter(QueryDict(), queryset=Practice.objects.published()), [
            dossier.query[:60] + "…"
        ]
    filterset = PracticeFilter(data, queryset=Practice.objects.published())
    return filterset, ignored_of(filterset)


def dossier_picks(dossier: Dossier, filterset: PracticeFilter, *, public: bool) -> Picks:
    """The hand-picked rows, read against the filter: two queries (one without picks)."""
    rows = list(
        dossier.picks.values_list("practice_id", "change", "note", "practice__publication_state")
    )
    added = [pk for pk, change, _n, state in rows if change == Change.ADDED]
    removed = [pk for pk, change, _n, _s in rows if change == Change.REMOVED]
    given = set()
    if added or removed:
        given = set(filterset.qs.filter(pk__in=added + removed).values_list("pk", flat=True))
    visible = {pk for pk, _c, _n, state in rows if state == PUBLISHED or not public}
    return Picks(
        added=[pk for pk in added if pk not in given and pk in visible],
        removed=[pk for pk in removed if pk in given],
        notes={pk: note for pk, change, note, _s in rows if note and change != Change.REMOVED},
    )


def dossier_practices(filterset: PracticeFilter, picks: Picks):
    """The dossier's practices in its order: the filter's in the list's order, then those
    added by hand, by title; without those removed."""
    practices = filterset.sorted_qs()
    if picks.added:
        # The filter's condition OR the added ids, in one statement that keeps the list's
        # order (and its search ranking) after a first key that puts the added ones last.
        # Not a CASE over every position: a filter may give thousands of practices.
        added = Practice.objects.filter(pk__in=picks.added)
        first = Case(When(pk__in=picks.added, then=Value(1)), default=Value(0))
        by_title = Case(When(pk__in=picks.added, then=Lower(localized("title"))), default=Value(""))
        order = practices.query.order_by
        practices = (practices | added).order_by(first, by_title, *order)
    if picks.removed:
        practices = practices.exclude(pk__in=picks.removed)
    return practices


def _asked(filterset: PracticeFilter, picks: Picks) -> list[tuple[str, str]]:
    """The filter in words, and what the hand-picked rows change."""
    asked = asked_of(filterset)
    if picks.added or picks.removed:
        asked.append(
            (
                _("Hand-picked"),
                _("+%(added)s, −%(removed)s")
                % {"added": len(picks.added), "removed": len(picks.removed)},
            )
        )
    return asked


def dossier_workbook(dossier: Dossier, *, public: bool, day: datetime.date, base_url: str):
    """The dossier's practices as the list's Excel workbook (``export_workbook``), its cover
    naming the dossier and what it holds."""
    filterset, ignored = dossier_filter(dossier)
    picks = dossier_picks(dossier, filterset, public=public)
    asked = "; ".join(f"{label}: {value}" for label, value in _asked(filterset, picks))
    cover = [(_("Dossier"), dossier.title)]
    if dossier.session:
        cover.append((_("Session"), dossier.session))
    cover.append((_("What was asked"), asked or _("All published practices")))
    if ignored:
        cover.append((_("Not applied"), ", ".join(ignored)))
    practices = dossier_practices(filterset, picks)
    return workbook_bytes(practices, cover, base_url.rstrip("/"), day=day)


def dossier_brief(dossier: Dossier, *, public: bool, day: datetime.date) -> Brief:
    """The brief of ``dossier`` on ``day``: published practices only if ``public``."""
    filterset, ignored = dossier_filter(dossier)
    picks = dossier_picks(dossier, filterset, public=public)
    countries, unknown = countries_from(dossier.countries)
    asked = _asked(filterset, picks)
    return build_brief(
        dossier_practices(filterset, picks),
        title=dossier.title,
        session=dossier.session,
        asked=asked,
        ignored=ignored,
        date=day,
        countries=countries or None,
        unknown_countries=unknown,
        notes=picks.notes,
        since=dossier.created_at,
    )
