"""Text as a spreadsheet cell: the one rule shared by the public export and the curators' files.

A cell beginning with one of ``FORMULA_START`` would be run as a formula by Excel or
LibreOffice (CSV injection). Every file this base writes, the public CSV as much as the admin's
spreadsheet export, puts an apostrophe in front of such text (``neutralise``); the import takes
that apostrophe off again, so a round trip gives back the curator's own text.
"""

FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")


def neutralise(cell: str) -> str:
    """A cell a spreadsheet would run as a formula, made plain text with a leading quote."""
    return "'" + cell if cell.startswith(FORMULA_START) else cell


def unescape(value):
    """A cell without the apostrophe ``neutralise`` put before formula-like text."""
    if isinstance(value, str) and value[:1] == "'" and value[1:2] and value[1] in FORMULA_START:
        return value[1:]
    return value
