"""Absolute links for mails, in the recipient's language.

A mail has no request to take the host from, so links start from settings.PORTAL_BASE_URL.
The pages belong to the reporters' workspace (/<lang>/report/) and the coordinators' pages
(/<lang>/coordination/); the named URL is used, or its known path while that app is not loaded.
"""

from django.conf import settings
from django.urls import NoReverseMatch, reverse
from django.utils import translation


def absolute(path: str) -> str:
    return f"{settings.PORTAL_BASE_URL.rstrip('/')}{path}"


def _path(name: str, kwargs: dict, fallback: str, language: str) -> str:
    with translation.override(language):
        try:
            return reverse(name, kwargs=kwargs)
        except NoReverseMatch:
            return fallback


def worklist_url(language: str) -> str:
    """The reporter's worklist: everything their organisations still have to do."""
    return absolute(_path("workspace:index", {}, f"/{language}/report/", language))


def entry_url(entry_id: int, language: str) -> str:
    """One progress entry in the reporters' workspace (an admin site of its own)."""
    return absolute(
        _path(
            "workspace:reporting_progressentry_change",
            {"object_id": entry_id},
            f"/{language}/report/reporting/progressentry/{entry_id}/change/",
            language,
        )
    )


def _round_kwargs(round_) -> dict:
    return {"slug": round_.plan.slug, "year": round_.year}


def review_url(entry, language: str) -> str:
    """A submitted entry on the coordinators' review page."""
    kwargs = {**_round_kwargs(entry.round), "pk": entry.pk}
    fallback = f"/{language}/coordination/{kwargs['slug']}/{kwargs['year']}/review/{entry.pk}/"
    return absolute(_path("coordination:review", kwargs, fallback, language))


def review_queue_url(round_, language: str) -> str:
    kwargs = _round_kwargs(round_)
    fallback = f"/{language}/coordination/{kwargs['slug']}/{kwargs['year']}/review/"
    return absolute(_path("coordination:queue", kwargs, fallback, language))


def dashboard_url(round_, language: str) -> str:
    """The round's completeness dashboard: what each organisation has done."""
    kwargs = _round_kwargs(round_)
    fallback = f"/{language}/coordination/{kwargs['slug']}/{kwargs['year']}/dashboard/"
    return absolute(_path("coordination:dashboard", kwargs, fallback, language))
