from django import template
from django.utils.html import format_html

from indicators.i18n import localized

register = template.Library()


@register.simple_tag(takes_context=True)
def field(context, obj, name):
    """Render a translated field; text in a fallback language carries its own `lang`.

    On a page about one plan, the plan in the context gives the fallback language.
    """
    plan = context.get("plan")
    text = localized(obj, name, fallback=plan.language if plan is not None else None)
    if text.is_fallback:
        return format_html('<span lang="{}">{}</span>', text.language, text.text)
    return text.text
