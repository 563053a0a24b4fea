"""What a practice's citation is, in each format, and its schema.org description (JSON-LD).

What is cited is the practice's *record* in this knowledge base: the web page that describes
it, written by the knowledge base (its author: an institutional one, as for any database
entry; the lead organisation runs the practice, it did not write this record, and naming it
would credit it with the paper's words and the curators'), dated by the record's last change,
at its address, with the day the reader consulted it. The record's sources (for the paper's
practices, the paper's footnotes) are named in a note: a reader who uses one of its figures
cites that source too.

Each format is written by its maintained library, never by hand: BibTeX by bibtexparser (its
LaTeX encoding escapes braces, %, &, accents), RIS by rispy, CSL-JSON as the standard item
list, and the page's formatted text by citeproc-py from that very item.
"""

import json
import re
import threading
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from html import escape

import bibtexparser
import rispy
from bibtexparser.middlewares import LatexEncodingMiddleware
from bibtexparser.model import Entry, Field
from citeproc import Citation, CitationItem, CitationStylesBibliography, CitationStylesStyle
from citeproc import formatter as citeproc_formatter
from citeproc.source.json import CiteProcJSON
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone, translation
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from pylatexenc.latexencode import RULE_DICT, UnicodeToLatexConversionRule, UnicodeToLatexEncoder

# The same words as the site's header: the knowledge base is the records' author and publisher.
KNOWLEDGE_BASE = gettext_lazy("GFMD good-practice knowledge base")

# The paper every practice with a paper section comes from.
PAPER_TITLE = "Family and gender in migration and development"
PAPER_AUTHOR = "Global Forum on Migration and Development (GFMD)"
PAPER_DATE = date(2010, 9, 15)

# citeproc-py 0.11 bundles one Harvard style: Cite Them Right, the style the CSL repository's
# old "harvard1" was renamed to. Read from the package's own folder, never from the network.
STYLE = "harvard-cite-them-right"
# Cite Them Right is a British style: its dates read "30 November 2026" in English.
CSL_LOCALES = {"en": "en-GB", "fr": "fr-FR", "es": "es-ES"}

CONTENT_TYPES = {
    "bib": "application/x-bibtex; charset=utf-8",
    "ris": "application/x-research-info-systems; charset=utf-8",
    "json": "application/vnd.citationstyles.csl+json; charset=utf-8",
}

# What XML 1.0 (and so RIS readers and feeds) cannot carry, and line breaks a one-line
# format must not.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass(frozen=True)
class Reference:
    """One of the record's sources, as its note names it."""

    footnote: int | None
    citation: str
    year: int | None
    url: str

    def text(self) -> str:
        """The source's citation as recorded, its year if known (and not already in it), its
        URL if any: the roundtable brief's reference style."""
        parts = [one_line(self.citation).rstrip(" .;,")]
        if self.year and str(self.year) not in self.citation:
            parts.append(str(self.year))
        if self.url and self.url not in self.citation:
            parts.append(self.url)
        text = ", ".join(parts)
        if self.footnote:
            return _("footnote %(n)s: %(source)s") % {"n": self.footnote, "source": text}
        return text


@dataclass(frozen=True)
class PracticeCitation:
    key: str
    title: str
    url: str
    summary: str
    modified: date
    accessed: date
    themes: tuple[str, ...]
    paper_section: str
    paper_reference: str
    references: tuple[Reference, ...]

    @property
    def author(self) -> str:
        return str(KNOWLEDGE_BASE)

    @property
    def language(self) -> str:
        # The records are written in the site's own language (the paper's English); the
        # interface's language does not change what the record says.
        return settings.LANGUAGE_CODE

    @property
    def note(self) -> str:
        """Where the record comes from: the paper's section, and its sources."""
        sentences = []
        if self.paper_section:
            place = f", {self.paper_reference}" if self.paper_reference else ""
            sentences.append(
                _("Record of a practice described in %(paper)s, section %(section)s%(place)s.")
                % {"paper": paper_reference_text(), "section": self.paper_section, "place": place}
            )
        if self.references:
            sources = "; ".join(reference.text() for reference in self.references)
            sentences.append(full_stop(_("Sources: %(sources)s") % {"sources": sources}))
        return " ".join(sentences)


def citation_for(practice, url: str, accessed: date | None = None) -> PracticeCitation:
    """The citation of ``practice``'s record at ``url`` (absolute), consulted on ``accessed``.

    Reads the practice's themes and sources from the prefetch cache when present
    (``with_citation_data``, ``with_detail_data``): no query per source.
    """
    return PracticeCitation(
        key=practice.slug,
        title=one_line(practice.title),
        url=url,
        summary=one_line(practice.summary),
        modified=timezone.localdate(practice.updated_at),
        accessed=accessed or timezone.localdate(),
        themes=tuple(theme.name for theme in practice.themes.all()),
        paper_section=practice.paper_section,
        paper_reference=one_line(practice.paper_reference),
        references=tuple(
            Reference(source.footnote, source.citation, source.year, source.url)
            for source in sorted(practice.sources.all(), key=source_order)
        ),
    )


