"""A practice's export record: its one definition, its columns, its CSV line and JSON text.

The public CSV and JSON exports (``practices.catalogue.export``) give every matching practice
as one record of the columns below (documented here, listed on the About page). A record is
built from scratch by one query (``export_query``) and shaped here (``records``); its text is
kept ready for every practice by ``export_rows``.
"""

import csv
import json
import logging
from collections.abc import Iterator
from decimal import Decimal

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .cells import neutralise
from .export_query import fetch_rows
from .models import (
    Evaluation,
    OutcomeMetric,
    Practice,
    PracticeCountry,
    ScorecardRating,
)

logger = logging.getLogger(__name__)

SLUG_PLACEHOLDER = "slug-placeholder"
ROLE_ORDER = {role: i for i, role in enumerate(PracticeCountry.Role.values)}
CRITERION_ORDER = {c: i for i, c in enumerate(ScorecardRating.Criterion.values)}
COLUMNS = [
    ("slug", _("The practice's permanent identifier; its page is /practices/<slug>/.")),
    ("title", _("Title.")),
    ("summary", _("One or two sentences.")),
    ("description", _("The full description, keeping the source's own words.")),
    ("themes", _("Theme slugs, e.g. children; gender.")),
    ("theme_names", _("Theme names, in the same order as the slugs in themes.")),
    ("countries", _("Every country with its role: Mexico (COO); United States (COD).")),
    ("coo", _("ISO 3166 alpha-2 codes of the countries of origin.")),
    ("cot", _("ISO 3166 alpha-2 codes of the countries of transit.")),
    ("cod", _("ISO 3166 alpha-2 codes of the countries of destination.")),
    ("coverage", _("For regional or global practices: the group of countries it covers.")),
    ("organisations", _("The lead organisation first, then the partners.")),
    ("target_groups", _("Target group slugs.")),
    (
        "target_group_names",
        _("Target group names, in the same order as the slugs in target_groups."),
    ),
    ("stages", _("Stage slugs of the migration cycle, in cycle order.")),
    ("stage_names", _("Stage names, in the same order as the slugs in stages.")),
    ("scope", _("unilateral, bilateral, regional or multilateral.")),
    ("kind", _("programme, policy, law, service, agreement, network, tool or research.")),
    ("gcm_objectives", _("Numbers of the Global Compact for Migration objectives (curators')")),
    ("status", _("ongoing, completed, planned or under_discussion, as last reported.")),
    ("status_as_of", _("Year the status was reported in (2010 for the paper's practices).")),
    (
        "verified_on",
        _(
            "Date (YYYY-MM-DD) a reviewer last checked the practice against a newer source; "
            "empty if never. See “Is it still current?” above."
        ),
    ),
    ("evidence_level", _("described, outputs, evaluated or independent (see above).")),
    ("start_year", _("Year it started, if known.")),
    ("end_year", _("Year it ended, if known.")),
    ("metrics", _("Every figure as label: value unit (year).")),
    ("sources", _("Sources as [footnote] citation; the footnote number is the paper's.")),
    (
        "evaluations",
        _("Each evaluation, newest first: method, by whom, year, findings, source."),
    ),
    (
        "scorecard",
        _(
            "Each rated criterion as criterion: rating out of 5; the JSON export adds the "
            "justification and the date (reviewers are never named)."
        ),
    ),
    (
        "paper_section",
        _("Number of the 2010 paper's section that describes it, e.g. 4.1; empty if added later."),
    ),
    (
        "paper_section_title",
        _("That section's number and title, e.g. 4.1 Family reunification in the COD."),
    ),
    ("url", _("Address of the practice's page in this knowledge base.")),
]
FIELDNAMES = [name for name, _help in COLUMNS]
MULTI_SEPARATOR = "; "


def records(queryset) -> Iterator[dict]:
    """Each practice of ``queryset`` (already filtered and ordered) as one export record, built
    from scratch; its ``url`` is the page's path (the caller puts the site's address first).

    Read through a server-side cursor on PostgreSQL, a chunk at a time, so memory stays flat.
    """
    for _id, record in records_with_ids(queryset):
        yield record


def records_with_ids(queryset) -> Iterator[tuple[int, dict]]:
    """(practice id, record) for each practice of ``queryset``, in its order."""
    # Reversed once, not once per row (reverse() is a tenth of the export's time).
    detail_path = reverse("practices:practice-detail", kwargs={"slug": SLUG_PLACEHOLDER})
    for row in fetch_rows(queryset):
        yield row["id"], _record(row, detail_path)


def _decimal(value) -> Decimal:
    # SQLite's JSON gives a float, PostgreSQL's a string or int: one exact decimal either way.
    return Decimal(str(value)).normalize()


