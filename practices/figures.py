"""How a figure's value is written: one rule for the import's ``metrics`` column, the admin's
figure form and the public submission form, so that none of them ever guesses a number.

A value is written as the base shows it, whatever the language of the admin or of the
spreadsheet: a decimal point (12.5), and commas only between groups of three digits (1,200 /
17,000 / 1,200,000). Anything else is refused with a message saying what to write:

- a decimal comma (12,5 / 0,5 / 1,20), as Excel writes numbers in French and Spanish: dropping
  the comma would store 125 for 12.5, and 5 for 0.5;
- a point before exactly three digits and nothing else (1.200): 1.2 in English notation, 1200
  in Spanish or German, and nothing in the cell tells which;
- digits grouped with spaces (17 000), the French way: read up to the space, 17.

Where the admin is in a language whose decimal separator is a comma, a single comma before
three digits (1,200) is just as ambiguous, and refused the same way.
"""

import re
from decimal import Decimal

from django import forms
from django.utils.formats import get_format
from django.utils.translation import gettext as _

# Written as the base writes values; the first group of a grouped number has no leading zero
# (0,500 is a decimal comma, not five hundred). Digits are [0-9], never \d: Python's \d is
# the decimal digits of every script, which Decimal() reads too ("١٢" as 12); a value in
# Arabic-Indic or fullwidth digits is refused instead, and ``read_value`` says why.
PLAIN = re.compile(r"[0-9]+(?:\.[0-9]+)?")
GROUPED = re.compile(r"[1-9][0-9]{0,2}(?:,[0-9]{3})+(?:\.[0-9]+)?")
# 1.200 and, where commas are decimal, 1,200: a thousands separator or a decimal one.
POINT_BEFORE_THREE = re.compile(r"[1-9][0-9]{0,2}\.[0-9]{3}")
COMMA_BEFORE_THREE = re.compile(r"[1-9][0-9]{0,2},[0-9]{3}")
ONE_DECIMAL_COMMA = re.compile(r"[0-9]+,[0-9]+")
# Spaces as thousands separators: an ordinary, a no-break or a narrow no-break space.
SPACES = " \u00a0\u202f"
SPACED = re.compile(rf"[1-9][0-9]{{0,2}}(?:[{SPACES}][0-9]{{3}})+")
SPACED_WITH_DECIMALS = re.compile(rf"[1-9][0-9]{{0,2}}(?:[{SPACES}][0-9]{{3}})+[.,][0-9]+")
# What a value may look like in a figure's line: digits with points, commas, and groups of
# three digits after a space, so that "17 000 families" is refused rather than read as
# 17 "000 families". Every such text goes through ``read_value``.
VALUE_PATTERN = rf"[0-9][0-9.,]*(?:[{SPACES}][0-9]{{3}}(?=[\s.,]))*(?:[.,][0-9]+)?"


def quoted(value: str) -> str:
    return f"“{value}”"


def plain(value: Decimal) -> str:
    """A stored value as the curator wrote it: 17000.00 as "17000", 12.50 as "12.5"."""
    return format(value.normalize(), "f")


