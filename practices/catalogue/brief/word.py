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
from docx.blkcntnr import BlockItemContainer
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

from practices.languages import is_untranslated

from .content import Brief, Entry, Mention, Prompt

CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
MUTED = RGBColor(0x5B, 0x66, 0x73)


class _Kit:
    """What every part of the document is written with, looked up once: python-docx finds a
    style given by name, or an existing link, by reading every style (or every link) of the
    document each time: most of a long brief's writing time."""

    def __init__(self, document):
        styles = document.styles
        self.headings = [styles["Title"], *(styles[f"Heading {n}"] for n in range(1, 5))]
        self.bullet = styles["List Bullet"]
        self.table = styles["Light Grid Accent 1"]
        self.rels = document.part.rels
        self.link_ids: dict[str, str] = {}

    def link_id(self, url: str) -> str:
        """The relationship id of a hyperlink to ``url``, one per address."""
        if url not in self.link_ids:
            rel_id = f"rIdLink{len(self.link_ids) + 1}"
            self.rels.add_relationship(RT.HYPERLINK, url, rel_id, is_external=True)
            self.link_ids[url] = rel_id
        return self.link_ids[url]


def _run(paragraph, text: str):
    """A run of ``text``: its text element written directly, unless it holds a tab or a line
    break (which python-docx's setter turns into Word's own). The setter first clears the new,
    empty run by searching it, a good part of the file's time."""
    text = str(text)  # a lazy translation too
    run = paragraph.add_run()
    if any(c in text for c in "\t\n\r"):
        run.text = text
    else:
        run._r.add_t(text)
    return run


def _styled(document, text: str, style):
    """A paragraph in ``style``, set by its id: python-docx's own setter compares the style
    with the document's default one, which it finds by reading every style again."""
    paragraph = document.add_paragraph(text)
    paragraph._p.style = style.style_id
    return paragraph


class _Body:
    """Where the brief's paragraphs and tables are written: a small scratch body, whose
    blocks are moved to the document's own (before its section properties) after each part.

    python-docx inserts each new block before the body's section properties, which it finds
    by reading the body's children: each insertion costs as much as the body is long, and a
    long brief's thousands of paragraphs took most of its time (bench/brief.py).
    """

    def __init__(self, document):
        self.document = document
        self.scratch = BlockItemContainer(OxmlElement("w:body"), document._body)
        self.end = document.element.body.sectPr
        # Read once: python-docx finds it by searching the whole document each time.
        self.width = document._block_width

    def add_paragraph(self, text: str = ""):
        paragraph = self.scratch.add_paragraph()
        if text:
            _run(paragraph, text)
        return paragraph

    def add_table(self, rows: int, cols: int):
        return self.scratch.add_table(rows, cols, self.width)

    def flush(self) -> None:
        for block in list(self.scratch._element):
            self.end.addprevious(block)


def brief_docx(brief: Brief, base_url: str) -> bytes:
    """``brief`` as a .docx file; ``base_url`` (the site's address) makes its links absolute."""
    word = Document()
    _page_setup(word)
    kit = _Kit(word)
    document = _Body(word)

    def heading(text: str, level: int):
        return _styled(document, text, kit.headings[level])

    word.core_properties.title = brief.title
    word.core_properties.author = _("GFMD good-practice knowledge base")
    base = base_url.rstrip("/")

    _muted(document.add_paragraph(), _("GFMD good-practice knowledge base · Roundtable brief"))
    heading(brief.title, 0)
    if brief.session:
        document.add_paragraph(brief.session)
    asked = "; ".join(f"{label}: {value}" for label, value in brief.asked)
    _fact(document, _("What was asked"), asked or _("All published practices"))
    if brief.ignored:
        _fact(document, _("Not applied"), ", ".join(brief.ignored))
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

    heading(_("Practices by country"), 1)
    for section in brief.sections:
        heading(section.heading, 2)
        if not section.groups and not section.mentions:
            document.add_paragraph(_("No practice in this list."))
        for group in section.groups:
            heading(group.label, 3)
            for mention in group.mentions:
                _mention(document, kit, mention, base)
        for mention in section.mentions:
            _mention(document, kit, mention, base)
        document.flush()
    if not brief.sections:
        document.add_paragraph(_("No practice matches this list."))

    heading(_("Discussion questions and hoped-for outcomes"), 1)
    _muted(
        document.add_paragraph(),
        _(
            "From sections 5 and 6 of the 2010 background paper: those the listed practices "
            "speak to, each with its practices."
        ),
    )
    heading(_("Questions to guide the discussion"), 2)
    _prompts(
        document,
        kit,
        brief.questions,
        _("None of the listed practices informs one of the paper's discussion questions."),
    )
    heading(_("Hoped-for outcomes"), 2)
    _prompts(
        document,
        kit,
        brief.outcomes,
        _("None of the listed practices speaks to one of the paper's hoped-for outcomes."),
    )

    heading(_("Practices per country and theme"), 1)
    _matrix(document, kit, brief)

    heading(_("References"), 1)
    for ref in brief.references:
        text = f"[{ref.number}] {ref.text}"
        if ref.footnote:
            text += " " + _("Footnote %(n)s of the 2010 paper.") % {"n": ref.footnote}
        paragraph = document.add_paragraph(text)
        paragraph.paragraph_format.left_indent = Mm(8)
        paragraph.paragraph_format.first_line_indent = Mm(-8)
        if ref.link:
            _run(paragraph, " ")
            _link(kit, paragraph, ref.link, ref.link)
    if not brief.references:
        document.add_paragraph(_("The listed practices cite no source."))

    document.flush()
    out = io.BytesIO()
    word.save(out)
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
    run = _run(paragraph, text)
    run.font.color.rgb = MUTED
    run.font.size = Pt(9)


