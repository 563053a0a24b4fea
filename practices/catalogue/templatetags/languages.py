"""The page in the site's three languages: the switcher's links, the hreflang alternates, and
what a page says where a record has no words of the page's language yet.

    {% load languages %}
    {% language_links as links %}           each language: code, name, url, current
    {% if practice|untranslated:"summary" %} the English shown, with "not yet translated"
"""

from django import template
from django.conf import settings
from django.urls import translate_url

from countries.models import region_name
from practices import languages

register = template.Library()


@register.simple_tag(takes_context=True)
def language_links(context) -> list[dict]:
    """This page in each language, its query string kept (the filter, the page), English
    first. Pages that are not the site's (an unknown address) keep their own address."""
    request = context.get("request")
    here = request.get_full_path() if request else "/"
    current = languages.current()
    links = []
    for code, name in settings.LANGUAGES:
        url = translate_url(here, code)
        links.append(
            {
                "code": code,
                "name": name,  # in its own language: "Français"
                "url": url,
                "absolute": request.build_absolute_uri(url) if request else url,
                "current": code == current,
            }
        )
    return links


@register.filter(name="region_name")
def region_name_filter(region: str) -> str:
    """A UN M49 region's name in the page's language (its slug, in links, stays English)."""
    return region_name(region)


@register.filter
def untranslated(obj, field: str) -> bool:
    """Whether ``obj`` shows its English ``field`` on this page, for want of a translation."""
    return languages.is_untranslated(obj, field)


@register.simple_tag
def translation_origin(practice) -> str:
    """How the practice's words in the page's language came about ("" in English, or when
    there are none yet)."""
    language = languages.current()
    if language == languages.SOURCE:
        return ""
    value = practice.translation_origin(language)
    return str(practice.TranslationOrigin(value).label) if value else ""
