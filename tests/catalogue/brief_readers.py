"""Read a roundtable brief back from each of its formats into one shape, so that tests can say
what the page, the Word file and the PDF hold, and compare them with the database and with
each other.

A brief is read as its sections (a country, or the practices naming none), each with its role
groups, each with its mentions in order: a practice described in full (its references and
figures) or pointed to.
"""

import io
import re
from dataclasses import dataclass, field

import docx
import lxml.html
import pypdf
from docx.table import Table
from docx.text.paragraph import Paragraph

from practices.models import PracticeCountry

ROLE_BY_LABEL = {str(role.label): role.value for role in PracticeCountry.Role}
CITES = re.compile(r"\[(\d+)\]")


@dataclass
class Mention:
    title: str
    full: bool
    references: list[int] = field(default_factory=list)
    # (label, value, unit, year, reference number or None)
    figures: list[tuple[str, str, str, str, int | None]] = field(default_factory=list)
    note: str = ""


@dataclass
class Section:
    heading: str
    roles: dict[str, list[Mention]]  # COO/COT/COD, or "" for a section without roles


@dataclass
class ReadBrief:
    count: int
    sections: list[Section]
    references: dict[int, str]

    def placements(self) -> dict[tuple[str, str], list[str]]:
        """(section heading, role) → titles, in order."""
        return {
            (section.heading, role): [m.title for m in mentions]
            for section in self.sections
            for role, mentions in section.roles.items()
        }

    def full_mentions(self) -> list[Mention]:
        return [m for s in self.sections for ms in s.roles.values() for m in ms if m.full]


def _text(element) -> str:
    return " ".join(element.text_content().split())


def _figure_ref(text: str) -> int | None:
    found = CITES.search(text)
    return int(found.group(1)) if found else None


def read_html(body: bytes) -> ReadBrief:
    page = lxml.html.fromstring(body)
    (brief,) = page.xpath('//article[@class="brief"]')
    count = int(_text(brief.xpath('.//dd[@class="brief-count"]')[0]))
    sections = []
    for part in brief.xpath('.//section[@class="brief-country"]'):
        heading = _text(part.xpath("./h3")[0])
        roles = {}
        for group in part.xpath('./section[@class="brief-role"]'):
            roles[group.get("data-role")] = _html_mentions(group)
        direct = _html_mentions(part)
        if direct:
            roles[""] = direct
        sections.append(Section(heading, roles))
    references = {
        int(li.get("value")): _text(li) for li in brief.xpath('.//ol[@class="brief-refs"]/li')
    }
    return ReadBrief(count, sections, references)


def _html_mentions(container) -> list[Mention]:
    mentions = []
    for node in container.xpath('./article[@class="brief-entry"] | ./p[@class="brief-mention"]'):
        if node.tag == "p":
            mentions.append(Mention(_text(node.xpath("./a")[0]), full=False))
            continue
        mention = Mention(_text(node.xpath("./h5")[0]), full=True)
        cites = node.xpath('.//span[@class="brief-cites"]')
        mention.references = [int(n) for n in CITES.findall(_text(cites[0]))] if cites else []
        for row in node.xpath('.//table[@class="brief-figures"]/tbody/tr'):
            label = _text(row.xpath("./th")[0])
            value, unit, year, source = (_text(td) for td in row.xpath("./td"))
            mention.figures.append((label, value, unit, year, _figure_ref(source)))
        notes = node.xpath('./p[@class="brief-note"]')
        mention.note = _text(notes[0]) if notes else ""
        mentions.append(mention)
    return mentions


def read_docx(body: bytes) -> ReadBrief:
    """The Word file read through its headings' styles: Heading 1 parts, Heading 2 countries,
    Heading 3 roles, Heading 4 practices; the facts paragraph and the figures table after each."""
    document = docx.Document(io.BytesIO(body))
    count = 0
    sections: list[Section] = []
    references: dict[int, str] = {}
    part = ""
    role = ""
    current: Mention | None = None
    for block in document.iter_inner_content():
        if isinstance(block, Table):
            rows = [[cell.text for cell in row.cells] for row in block.rows]
            if part == "countries" and current and rows[0][0] == "Figure":
                for label, value, unit, year, source in rows[1:]:
                    current.figures.append((label, value, unit, year, _figure_ref(source)))
            continue
        assert isinstance(block, Paragraph)
        style, text = block.style.name, " ".join(block.text.split())
        if style == "Heading 1":
            part = "countries" if text == "Practices by country" else text
            current = None
        elif part == "countries" and style == "Heading 2":
            sections.append(Section(text, {}))
            role, current = "", None
        elif part == "countries" and style == "Heading 3":
            role = ROLE_BY_LABEL[text]
            current = None
        elif part == "countries" and style == "Heading 4":
            current = Mention(text, full=True)
            sections[-1].roles.setdefault(role, []).append(current)
        elif part == "countries" and style == "List Bullet":
            title = text.split(" — ")[0]
            sections[-1].roles.setdefault(role, []).append(Mention(title, full=False))
        elif part == "countries" and current and "Sources: [" in block.text:
            sources = block.text.split("Sources:")[1]
            current.references = [int(n) for n in CITES.findall(sources)]
        elif part == "countries" and current and text.startswith("Note:"):
            current.note = text
        elif part == "References" and CITES.match(text):
            references[int(CITES.match(text).group(1))] = text
        elif text.startswith("Practices: ") and not sections:
            count = int(text.removeprefix("Practices: "))
    return ReadBrief(count, sections, references)


def pdf_text(body: bytes) -> list[str]:
    """Each page's text, whitespace collapsed."""
    reader = pypdf.PdfReader(io.BytesIO(body))
    return [" ".join(page.extract_text().split()) for page in reader.pages]