def source_order(source) -> tuple:
    # The paper's footnotes in the paper's order, then the curators' references.
    return (source.footnote is None, source.footnote or 0, source.key)


def paper_reference_text() -> str:
    return _("GFMD (2010), %(title)s, background paper of Roundtable 2.2") % {"title": PAPER_TITLE}


def full_stop(text: str) -> str:
    """``text`` ending a sentence, without a second full stop after a quoted one (“…”.)."""
    return text if re.search(r"[.!?][”’\"')]*$", text) else f"{text}."


def one_line(text: str) -> str:
    """``text`` on one line, without control characters: every format here is line-based or
    XML, and a title or a citation typed with a line break must not end a field early."""
    return " ".join(CONTROL.sub(" ", text or "").split())


def filename(slug: str, kind: str) -> str:
    return f"gfmd-practice-{slug}.{kind}"


# -- BibTeX -----------------------------------------------------------------------------------


def bibtex(record: PracticeCitation) -> str:
    """One @misc entry (every BibTeX style knows it; biblatex reads its url and urldate).

    Text fields are LaTeX-encoded by bibtexparser's middleware (``{`` ``}`` ``%`` ``&`` ``#``
    ``_`` and accents), then the title and the institutional author are braced once more, so
    that styles neither lower-case the title nor read the author as a person's first and last
    names. The URL stays as it is: it is read verbatim (``\\url``), never as LaTeX.
    """
    text_fields = {
        "author": record.author,
        "title": record.title,
        "abstract": record.summary,
        "keywords": ", ".join(record.themes),
        "note": record.note,
    }
    library = bibtexparser.Library(
        [Entry("misc", record.key, [Field(k, v) for k, v in text_fields.items() if v])]
    )
    library = LatexEncodingMiddleware(encoder=latex_encoder()).transform(library)
    (entry,) = library.entries
    for name in ("author", "title"):
        entry.set_field(Field(name, "{" + entry[name] + "}"))
    for name, value in (
        ("year", str(record.modified.year)),
        ("date", record.modified.isoformat()),
        ("url", record.url),
        ("urldate", record.accessed.isoformat()),
        ("language", record.language),
    ):
        entry.set_field(Field(name, value))
    return bibtexparser.write_string(library)


@lru_cache(maxsize=1)
def latex_encoder() -> UnicodeToLatexEncoder:
    """pylatexenc's encoder (bibtexparser's default), but a straight double quote stays one:
    braced, so that no style or babel language reads it as markup. (The default writes it as
    two closing quotes, which read back as a typographic ” instead of the title's ".)"""
    return UnicodeToLatexEncoder(
        conversion_rules=[UnicodeToLatexConversionRule(RULE_DICT, {ord('"'): '{"}'}), "defaults"]
    )


# -- RIS --------------------------------------------------------------------------------------


class RisWriter(rispy.RisWriter):
    """rispy's writer without its "1." before each record: some readers stop at it."""

    def set_header(self, count: int) -> str:
        return ""


def ris(record: PracticeCitation) -> str:
    """One ELEC (web page) record. The author ends with a comma, the RIS way of saying a name
    is an institution's (EndNote, Zotero): no first name is split off it."""
    entry = {
        "type_of_reference": "ELEC",
        "id": record.key,
        "title": record.title,
        "authors": [f"{record.author},"],
        "year": str(record.modified.year),
        "date": f"{record.modified:%Y/%m/%d}",
        "access_date": f"{record.accessed:%Y/%m/%d}",
        "urls": [record.url],
        "abstract": record.summary,
        "notes": [record.note] if record.note else [],
        "keywords": list(record.themes),
        "language": record.language,
        "name_of_database": record.author,
    }
    return rispy.dumps([{k: v for k, v in entry.items() if v}], implementation=RisWriter)


# -- CSL-JSON and the formatted text ----------------------------------------------------------


def date_parts(day: date) -> dict:
    return {"date-parts": [[day.year, day.month, day.day]]}


def csl_items(record: PracticeCitation) -> list[dict]:
    """The record as a CSL-JSON item list (what Zotero, Pandoc and citeproc read)."""
    item = {
        "id": record.key,
        "type": "webpage",
        "title": record.title,
        # A literal name: an institution, never split into given and family names.
        "author": [{"literal": record.author}],
        "issued": date_parts(record.modified),
        "accessed": date_parts(record.accessed),
        "URL": record.url,
        "abstract": record.summary,
        "keyword": ", ".join(record.themes),
        "note": record.note,
        "language": record.language,
    }
    return [{k: v for k, v in item.items() if v}]


