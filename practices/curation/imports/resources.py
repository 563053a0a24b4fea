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
- rows are saved one by one, never in bulk: history records each practice, its links and its
  figures, with the importing user and the file's name as the reason.
"""

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop
from import_export import resources
from import_export.fields import Field
from import_export.instance_loaders import CachedInstanceLoader
from import_export.resources import Diff

from countries.models import Country
from practices import history
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

from .. import revisions
from ..duplicates import find_duplicates
from .plan import (
    RowPlan,
    plan_countries,
    plan_metrics,
    revision_content,
    write_links,
    write_metrics,
)
from .rows import PracticeRowExport
from .spreadsheet import (
    COLUMN_NAMES,
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
    YearWidget,
    cell_text,
    quoted,
)

IMPORTED = gettext_noop("Imported")
IMPORTED_FROM = gettext_noop("Imported from %(file)s")


def text(name: str) -> Field:
    return Field(name, name, widget=TextWidget())


def keys(name: str, model, *natural_keys: str) -> Field:
    """A many-to-many column: the related rows' natural keys."""
    return Field(name, name, widget=NaturalKeysWidget(model, natural_keys))


def choice(name: str, choices) -> Field:
    noun = Practice._meta.get_field(name).verbose_name
    return Field(name, name, widget=ChoiceWidget(choices, noun))


class PracticeDiff(Diff):
    """The preview's before and after, read through the resource's export, so that the
    columns with no model attribute (countries, their details, figures) show their changes.

    Only a dry run shows them: after the confirmation nobody reads the diff, and reading each
    practice twice would be a third of the import's time."""

    def __init__(self, resource, instance, new):
        self.left = self._values(resource, instance)
        self.right = []
        self.new = new

    def compare_with(self, resource, instance):
        self.right = self._values(resource, instance)

    @staticmethod
    def _values(resource, instance):
        if not resource.previewing or instance is None:
            return []
        return [resource.export_field(f, instance) for f in resource.get_import_fields()]


class PracticeResource(PracticeRowExport, resources.ModelResource):
    slug = text("slug")
    title = text("title")
    summary = text("summary")
    description = text("description")
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
        # One query finds every practice the file names, not one per row.
        instance_loader_class = CachedInstanceLoader
        clean_model_instances = True
        skip_unchanged = True
        report_skipped = True
        use_transactions = True
        # Row by row: bulk saves send no signals (no history, no search index) and do not
        # save many-to-many columns at all.
        use_bulk = False

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.countries = Lookup(Country, ("iso2", "iso3"))
        self.sources = Lookup(Source, ("key",))
        self.slug_rows: dict[str, list[int]] = {}
        self.row_number = 0
        self.previewing = True
        self.warnings: list[str] = []

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
        self.warnings = []
        result = super().import_data(
            dataset,
            dry_run=dry_run,
            raise_errors=raise_errors,
            use_transactions=use_transactions,
            collect_failed_rows=collect_failed_rows,
            rollback_on_validation_errors=True,
            **kwargs,
        )
        # Shown by the preview; they stop nothing.
        result.warnings = self.warnings
        return result

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
            self._warn_of_duplicates(instance, plan)

    def _warn_of_duplicates(self, instance, plan: RowPlan) -> None:
        """A new row that may be a practice the base holds already (the admin's duplicate
        rule: the same title, and a country implements both). Rows written earlier in the
        same import count too."""
        implementing = [
            country_id
            for (country_id, _role), (involvement, _note) in (plan.links or {}).items()
            if involvement == PracticeCountry.Involvement.IMPLEMENTING
        ]
        for duplicate in find_duplicates(instance.title, implementing):
            self.warnings.append(
                _(
                    "Row %(row)s: “%(title)s” may be the practice “%(existing)s” (%(slug)s): "
                    "the same title, and a country implements both. Import it only if it is "
                    "a different practice."
                )
                % {
                    "row": plan.row,
                    "title": instance.title,
                    "existing": duplicate.title,
                    "slug": duplicate.slug,
                }
            )

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
        return (
            super().skip_row(instance, original, row, import_validation_errors)
            and instance._import_plan.unchanged()
        )

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        """The model's validation too (full_clean); each message names the row and column."""
        try:
            super().validate_instance(instance, import_validation_errors, validate_unique)
        except ValidationError as error:
            row = instance._import_plan.row
            explained = {}
            for column, messages in error.message_dict.items():
                if column == NON_FIELD_ERRORS:
                    where = _("Row %(row)s") % {"row": row}
                else:
                    where = _("Row %(row)s, column %(column)s") % {"row": row, "column": column}
                explained[column] = [f"{where}: {message}" for message in messages]
            raise ValidationError(explained) from None

    def before_save_instance(self, instance, row, **kwargs):
        user = kwargs.get("user")
        user = user if user is not None and user.is_authenticated else None
        # Who and why, in the history of the practice and of its links and figures (in a
        # request the middleware knows the user too; a script passes user=).
        if user is not None:
            instance._history_user = user
        # In English, as the workflow's reasons are stored, whoever's language the admin is in.
        file_name = kwargs.get("file_name")
        reason = IMPORTED_FROM % {"file": file_name} if file_name else IMPORTED
        instance._change_reason = reason[:100]  # simple-history's column is 100 long
        # A changed published practice stays as it is: the row becomes its revision
        # (after_save_instance), which a reviewer publishes.
        if instance.pk is not None and revisions.revises(instance):
            instance._as_revision = kwargs.get("file_name") or "import"
            return
        # A new practice enters as a draft. A changed one in review goes back to draft, so the
        # public never sees what no reviewer has read; an archived one stays archived (only a
        # reviewer restores it).
        State = Practice.PublicationState
        if instance.pk is None or instance.publication_state == State.IN_REVIEW:
            instance.publication_state = State.DRAFT
            instance.state_changed_at = timezone.now()
            instance.state_changed_by = user

    def after_save_instance(self, instance, row, **kwargs):
        if hasattr(instance, "_as_revision"):
            self._save_revision(instance, row, kwargs.get("user"))
            return
        attribution = {"_change_reason": instance._change_reason}
        if getattr(instance, "_history_user", None) is not None:
            attribution["_history_user"] = instance._history_user
        write_links(instance, instance._import_plan, attribution)
        write_metrics(instance, instance._import_plan, attribution)

    # A new practice gets one history entry, showing it as imported, links included
    # (practices.history.defer_creation_entry). A changed practice is saved as the admin saves
    # one, and practices.history first records how it stood if it has no entry yet.

    def _save_revision(self, instance, row, user) -> None:
        stored = Practice.objects.get(pk=instance.pk)
        start, _conflicts = revisions.editable_content(stored, revisions.open_revision(stored))
        content = revision_content(instance, instance._import_plan, set(row.keys()), start)
        origin = revisions.IMPORT_ORIGIN % {"file": instance._as_revision}
        user = user if user is not None and user.is_authenticated else None
        revisions.save_revision(stored, content, user, origin)

    def do_instance_save(self, instance, is_create):
        if hasattr(instance, "_as_revision"):
            return  # the live practice is not touched
        if is_create:
            history.defer_creation_entry(instance)
        instance.save(force_insert=is_create)

    def save_m2m(self, instance, row, **kwargs):
        if hasattr(instance, "_as_revision"):
            return
        super().save_m2m(instance, row, **kwargs)
        history.write_creation_entry(instance)
