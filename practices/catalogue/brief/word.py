"""The brief as a Word document (.docx), editable in Word or LibreOffice: real headings (the
styles Heading 1-4, so the navigation pane and a table of contents work), real tables for the
figures and the country × theme counts, and the numbered reference list.

It says what the page says (``content.Brief``), in the same order and words.
"""

import io

from django.utils.formats import date_format
from django.utils.timezone import localtime
from django.utils.translation import gettext as _
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

from .content import Brief, Entry, Mention, Prompt

MUTED = RGBColor(0x5B, 0x66, 0x73)


def brief_docx(brief: Brief, base_url: str) -> bytes:
    """``brief`` as a .docx file; ``base_url`` (the site's address) makes its links absolute."""
    document = Document()
    _page_setup(document)
    document.core_properties.title = brief.title
    document.core_properties.author = _("GFMD good-practice knowledge base")
    base = base_url.rstrip("/")

    _muted(document.add_paragraph(), _("GFMD good-practice knowledge base · Roundtable brief"))
    document.add_heading(brief.title, level=0)
    if brief.session:
        document.add_paragraph(brief.session)
    asked = "; ".join(f"{label}: {value}" for label, value in brief.asked)
    _fact(document, _("What was asked"), asked or _("All published practices"))
    if brief.ignored:
        _fact(document, _("Not applied"), ", ".join(brief.ignored))
    if brief.unknown_countries:
        _fact(document, _("Not countries"), ", ".join(brief.unknown_countries))
    _fact(document, _("Date"), date_format(brief.date, "j F Y"))
    if brief.since:
        _fact(document, _("Dossier made"), date_format(localtime(brief.since), "j F Y"))
    _fact(document, _("Practices"), str(brief.count))
    _muted(
        document.add_paragraph(),
        _(
            "Statuses are given as the source reported them, with the year they were reported "
            "in; every figure carries its year and source. Numbers in square brackets are the "
            "references listed at the end."
        ),
    )

    document.add_heading(_("Practices by country"), level=1)
    for section in brief.sections:
        document.add_heading(section.heading, level=2)
        if not section.groups and not section.mentions:
            document.add_paragraph(_("No practice in this list."))
        for group in section.groups:
            document.add_heading(group.label, level=3)
            for mention in group.mentions:
                _mention(document, mention, base)
        for mention in section.mentions:
            _mention(document, mention, base)
    if not brief.sections:
        document.add_paragraph(_("No practice matches this list."))

    document.add_heading(_("Discussion questions and hoped-for outcomes"), level=1)
    _muted(
        document.add_paragraph(),
        _(
            "From sections 5 and 6 of the 2010 background paper: those the listed practices "
            "speak to, each with its practices."
        ),
    )
    document.add_heading(_("Questions to guide the discussion"), level=2)
    _prompts(
        document,
        brief.questions,
        _("None of the listed practices informs one of the paper's discussion questions."),
    )
    document.add_heading(_("Hoped-for outcomes"), level=2)
    _prompts(
        document,
        brief.outcomes,
        _("None of the listed practices speaks to one of the paper's hoped-for outcomes."),
    )

    document.add_heading(_("Practices per country and theme"), level=1)
    _matrix(document, brief)

    document.add_heading(_("References"), level=1)
    for ref in brief.references:
        text = f"[{ref.number}] {ref.citation}"
        if ref.year and str(ref.year) not in ref.citation:
            text += f" ({ref.year})"
        text += "."
        if ref.footnote:
            text += " " + _("Footnote %(n)s of the 2010 paper.") % {"n": ref.footnote}
        paragraph = document.add_paragraph(text, style="Normal")
        paragraph.paragraph_format.left_indent = Mm(8)
        paragraph.paragraph_format.first_line_indent = Mm(-8)
        if ref.url:
            paragraph.add_run(" ")
            _link(paragraph, ref.url, ref.url)
    if not brief.references:
        document.add_paragraph(_("The listed practices cite no source."))

    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _page_setup(document) -> None:
    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    for side in ("left_margin", "right_margin"):
        setattr(section, side, Mm(18))
    section.top_margin, section.bottom_margin = Mm(18), Mm(20)
    document.styles["Normal"].font.size = Pt(10)
    # Page numbers in the footer: a PAGE field, which Word and LibreOffice fill in.
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    _field(footer, "PAGE")


def _field(paragraph, code: str) -> None:
    run = paragraph.add_run()
    for kind, text in (("begin", None), (None, code), ("end", None)):
        if kind:
            element = OxmlElement("w:fldChar")
            element.set(qn("w:fldCharType"), kind)
        else:
            element = OxmlElement("w:instrText")
            element.set(qn("xml:space"), "preserve")
            element.text = text
        run._r.append(element)


