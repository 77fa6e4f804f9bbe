"""Caching of rendered public pages.

Published data changes only when a round is published (or a published report is frozen), so an
anonymous visitor's page is cached under its language, path and query string plus a
*publication stamp*: one cheap query over what publishing changes. A publish changes the stamp,
so every cached page falls out of use at once, in every process, without explicit invalidation.

Edits to the plan framework (titles, indicators, organisations) bump a generation number kept
in the cache itself (immediate with a shared cache, such as Redis or the database cache) and
the timeout bounds how long any other change can go unseen.

Signed-in users are never served from the cache: their header carries links to their work.
`PUBLIC_PAGE_CACHE_TIMEOUT` (seconds, 0 to switch caching off) sets the lifetime.
"""

from __future__ import annotations

import hashlib
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpResponse
from django.utils.translation import get_language

from indicators.models import Plan
from reporting.models import ProgressEntry, ReportingRound
from reports.models import PublishedReport

DEFAULT_TIMEOUT = 600
GENERATION_KEY = "public-pages:generation"
# Response headers worth keeping with a cached body (the rest are added per request).
KEPT_HEADERS = ("Content-Type", "Content-Disposition", "Content-Language")


def timeout() -> int:
    return int(getattr(settings, "PUBLIC_PAGE_CACHE_TIMEOUT", DEFAULT_TIMEOUT))


def publication_stamp() -> str:
    """One query over what publishing changes: rounds, published entries, reports, plans."""
    rounds = connection.ops.quote_name(ReportingRound._meta.db_table)
    entries = connection.ops.quote_name(ProgressEntry._meta.db_table)
    reports = connection.ops.quote_name(PublishedReport._meta.db_table)
    plans = connection.ops.quote_name(Plan._meta.db_table)
    published_round = ReportingRound.State.PUBLISHED
    published_entry = ProgressEntry.Status.PUBLISHED
    sql = (
        "SELECT "
        f"(SELECT COUNT(*) FROM {rounds} WHERE state = %s), "
        f"(SELECT MAX(published_at) FROM {rounds} WHERE state = %s), "
        f"(SELECT COUNT(*) FROM {entries} WHERE status = %s), "
        f"(SELECT MAX(updated_at) FROM {entries} WHERE status = %s), "
        f"(SELECT COUNT(*) FROM {reports}), "
        f"(SELECT MAX(id) FROM {reports}), "
        f"(SELECT COUNT(*) FROM {plans} WHERE status <> %s), "
        f"(SELECT MAX(id) FROM {plans})"
    )
    params = [
        published_round,
        published_round,
        published_entry,
        published_entry,
        Plan.Status.DRAFT,
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    return "|".join(str(value) for value in row)


def generation() -> int:
    return cache.get(GENERATION_KEY, 0)


def bump_generation(**kwargs) -> None:
    """Signal receiver: the plan framework changed, so cached pages are stale."""
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:
        cache.set(GENERATION_KEY, 1, None)


def page_key(request) -> str:
    parts = [
        get_language() or "",
        request.get_full_path(),
        publication_stamp(),
        str(generation()),
    ]
    digest = hashlib.sha256("\n".join(parts).encode()).hexdigest()
    return f"public-page:{digest}"


def _cacheable(request) -> bool:
    if request.method not in ("GET", "HEAD") or not timeout():
        return False
    user = getattr(request, "user", None)
    return user is None or not user.is_authenticated


def cache_public_page(view):
    """Serve an anonymous GET from the cache when nothing was published since it was stored."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not _cacheable(request):
            return view(request, *args, **kwargs)
        key = page_key(request)
        stored = cache.get(key)
        if stored is not None:
            content, headers = stored
            response = HttpResponse(content)
            for name, value in headers:
                response[name] = value
            return response
        response = view(request, *args, **kwargs)
        if hasattr(response, "render") and callable(response.render):
            response.render()
        if response.status_code == 200 and not response.streaming and not response.cookies:
            headers = [(name, response[name]) for name in KEPT_HEADERS if response.has_header(name)]
            cache.set(key, (response.content, headers), timeout())
        return response

    return wrapper
