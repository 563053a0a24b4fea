"""The public submission form: one page, plain HTML, every field bounded.

Countries, figures and sources are formsets of a few blank rows (a row left blank is ignored;
a row half filled is an error that names what is missing), so the page needs no script. A
figure's value is read by the base's one rule (``practices.figures``): "12,5" is an error that
says what to write, never a guess. What the form cleans is stored as the submission's
``content``: codes and slugs, never database ids, and values as decimal strings.
"""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from countries.models import Country, name_sort_key
from practices.figures import FigureValueField, plain
from practices.languages import columns
from practices.models import (
    Evaluation,
    GCMObjective,
    Practice,
    PracticeCountry,
    Stage,
    TargetGroup,
    Theme,
)
from practices.models.submission import LONG_TEXT, SHORT_TEXT, TITLE_LENGTH
from practices.models.validators import YEAR_VALIDATORS

from ..numbers import whole_number

# The criteria the submitter confirms, as the UN Migration Network Hub's template asks them.
CRITERIA = [
    (
        "implemented",
        _("The practice has been implemented, or is being implemented: it is not only planned."),
    ),
    (
        "gcm",
        _("It contributes to at least one objective of the Global Compact for Migration."),
    ),
    (
        "principles",
        _(
            "It follows the Compact's guiding principles, among them being people-centred, "
            "based on human rights, gender-responsive and child-sensitive."
        ),
    ),
    ("replicable", _("Others could adapt or repeat it elsewhere.")),
    (
        "accurate",
        _(
            "What I give is accurate to the best of my knowledge, and the base may publish it "
            "(not my name, organisation or email)."
        ),
    ),
]
ROW_LIMIT = 10


