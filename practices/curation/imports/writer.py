"""Writing what an import planned, inside the caller's transaction.

The resource reads and checks every row first (``resources.PracticeResource``) and writes
nothing while it does; the rows it would save are handed here, as planned rows:

- a changed practice is saved row by row, through the resource's own hooks
  (``before_save_instance``, ``do_instance_save``, ``save_m2m``, ``after_save_instance``),
  as the admin saves one: history and the search index follow its signals;
- new practices are written in bulk, table by table: the practices, their many-to-many links,
  country links and figures, then their history entries with the same content as a save row by
  row would give (one entry per practice, with its final links; one per country link and per
  figure; the importing user and "Imported from <file>" on each), then the search index of all
  of them at once. Bulk inserts send no signals: what the signals of a save would do (history,
  search index, the ready export rows, the cache's data generation) is done here, and a
  receiver added to those models later must be added here too.
"""

from dataclasses import dataclass

from django.conf import settings
from django.db import connection
from django.utils import timezone

from practices import export_rows
from practices.cache import invalidate_on_commit
from practices.models import OutcomeMetric, Practice, PracticeCountry
from practices.search_index import update_search_index

BATCH = 500


@dataclass
class PlannedRow:
    """A row the resource checked and would save: the practice as the row makes it (its
    ``_import_plan`` holds the links and figures), whether it is new, and the row's cells."""

    instance: Practice
    new: bool
    row: dict

    @property
    def plan(self):
        return self.instance._import_plan


def write(resource, planned: list[PlannedRow], *, user=None, file_name="", progress=None):
    """Save ``planned``: changed practices one by one, new ones in bulk. ``progress(done)``
    is told how many rows are written, as it goes."""
    report = progress or (lambda done: None)
    kwargs = {"user": user, "file_name": file_name}
    updates = [p for p in planned if not p.new]
    resource.writing = True
    try:
        for done, row in enumerate(updates, start=1):
            resource.save_instance(row.instance, False, row.row, **kwargs)
            resource.save_m2m(row.instance, row.row, **kwargs)
            report(done)
        create([p for p in planned if p.new], resource, kwargs, lambda n: report(len(updates) + n))
    finally:
        resource.writing = False


def create(rows: list[PlannedRow], resource, kwargs: dict, report) -> None:
    """New practices with everything hanging off them, a table at a time."""
    if not rows:
        return
    for row in rows:
        # Who, why, and the publication state: the same hook a save row by row runs.
        resource.before_save_instance(row.instance, row.row, **kwargs)
    practices = [row.instance for row in rows]
    for start in range(0, len(practices), BATCH):
        Practice.objects.bulk_create(practices[start : start + BATCH])
        report(min(start + BATCH, len(practices)))

    ids = [practice.pk for practice in practices]
    links_by_field = {}
    for field in Practice._meta.many_to_many:
        through = field.remote_field.through
        source, target = f"{field.m2m_field_name()}_id", f"{field.m2m_reverse_field_name()}_id"
        insert_rows(
            through,
            [source, target],
            [
                (row.instance.pk, getattr(value, "pk", value))
                for row in rows
                for value in row.plan.m2m.get(field.name, [])
            ],
        )
        # Read back with their ids, which history copies.
        links_by_field[field] = [
            link
            for start in range(0, len(ids), BATCH)
            for link in through.objects.filter(**{f"{source}__in": ids[start : start + BATCH]})
            .values_list("id", source, target)
            .order_by("id")
        ]
    country_links = [
        PracticeCountry(
            practice_id=row.instance.pk,
            country_id=country_id,
            role=role,
            involvement=involvement,
            note=note,
        )
        for row in rows
        for (country_id, role), (involvement, note) in (row.plan.links or {}).items()
    ]
    PracticeCountry.objects.bulk_create(country_links, batch_size=BATCH)
    metrics = []
    for row in rows:
        for metric in row.plan.metrics or []:
            metric.practice_id = row.instance.pk
            metrics.append(metric)
    OutcomeMetric.objects.bulk_create(metrics, batch_size=BATCH)

    write_history(practices, links_by_field, country_links, metrics, kwargs["user"])
    update_search_index(Practice.objects.filter(pk__in=ids))
    export_rows.mark_stale(ids)  # rows for them, built once the import commits
    invalidate_on_commit()


def write_history(practices, links_by_field, country_links, metrics, user) -> None:
    """The history a save row by row writes, in bulk: an entry per practice (reason and user
    from the practice, set by ``before_save_instance``) with a copy of its many-to-many links
    as they stand, and an entry per country link and figure."""
    if not getattr(settings, "SIMPLE_HISTORY_ENABLED", True):
        return
    now = timezone.now()
    reason = practices[0]._change_reason
    entries = Practice.history.bulk_history_create(
        practices, batch_size=BATCH, default_user=user, default_date=now
    )
    history_id = {entry.id: entry.pk for entry in entries}
    history_model = Practice.history.model
    for field in history_model._history_m2m_fields:
        m2m_model = getattr(history_model, field.name).model
        source, target = f"{field.m2m_field_name()}_id", f"{field.m2m_reverse_field_name()}_id"
        insert_rows(
            m2m_model,
            ["history_id", "id", source, target],
            [
                (history_id[practice_id], link_id, practice_id, target_id)
                for link_id, practice_id, target_id in links_by_field.get(field, [])
            ],
        )
    for model, objects in ((PracticeCountry, country_links), (OutcomeMetric, metrics)):
        model.history.bulk_history_create(
            objects,
            batch_size=BATCH,
            default_user=user,
            default_change_reason=reason,
            default_date=now,
        )


def insert_rows(model, attnames: list[str], rows: list[tuple]) -> None:
    """``rows`` (values of ``attnames``) into ``model``'s table, hundreds per statement.

    For the link tables, tens of thousands of rows of two or three integers: building a model
    instance for each and compiling it cost ten times more than the insert (``bulk_create``
    was most of a 5,000-row import's time). No signal is sent, as with ``bulk_create``."""
    if not rows:
        return
    quote = connection.ops.quote_name
    columns = ", ".join(quote(model._meta.get_field(name).column) for name in attnames)
    table = quote(model._meta.db_table)
    # SQLite's oldest limit on parameters per statement is 999.
    per_statement = max(1, 999 // len(attnames))
    one = "(" + ", ".join(["%s"] * len(attnames)) + ")"
    with connection.cursor() as cursor:
        for start in range(0, len(rows), per_statement):
            batch = rows[start : start + per_statement]
            values = ", ".join([one] * len(batch))
            cursor.execute(
                f"INSERT INTO {table} ({columns}) VALUES {values}",  # noqa: S608 (names only)
                [value for row in batch for value in row],
            )
