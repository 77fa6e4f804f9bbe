from django import template
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from indicators.i18n import localized

register = template.Library()


def _fallback(context):
    plan = context.get("plan")
    return plan.language if plan is not None else None


@register.simple_tag(takes_context=True)
def field(context, obj, name):
    """Render a translated field; text in a fallback language carries its own `lang`.

    On a page about one plan, the plan in the context gives the fallback language.
    """
    text = localized(obj, name, fallback=_fallback(context))
    if text.is_fallback:
        return format_html('<span lang="{}">{}</span>', text.language, text.text)
    return text.text


@register.simple_tag(takes_context=True)
def rich(context, obj, name):
    """Render a translated rich-text field (sanitised when saved, see napportal.richtext)."""
    text = localized(obj, name, fallback=_fallback(context))
    if not text:
        return ""
    if text.is_fallback:
        return format_html('<div lang="{}">{}</div>', text.language, mark_safe(text.text))
    # Sanitised by RichTextField on every write.
    return mark_safe(text.text)