def _fact(document, label: str, value: str) -> None:
    paragraph = document.add_paragraph()
    paragraph.paragraph_format.space_after = Pt(2)
    _run(paragraph, f"{label}: ").bold = True
    _run(paragraph, value)


def _link(kit: _Kit, paragraph, url: str, text: str) -> None:
    """A real hyperlink (python-docx has no method for one)."""
    link = OxmlElement("w:hyperlink")
    link.set(qn("r:id"), kit.link_id(url))
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


def _mention(document, kit: _Kit, mention: Mention, base: str) -> None:
    entry = mention.entry
    if not mention.full:
        paragraph = _styled(document, "", kit.bullet)
        _run(paragraph, entry.title).bold = True
        _muted(paragraph, " — " + _("described above, under %(place)s") % {"place": mention.place})
        return
    heading = _styled(document, "", kit.headings[4])
    _link(kit, heading, base + entry.url, entry.title)
    if is_untranslated(entry.practice, "title"):
        _muted(heading, " (" + _("Not yet translated") + ")")
    _entry_body(document, kit, entry)


def _entry_body(document, kit: _Kit, entry: Entry) -> None:
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
    # One paragraph, a line per fact: as the page gives them, and a fifth of the paragraphs.
    paragraph = document.add_paragraph()
    for i, (label, value) in enumerate(facts):
        run = paragraph.add_run()
        if i:
            run.add_break()
        run.add_text(f"{label}: ")
        run.bold = True
        _run(paragraph, value)
    if entry.figures:
        header = [_("Figure"), _("Value"), _("Unit"), _("Year"), _("Source")]
        rows = [
            [
                f"{figure.label} ({figure.note})" if figure.note else figure.label,
                figure.value,
                figure.unit,
                str(figure.year),
                f"[{figure.reference}]" if figure.reference else _("paper text"),
            ]
            for figure in entry.figures
        ]
        _table(document, kit, [header, *rows], {1}, [0.45, 0.15, 0.18, 0.08, 0.14])
        document.add_paragraph()
    if entry.note:
        paragraph = document.add_paragraph()
        _run(paragraph, _("Note:") + " ").bold = True
        _run(paragraph, entry.note)


def _prompts(document, kit: _Kit, prompts: list[Prompt], none: str) -> None:
    for prompt in prompts:
        paragraph = document.add_paragraph()
        _run(paragraph, prompt.label + " ").bold = True
        _run(paragraph, prompt.text)
        for entry in prompt.entries:
            _styled(document, entry.title, kit.bullet)
    if not prompts:
        document.add_paragraph(none)


def _matrix(document, kit: _Kit, brief: Brief) -> None:
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
    header = [_("Country"), *(theme.name for theme in brief.themes), _("All themes")]
    rows = [
        [row.country.name, *(str(n) if n else "—" for n in row.counts), str(row.total)]
        for row in brief.table
    ]
    numbers = set(range(1, len(header)))
    theme_share = 0.78 / (len(header) - 1)
    shares = [0.22, *([theme_share] * (len(header) - 1))]
    _table(document, kit, [header, *rows], numbers, shares, row_headings=True)


def _table(
    document,
    kit: _Kit,
    rows: list[list[str]],
    right_aligned: set[int],
    shares: list[float] | None = None,
    row_headings: bool = False,
) -> None:
    """A table of ``rows`` (the first is the header, repeated on each page); ``shares``: each
    column's part of the width (equal if not given).

    Made with all its rows at once and its cells read once: python-docx's add_row() and
    .cells walk the whole table each time.
    """
    width = len(rows[0])
    table = document.add_table(rows=len(rows), cols=width)
    table._tbl.tblStyle_val = kit.table.style_id
    # The style's bold first column is for row headings (countries); a figure's label is not
    # one. Both spellings of the flags: Word reads the attribute, LibreOffice the bits.
    look = table._tbl.tblPr.find(qn("w:tblLook"))
    if look is not None and not row_headings:
        look.set(qn("w:firstColumn"), "0")
        look.set(qn("w:val"), f"{int(look.get(qn('w:val'), '04A0'), 16) & ~0x80:04X}")
    shares = shares or [1 / width] * width
    widths = [int(document.width * share) for share in shares]
    for column, column_width in zip(table.columns, widths, strict=True):
        column.width = column_width  # the grid, which LibreOffice reads
    cells = table._cells
    for r, values in enumerate(rows):
        for c, text in enumerate(values):
            cell = cells[r * width + c]
            cell.width = widths[c]  # each cell's own, which Word reads
            paragraph = cell.paragraphs[0]
            _run(paragraph, text)
            if c in right_aligned and r:
                paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    header = table.rows[0]._tr.get_or_add_trPr()
    repeat = OxmlElement("w:tblHeader")
    repeat.set(qn("w:val"), "true")
    header.append(repeat)
