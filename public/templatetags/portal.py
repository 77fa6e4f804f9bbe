"""Template helpers shared by the portal's pages: language links, links to scopes and filters."""

from urllib.parse import urlencode

from django import template
from django.conf import settings
from django.urls import NoReverseMatch, reverse
from django.utils.translation import get_language, get_language_info

register = template.Library()


@register.simple_tag(takes_context=True)
def language_links(context):
    """The current page in every language: the language prefix of the URL swapped.

    Plain links (no form, no cookie, no CSRF token), so pages can be cached and shared.
    """
    request = context.get("request")
    current = (get_language() or settings.LANGUAGE_CODE).split("-")[0]
    path = request.get_full_path() if request is not None else "/"
    prefix = f"/{current}/"
    rest = path[len(prefix) :] if path.startswith(prefix) else ""
    links = []
    for code, _name in settings.LANGUAGES:
        info = get_language_info(code)
        links.append(
            {
                "code": code,
                "name": info["name_local"],
                "url": f"/{code}/{rest}",
                "current": code == current,
            }
        )
    return links


@register.simple_tag
def scope_url(plan, goal, subgoal=None, indicator=None):
    """The page of the narrowest scope: indicator, else subgoal, else goal."""
    if indicator is not None:
        return reverse("public:indicator", args=[plan.slug, indicator.code])
    if subgoal is not None:
        return reverse("public:subgoal", args=[plan.slug, goal.number, subgoal.number])
    return reverse("public:goal", args=[plan.slug, goal.number])


@register.simple_tag
def entries_url(**params):
    """The filtered entry list, or "" while that page does not exist."""
    try:
        url = reverse("public:entries")
    except NoReverseMatch:
        return ""
    query = urlencode({key: value for key, value in params.items() if value not in (None, "")})
    return f"{url}?{query}" if query else url


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if mapping else None
