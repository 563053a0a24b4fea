"""Is a practice being added one the base already holds?

Two records are taken for the same practice when their titles read the same once case and
accents are set aside ("Programa Sequía" = "programa sequia") and a country implements both.
A shared title alone is not enough (several countries run a "National plan against
trafficking"), nor a shared country. The admin warns before saving such a practice; the
spreadsheet import can ask the same question of each row.
"""

from django.db.models import Exists, OuterRef, Q

from practices.models import Practice, PracticeCountry
from practices.search import fold


def find_duplicates(title: str, country_ids, exclude_pk=None) -> list[Practice]:
    """Practices titled ``title`` (any case or accents) that a country in ``country_ids``
    implements; ``exclude_pk`` is the practice being edited, never its own duplicate.

    ``country_ids`` are the countries implementing the new practice. Ordered by title.

    The stored ``search_text`` begins with the folded title on a line of its own, so the
    database narrows the candidates; Python compares the folded titles, exactly. A practice
    written earlier in the same transaction has no search text yet (it is indexed on
    commit): those are compared too, so an import sees the rows it has just written.
    """
    folded = fold(title or "").strip()
    country_ids = [pk for pk in country_ids if pk is not None]
    if not folded or not country_ids:
        return []
    implemented_there = PracticeCountry.objects.filter(
        practice=OuterRef("pk"),
        country__in=country_ids,
        involvement=PracticeCountry.Involvement.IMPLEMENTING,
    )
    candidates = Practice.objects.filter(Exists(implemented_there)).filter(
        Q(search_text__startswith=folded + "\n") | Q(search_text="") | Q(title__iexact=title)
    )
    if exclude_pk is not None:
        candidates = candidates.exclude(pk=exclude_pk)
    # Only what callers show (the title, linked; the publication state): the stored search
    # text of a long practice is kilobytes.
    candidates = candidates.only("pk", "title", "slug", "publication_state")
    return [
        practice
        for practice in candidates.order_by("title", "pk")
        if fold(practice.title).strip() == folded
    ]
