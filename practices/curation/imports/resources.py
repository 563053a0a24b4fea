"""Practices in and out of the admin as spreadsheets (django-import-export), one per row.

A row names the practice by its slug and everything it links to by natural key, never by
database id (``spreadsheet`` documents the columns, ``widgets`` the cells, ``rows`` writes a
practice as a row). What the library does not do by itself, and this resource does:

- the file's columns are checked before any row is read (``spreadsheet.prepare_dataset``);
- every row is validated, the model's ``full_clean`` included, and every reference must
  exist: an unknown theme, country code or partner is an error naming it, as is a slug that
  appears twice in the file, a year out of range, or a cell a spreadsheet would run as a
  formula; every message names the row and the column;
- any error, a validation error included, rolls the whole import back: nothing is half
  imported (the library's default keeps the valid rows of a file with invalid ones);
- a row that changes nothing is reported as unchanged and not saved; a new practice enters as
  a draft; a row that changes a published practice is saved as its revision, which the public
  does not see until a reviewer publishes it (``curation.revisions``), and a changed one in
  review goes back to draft (an archived one stays archived);
- every row is read and checked before anything is written, and nothing is written while
  they are: the rows to save are kept as a plan (``planned``), which a dry run (the preview)
  hands to ``planfile`` and a real import to ``writer``: changed practices are saved one by one
  through the hooks below, new ones in bulk; history records each practice, its links and its
  figures, with the importing user and the file's name as the reason, either way.
"""

import copy

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from import_export import resources
from import_export.fields import Field
from import_export.instance_loaders import CachedInstanceLoader
from import_export.resources import Diff

from countries.models import Country
from practices.cells import unescape
from practices.models import (
    GCMObjective,
    Organisation,
    Practice,
    PracticeCountry,
    Source,
    Stage,
    TargetGroup,
    Theme,
)

from ..duplicates import duplicates_in_file
from . import writer
from .constraints import validate_check_constraints
from .diff import Cells, changes
from .plan import (
    RowPlan,
    plan_countries,
    plan_metrics,
)
from .rows import PracticeRowExport
from .saving import PracticeRowSave
from .spreadsheet import (
    COLUMN_NAMES,
    ENGLISH_FIELDS,
    ImportFileError,
    cell_problem,
    prepare_dataset,
    rows_by_slug,
)
from .widgets import (
    CellErrors,
    ChoiceWidget,
    Lookup,
    NaturalKeysWidget,
    NaturalKeyWidget,
    TextWidget,
    TranslationWidget,
    YearWidget,
    cell_text,
    quoted,
)

# Set by the resource itself from what the file names: full_clean need not check them again.
TRUSTED_FIELDS = ["lead_organisation", "evaluation_source", "state_changed_by"]


def text(name: str) -> Field:
    return Field(name, name, widget=TextWidget())


def translation(name: str) -> Field:
    return Field(name, name, widget=TranslationWidget())


def keys(name: str, model, *natural_keys: str) -> Field:
    """A many-to-many column: the related rows' natural keys."""
    return Field(name, name, widget=NaturalKeysWidget(model, natural_keys))


def choice(name: str, choices) -> Field:
    noun = Practice._meta.get_field(name).verbose_name
    return Field(name, name, widget=ChoiceWidget(choices, noun))


class PracticeDiff(Diff):
    """What the preview shows of a row: the columns it changes, old and new (``diff.changes``),
    and the fingerprint of the practice as it stood (``diff.Cells.fingerprint``), by which the
    confirmation knows nobody edited it since. Kept on the row's instance for the plan.

    Only a dry run computes them: a real import writes in the same transaction it read in."""

    def __init__(self, resource, instance, new):
        self.before = None
        if resource.previewing and instance is not None and instance.pk is not None:
            self.before = resource.cells.stored(instance)
            instance._import_fingerprint = resource.cells.fingerprint(instance)
        self.fingerprint = getattr(instance, "_import_fingerprint", None)

    def compare_with(self, resource, instance):
        if self.before is None or instance is None:
            return
        plan = instance._import_plan
        columns = [c for c in resource.file_columns if c not in plan.refused]
        instance._import_changes = changes(
            self.before, resource.cells.planned(instance, plan, columns)
        )
        instance._import_fingerprint = self.fingerprint

    def as_html(self):
        return None


