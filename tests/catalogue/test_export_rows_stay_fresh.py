"""The ready export rows never disagree with the practices.

Every kind of change a curator, a reviewer, an import or a command makes is followed by the
CSV and JSON exports, which must equal, byte for byte, the files built from scratch by the one
definition of a record; and every row still marked ready (drafts' too) must equal its record
built anew. Rows are all ready before each change (``ready_everywhere``), and a test's
transaction never commits, so the rebuild that follows a commit never runs: a change whose
hook is missing leaves its practice's old row in place, and the test fails.
"""

import datetime
import gzip
import io
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import OperationalError, connection
from django.urls import reverse, set_script_prefix
from django.utils import translation

from countries.models import Country
from practices import export_rows
from practices.catalogue.export import CSV, JSON, export_stream, from_scratch
from practices.catalogue.filters import PracticeFilter
from practices.curation import revisions
from practices.curation.restore import restore_practice
from practices.curation.workflow import apply_transition
from practices.history import historical
from practices.models import (
    Evaluation,
    ExportRow,
    GCMObjective,
    Organisation,
    OutcomeMetric,
    Practice,
    PracticeCountry,
    ScorecardRating,
    Source,
    Stage,
    TargetGroup,
    Theme,
)
from tests.conftest import make_practice
from tests.curation.admin_form import form_data
from tests.curation.imports_helpers import csv_bytes, import_file, row

pytestmark = pytest.mark.django_db

PORTUGAL = "pt-family-reunification-support-offices"
BASE = "http://testserver"


def portugal() -> Practice:
    return Practice.objects.get(slug=PORTUGAL)


def body(response) -> bytes:
    assert response.status_code == 200
    return b"".join(response.streaming_content)


def scratch(query: str, kind: str) -> bytes:
    """The file for ``query`` built record by record from scratch."""
    from django.http import QueryDict

    filterset = PracticeFilter(QueryDict(query), queryset=Practice.objects.published())
    return "".join(from_scratch(filterset.sorted_qs(), BASE, kind)).encode()


def ready_everywhere() -> None:
    export_rows.build_all()
    assert not export_rows.missing(Practice.objects.all()).exists()


def assert_fresh(client) -> None:
    for query in ("", "country=PT", "sort=newest"):
        assert body(client.get(f"/practices/export.csv?{query}")) == scratch(query, CSV), query
        assert body(client.get(f"/practices/export.json?{query}")) == scratch(query, JSON), query
    # Drafts and unpublished practices too: a ready row is the practice as it is now.
    ready = ExportRow.objects.filter(
        language="en", format=export_rows.format_key("en"), csv_head__isnull=False
    )
    stored = {r.practice_id: (r.csv_head, r.csv_tail, r.json_head, r.json_tail) for r in ready}
    assert stored == dict(export_rows.build(stored, save=False))


# -- the changes ------------------------------------------------------------------------------


def practice_field(p, **_):
    p.title = "Family reunification offices (renamed)"
    p.summary = "=A summary a spreadsheet would run"
    p.save()


def country_added(p, **_):
    PracticeCountry.objects.create(practice=p, country=Country.objects.get(iso2="CV"), role="COO")


def country_added_through_the_many_to_many(p, **_):
    p.countries.add(Country.objects.get(iso2="CV"), through_defaults={"role": "COT"})


def country_removed(p, **_):
    p.country_links.first().delete()


def country_role_changed(p, **_):
    link = p.country_links.get(country__iso2="PT")
    link.role = PracticeCountry.Role.COT
    link.save()


def figure_added(p, **_):
    OutcomeMetric.objects.create(
        practice=p, label="Families advised", value=Decimal("1200"), unit="families", year=2011
    )


def figure_edited(p, **_):
    figure = p.metrics.first()
    figure.value += 1
    figure.save()


def figure_deleted(p, **_):
    p.metrics.first().delete()


def theme_added(p, **_):
    p.themes.add(Theme.objects.exclude(practices=p).first())


def theme_removed(p, **_):
    p.themes.remove(p.themes.first())


def theme_deleted(p, **_):
    # Its links go with it, in a deletion that sends no m2m_changed.
    p.themes.first().delete()


def theme_renamed(p, **_):
    theme = p.themes.first()
    theme.name = "Renamed theme"
    theme.save()


def target_group_and_stage_linked_then_renamed(p, **_):
    group, stage = TargetGroup.objects.first(), Stage.objects.first()
    p.target_groups.add(group)
    p.stages.add(stage)
    p.gcm_objectives.add(GCMObjective.objects.first())
    ready_everywhere()
    group.name, stage.name = "Renamed group", "Renamed stage"
    group.save()
    stage.save()


def gcm_objective_linked(p, **_):
    p.gcm_objectives.set(GCMObjective.objects.all()[:2])


