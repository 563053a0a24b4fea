"""What a roundtable brief says: a list's practices country by country, as data.

The brief is what a session preparer hands out: for each country, its practices under the role
it plays in them (origin, transit, destination), each with its summary, period, status as
reported, evidence level, figures and numbered references; then the paper's discussion
questions and hoped-for outcomes the practices speak to; a country × theme table of counts with
the gaps marked; and the reference list. The page (``views.brief``), the PDF (``pdf``) and the
Word file (``word``) all render this one structure, so they cannot disagree.

``build_brief`` reads everything in a fixed number of queries, whatever the number of practices.
"""

import datetime
from dataclasses import dataclass, field

from django.db import models
from django.utils.translation import gettext as _

from countries.models import Country, name_sort_key
from practices.models import (
    DiscussionQuestion,
    Outcome,
    OutcomeMetric,
    Practice,
    PracticeCountry,
    Source,
    Theme,
)

ROLES = list(PracticeCountry.Role)


@dataclass
class Reference:
    """A numbered entry of the reference list: a source, numbered in order of first citation.

    The brief's one citation style (documented on the About page): "[n] the citation as
    recorded (its year, when the citation does not give it). Footnote n of the 2010 paper.
    Its address, when the citation does not give it."
    """

    number: int
    citation: str
    year: int | None
    url: str
    footnote: int | None

    @property
    def text(self) -> str:
        """The citation with its year, ending with a full stop."""
        text = self.citation.strip()
        if self.year and str(self.year) not in text:
            text = f"{text.rstrip('.')} ({self.year})"
        return text if text.endswith((".", "!", "?")) else f"{text}."

    @property
    def link(self) -> str:
        """The address, unless the citation already gives it."""
        return self.url if self.url and self.url not in self.citation else ""


@dataclass
class Figure:
    label: str
    value: str  # as the source states it: "about 17,000", "target: 300"
    unit: str
    year: int
    note: str
    reference: int | None  # its source's number in the reference list


@dataclass
class Entry:
    """One practice of the brief."""

    practice: Practice
    anchor: str  # the id of its full description in the brief, e.g. "p-dif-opi"
    title: str
    url: str  # its page on the site (a path; the renderers make it absolute where needed)
    summary: str
    period: str
    status: str  # with the year it was reported in
    evidence: str
    themes: list[str]
    countries: str  # "Mexico (origin); United States (destination)"
    coverage: str
    figures: list[Figure]
    references: list[int]
    published: bool
    note: str = ""  # a dossier's note on this practice
    changed_on: datetime.datetime | None = None  # set when it changed after a dossier was made


@dataclass
class Mention:
    """A practice under a country's role, described there in full, so that each country's part
    of the brief reads on its own; only a practice where the country plays two roles is
    described under the first and pointed to (``full`` False) under the second."""

    entry: Entry
    full: bool
    anchor: str  # the id of this description; the practice's first one is entry.anchor
    place: str  # where this description is: "Mexico, country of origin"


@dataclass
class RoleGroup:
    role: str  # COO, COT, COD
    label: str
    mentions: list[Mention]


@dataclass
class CountrySection:
    country: Country | None  # None: the practices that name no country (or none asked for)
    heading: str
    groups: list[RoleGroup]  # empty when the country has no practice in the list
    mentions: list[Mention] = field(default_factory=list)  # no role: the last section only

    def entries(self) -> list[Entry]:
        """Its practices, each once (a practice can hold two roles for one country)."""
        found = {m.entry.anchor: m.entry for g in self.groups for m in g.mentions}
        found.update((m.entry.anchor, m.entry) for m in self.mentions)
        return list(found.values())


@dataclass
class Prompt:
    """A discussion question or hoped-for outcome of the paper, with the listed practices that
    speak to it."""

    label: str  # "1." or "a)"
    text: str
    entries: list[Entry]


@dataclass
class TableRow:
    country: Country
    counts: list[int]  # one per theme of Brief.themes; 0 is a gap
    total: int


