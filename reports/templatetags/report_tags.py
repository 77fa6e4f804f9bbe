"""Small helpers for the report template."""

from django import template
from django.utils.html import format_html
from django.utils.safestring import mark_safe

register = template.Library()


@register.simple_tag
def lang_attr(text) -> str:
    """` lang="xx"` on text that fell back to another language than the document's."""
    if getattr(text, "is_fallback", False):
        return format_html(' lang="{}"', text.language)
    return ""


@register.filter
def css_string(value) -> str:
    """A double-quoted CSS string; anything but plain characters becomes a CSS escape, so user
    text cannot end the string or the surrounding <style> element."""
    out = []
    for char in str(value):
        if char.isalnum() or char in " -.,:;()/":
            out.append(char)
        else:
            out.append(f"\\{ord(char):x} ")
    return mark_safe('"' + "".join(out) + '"')


@register.filter
def heading(level: int) -> int:
    return min(int(level), 6)