def lead_organisation_renamed(p, **_):
    organisation = Organisation.objects.create(slug="lead-org", name="Lead organisation")
    p.lead_organisation = organisation
    p.save()
    ready_everywhere()
    organisation.name = "Lead organisation, renamed"
    organisation.acronym = "LOR"
    organisation.save()


def partner_renamed(p, **_):
    organisation = Organisation.objects.create(slug="partner-org", name="Partner")
    p.partners.add(organisation)
    ready_everywhere()
    organisation.name = "Partner, renamed"
    organisation.save()


def source_edited(p, **_):
    source = p.sources.first() or Source.objects.first()
    p.sources.add(source)
    ready_everywhere()
    source.citation = "A corrected citation"
    source.save()


def source_linked(p, **_):
    p.sources.add(Source.objects.exclude(practices=p).first())


def evaluation_added_then_its_source_edited(p, **_):
    source = Source.objects.exclude(practices=p).first()
    Evaluation.objects.create(
        practice=p,
        method=Evaluation.Method.values[0],
        evaluator="The ministry",
        year=2012,
        findings="It works.",
        source=source,
    )
    ready_everywhere()
    source.url = "https://example.org/evaluation"
    source.save()


def rating_added(p, reviewer, **_):
    ScorecardRating.objects.create(
        practice=p,
        criterion=ScorecardRating.Criterion.values[0],
        rating=4,
        justification="Well documented.",
        reviewer=reviewer,
        rated_on=datetime.date(2026, 1, 2),
    )


def verified(p, **_):
    p.verified_on = datetime.date(2026, 5, 1)
    p.save()


def unpublished(p, reviewer, **_):
    apply_transition(p, "unpublish", reviewer)


def published(p, reviewer, **_):
    apply_transition(p, "unpublish", reviewer)
    p.title = "Changed while a draft"
    p.save()
    ready_everywhere()
    p = Practice.objects.get(pk=p.pk)
    apply_transition(p, "submit", reviewer)
    apply_transition(p, "publish", reviewer)


def practice_deleted(p, **_):
    p.delete()


def deleted_then_restored(p, reviewer, **_):
    pk = p.pk
    p.delete()
    entry = historical(Practice).objects.filter(id=pk, history_type="-").latest("history_id")
    restored = restore_practice(entry.history_id, reviewer).practice
    restored.publication_state = Practice.PublicationState.PUBLISHED
    restored.save()


def country_renamed(p, **_):
    country = Country.objects.get(iso2="PT")
    country.name = "Portuguese Republic"
    country.save()


def revision_published(p, curator, reviewer, **_):
    content, _conflicts = revisions.editable_content(p, None)
    content["fields"]["summary_en"] = "A summary a reviewer published."
    content["m2m"]["themes"] = sorted(
        {*content["m2m"]["themes"], Theme.objects.get(slug="health").pk}
    )
    content["metrics"] = content["metrics"][1:]
    revision = revisions.save_revision(p, content, curator, "test")
    revisions.publish(revision, reviewer)


def reverted_to_the_paper(p, reviewer, **_):
    p.summary = "A curator's newer summary."
    p.save()
    p.themes.clear()
    ready_everywhere()
    call_command("revert_to_paper", PORTUGAL, "--yes", stdout=io.StringIO())


def organisation_reverted_in_its_history(p, client, reviewer, **_):
    """The admin's history page puts an older version of a record back ("Revert")."""
    organisation = Organisation.objects.create(
        slug="reverted-org", name="The first name", kind=Organisation.Kind.values[0]
    )
    p.lead_organisation = organisation
    p.save()
    organisation.name = "A later name"
    organisation.save()
    ready_everywhere()
    first = organisation.history.earliest("history_id")
    url = reverse(
        "admin:practices_organisation_simple_history", args=[organisation.pk, first.history_id]
    )
    client.force_login(get_user_model().objects.create_superuser("boss", "b@example.org", "pw"))
    response = client.post(url, form_data(client.get(url), "historicalorganisation_form"))
    client.logout()
    assert response.status_code == 302, response
    assert Organisation.objects.get(pk=organisation.pk).name == "The first name"


def imported_over_a_draft(p, client, curator, settings, tmp_path, **_):
    """The spreadsheet import, run by its jobs as the worker runs them: a draft it changes is
    saved row by row, new practices are written in bulk; both then published."""
    settings.MEDIA_ROOT = tmp_path / "media"
    draft = make_practice("import-target", publication_state="draft")
    ready_everywhere()
    client.force_login(curator)
    import_file(
        client,
        csv_bytes([row(draft.slug, title="Imported title"), row("imported-new-practice")]),
    )
    client.logout()
    for slug in (draft.slug, "imported-new-practice"):
        Practice.objects.filter(slug=slug).update(publication_state="published")
    # A plain UPDATE of the state: the rows, kept whatever the state, need not change.