@dataclass
class Brief:
    title: str
    asked: list[tuple[str, str]]  # (filter, value) in words; empty: every published practice
    ignored: list[str]  # filter values that were not applied, as name=value
    date: datetime.date
    entries: list[Entry]  # every practice once, in the list's order
    sections: list[CountrySection]
    questions: list[Prompt]
    outcomes: list[Prompt]
    themes: list[Theme]
    table: list[TableRow]
    references: list[Reference]
    session: str = ""
    since: datetime.datetime | None = None  # a dossier's: when it was made

    @property
    def count(self) -> int:
        return len(self.entries)

    @property
    def gap_count(self) -> int:
        return sum(1 for row in self.table for n in row.counts if not n)


def brief_queryset(practices: models.QuerySet) -> models.QuerySet:
    """``practices`` with everything a brief shows, in a fixed number of queries."""
    return practices.select_related("evaluation_source").prefetch_related(
        "themes",
        models.Prefetch(
            "country_links",
            queryset=PracticeCountry.objects.select_related("country").in_cycle_order(),
        ),
        models.Prefetch("sources", queryset=Source.objects.order_by("footnote", "key")),
        models.Prefetch("metrics", queryset=OutcomeMetric.objects.select_related("source")),
    )


def build_brief(
    practices,
    *,
    title: str,
    asked: list[tuple[str, str]],
    date: datetime.date,
    countries: list[Country] | None = None,
    ignored: list[str] | None = None,
    notes: dict[int, str] | None = None,
    since: datetime.datetime | None = None,
    session: str = "",
    unknown_countries: list[str] | None = None,
) -> Brief:
    """The brief of ``practices`` (a queryset, in the order the list gives them).

    ``countries``: the countries the preparer names, in their order; the brief then gives only
    their sections (an empty one says the list has nothing for it), and the practices that
    involve none of them together at the end. Otherwise every country of the list, by name.
    ``notes``: a dossier's note per practice id; ``since``: when the dossier was made (each
    practice changed after it says when).
    """
    notes = notes or {}
    listed = list(brief_queryset(practices))
    references = _References()
    entries = [_entry(practice, notes, since) for practice in listed]
    by_pk = {entry.practice.pk: entry for entry in entries}

    sections = _country_sections(entries, countries)
    # References are numbered in the order a reader meets them: section by section.
    for section in sections:
        for mention in _mentions(section):
            _cite(mention.entry, references)
    for entry in entries:  # a practice in no section (cannot happen today): still cited
        _cite(entry, references)

    themes = list(Theme.objects.all())
    return Brief(
        title=title,
        session=session,
        asked=asked,
        # Named like the list names what it ignored: "countries=XX".
        ignored=[*(ignored or []), *(f"countries={word}" for word in unknown_countries or [])],
        date=date,
        entries=entries,
        sections=sections,
        questions=_prompts(DiscussionQuestion, by_pk, lambda q: f"{q.number}."),
        outcomes=_prompts(Outcome, by_pk, lambda o: f"{o.letter})"),
        themes=themes,
        table=_table(sections, themes),
        references=references.numbered(),
        since=since,
    )


def _entry(practice: Practice, notes: dict[int, str], since) -> Entry:
    links = practice.country_links.all()
    role_words = {
        PracticeCountry.Role.COO: _("origin"),
        PracticeCountry.Role.COT: _("transit"),
        PracticeCountry.Role.COD: _("destination"),
    }
    return Entry(
        practice=practice,
        anchor=f"p-{practice.slug}",
        title=practice.title,
        url=practice.get_absolute_url(),
        summary=practice.summary,
        period=practice.period or _("not stated"),
        status=practice.status_as_reported,
        evidence=practice.get_evidence_level_display(),
        themes=[theme.name for theme in practice.themes.all()],
        countries="; ".join(f"{link.country.name} ({role_words[link.role]})" for link in links),
        coverage=practice.coverage,
        figures=[],
        references=[],
        published=practice.publication_state == Practice.PublicationState.PUBLISHED,
        note=notes.get(practice.pk, ""),
        changed_on=practice.updated_at if since and practice.updated_at > since else None,
    )


class _References:
    """Sources numbered in order of first citation."""

    def __init__(self):
        self.numbers: dict[int, int] = {}
        self.sources: list[Source] = []

    def number(self, source: Source) -> int:
        if source.pk not in self.numbers:
            self.sources.append(source)
            self.numbers[source.pk] = len(self.sources)
        return self.numbers[source.pk]

    def numbered(self) -> list[Reference]:
        return [
            Reference(n, s.citation, s.year, s.url, s.footnote)
            for n, s in enumerate(self.sources, start=1)
        ]