def _muted(paragraph, text: str) -> None:
    run = paragraph.add_run(text)
    run.font.color.rgb = MUTED
    run.font.size = Pt(9)


def _fact(document, label: str, value: str) -> None:
    paragraph = document.add_paragraph()
    paragraph.paragraph_format.space_after = Pt(2)
    paragraph.add_run(f"{label}: ").bold = True
    paragraph.add_run(value)


def _link(paragraph, url: str, text: str) -> None:
    """A real hyperlink (the relationship python-docx has no method for)."""
    part = paragraph.part
    rel = part.relate_to(
        url,
        "http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink",
        is_external=True,
    )
    link = OxmlElement("w:hyperlink")
    link.set(qn("r:id"), rel)
    run = OxmlElement("w:r")
    props = OxmlElement("w:rPr")
    style = OxmlElement("w:rStyle")
    style.set(qn("w:val"), "Hyperlink")
    props.append(style)
    color = OxmlElement("w:color")
    color.set(qn("w:val"), "0B5C8C")
    props.append(color)
    underline = OxmlElement("w:u")
    underline.set(qn("w:val"), "single")
    props.append(underline)
    run.append(props)
    text_element = OxmlElement("w:t")
    text_element.text = text
    text_element.set(qn("xml:space"), "preserve")
    run.append(text_element)
    link.append(run)
    paragraph._p.append(link)


def _mention(document, mention: Mention, base: str) -> None:
    entry = mention.entry
    if not mention.full:
        paragraph = document.add_paragraph(style="List Bullet")
        paragraph.add_run(entry.title).bold = True
        _muted(paragraph, " — " + _("described above, under %(place)s") % {"place": mention.place})
        return
    heading = document.add_heading(level=4)
    _link(heading, base + entry.url, entry.title)
    _entry_body(document, entry)


def _entry_body(document, entry: Entry) -> None:
    if not entry.published:
        _muted(document.add_paragraph(), _("Not published: only signed-in curators see it here."))
    if entry.changed_on:
        _muted(
            document.add_paragraph(),
            _("Changed on %(day)s, after this dossier was made.")
            % {"day": date_format(localtime(entry.changed_on), "j F Y")},
        )
    document.add_paragraph(entry.summary)
    facts = [
        (_("Period"), entry.period),
        (_("Status"), entry.status),
        (_("Evidence"), entry.evidence),
        (_("Countries"), entry.countries or entry.coverage or _("none named")),
        (_("Themes"), ", ".join(entry.themes)),
    ]
    if entry.references:
        facts.append((_("Sources"), " ".join(f"[{n}]" for n in entry.references)))
    for label, value in facts:
        _fact(document, label, value)
    if entry.figures:
        table = document.add_table(rows=1, cols=5)
        table.style = "Light Grid Accent 1"
        header = [_("Figure"), _("Value"), _("Unit"), _("Year"), _("Source")]
        for cell, text in zip(table.rows[0].cells, header, strict=True):
            cell.text = text
        for figure in entry.figures:
            label = f"{figure.label} ({figure.note})" if figure.note else figure.label
            source = f"[{figure.reference}]" if figure.reference else _("paper text")
            cells = table.add_row().cells
            for cell, text in zip(
                cells, [label, figure.value, figure.unit, str(figure.year), source], strict=True
            ):
                cell.text = text
            cells[1].paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
        document.add_paragraph()
    if entry.note:
        paragraph = document.add_paragraph()
        paragraph.add_run(_("Note:") + " ").bold = True
        paragraph.add_run(entry.note)


def _prompts(document, prompts: list[Prompt], none: str) -> None:
    for prompt in prompts:
        paragraph = document.add_paragraph()
        paragraph.add_run(prompt.label + " ").bold = True
        paragraph.add_run(prompt.text)
        for entry in prompt.entries:
            document.add_paragraph(entry.title, style="List Bullet")
    if not prompts:
        document.add_paragraph(none)


def _matrix(document, brief: Brief) -> None:
    if not brief.table:
        document.add_paragraph(_("No listed practice names a country."))
        return
    _muted(
        document.add_paragraph(),
        _(
            "Practices of this list only. — marks a gap: no listed practice for that country "
            "and theme (%(n)s gaps)."
        )
        % {"n": brief.gap_count},
    )
    table = document.add_table(rows=1, cols=len(brief.themes) + 2)
    table.style = "Light Grid Accent 1"
    header = [_("Country"), *(theme.name for theme in brief.themes), _("All themes")]
    for cell, text in zip(table.rows[0].cells, header, strict=True):
        cell.text = text
    for row in brief.table:
        cells = table.add_row().cells
        values = [row.country.name, *(str(n) if n else "—" for n in row.counts), str(row.total)]
        for cell, text in zip(cells, values, strict=True):
            cell.text = text
