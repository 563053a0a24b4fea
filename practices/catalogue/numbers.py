"""How a number is written in a public URL: the digits 0 to 9, and nothing else.

Every whole-number parameter (page, page_size, gcm, year_from, year_to, min_rating) is read
by ``whole_number``; anything else it is given is an unknown value, which the page names and
ignores as it does any other. Python's own tests will not do: ``str.isdigit()`` is true of
"²" and "①", which ``int()`` then refuses (a server error); ``int()`` and ``Decimal()``, and so
Django's IntegerField and DecimalField, read "٣" (Arabic-Indic) and "３" (fullwidth) as 3, and
"1_000" as 1000.
"""

# No page number, page size, year, objective or rating has more digits; and int() refuses
# more than 4,300 of them (another server error), after taking its time over the rest.
MAX_DIGITS = 9


def whole_number(value, *, max_digits: int = MAX_DIGITS) -> int | None:
    """``value`` as a whole number when it is 1 to ``max_digits`` of the ASCII digits 0-9
    (spaces around them aside), else None."""
    text = str(value).strip() if value is not None else ""
    # isascii() first: isdecimal() alone is true of the decimal digits of every script.
    if 0 < len(text) <= max_digits and text.isascii() and text.isdecimal():
        return int(text)
    return None
