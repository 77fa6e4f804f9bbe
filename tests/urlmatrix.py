"""The project's URL patterns, walked from the root resolver, for tests that must cover them all.

`routes()` lists every pattern (including those of the admin sites, which Django builds from
their registered ModelAdmins) as a `Route`: its route as `resolve(path).route` gives it, without
the language prefix, e.g. "report/reporting/progressentry/<path:object_id>/change/", its
namespaced name and its view.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import LocalePrefixPattern


@dataclass(frozen=True)
class Route:
    route: str
    name: str | None
    view: object

    @property
    def module(self) -> str:
        return getattr(self.view, "__module__", "") or ""


def _join(prefix: str, piece: str) -> str:
    # As Django joins them in ResolverMatch.route: a regex's leading ^ goes.
    return prefix + (piece[1:] if prefix and piece.startswith("^") else piece)


def _walk(patterns, prefix: str, namespace: str | None) -> Iterator[Route]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            # i18n_patterns: the same routes for every language; leave the prefix out.
            piece = "" if isinstance(pattern.pattern, LocalePrefixPattern) else str(pattern.pattern)
            inner = namespace
            if pattern.namespace:
                inner = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
            yield from _walk(pattern.url_patterns, _join(prefix, piece), inner)
        elif isinstance(pattern, URLPattern):
            name = pattern.name and (f"{namespace}:{pattern.name}" if namespace else pattern.name)
            yield Route(_join(prefix, str(pattern.pattern)), name, pattern.callback)


def routes() -> list[Route]:
    return list(_walk(get_resolver().url_patterns, "", None))


def redirect_path(response) -> str:
    """The path a redirect points to, without its query string."""
    return urlsplit(response["Location"]).path


def form_data(response) -> dict:
    """What a browser posts back from an admin add or change page, unchanged: the main form,
    every inline formset with its management form."""
    data = {}
    forms = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        management = inline.formset.management_form
        data.update(
            {management.add_prefix(name): management[name].value() for name in management.fields}
        )
        forms += inline.formset.forms
    for form in forms:
        for name, field in form.fields.items():
            if field.disabled:
                continue
            value = form[name].value()
            if value is None:
                continue
            if isinstance(value, bool):
                if value:
                    data[form.add_prefix(name)] = "on"
                continue
            data[form.add_prefix(name)] = value
    return data