class YearField(forms.IntegerField):
    """A year in the digits 0 to 9: Django's IntegerField reads "١٩٩٩" and "1_999" too."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(validators=YEAR_VALIDATORS, min_value=None, **kwargs)
        self.widget.attrs.update({"inputmode": "numeric", "size": 6})

    def to_python(self, value):
        if value in self.empty_values:
            return None
        year = whole_number(value, max_digits=4)
        if year is None:
            raise ValidationError(_("Write the year with four digits, e.g. 2018."), code="invalid")
        return year


def _blank(choices):
    return [("", "—"), *choices]


def _ticked(label, queryset, **options) -> forms.ModelMultipleChoiceField:
    """Boxes to tick, each a record named by its natural key (a slug, an objective's number)."""
    return forms.ModelMultipleChoiceField(
        label=label,
        queryset=queryset,
        to_field_name=queryset.model.NATURAL_KEY,
        widget=forms.CheckboxSelectMultiple,
        **options,
    )


class SubmissionForm(forms.Form):
    # -- the practice --
    title = forms.CharField(label=_("Title of the practice"), max_length=TITLE_LENGTH)
    summary = forms.CharField(
        label=_("Summary"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One or two sentences: what it does, for whom."),
    )
    description = forms.CharField(
        label=_("Description"),
        max_length=LONG_TEXT,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=_("How it works, who runs it, what it achieved. Plain text."),
    )
    themes = _ticked(
        _("Themes"), Theme.objects.order_by("position", "name_en"), help_text=_("At least one.")
    )
    target_groups = _ticked(_("Target groups"), TargetGroup.objects.all(), required=False)
    stages = _ticked(_("Stages of the migration cycle"), Stage.objects.all(), required=False)
    gcm_objectives = _ticked(
        _("Objectives of the Global Compact for Migration"),
        GCMObjective.objects.all(),
        required=False,
    )
    scope = forms.ChoiceField(label=_("Scope"), choices=_blank(Practice.Scope.choices))
    kind = forms.ChoiceField(label=_("Kind of practice"), choices=_blank(Practice.Kind.choices))
    lead_organisation = forms.CharField(
        label=_("Lead organisation"),
        max_length=200,
        help_text=_("The ministry, agency or organisation that runs it."),
    )
    start_year = YearField(label=_("Start year"))
    end_year = YearField(label=_("End year"))
    status = forms.ChoiceField(label=_("Status"), choices=_blank(Practice.Status.choices))
    # -- evidence --
    evidence_level = forms.ChoiceField(
        label=_("How far the evidence goes"),
        choices=Practice.EvidenceLevel.choices,
        initial=Practice.EvidenceLevel.DESCRIBED,
        widget=forms.RadioSelect,
    )
    evaluator = forms.CharField(
        label=_("Evaluated by"),
        max_length=200,
        required=False,
    )
    evaluation_year = YearField(label=_("Year of the evaluation"))
    evaluation_method = forms.ChoiceField(
        label=_("Method of the evaluation"),
        choices=_blank(Evaluation.Method.choices),
        required=False,
    )
    evaluation_findings = forms.CharField(
        label=_("What the evaluation found"),
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    forum = forms.CharField(
        label=_("Where it was discussed in the Forum"),
        max_length=SHORT_TEXT,
        required=False,
        help_text=_("E.g. “GFMD 2019, Roundtable 2.1”; leave blank if it was not."),
    )
    # -- the criteria --
    criteria = forms.MultipleChoiceField(
        label=_("I confirm that"),
        choices=CRITERIA,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("A practice is taken into the base when all of these hold."),
    )
    # -- who submits it: never shown publicly --
    name = forms.CharField(label=_("Your name"), max_length=200)
    organisation = forms.CharField(label=_("Your organisation"), max_length=200)
    email = forms.EmailField(
        label=_("Your email"),
        max_length=254,
        help_text=_("For the link to follow your submission and the reviewers' questions."),
    )
    # A field people never see (hidden by the stylesheet, skipped by keyboards and screen
    # readers): a program that fills every field fills it too.
    website = forms.CharField(
        label=_("Leave this field empty"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )

    def clean_criteria(self):
        criteria = self.cleaned_data["criteria"]
        missing = [str(label) for key, label in CRITERIA if key not in criteria]
        if missing:
            raise ValidationError(
                _("A practice is taken only when every criterion holds: please confirm each.")
            )
        return criteria

    def clean(self):
        data = super().clean()
        start, end = data.get("start_year"), data.get("end_year")
        if start and end and end < start:
            self.add_error("end_year", _("The end year is before the start year."))
        level = data.get("evidence_level")
        methods = Practice.EVALUATION_METHODS.get(level)
        if methods is not None:
            needed = ("evaluator", "evaluation_year", "evaluation_method", "evaluation_findings")
            for name in needed:
                if not data.get(name) and name not in self.errors:
                    self.add_error(
                        name,
                        _(
                            "“%(level)s” needs the evaluation: who made it, when, how, and "
                            "what it found."
                        )
                        % {"level": Practice.EvidenceLevel(level).label},
                    )
            method = data.get("evaluation_method")
            if method and method not in methods:
                self.add_error(
                    "evaluation_method",
                    _(
                        "An internal review does not make a practice independently evaluated: "
                        "choose “Evaluated”, or give the independent evaluation."
                    ),
                )
        return data


class CountryRowForm(forms.Form):
    country = forms.ChoiceField(label=_("Country"), required=False)
    role = forms.ChoiceField(
        label=_("Role"), choices=_blank(PracticeCountry.Role.choices), required=False
    )
    involvement = forms.ChoiceField(
        label=_("Involvement"),
        choices=PracticeCountry.Involvement.choices,
        initial=PracticeCountry.Involvement.IMPLEMENTING,
        required=False,
    )

    def __init__(self, *args, country_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["country"].choices = _blank(country_choices)

    def has_changed(self):
        # The involvement has an initial value: a row is filled when its country or role is.
        return bool(
            self.data.get(self.add_prefix("country")) or self.data.get(self.add_prefix("role"))
        )

    def clean(self):
        data = super().clean()
        if data.get("country") and not data.get("role"):
            self.add_error(
                "role", _("Say whether it is a country of origin, transit or destination.")
            )
        if data.get("role") and not data.get("country"):
            self.add_error("country", _("Choose the country."))
        return data


class FigureRowForm(forms.Form):
    label = forms.CharField(label=_("What was counted"), max_length=200, required=False)
    value = FigureValueField(label=_("Number"), required=False, max_digits=14, decimal_places=2)
    unit = forms.CharField(label=_("Unit"), max_length=60, required=False)
    year = YearField(label=_("Year"))

    def clean(self):
        data = super().clean()
        given = [name for name in self.fields if data.get(name) not in (None, "")]
        if given:
            for name in self.fields:
                if data.get(name) in (None, "") and name not in self.errors:
                    self.add_error(
                        name,
                        _("A figure needs what was counted, the number, its unit and its year."),
                    )
        return data


class SourceRowForm(forms.Form):
    citation = forms.CharField(label=_("Source"), max_length=SHORT_TEXT, required=False)
    url = forms.URLField(
        label=_("Web address"), max_length=500, required=False, assume_scheme="https"
    )
    year = YearField(label=_("Year"))

    def clean(self):
        data = super().clean()
        if (data.get("url") or data.get("year")) and not data.get("citation"):
            self.add_error("citation", _("Name the source: its title and author."))
        return data


class RowFormSet(forms.BaseFormSet):
    def __init__(self, *args, form_kwargs=None, **kwargs):
        super().__init__(*args, form_kwargs=form_kwargs or {}, **kwargs)

    def rows(self) -> list[dict]:
        return [form.cleaned_data for form in self.forms if form.has_changed()]


class CountryRows(RowFormSet):
    def clean(self):
        if any(self.errors):
            return
        seen = set()
        for row in self.rows():
            key = (row["country"], row["role"])
            if key in seen:
                raise ValidationError(_("The same country is given twice in the same role."))
            seen.add(key)
        if not seen:
            raise ValidationError(_("Give at least one country and its role."))


def _formset(form, base, extra):
    return forms.formset_factory(
        form,
        formset=base,
        extra=extra,
        max_num=ROW_LIMIT,
        absolute_max=ROW_LIMIT,
        validate_max=True,
    )


CountryFormSet = _formset(CountryRowForm, CountryRows, 4)
FigureFormSet = _formset(FigureRowForm, RowFormSet, 3)
SourceFormSet = _formset(SourceRowForm, RowFormSet, 3)


def country_choices() -> list[tuple[str, str]]:
    """Every country, by its name in the page's language."""
    countries = [(c.iso2, c.name) for c in Country.objects.only("iso2", *columns("name"))]
    return sorted(countries, key=lambda pair: name_sort_key(pair[1]))


class Submitted:
    """The whole form: the practice's fields and its three sets of rows, bound together."""

    def __init__(self, data=None):
        choices = country_choices()
        self.form = SubmissionForm(data)
        self.countries = CountryFormSet(
            data, prefix="countries", form_kwargs={"country_choices": choices}
        )
        self.figures = FigureFormSet(data, prefix="figures")
        self.sources = SourceFormSet(data, prefix="sources")

    @property
    def parts(self):
        return [self.form, self.countries, self.figures, self.sources]

    def is_valid(self) -> bool:
        # Every part is checked, so the page names every problem at once.
        valid = [part.is_valid() for part in self.parts]
        return all(valid)

    @property
    def honeypot(self) -> bool:
        return bool(self.form.data.get("website", "").strip())

    def content(self) -> dict:
        """What is stored: codes and slugs, values as decimal strings."""
        data = self.form.cleaned_data
        return {
            "title": data["title"],
            "summary": data["summary"],
            "description": data["description"],
            "themes": [t.slug for t in data["themes"]],
            "target_groups": [t.slug for t in data["target_groups"]],
            "stages": [s.slug for s in data["stages"]],
            "gcm_objectives": [o.number for o in data["gcm_objectives"]],
            "scope": data["scope"],
            "kind": data["kind"],
            "lead_organisation": data["lead_organisation"],
            "start_year": data["start_year"],
            "end_year": data["end_year"],
            "status": data["status"],
            "evidence_level": data["evidence_level"],
            "evaluation": (
                {
                    "evaluator": data["evaluator"],
                    "year": data["evaluation_year"],
                    "method": data["evaluation_method"],
                    "findings": data["evaluation_findings"],
                }
                if data["evidence_level"] in Practice.EVALUATION_METHODS
                else None
            ),
            "forum": data["forum"],
            "criteria": sorted(data["criteria"]),
            "countries": [
                {
                    "country": r["country"],
                    "role": r["role"],
                    "involvement": r["involvement"] or PracticeCountry.Involvement.IMPLEMENTING,
                }
                for r in self.countries.rows()
            ],
            "figures": [
                {
                    "label": r["label"],
                    "value": plain(r["value"]),
                    "unit": r["unit"],
                    "year": r["year"],
                }
                for r in self.figures.rows()
            ],
            "sources": [
                {"citation": r["citation"], "url": r["url"], "year": r["year"]}
                for r in self.sources.rows()
            ],
        }