class PrefetchingInstanceLoader(CachedInstanceLoader):
    """Every practice the file names in one query, with everything a row compares it with
    (links, countries, figures) prefetched: a fixed number of queries for the whole file."""

    def get_queryset(self):
        return self.resource.filter_export(super().get_queryset())


class PracticeResource(PracticeRowSave, PracticeRowExport, resources.ModelResource):
    slug = text("slug")
    # The English words under their names as ever; each translation in a column of its own.
    title = Field(ENGLISH_FIELDS["title"], "title", widget=TextWidget())
    summary = Field(ENGLISH_FIELDS["summary"], "summary", widget=TextWidget())
    description = Field(ENGLISH_FIELDS["description"], "description", widget=TextWidget())
    title_fr = translation("title_fr")
    summary_fr = translation("summary_fr")
    description_fr = translation("description_fr")
    origin_fr = choice("origin_fr", Practice.TranslationOrigin)
    title_es = translation("title_es")
    summary_es = translation("summary_es")
    description_es = translation("description_es")
    origin_es = choice("origin_es", Practice.TranslationOrigin)
    themes = keys("themes", Theme, "slug")
    # Countries are PracticeCountry rows, written by import_plan: no model attribute.
    coo = Field(column_name="coo")
    cot = Field(column_name="cot")
    cod = Field(column_name="cod")
    country_details = Field(column_name="country_details")
    coverage = text("coverage")
    lead_organisation = Field(
        "lead_organisation",
        "lead_organisation",
        widget=NaturalKeyWidget(Organisation, ("slug", "acronym")),
    )
    partners = keys("partners", Organisation, "slug", "acronym")
    target_groups = keys("target_groups", TargetGroup, "slug")
    stages = keys("stages", Stage, "slug")
    scope = choice("scope", Practice.Scope)
    kind = choice("kind", Practice.Kind)
    gcm_objectives = keys("gcm_objectives", GCMObjective, "number")
    status = choice("status", Practice.Status)
    status_as_of = Field("status_as_of", "status_as_of", widget=YearWidget())
    evidence_level = choice("evidence_level", Practice.EvidenceLevel)
    evaluation_summary = text("evaluation_summary")
    evaluation_source = Field(
        "evaluation_source", "evaluation_source", widget=NaturalKeyWidget(Source, ("key",))
    )
    start_year = Field("start_year", "start_year", widget=YearWidget())
    end_year = Field("end_year", "end_year", widget=YearWidget())
    period_note = text("period_note")
    paper_section = choice("paper_section", Practice.PaperSection)
    paper_reference = text("paper_reference")
    # OutcomeMetric rows, written by import_plan.
    metrics = Field(column_name="metrics")
    sources = keys("sources", Source, "key")

    class Meta:
        model = Practice
        name = gettext_lazy("Practices, one per row")
        fields = COLUMN_NAMES
        import_id_fields = ["slug"]
        # A few queries find every practice the file names, with their links, not some per row.
        instance_loader_class = PrefetchingInstanceLoader
        clean_model_instances = True
        skip_unchanged = True
        report_skipped = True
        use_transactions = True
        # The library's bulk mode saves no many-to-many column and sends no signal: rows are
        # planned here instead, and ``writer`` writes new practices in bulk with their links,
        # history and search index.
        use_bulk = False

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.countries = Lookup(Country, ("iso2", "iso3"))
        self.sources = Lookup(Source, ("key",))
        self.slug_rows: dict[str, list[int]] = {}
        self.row_number = 0
        self.previewing = True
        self.warnings: list[str] = []
        self.row_warnings: dict[int, list[str]] = {}
        self.file_columns: list[str] = []
        self.cells = Cells(self)
        # What the rows would do: saved by ``writer`` (an import) or kept (a preview).
        self.planned: list[writer.PlannedRow] = []
        self.unchanged: list[tuple[int, Practice]] = []
        self.writing = False
        # Told (rows read, rows with errors) as rows are read; a background job's progress.
        self.progress = None
        self._new_rows: list[tuple[int, Practice]] = []
        self._errors = 0

    @classmethod
    def get_diff_class(cls):
        return PracticeDiff

    # -- import: the file --------------------------------------------------------------------

    def import_data(
        self,
        dataset,
        dry_run=False,
        raise_errors=False,
        use_transactions=None,
        collect_failed_rows=False,
        rollback_on_validation_errors=False,
        **kwargs,
    ):
        """The file's columns are checked first; then every row is imported in one
        transaction that any error rolls back, a validation error included."""
        try:
            dataset = prepare_dataset(dataset)
        except ImportFileError as error:
            result = self.get_result_class()()
            result.append_base_error(self.get_error_result_class()(error))
            return result
        self.slug_rows = rows_by_slug(dataset)
        self.previewing = dry_run
        self.warnings, self.row_warnings = [], {}
        self.file_columns = list(dataset.headers)
        self.planned, self.unchanged, self._new_rows, self._errors = [], [], [], 0
        self._user, self._file_name = kwargs.get("user"), kwargs.get("file_name") or ""
        # Reading the rows writes nothing, so the library's savepoint around each row (two round
        # trips a row: a fifth of a preview's time on PostgreSQL) is left out, as its bulk mode
        # leaves it out. Only for this instance, and only while rows are read: this resource
        # never saves the bulk mode's way (save_instance plans instead), and ``writer`` saves
        # with the options restored.
        self._meta = copy.copy(type(self)._meta)
        self._meta.use_bulk = True
        try:
            result = super().import_data(
                dataset,
                dry_run=dry_run,
                raise_errors=raise_errors,
                use_transactions=use_transactions,
                collect_failed_rows=collect_failed_rows,
                rollback_on_validation_errors=True,
                **kwargs,
            )
        finally:
            self.__dict__.pop("_meta", None)
        if dry_run and not result.has_errors() and not result.has_validation_errors():
            self._warn_of_duplicates()
        # Shown by the preview; they stop nothing.
        result.warnings = self.warnings
        return result

    def after_import(self, dataset, result, **kwargs):
        """A real import writes what its rows planned, inside its transaction, once every row
        has passed (a preview only keeps the plan)."""
        failed = result.has_errors() or result.has_validation_errors()
        self.__dict__.pop("_meta", None)  # the class's options again, to save rows
        if not kwargs.get("dry_run") and not failed:
            writer.write(self, self.planned, user=self._user, file_name=self._file_name)
        super().after_import(dataset, result, **kwargs)

    def after_import_row(self, row, row_result, **kwargs):
        if row_result.validation_error is not None or row_result.errors:
            self._errors += 1
        if self.progress is not None:
            self.progress(kwargs["row_number"], self._errors)

    # -- import: a row -----------------------------------------------------------------------

    def before_import_row(self, row, **kwargs):
        # The library counts data rows from 1; the curator's spreadsheet counts the header.
        self.row_number = kwargs["row_number"] + 1

    def import_instance(self, instance, row, **kwargs):
        """Read the whole row, collecting every problem in it, so the curator sees them all
        at once."""
        plan = RowPlan(row=self.row_number, new=instance.pk is None)
        instance._import_plan = plan
        problem = plan.problems.add

        for column, value in row.items():
            if message := cell_problem(value):
                problem(column, message)
                plan.refused.add(column)
            else:
                row[column] = unescape(value)
        slug = cell_text(row.get("slug"))
        earlier = [number for number in self.slug_rows.get(slug, []) if number < plan.row]
        if earlier:
            problem(
                "slug",
                _("%(slug)s is also on row %(rows)s: a practice may appear only once in a file")
                % {"slug": quoted(slug), "rows": ", ".join(map(str, earlier))},
            )
        try:
            super().import_instance(instance, row, **kwargs)  # the practice's own columns
        except ValidationError as error:
            for column, messages in error.message_dict.items():
                for message in messages:
                    problem(column, message)
        for resource_field in self.get_import_fields():
            column = resource_field.column_name
            if isinstance(resource_field.widget, NaturalKeysWidget) and column in row:
                if column in plan.refused:
                    continue
                try:
                    plan.m2m[column] = resource_field.clean(row)
                except ValueError as error:
                    problem(column, error)
        if plan.m2m.get("themes") == []:
            problem("themes", _("every practice needs at least one theme"))
        plan_countries(instance, row, plan, self.countries, problem)
        plan_metrics(instance, row, plan, self.sources, problem)
        if (
            instance.start_year
            and instance.end_year
            and instance.end_year < instance.start_year
            and "end_year" not in plan.problems
        ):
            problem(
                "end_year",
                _("the end year %(end)s is before the start year %(start)s")
                % {"end": instance.end_year, "start": instance.start_year},
            )
        if plan.problems:
            raise ValidationError(plan.problems.as_dict())
        if self.previewing and plan.new:
            self._new_rows.append((plan.row, instance))

    def _warn_of_duplicates(self) -> None:
        """New rows that may be practices the base holds already (the admin's duplicate rule:
        the same title, and a country implements both), all looked up at once. An earlier new
        row of the same file counts too."""

        def implementing(instance):
            return {
                country_id
                for (country_id, _role), (involvement, _note) in (
                    instance._import_plan.links or {}
                ).items()
                if involvement == PracticeCountry.Involvement.IMPLEMENTING
            }

        rows = [
            (number, instance.title_en, implementing(instance), instance.slug)
            for number, instance in self._new_rows
        ]
        titles = {number: instance.title_en for number, instance in self._new_rows}
        for number, matches in duplicates_in_file(rows).items():
            for title, slug in matches:
                message = _(
                    "Row %(row)s: “%(title)s” may be the practice “%(existing)s” (%(slug)s): "
                    "the same title, and a country implements both. Import it only if it is "
                    "a different practice."
                ) % {"row": number, "title": titles[number], "existing": title, "slug": slug}
                self.warnings.append(message)
                self.row_warnings.setdefault(number, []).append(message)

    def import_field(self, field, instance, row, is_m2m=False, **kwargs):
        plan = getattr(instance, "_import_plan", None)
        if plan is not None and field.column_name in plan.refused:
            return
        if is_m2m and plan is not None and field.column_name in plan.m2m:
            # Looked up already, while the row was read. A new practice has no links to
            # compare with: adding them saves a query per column.
            related, values = getattr(instance, field.attribute), plan.m2m[field.column_name]
            if plan.new:
                related.add(*values)
            else:
                related.set(values)
            return
        try:
            super().import_field(field, instance, row, is_m2m=is_m2m, **kwargs)
        except CellErrors as error:
            if plan is None:
                raise
            # With the row's other problems, which name a missing record only once.
            plan.problems.add(field.column_name, error)

    def skip_row(self, instance, original, row, import_validation_errors=None):
        """Unchanged (neither saved nor sent back to draft) when every column in the file
        matches what is stored: the library compares the practice's own fields and
        many-to-many columns, the plan its countries and figures."""
        if instance.pk is None:
            return False
        skipped = (
            super().skip_row(instance, original, row, import_validation_errors)
            and instance._import_plan.unchanged()
        )
        if skipped:
            # The confirmation checks that nobody edited it since the preview either.
            self.unchanged.append((instance._import_plan.row, original))
        return skipped

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        """The model's validation too (``full_clean``); each message names the row and column.

        Without its queries: the slug is unique by the time a row gets here (the instance
        loader looked every slug of the file up, and a slug twice in the file is an error), the
        foreign keys were found by their natural keys, and the check constraints are evaluated
        in Python (``constraints``)."""
        errors = dict(import_validation_errors or {})
        exclude = {*errors, *TRUSTED_FIELDS}
        try:
            instance.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        try:
            validate_check_constraints(instance, exclude=exclude)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        if errors:
            row = instance._import_plan.row
            explained = {}
            for column, messages in ValidationError(errors).message_dict.items():
                if column == NON_FIELD_ERRORS:
                    where = _("Row %(row)s") % {"row": row}
                else:
                    where = _("Row %(row)s, column %(column)s") % {"row": row, "column": column}
                explained[column] = [f"{where}: {message}" for message in messages]
            raise ValidationError(explained) from None
