"""CSV and JSON exports of exactly the list page's rows, streamed.

Both take the list page's query string (same filters, same order, every matching row, never
a page of it). One query fetches everything: each many-to-many value arrives already gathered
into a JSON array by a correlated subquery, so nothing is fetched per practice, and rows are
read from a database cursor in chunks and written out as they come: memory stays flat at any
size. The columns are documented once, here, and listed on the About page.

django-import-export's export builds the whole file in memory; it stays for curators in the
admin.
"""

import csv
import json
from collections.abc import Iterable, Iterator
from decimal import Decimal

from django.db import models
from django.db.models import JSONField, OuterRef, Subquery
from django.db.models.functions import JSONObject
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .models import OutcomeMetric, Practice, PracticeCountry

CHUNK_SIZE = 500
ROLE_ORDER = {role: i for i, role in enumerate(PracticeCountry.Role.values)}
# A cell starting with one of these is run as a formula by spreadsheets (CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")

COLUMNS = [
    ("slug", _("The practice's permanent identifier; its page is /practices/<slug>/.")),
    ("title", _("Title.")),
    ("summary", _("One or two sentences.")),
    ("description", _("The full description, keeping the source's own words.")),
    ("themes", _("Theme slugs, e.g. children; gender.")),
    ("countries", _("Every country with its role: Mexico (COO); United States (COD).")),
    ("coo", _("ISO 3166 alpha-2 codes of the countries of origin.")),
    ("cot", _("ISO 3166 alpha-2 codes of the countries of transit.")),
    ("cod", _("ISO 3166 alpha-2 codes of the countries of destination.")),
    ("coverage", _("For regional or global practices: the group of countries it covers.")),
    ("organisations", _("The lead organisation first, then the partners.")),
    ("target_groups", _("Target group slugs.")),
    ("stages", _("Stages of the migration cycle, in cycle order.")),
    ("scope", _("unilateral, bilateral, regional or multilateral.")),
    ("kind", _("programme, policy, law, service, agreement, network, tool or research.")),
    ("gcm_objectives", _("Numbers of the Global Compact for Migration objectives (curators')")),
    ("status", _("ongoing, completed, planned or under_discussion, as last reported.")),
    ("evidence_level", _("described, outputs, evaluated or independent (see above).")),
    ("start_year", _("Year it started, if known.")),
    ("end_year", _("Year it ended, if known.")),
    ("metrics", _("Every figure as label: value unit (year).")),
    ("sources", _("Sources as [footnote] citation; the footnote number is the paper's.")),
    ("url", _("Address of the practice's page in this knowledge base.")),
]
FIELDNAMES = [name for name, _help in COLUMNS]
MULTI_SEPARATOR = "; "


class JSONArrayAgg(models.Aggregate):
    """The rows' values gathered into one JSON array (SQLite and PostgreSQL)."""

    function = "JSON_GROUP_ARRAY"
    output_field = JSONField()

    def as_postgresql(self, compiler, connection, **extra_context):
        return super().as_sql(compiler, connection, function="JSONB_AGG", **extra_context)


def _gathered(queryset, **fields) -> Subquery:
    """A JSON array of ``fields`` over this practice's rows of ``queryset``."""
    return Subquery(
        queryset.filter(practice=OuterRef("pk"))
        .order_by()
        .values("practice")
        .annotate(gathered=JSONArrayAgg(JSONObject(**fields)))
        .values("gathered"),
        output_field=JSONField(),
    )


def export_rows(queryset) -> Iterator[dict]:
    """Each practice of ``queryset`` (already filtered and ordered) as one export record."""
    rows = queryset.values(
        "slug",
        "title",
        "summary",
        "description",
        "coverage",
        "scope",
        "kind",
        "status",
        "evidence_level",
        "start_year",
        "end_year",
        lead_slug=models.F("lead_organisation__slug"),
        lead_name=models.F("lead_organisation__name"),
        lead_acronym=models.F("lead_organisation__acronym"),
        theme_list=_gathered(
            Practice.themes.through.objects, slug="theme__slug", position="theme__position"
        ),
        country_list=_gathered(
            PracticeCountry.objects, iso2="country__iso2", name="country__name", role="role"
        ),
        partner_list=_gathered(
            Practice.partners.through.objects,
            slug="organisation__slug",
            name="organisation__name",
            acronym="organisation__acronym",
        ),
        target_group_list=_gathered(
            Practice.target_groups.through.objects, slug="targetgroup__slug"
        ),
        stage_list=_gathered(
            Practice.stages.through.objects, slug="stage__slug", position="stage__position"
        ),
        gcm_list=_gathered(Practice.gcm_objectives.through.objects, number="gcmobjective__number"),
        metric_list=_gathered(
            OutcomeMetric.objects,
            label="label",
            value="value",
            qualifier="qualifier",
            unit="unit",
            year="year",
            position="position",
            id="id",
        ),
        source_list=_gathered(
            Practice.sources.through.objects,
            key="source__key",
            footnote="source__footnote",
            citation="source__citation",
            url="source__url",
        ),
    )
    for row in rows.iterator(chunk_size=CHUNK_SIZE):
        yield _record(row)


def _decimal(value) -> Decimal:
    # SQLite's JSON gives a float, PostgreSQL's a string or int: one exact decimal either way.
    return Decimal(str(value)).normalize()


