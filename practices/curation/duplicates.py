"""Is a practice being added one the base already holds?

Two records are taken for the same practice when their titles read the same once case and
accents are set aside ("Programa Sequía" = "programa sequia") and a country implements both.
A shared title alone is not enough (several countries run a "National plan against
trafficking"), nor a shared country. The admin warns before saving such a practice; the
spreadsheet import can ask the same question of each row.
"""

from django.db.models import Exists, OuterRef, Q, Value
from django.db.models.functions import Greatest, Lower, StrIndex, Substr

from practices.languages import columns
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
    candidates = candidates.only("pk", *columns("title"), "slug", "publication_state")
    return [
        practice
        for practice in candidates.order_by("title_en", "pk")
        if fold(practice.title_en or "").strip() == folded
    ]


def find_duplicates_of_many(items) -> dict:
    """``find_duplicates`` for many practices at once: ``items`` are (key, title, implementing
    country ids); returns {key: practices} for the keys that have some, in two queries
    whatever the number of items (the spreadsheet import asks it of every new row).

    The same rule: the stored search text's first line is the folded title (or the text is
    not written yet, or the title is the same but for case), then Python compares folded titles
    exactly and the implementing countries.
    """
    wanted: dict[str, list] = {}
    for key, title, country_ids in items:
        folded = fold(title or "").strip()
        ids = {pk for pk in country_ids if pk is not None}
        if folded and ids:
            wanted.setdefault(folded, []).append((key, ids))
    if not wanted:
        return {}
    titles = {title.lower() for title in wanted}
    # Everything before the first line break; Greatest keeps the length from going negative
    # for an empty text (PostgreSQL refuses a negative substring length).
    first_line = Substr("search_text", 1, Greatest(StrIndex("search_text", Value("\n")) - 1, 0))
    candidates = {
        practice.pk: practice
        for practice in Practice.objects.annotate(
            first_line=first_line, lower_title=Lower("title_en")
        )
        .filter(Q(first_line__in=list(wanted)) | Q(search_text="") | Q(lower_title__in=titles))
        .only("pk", *columns("title"), "slug", "publication_state")
        .order_by("title_en", "pk")
        if fold(practice.title_en or "").strip() in wanted
    }
    implementing: dict[int, set[int]] = {}
    for practice_id, country_id in PracticeCountry.objects.filter(
        practice__in=list(candidates), involvement=PracticeCountry.Involvement.IMPLEMENTING
    ).values_list("practice_id", "country_id"):
        implementing.setdefault(practice_id, set()).add(country_id)
    found: dict = {}
    for practice in candidates.values():
        for key, ids in wanted[fold(practice.title_en or "").strip()]:
            if implementing.get(practice.pk, set()) & ids:
                found.setdefault(key, []).append(practice)
    return found


def duplicates_in_file(rows) -> dict:
    """The new rows of a spreadsheet, ``(row, title, implementing country ids, slug)`` in the
    file's order: ``{row: [(title, slug)]}`` of the stored practices, and of the file's earlier
    new rows, each may be (the same rule, all looked up at once)."""
    rows = list(rows)
    stored = find_duplicates_of_many((row, title, ids) for row, title, ids, _slug in rows)
    found: dict = {}
    earlier: dict[str, list[tuple[str, str, set]]] = {}
    for row, title, ids, slug in rows:
        folded = fold(title or "").strip()
        matches = [(practice.title_en, practice.slug) for practice in stored.get(row, [])]
        matches += [(t, s) for t, s, other in earlier.get(folded, []) if other & ids]
        if folded and ids:
            earlier.setdefault(folded, []).append((title, slug, ids))
        if matches:
            found[row] = matches
    return found