def _cite(entry: Entry, references: _References) -> None:
    if entry.references or entry.figures:
        return  # already cited
    practice = entry.practice
    sources = list(practice.sources.all())
    if practice.evaluation_source:
        sources.append(practice.evaluation_source)
    numbers = [references.number(source) for source in sources]
    for metric in practice.metrics.all():
        value = metric.display_value
        if metric.qualifier == OutcomeMetric.Qualifier.TARGET:
            value = _("target: %(value)s") % {"value": value}
        number = references.number(metric.source) if metric.source else None
        if number and number not in numbers:
            numbers.append(number)
        entry.figures.append(
            Figure(metric.label, value, metric.unit, metric.year, metric.comparison_note, number)
        )
    entry.references = sorted(set(numbers))


def _mentions(section: CountrySection):
    for group in section.groups:
        yield from group.mentions
    yield from section.mentions


def _country_sections(entries: list[Entry], asked: list[Country] | None) -> list[CountrySection]:
    countries: dict[int, Country] = {}
    roles: dict[tuple[int, str], list[Entry]] = {}
    for entry in entries:
        for link in entry.practice.country_links.all():
            countries[link.country_id] = link.country
            members = roles.setdefault((link.country_id, link.role), [])
            if entry not in members:
                members.append(entry)
    if asked is None:
        order = sorted(countries.values(), key=lambda c: name_sort_key(c.name))
    else:
        order = asked
    sections: list[CountrySection] = []
    described: dict[str, str] = {}  # anchor → where it is first described
    for country in order:
        groups = []
        here: dict[str, str] = {}  # described in this country's section
        for role in ROLES:
            members = roles.get((country.pk, role.value), [])
            if members:
                place = f"{country.name}, {role.label.lower()}"
                mentions = [
                    _mention(e, place, described, here, f"{country.iso2}-{role.value}")
                    for e in members
                ]
                groups.append(RoleGroup(role.value, role.label, mentions))
        sections.append(CountrySection(country, country.name, groups))
    rest = [entry for entry in entries if entry.anchor not in described]
    if rest:
        heading = (
            _("Practices that name no country")
            if asked is None
            else _("Other practices in this list")
        )
        mentions = [_mention(e, heading, described, {}, "other") for e in rest]
        sections.append(CountrySection(None, heading, [], mentions))
    return sections


def _mention(entry: Entry, place: str, described: dict, here: dict, where: str) -> Mention:
    if entry.anchor in here:  # the same country, another role: point to it
        return Mention(entry, False, *here[entry.anchor])
    anchor = f"{entry.anchor}--{where.lower()}" if entry.anchor in described else entry.anchor
    described.setdefault(entry.anchor, place)
    here[entry.anchor] = (anchor, place)
    return Mention(entry, True, anchor, place)


def _prompts(model, by_pk: dict[int, Entry], label) -> list[Prompt]:
    """The questions (or outcomes) that at least one listed practice speaks to, each with those
    practices in the brief's order. One query: the links, with the prompt's own fields."""
    order = {pk: i for i, pk in enumerate(by_pk)}
    through = model.practices.through
    owner = model._meta.model_name  # the through model's column to the prompt
    prompts: dict[int, tuple[object, list[Entry]]] = {}
    links = (
        through.objects.filter(practice_id__in=list(by_pk))
        .select_related(owner)
        .order_by(*(f"{owner}__{f}" for f in model._meta.ordering))
    )
    for link in links:
        prompt = getattr(link, owner)
        prompts.setdefault(prompt.pk, (prompt, []))[1].append(by_pk[link.practice_id])
    return [
        Prompt(label(prompt), prompt.text, sorted(members, key=lambda e: order[e.practice.pk]))
        for prompt, members in prompts.values()
    ]


def _table(sections: list[CountrySection], themes: list[Theme]) -> list[TableRow]:
    """Each country section's practices per theme: how many, 0 where the list has a gap."""
    rows = []
    for section in sections:
        if section.country is None:
            continue
        entries = section.entries()
        themed = [{theme.pk for theme in e.practice.themes.all()} for e in entries]
        counts = [sum(1 for pks in themed if theme.pk in pks) for theme in themes]
        rows.append(TableRow(section.country, counts, len(entries)))
    return rows
