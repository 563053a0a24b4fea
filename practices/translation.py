"""Which fields of the content exist in English, French and Spanish (django-modeltranslation).

Each field named here gets a column per language (``title_en``, ``title_fr``, ``title_es``);
reading ``practice.title`` gives the active language's words, or the English ones where there
are none (``practices.languages`` says how queries do the same). modeltranslation reads this
module when the apps are ready.

The history of practices and figures is registered here, after their language columns exist,
so that every translation is in their history too (django-simple-history copies the model's
fields when it is registered).
"""

import simple_history
from django.db.models.signals import pre_save
from modeltranslation.translator import TranslationOptions, register, translator

from .languages import SOURCE, column, translations
from .models import (
    DiscussionQuestion,
    GCMObjective,
    Outcome,
    OutcomeMetric,
    Practice,
    Stage,
    TargetGroup,
    Theme,
)


@register(Practice)
class PracticeTranslation(TranslationOptions):
    fields = ("title", "summary", "description")
    # English is required; French and Spanish may be left for later.
    required_languages = ("en",)


@register(OutcomeMetric)
class OutcomeMetricTranslation(TranslationOptions):
    fields = ("label", "unit")
    required_languages = ("en",)


# The vocabularies: a name (required in English) and a description.
@register([Theme, TargetGroup, Stage])
class VocabularyTranslation(TranslationOptions):
    fields = ("name", "description")
    required_languages = {"en": ("name",)}


@register(GCMObjective)
class GCMObjectiveTranslation(TranslationOptions):
    fields = ("short_label", "title")
    required_languages = ("en",)


@register(DiscussionQuestion)
class DiscussionQuestionTranslation(TranslationOptions):
    fields = ("text",)
    required_languages = ("en",)


@register(Outcome)
class OutcomeTranslation(TranslationOptions):
    fields = ("text",)
    required_languages = ("en",)


# The bare columns (title, label…) are not history: each language's column is.
simple_history.register(
    Practice,
    excluded_fields=[*Practice.HISTORY_EXCLUDED, *PracticeTranslation.fields],
    m2m_fields=Practice.HISTORY_M2M,
)
simple_history.register(OutcomeMetric, excluded_fields=list(OutcomeMetricTranslation.fields))


def _words_before_save(sender, instance, **kwargs):
    """Every record has its English words; a translation left empty is none.

    A record made with ``Model(title=…)`` while French is active gets its words in French
    only: they are its English too, rather than a record with no English at all. A
    translation left empty is stored as none (NULL), whatever wrote it (a form gives "", the
    paper's loading None): "not yet translated" has one value, and an import of an export
    changes nothing."""
    for name in TRANSLATED_FIELDS[sender]:
        english = column(name, SOURCE)
        if not getattr(instance, english) and instance.__dict__.get(name):
            setattr(instance, english, instance.__dict__[name])
        for code in translations():
            if getattr(instance, column(name, code)) == "":
                setattr(instance, column(name, code), None)


# Every translated model (these, and the countries'), with its translated fields.
TRANSLATED_FIELDS = {
    model: translator.get_options_for_model(model).fields
    for model in translator.get_registered_models()
}
for _model in TRANSLATED_FIELDS:
    pre_save.connect(_words_before_save, sender=_model, dispatch_uid=f"words-{_model.__name__}")