def _record(row: dict) -> dict:
    """One practice in the export's shape; lists sorted so every database gives the same."""
    countries = sorted(row["country_list"] or [], key=lambda c: (ROLE_ORDER[c["role"]], c["name"]))
    organisations = []
    if row["lead_slug"]:
        organisations.append(
            {
                "slug": row["lead_slug"],
                "name": row["lead_name"],
                "acronym": row["lead_acronym"],
                "role": "lead",
            }
        )
    for partner in sorted(row["partner_list"] or [], key=lambda o: o["name"]):
        if partner["slug"] != row["lead_slug"]:
            organisations.append({**partner, "role": "partner"})
    metrics = sorted(row["metric_list"] or [], key=lambda m: (m["position"], m["id"]))
    sources = sorted(
        row["source_list"] or [],
        key=lambda s: (s["footnote"] is None, s["footnote"] or 0, s["key"]),
    )
    return {
        "slug": row["slug"],
        "title": row["title"],
        "summary": row["summary"],
        "description": row["description"],
        "themes": [t["slug"] for t in sorted(row["theme_list"] or [], key=lambda t: t["position"])],
        "countries": [{"iso2": c["iso2"], "name": c["name"], "role": c["role"]} for c in countries],
        "coo": [c["iso2"] for c in countries if c["role"] == "COO"],
        "cot": [c["iso2"] for c in countries if c["role"] == "COT"],
        "cod": [c["iso2"] for c in countries if c["role"] == "COD"],
        "coverage": row["coverage"],
        "organisations": organisations,
        "target_groups": sorted(g["slug"] for g in row["target_group_list"] or []),
        "stages": [s["slug"] for s in sorted(row["stage_list"] or [], key=lambda s: s["position"])],
        "scope": row["scope"],
        "kind": row["kind"],
        "gcm_objectives": sorted(g["number"] for g in row["gcm_list"] or []),
        "status": row["status"],
        "evidence_level": row["evidence_level"],
        "start_year": row["start_year"],
        "end_year": row["end_year"],
        "metrics": [
            {
                "label": m["label"],
                "value": _decimal(m["value"]),
                "qualifier": m["qualifier"],
                "unit": m["unit"],
                "year": m["year"],
            }
            for m in metrics
        ],
        "sources": [{k: s[k] for k in ("key", "footnote", "citation", "url")} for s in sources],
        "url": reverse("practices:practice-detail", kwargs={"slug": row["slug"]}),
    }


# -- CSV ---------------------------------------------------------------------------------


def neutralise(cell: str) -> str:
    """A cell a spreadsheet would run as a formula, made plain text with a leading quote."""
    return "'" + cell if cell.startswith(FORMULA_START) else cell


def _metric_text(metric: dict) -> str:
    value = OutcomeMetric(value=metric["value"], qualifier=metric["qualifier"]).display_value
    if metric["qualifier"] == OutcomeMetric.Qualifier.TARGET:
        value = f"target {value}"
    return f"{metric['label']}: {value} {metric['unit']} ({metric['year']})"


def _organisation_text(org: dict) -> str:
    return f"{org['name']} ({org['acronym']})" if org["acronym"] else org["name"]


def csv_cells(record: dict, base_url: str) -> list[str]:
    join = MULTI_SEPARATOR.join
    cells = {
        **record,
        "themes": join(record["themes"]),
        "countries": join(f"{c['name']} ({c['role']})" for c in record["countries"]),
        "coo": join(record["coo"]),
        "cot": join(record["cot"]),
        "cod": join(record["cod"]),
        "organisations": join(_organisation_text(o) for o in record["organisations"]),
        "target_groups": join(record["target_groups"]),
        "stages": join(record["stages"]),
        "gcm_objectives": join(str(n) for n in record["gcm_objectives"]),
        "start_year": "" if record["start_year"] is None else str(record["start_year"]),
        "end_year": "" if record["end_year"] is None else str(record["end_year"]),
        "metrics": join(_metric_text(m) for m in record["metrics"]),
        "sources": join(
            f"[{s['footnote']}] {s['citation']}" if s["footnote"] else s["citation"]
            for s in record["sources"]
        ),
        "url": base_url + record["url"],
    }
    return [neutralise(cells[name]) for name in FIELDNAMES]


class _Line:
    """A file-like object whose write() returns the line: csv.writer without a buffer."""

    def write(self, value: str) -> str:
        return value


def stream_csv(records: Iterable[dict], base_url: str) -> Iterator[str]:
    writer = csv.writer(_Line())
    # The byte-order mark makes Excel read UTF-8 ("Côte d'Ivoire", not "CÃ´te d'Ivoire").
    yield "\ufeff" + writer.writerow(FIELDNAMES)
    batch = []
    for record in records:
        batch.append(writer.writerow(csv_cells(record, base_url)))
        if len(batch) >= 100:
            yield "".join(batch)
            batch = []
    if batch:
        yield "".join(batch)


# -- JSON --------------------------------------------------------------------------------


def _json_default(value):
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral() else float(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def stream_json(records: Iterable[dict], base_url: str) -> Iterator[str]:
    yield "["
    separator = "\n"
    for record in records:
        record = {**record, "url": base_url + record["url"]}
        yield separator + json.dumps(record, ensure_ascii=False, default=_json_default)
        separator = ",\n"
    yield "\n]\n"