def read_value(text: str, *, comma_may_be_decimal: bool = False) -> Decimal:
    """The number ``text`` writes; ``ValueError`` (a curator's message) when it is not one, or
    when it could be two numbers.

    ``comma_may_be_decimal``: the reader writes decimals with a comma (the admin in French or
    Spanish), so "1,200" may mean 1.2.
    """
    text = text.strip()
    if not text.isascii() and any(character.isnumeric() for character in text):
        raise ValueError(
            _(
                "%(value)s is written with digits other than 0 to 9: write it with 0 to 9, "
                "e.g. 1,200"
            )
            % {"value": quoted(text)}
        )
    if PLAIN.fullmatch(text):
        if POINT_BEFORE_THREE.fullmatch(text):
            raise ValueError(ambiguous(text, text.replace(".", "")))
        return number(text)
    if GROUPED.fullmatch(text):
        if comma_may_be_decimal and COMMA_BEFORE_THREE.fullmatch(text):
            raise ValueError(ambiguous(text, text.replace(",", ""), show_grouped=False))
        return number(text.replace(",", ""))
    if SPACED.fullmatch(text):
        whole = re.sub(f"[{SPACES}]", "", text)
        raise ValueError(
            _(
                "%(value)s has spaces between its digits, which are not read as a thousands "
                "separator: write %(whole)s or %(grouped)s"
            )
            % {"value": quoted(text), "whole": whole, "grouped": f"{int(whole):,}"}
        )
    if SPACED_WITH_DECIMALS.fullmatch(text):
        raise ValueError(
            _(
                "%(value)s has spaces between its digits: write it without spaces, with a "
                "point before the decimals and commas only between groups of three digits, "
                "e.g. 17,000.5"
            )
            % {"value": quoted(text)}
        )
    if ONE_DECIMAL_COMMA.fullmatch(text):
        raise ValueError(
            _(
                "%(value)s has a decimal comma: write the decimals after a point, %(decimal)s "
                "(a comma separates thousands only, before groups of three digits: 1,200)"
            )
            % {"value": quoted(text), "decimal": text.replace(",", ".")}
        )
    if re.fullmatch(r"[0-9][0-9.,]*", text):
        raise ValueError(
            _(
                "%(value)s is not a number written as the base writes them: a point before "
                "the decimals (12.5), and commas only between groups of three digits "
                "(1,200,000)"
            )
            % {"value": quoted(text)}
        )
    raise ValueError(_("%(value)s is not a number") % {"value": quoted(text)})


def number(digits: str) -> Decimal:
    """Digits with an optional decimal point, without the zeros that end its decimals: 0.750
    is 0.75, which the two decimal places a value keeps can hold."""
    if "." in digits:
        digits = digits.rstrip("0").rstrip(".")
    return Decimal(digits)


def ambiguous(text: str, whole: str, *, show_grouped: bool = True) -> str:
    """The message for "1.200" (or "1,200" where commas are decimal): which is it?"""
    decimal = plain(Decimal(text.replace(",", ".")))
    if show_grouped:
        write_whole = _("%(whole)s or %(grouped)s") % {
            "whole": whole,
            "grouped": f"{int(whole):,}",
        }
    else:
        write_whole = whole
    return _(
        "%(value)s may be %(whole)s or %(decimal)s: write %(write_whole)s for the first, "
        "%(decimal)s for the second"
    ) % {
        "value": quoted(text),
        "whole": whole,
        "decimal": decimal,
        "write_whole": write_whole,
    }


class FigureValueField(forms.DecimalField):
    """A figure's value, read by the import's rule (``read_value``): 12.5, 17000 or
    17,000; a decimal comma (12,5) or a point that may be a thousands separator (1.200) is an
    error saying what to write, never a guess. Shown as written: 17000, not 17000.00.

    A text box, not Django's ``type="number"``: a browser sends nothing for "12,5" in a
    number box, and the curator would be told the value is missing.
    """

    widget = forms.TextInput(attrs={"inputmode": "decimal", "size": 10})

    def __init__(self, **kwargs):
        # Never negative, as the table's check constraint says: Django's message, not the
        # database's.
        kwargs.setdefault("min_value", Decimal(0))
        super().__init__(**kwargs)

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, Decimal):
            return value
        text = str(value).strip()
        sign = -1 if text.startswith("-") else 1  # refused by min_value
        # In French or Spanish a comma is the decimal separator: "1,200" may be 1.2.
        comma_is_decimal = get_format("DECIMAL_SEPARATOR") == ","
        try:
            return sign * read_value(text.removeprefix("-"), comma_may_be_decimal=comma_is_decimal)
        except ValueError as error:
            raise forms.ValidationError(str(error), code="invalid") from None

    def prepare_value(self, value):
        return plain(value) if isinstance(value, Decimal) else value