def _record(row: dict, detail_path: str) -> dict:
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
    # Names in the same order as their slugs, so the two columns pair up item by item.
    themes = sorted(row["theme_list"] or [], key=lambda t: t["position"])
    groups = sorted(row["target_group_list"] or [], key=lambda g: g["slug"])
    stages = sorted(row["stage_list"] or [], key=lambda s: s["position"])
    sources = sorted(
        row["source_list"] or [],
        key=lambda s: (s["footnote"] is None, s["footnote"] or 0, s["key"]),
    )
    return {
        "slug": row["slug"],
        "title": row["title"],
        "summary": row["summary"],
        "description": row["description"],
        "themes": [t["slug"] for t in themes],
        "theme_names": [t["name"] for t in themes],
        "countries": [{"iso2": c["iso2"], "name": c["name"], "role": c["role"]} for c in countries],
        "coo": [c["iso2"] for c in countries if c["role"] == "COO"],
        "cot": [c["iso2"] for c in countries if c["role"] == "COT"],
        "cod": [c["iso2"] for c in countries if c["role"] == "COD"],
        "coverage": row["coverage"],
        "organisations": organisations,
        "target_groups": [g["slug"] for g in groups],
        "target_group_names": [g["name"] for g in groups],
        "stages": [s["slug"] for s in stages],
        "stage_names": [s["name"] for s in stages],
        "scope": row["scope"],
        "kind": row["kind"],
        "gcm_objectives": sorted(g["number"] for g in row["gcm_list"] or []),
        "status": row["status"],
        "status_as_of": row["status_as_of"],
        # SQLite gives the date as text, PostgreSQL as a date: the ISO date either way.
        "verified_on": str(row["verified_on"])[:10] if row["verified_on"] else None,
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
        "evaluations": [
            {
                "method": e["method"],
                "evaluator": e["evaluator"],
                "year": e["year"],
                "findings": e["findings"],
                "source": {k: e[k] for k in ("footnote", "citation", "url")}
                if e["citation"] is not None
                else None,
            }
            for e in sorted(row["evaluation_list"] or [], key=lambda e: (-e["year"], e["id"]))
        ],
        "scorecard": [
            {
                "criterion": r["criterion"],
                "rating": r["rating"],
                "justification": r["justification"],
                "rated_on": str(r["rated_on"])[:10],
            }
            for r in sorted(row["rating_list"] or [], key=lambda r: CRITERION_ORDER[r["criterion"]])
        ],
        "paper_section": row["paper_section"],
        "paper_section_title": (
            str(Practice.PaperSection(row["paper_section"]).label) if row["paper_section"] else ""
        ),
        "url": detail_path.replace(SLUG_PLACEHOLDER, row["slug"]),
    }


# -- the CSV line and the JSON record -----------------------------------------------------


def _metric_text(metric: dict) -> str:
    value = OutcomeMetric.format_value(metric["value"], metric["qualifier"])
    if metric["qualifier"] == OutcomeMetric.Qualifier.TARGET:
        value = f"target {value}"
    return f"{metric['label']}: {value} {metric['unit']} ({metric['year']})"


def _evaluation_text(evaluation: dict) -> str:
    method = Evaluation.Method(evaluation["method"]).label
    text = f"{method}, {evaluation['evaluator']} ({evaluation['year']}): {evaluation['findings']}"
    source = evaluation["source"]
    if source:
        text += f" [{source['footnote']}]" if source["footnote"] else f" [{source['citation']}]"
    return text


def _organisation_text(org: dict) -> str:
    return f"{org['name']} ({org['acronym']})" if org["acronym"] else org["name"]


def csv_cells(record: dict, base_url: str) -> list[str]:
    join = MULTI_SEPARATOR.join
    cells = {
        **record,
        "themes": join(record["themes"]),
        "theme_names": join(record["theme_names"]),
        "countries": join(f"{c['name']} ({c['role']})" for c in record["countries"]),
        "coo": join(record["coo"]),
        "cot": join(record["cot"]),
        "cod": join(record["cod"]),
        "organisations": join(_organisation_text(o) for o in record["organisations"]),
        "target_groups": join(record["target_groups"]),
        "target_group_names": join(record["target_group_names"]),
        "stages": join(record["stages"]),
        "stage_names": join(record["stage_names"]),
        "gcm_objectives": join(str(n) for n in record["gcm_objectives"]),
        "start_year": "" if record["start_year"] is None else str(record["start_year"]),
        "end_year": "" if record["end_year"] is None else str(record["end_year"]),
        "status_as_of": "" if record["status_as_of"] is None else str(record["status_as_of"]),
        "verified_on": record["verified_on"] or "",
        "metrics": join(_metric_text(m) for m in record["metrics"]),
        "sources": join(
            f"[{s['footnote']}] {s['citation']}" if s["footnote"] else s["citation"]
            for s in record["sources"]
        ),
        "evaluations": join(_evaluation_text(e) for e in record["evaluations"]),
        "scorecard": join(f"{r['criterion']}: {r['rating']}/5" for r in record["scorecard"]),
        "url": base_url + record["url"],
    }
    return [neutralise(cells[name]) for name in FIELDNAMES]


class _Line:
    """A file-like object whose write() returns the line: csv.writer without a buffer."""

    def write(self, value: str) -> str:
        return value


_WRITER = csv.writer(_Line())


def csv_line(record: dict, base_url: str) -> str:
    return _WRITER.writerow(csv_cells(record, base_url))


def csv_line_of(cells: list[str]) -> str:
    return _WRITER.writerow(cells)


def _json_default(value):
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral() else float(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def json_record(record: dict, base_url: str) -> str:
    record = {**record, "url": base_url + record["url"]}
    return json.dumps(record, ensure_ascii=False, default=_json_default)