CHANGES = [
    practice_field,
    country_added,
    country_added_through_the_many_to_many,
    country_removed,
    country_role_changed,
    figure_added,
    figure_edited,
    figure_deleted,
    theme_added,
    theme_removed,
    theme_deleted,
    theme_renamed,
    target_group_and_stage_linked_then_renamed,
    gcm_objective_linked,
    lead_organisation_renamed,
    partner_renamed,
    source_edited,
    source_linked,
    evaluation_added_then_its_source_edited,
    rating_added,
    verified,
    unpublished,
    published,
    practice_deleted,
    deleted_then_restored,
    country_renamed,
    revision_published,
    reverted_to_the_paper,
    organisation_reverted_in_its_history,
    imported_over_a_draft,
]


@pytest.mark.parametrize("change", CHANGES, ids=lambda change: change.__name__)
def test_after_every_kind_of_change_the_export_equals_one_built_from_scratch(
    client, curator, reviewer, settings, tmp_path, change
):
    ready_everywhere()
    assert_fresh(client)  # the rows, built before the change, agree with it
    change(
        portugal(),
        client=client,
        curator=curator,
        reviewer=reviewer,
        settings=settings,
        tmp_path=tmp_path,
    )
    assert_fresh(client)


def test_a_change_marks_its_practices_rows_stale_in_its_own_transaction():
    ready_everywhere()
    assert not export_rows.may_lack_rows()
    practice = portugal()
    practice.themes.add(Theme.objects.get(slug="health"))
    assert export_rows.may_lack_rows()
    assert list(export_rows.missing(Practice.objects.all())) == [practice.pk]
    # In every language: an export in any of them builds it again.
    for language in export_rows.languages():
        assert practice.pk in export_rows.missing(Practice.objects.all(), language)


def test_once_committed_the_change_rebuilds_its_rows(django_capture_on_commit_callbacks):
    ready_everywhere()
    practice = portugal()
    with django_capture_on_commit_callbacks(execute=True):
        practice.title = "Rebuilt at commit"
        practice.save()
    assert not export_rows.missing(Practice.objects.all()).exists()
    row = ExportRow.objects.get(practice=practice, language="en")
    assert "Rebuilt at commit" in row.csv_head


def test_rows_written_with_other_translations_are_built_again(client, monkeypatch):
    """A deploy with new translations of a record's words (a section title, a method) makes
    every row of that language not ready: no row keeps words the site no longer uses."""
    ready_everywhere()
    label = Practice.PaperSection.FAMILY_REUNIFICATION.label
    french = {str(label): "4.1 Regroupement familial dans le pays de destination"}
    translation.gettext("")  # the real catalogue's function, loaded
    real_gettext = translation._trans.gettext
    monkeypatch.setattr(
        translation._trans, "gettext", lambda text: french.get(text, real_gettext(text))
    )
    export_rows._format_key.cache_clear()
    try:
        assert export_rows.may_lack_rows()
        assert "Regroupement familial" in body(client.get("/practices/export.csv")).decode()
        assert not export_rows.may_lack_rows()
    finally:
        export_rows._format_key.cache_clear()


def test_a_change_to_more_practices_than_a_request_rebuilds_goes_to_the_worker(
    django_capture_on_commit_callbacks, monkeypatch
):
    ready_everywhere()
    queued = []
    task = export_rows.rebuild_missing_rows

    class Queue:
        def enqueue(self):
            queued.append(task)

    monkeypatch.setattr(export_rows, "REBUILD_ON_COMMIT_LIMIT", 1)
    monkeypatch.setattr(export_rows, "rebuild_missing_rows", Queue())
    with django_capture_on_commit_callbacks(execute=True):
        country_renamed(portugal())
    assert queued == [task]
    stale = export_rows.missing(Practice.objects.all())
    assert stale.count() == Practice.objects.filter(country_links__country__iso2="PT").count() > 1
    task.call()  # as the worker runs it
    assert not stale.exists()


def test_a_row_a_change_holds_is_left_stale_and_the_export_writes_it_from_scratch(
    client, monkeypatch
):
    ready_everywhere()
    practice_field(portugal())

    def held(*args):
        raise OperationalError("lock timeout")

    monkeypatch.setattr(export_rows, "_store", held)
    assert_fresh(client)
    assert list(export_rows.missing(Practice.objects.all())) == [portugal().pk]


def test_the_command_builds_every_row_again_after_writes_outside_django():
    ready_everywhere()
    ExportRow.objects.update(csv_head="stale", json_head="stale")  # as SQL would leave them
    call_command("build_export_rows", "--all", verbosity=0)
    assert not ExportRow.objects.filter(csv_head="stale").exists()
    assert not export_rows.missing(Practice.objects.all()).exists()


