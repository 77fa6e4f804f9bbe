from django import template
from django.conf import settings
from django.urls import translate_url
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import get_language_info

from indicators.i18n import localized
from napportal.richtext import sanitize_html

register = template.Library()


@register.simple_tag(takes_context=True)
def text(context, obj, name):
    """A translated field in the reader's language, else the plan's own; a text in another
    language than the page carries its own `lang`."""
    if obj is None:
        return ""
    plan = context.get("plan")
    value = localized(obj, name, fallback=getattr(plan, "language", None))
    if value.is_fallback:
        return format_html('<span lang="{}">{}</span>', value.language, value.text)
    return value.text


@register.inclusion_tag("workspace/_language_links.html", takes_context=True)
def language_links(context):
    request = context.get("request")
    path = request.get_full_path() if request else "/"
    current = context.get("LANGUAGE_CODE")
    return {
        "links": [
            {
                "code": code,
                "name": get_language_info(code)["name_local"],
                "url": translate_url(path, code),
                "current": code == current,
            }
            for code, _name in settings.LANGUAGES
        ]
    }


@register.filter
def sanitized(value):
    """Rich text from the database, cleaned again before it is marked safe."""
    return mark_safe(sanitize_html(value or ""))
