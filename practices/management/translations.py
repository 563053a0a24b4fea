"""The knowledge base's own French and Spanish words for the paper's records
(``fixtures/translations/<language>.yaml``), added by ``load_paper`` where a record has none.

A translation is of a text: it is added to a field only while the record's English is still
the paper's (a curator who rewrote a title has a title the translation is not of), and only
where the field has no words in that language yet (a curator's or a translator's own are never
replaced). A practice given words this way records their origin as the knowledge base's
translation, unless it already records one. A record that existed before the run keeps a
history row of the change; one the run added is the baseline, like the paper's own records.
"""

from dataclasses import dataclass, field
from pathlib import Path

import yaml
from django.apps import apps
from django.db import transaction
from django.test.utils import override_settings
from django.utils.translation import get_language_info

from practices.languages import SOURCE, column, translations

# Each section of a translation file: its model, the field naming a record, the fields given.
SECTIONS = {
    "themes": ("practices.theme", "slug", ("name", "description")),
    "target_groups": ("practices.targetgroup", "slug", ("name", "description")),
    "stages": ("practices.stage", "slug", ("name", "description")),
    "gcm_objectives": ("practices.gcmobjective", "number", ("short_label", "title")),
    "discussion_questions": ("practices.discussionquestion", "number", ("text",)),
    "outcomes": ("practices.outcome", "letter", ("text",)),
    "practices": ("practices.practice", "slug", ("title", "summary")),
}
FIGURE_FIELDS = ("label", "unit")
# Fixtures whose records carry their own translations (``name_fr``), by their natural key: a
# base loaded before those columns existed is given them by the same rule.
EMBEDDED = {"countries.country": ("iso2", ("name",))}


@dataclass
class Translated:
    """What a run added: records given words, per language, and fields left as they were."""

    records: dict[str, int] = field(default_factory=dict)
    kept: dict[str, int] = field(default_factory=dict)
    countries: int = 0  # given their names in the other languages (EMBEDDED)

    def count(self, language: str, given: bool) -> None:
        counter = self.records if given else self.kept
        counter[language] = counter.get(language, 0) + 1


def paper_english(records: list[dict]) -> dict[tuple[str, str], dict]:
    """The paper's English of every record of the fixtures, by (model label, natural key);
    a figure by (``practices.outcomemetric``, "practice-slug|label|year")."""
    english = {}
    for data in records:
        label, values = data["model"], data["fields"]
        for _section, (model, key, _names) in SECTIONS.items():
            if model == label:
                english[(label, str(values[key]))] = values
        if label == "practices.outcomemetric":
            figure = f"{values['practice'][0]}|{values['label']}|{values['year']}"
            english[(label, figure)] = values
    return english


def _give(obj, names, words: dict, paper: dict, language: str) -> list[str]:
    """Set ``obj``'s fields ``names`` in ``language`` from ``words`` where the record's English is
    still the paper's and the field has no words of that language; the fields set."""
    given = []
    for name in names:
        text = (words or {}).get(name)
        if not text or getattr(obj, column(name, language)):
            continue
        if (getattr(obj, column(name, SOURCE)) or "") != (paper.get(name) or ""):
            continue  # the English changed since the paper: the translation is not of it
        setattr(obj, column(name, language), text)
        given.append(column(name, language))
    return given


def _save(obj, names: list[str], added: bool, reason: str) -> None:
    obj._change_reason = reason
    if added:
        with override_settings(SIMPLE_HISTORY_ENABLED=False):
            obj.save(update_fields=names)
    else:
        obj.save(update_fields=names)


def apply(directory: Path, english: dict, added_slugs: set[str]) -> Translated:
    """Give the paper's records the words of every ``<language>.yaml`` of ``directory``."""
    done = Translated()
    Practice = apps.get_model("practices", "Practice")
    for language in translations():
        path = directory / f"{language}.yaml"
        if not path.exists():
            continue
        with path.open("rb") as stream:
            sections = yaml.safe_load(stream) or {}
        reason = f"The knowledge base's {get_language_info(language)['name']} words (load_paper)"
        with transaction.atomic():
            for section, (label, key, names) in SECTIONS.items():
                entries = sections.get(section) or {}
                records = apps.get_model(label).objects.all()
                if label == "practices.practice":
                    records = records.prefetch_related("metrics")
                # One query per section (and one for the practices' figures), not per record.
                stored = records.in_bulk(list(entries), field_name=key)
                for natural_key, words in entries.items():
                    paper = english.get((label, str(natural_key)))
                    obj = stored.get(natural_key)
                    if paper is None or obj is None:
                        continue  # not the paper's, or renamed or deleted by a curator
                    added = label != "practices.practice" or obj.slug in added_slugs
                    given = _give(obj, names, words, paper, language)
                    figures = 0
                    if isinstance(obj, Practice):
                        figures = _figures(obj, words, english, language, added, reason)
                        origin = f"origin_{language}"
                        if (given or figures) and not getattr(obj, origin):
                            setattr(obj, origin, Practice.TranslationOrigin.KNOWLEDGE_BASE)
                            given.append(origin)
                    if given:
                        _save(obj, given, added, reason)
                    done.count(language, bool(given or figures))
    return done


def apply_embedded(records: list[dict], done: Translated) -> None:
    """Give the records of ``EMBEDDED`` fixtures the translations their fixture carries."""
    for label, (key, names) in EMBEDDED.items():
        model = apps.get_model(label)
        wanted = [data["fields"] for data in records if data["model"] == label]
        stored = model.objects.in_bulk([fields[key] for fields in wanted], field_name=key)
        changed = []
        for fields in wanted:
            obj = stored.get(fields[key])
            if obj is None:
                continue
            given = [
                name
                for language in translations()
                for name in _give(
                    obj,
                    names,
                    {n: fields.get(column(n, language)) for n in names},
                    fields,
                    language,
                )
            ]
            if given:
                changed.append(obj)
        if changed:
            fields = [column(n, code) for n in names for code in translations()]
            model.objects.bulk_update(changed, fields)
        done.countries += len(changed)


def _figures(practice, words: dict, english: dict, language: str, added, reason) -> int:
    """Give the practice's figures their words; how many were given some."""
    metrics = {(metric.label_en, metric.year): metric for metric in practice.metrics.all()}
    given = 0
    for figure in (words or {}).get("figures") or []:
        figure_key = f"{practice.slug}|{figure.get('label_en')}|{figure.get('year')}"
        paper = english.get(("practices.outcomemetric", figure_key))
        metric = metrics.get((figure.get("label_en"), figure.get("year")))
        if paper is None or metric is None:
            continue
        names = _give(metric, FIGURE_FIELDS, figure, paper, language)
        if names:
            _save(metric, names, added, reason)
            given += 1
    return given