def test_a_rebuild_that_read_the_practice_before_a_change_never_overwrites_its_mark():
    """Two transactions at once, in sequence: a rebuild reads the version, then the practice;
    a change marks the row; the rebuild's write, based on what it read, is refused."""
    ready_everywhere()
    practice = portugal()
    seen = dict(
        ExportRow.objects.filter(practice=practice, language="en").values_list(
            "practice_id", "version"
        )
    )
    old = list(export_rows.build([practice.pk], save=False))
    practice.title = "Changed meanwhile"
    practice.save()
    export_rows._store(old, seen, "en")
    assert list(export_rows.missing(Practice.objects.all())) == [practice.pk]


def test_rows_of_an_older_format_are_built_again(client, monkeypatch):
    ready_everywhere()
    monkeypatch.setattr(export_rows, "FORMAT", export_rows.FORMAT + 1)
    assert export_rows.missing(Practice.objects.all()).count() == Practice.objects.count()
    assert body(client.get("/practices/export.csv")) == scratch("", CSV)


def test_a_row_marked_stale_while_the_export_began_is_built_in_the_stream(client, monkeypatch):
    """Between the build of missing rows and the streaming query, a change marks a row: the
    stream builds that record from scratch instead of writing out nothing."""
    ready_everywhere()
    practice = portugal()

    def check_then_change(language=None):
        practice.title = "Changed between the two steps"
        practice.save()
        return False

    monkeypatch.setattr(export_rows, "may_lack_rows", check_then_change)
    csv = body(client.get("/practices/export.csv"))
    assert "Changed between the two steps" in csv.decode()
    assert csv == scratch("", CSV)


@pytest.mark.parametrize("kind", [CSV, JSON])
def test_an_export_of_ready_rows_runs_the_same_queries_whatever_their_number(
    client, django_assert_num_queries, kind
):
    ready_everywhere()
    # Which rows to build (none), then every row in one query, in a savepoint of its own
    # (where PostgreSQL is told how long the download may wait for its client).
    queries = 4 + (connection.vendor == "postgresql")
    with django_assert_num_queries(queries):
        few = body(client.get(f"/practices/export.{kind}?kind=law"))
    with django_assert_num_queries(queries):
        everything = body(client.get(f"/practices/export.{kind}"))
    assert b"law" in few and len(everything) > 5 * len(few)


def test_a_site_address_that_cannot_be_spliced_gets_the_file_built_from_scratch():
    ready_everywhere()
    assert export_rows.base_is_plain(BASE)
    queryset = Practice.objects.published().order_by("pk")
    for base in ('http://a"b', "http://a,b", "=http://a"):
        assert not export_rows.base_is_plain(base)
        for kind in (CSV, JSON):
            streamed = "".join(export_stream(queryset, base, kind))
            assert streamed == "".join(from_scratch(queryset, base, kind))


def test_a_download_closed_unread_ends_its_transaction(client):
    """The cursor streams inside a transaction of its own, which the response's close ends
    (a client gone, a HEAD request): no transaction is left open on the connection."""
    ready_everywhere()
    depth = len(connection.atomic_blocks)
    response = client.get("/practices/export.csv")
    assert len(connection.atomic_blocks) == depth + 1
    response.close()
    assert len(connection.atomic_blocks) == depth


def test_under_a_script_prefix_the_urls_keep_it_once(client):
    """Rows are built with paths from the site's root (a worker has no script prefix); the
    request's prefix goes with its host."""
    ready_everywhere()
    practice_field(portugal())  # its row is built in the request, under the prefix
    set_script_prefix("/kb/")  # as the WSGI handler sets it from SCRIPT_NAME (the client not)
    try:
        csv = body(client.get("/practices/export.csv?country=PT"))
        assert csv == scratch("country=PT", CSV)
    finally:
        set_script_prefix("/")
    assert f"http://testserver/kb/practices/{PORTUGAL}/\r\n" in csv.decode()


@pytest.mark.parametrize("kind", [CSV, JSON])
def test_a_compressed_export_is_the_same_file_and_says_it_varies(client, kind):
    """Compressed here at gzip's fastest level, each chunk by a thread while the next is read."""
    ready_everywhere()
    plain = client.get(f"/practices/export.{kind}")
    assert "Accept-Encoding" in plain["Vary"] and not plain.has_header("Content-Encoding")
    packed = client.get(f"/practices/export.{kind}", HTTP_ACCEPT_ENCODING="gzip")
    assert packed["Content-Encoding"] == "gzip" and "Accept-Encoding" in packed["Vary"]
    assert gzip.decompress(body(packed)) == body(plain) == scratch("", kind)