def csl_json(record: PracticeCitation) -> str:
    return json.dumps(csl_items(record), ensure_ascii=False, indent=2) + "\n"


@lru_cache(maxsize=len(CSL_LOCALES))
def csl_style(locale: str) -> CitationStylesStyle:
    """The style, read once per process and locale (parsing it costs more than rendering)."""
    return CitationStylesStyle(STYLE, locale=locale, validate=False)


# citeproc-py keeps the formatter of the render in progress on the style it shares.
_rendering = threading.Lock()


def formatted(record: PracticeCitation) -> SafeString:
    """The record's citation as the page shows it, in HTML (the title in italics).

    citeproc-py's HTML formatter escapes the style's own words but not the item's values:
    they are given to it HTML-escaped, so a title with ``<`` or ``&`` comes out as text.
    """
    (item,) = csl_items(record)
    escaped = {k: escape(v, quote=False) if isinstance(v, str) else v for k, v in item.items()}
    escaped["author"] = [{"literal": escape(record.author, quote=False)}]
    locale = CSL_LOCALES.get(translation.get_language() or "", CSL_LOCALES["en"])
    with _rendering:
        bibliography = CitationStylesBibliography(
            csl_style(locale), CiteProcJSON([escaped]), citeproc_formatter.html
        )
        bibliography.register(Citation([CitationItem(record.key)]))
        (text,) = bibliography.bibliography()
    return mark_safe(str(text))  # noqa: S308 (values escaped above; the style's markup kept)


# -- schema.org -------------------------------------------------------------------------------


def json_ld(practice, absolute) -> dict:
    """What the practice's page describes, as schema.org: a record (CreativeWork) of the
    knowledge base, its countries with their roles, its themes, its sources, the paper.

    ``absolute`` makes a path absolute (``request.build_absolute_uri``). Reads the prefetched
    themes, country links and sources: no query.
    """
    knowledge_base = {
        "@type": "Organization",
        "name": str(KNOWLEDGE_BASE),
        "url": absolute("/"),
    }
    data = {
        "@context": "https://schema.org",
        "@type": "CreativeWork",
        "@id": absolute(practice.get_absolute_url()),
        "url": absolute(practice.get_absolute_url()),
        "identifier": practice.slug,
        "name": practice.title,
        "description": practice.summary,
        "dateCreated": practice.created_at,
        "dateModified": practice.updated_at,
        "inLanguage": settings.LANGUAGE_CODE,
        "publisher": knowledge_base,
        "isPartOf": {"@type": "WebSite", "name": str(KNOWLEDGE_BASE), "url": absolute("/")},
        # The roles (origin, transit, destination) are the link's, not the country's: each is a
        # schema.org Role around the country, the vocabulary's way of qualifying a link.
        "spatialCoverage": [
            {
                "@type": "Role",
                "roleName": link.role,
                "name": str(link.get_role_display()),
                "spatialCoverage": {
                    "@type": "Country",
                    "@id": absolute(link.country.get_absolute_url()),
                    "name": link.country.name,
                    "identifier": link.country.iso2,
                    "alternateName": link.country.iso3,
                },
            }
            for link in practice.country_links.all()
        ],
        "about": [
            {
                "@type": "DefinedTerm",
                "name": theme.name,
                "termCode": theme.slug,
                "url": absolute(theme.get_absolute_url()),
            }
            for theme in practice.themes.all()
        ],
        "citation": [
            {
                "@type": "CreativeWork",
                "identifier": source.key,
                "name": one_line(source.citation),
                **({"url": source.url} if source.url else {}),
                **({"datePublished": str(source.year)} if source.year else {}),
                **(
                    {
                        "position": source.footnote,
                        "description": _("Footnote %(n)s of the paper") % {"n": source.footnote},
                    }
                    if source.footnote
                    else {}
                ),
            }
            for source in sorted(practice.sources.all(), key=source_order)
        ],
    }
    if practice.coverage:
        data["spatialCoverage"].append({"@type": "Place", "name": practice.coverage})
    if practice.paper_section:
        data["isBasedOn"] = {
            "@type": "Report",
            "name": PAPER_TITLE,
            "description": _(
                "Background paper, Roundtable 2.2, Global Forum on Migration and "
                "Development, Mexico 2010."
            ),
            "datePublished": PAPER_DATE,
            "author": {"@type": "Organization", "name": PAPER_AUTHOR},
        }
    return data


# What would end the script element or start markup, written as JSON escapes: the JSON means
# the same, and no text in it can close the <script> it sits in (as Django's json_script).
JSON_SCRIPT_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


def json_ld_script(data: dict) -> SafeString:
    text = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False)
    return mark_safe(  # noqa: S308 (<, > and & escaped: nothing in it can end the element)
        f'<script type="application/ld+json">{text.translate(JSON_SCRIPT_ESCAPES)}</script>'
    )
