"""Submit an admin form as a browser would: every field the page holds, with its value.

Tests then change only what they are about, so a POST carries the inlines' management forms,
hidden initial values and untouched rows exactly as the page rendered them.
"""

from html.parser import HTMLParser

from countries.models import Country
from practices.models import Theme

ADD_URL = "/admin/practices/practice/add/"


class _FormReader(HTMLParser):
    def __init__(self, form_id: str):
        super().__init__(convert_charrefs=True)
        self.form_id = form_id
        self.inside = False
        self.fields: list[tuple[str, str]] = []
        self._select: str | None = None
        self._select_multiple = False
        self._options: list[tuple[str, bool]] = []
        self._option_value: str | None = None
        self._option_text = ""
        self._textarea: str | None = None
        self._text = ""

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.inside = attrs.get("id") == self.form_id
            return
        if not self.inside:
            return
        name = attrs.get("name")
        if tag == "input" and name:
            kind = (attrs.get("type") or "text").lower()
            if kind in ("submit", "button", "image", "reset", "file"):
                return
            if kind in ("checkbox", "radio"):
                if "checked" in attrs:
                    self.fields.append((name, attrs.get("value") or "on"))
                return
            self.fields.append((name, attrs.get("value") or ""))
        elif tag == "select" and name:
            self._select, self._select_multiple = name, "multiple" in attrs
            self._options = []
        elif tag == "option" and self._select is not None:
            self._option_value = attrs.get("value")
            self._option_text = ""
            self._options.append((attrs.get("value"), "selected" in attrs))
        elif tag == "textarea" and name:
            self._textarea, self._text = name, ""

    def handle_data(self, data):
        if self._textarea is not None:
            self._text += data
        elif self._option_value is None and self._select is not None and self._options:
            # <option> without a value attribute: its text is the value.
            value, selected = self._options[-1]
            if value is None:
                self._options[-1] = (data.strip(), selected)

    def handle_endtag(self, tag):
        if tag == "form" and self.inside:
            self.inside = False
        elif tag == "select" and self._select is not None:
            chosen = [value or "" for value, selected in self._options if selected]
            if not chosen and not self._select_multiple and self._options:
                chosen = [self._options[0][0] or ""]
            self.fields += [(self._select, value) for value in chosen]
            self._select = None
        elif tag == "option":
            self._option_value = None
        elif tag == "textarea" and self._textarea is not None:
            # The parser keeps the newline right after <textarea>; a browser drops it.
            self.fields.append((self._textarea, self._text.removeprefix("\n")))
            self._textarea = None


def form_fields(response, form_id: str) -> list[tuple[str, str]]:
    """(name, value) pairs a browser would submit from the form ``form_id`` of the page."""
    reader = _FormReader(form_id)
    reader.feed(response.content.decode())
    # The inlines' blank templates for "Add another" are not part of the submission.
    return [(name, value) for name, value in reader.fields if "__prefix__" not in name]


def form_data(response, form_id: str) -> dict:
    """The form's fields as a dict for ``client.post``; repeated names become lists."""
    data: dict = {}
    for name, value in form_fields(response, form_id):
        if name in data:
            data[name] = (
                [*data[name], value] if isinstance(data[name], list) else [data[name], value]
            )
        else:
            data[name] = value
    return data


def set_values(data: dict, name: str, values: list) -> None:
    """Set a multi-valued field (a many-to-many select) to exactly ``values``."""
    data[name] = [str(v) for v in values]


def add_inline_row(data: dict, prefix: str, **fields) -> None:
    """Append one row to the inline formset ``prefix``, as "Add another" would."""
    index = int(data[f"{prefix}-TOTAL_FORMS"])
    for name, value in fields.items():
        data[f"{prefix}-{index}-{name}"] = value
    data[f"{prefix}-TOTAL_FORMS"] = str(index + 1)


PRACTICE_ADD_URL = ADD_URL


def new_practice_form(client, title: str, **extra) -> dict:
    """The admin's add form for a practice, its required fields filled in (no theme yet)."""
    data = form_data(client.get(ADD_URL), "practice_form")
    data.update(
        title_en=title,
        slug="a-new-practice",
        summary_en="A summary.",
        description_en="A description.",
        scope="unilateral",
        kind="programme",
        status="ongoing",
        **extra,
    )
    return data


def add_form(client, title: str, iso2: str, involvement="implementing", **extra) -> dict:
    """The admin's add form filled in for a new practice implemented in ``iso2``."""
    data = new_practice_form(client, title, **extra)
    set_values(data, "themes", [Theme.objects.get(slug="family-reunification").pk])
    data["country_links-0-country"] = str(Country.objects.get(iso2=iso2).pk)
    data["country_links-0-role"] = "COD"
    data["country_links-0-involvement"] = involvement
    return data


def save(client, data):
    return client.post(ADD_URL, {**data, "_save": "Save"})
