"""Caching of rendered public pages and API answers.

Published data changes only when a round is published (or a published report is frozen), so an
anonymous visitor's page is cached under its language, address and query string plus a
*publication stamp*: one cheap query over what publishing changes. A publish changes the stamp,
so every cached page falls out of use, in every process, without explicit invalidation.

Cached pages are answered by `PublicCacheMiddleware`, early in the middleware stack: a hit
skips sessions, authentication, the second factor and the view, and (while the stamp is
remembered) the database, so it costs about as much as a static file. Views opt in with
`cache_public_page`, which only marks their answers as safe to store.

The stamp is remembered in each process for `PUBLIC_STAMP_TTL` seconds (2 by default). A save
of a round, a published report or a published entry forgets it in the saving process at once,
and rounds and reports also bump a generation number kept in the cache itself, so a publish
shows at once in every process that shares the cache (Redis); other changes to published data
show within the TTL. Edits to the plan framework (titles, indicators, organisations) bump the
generation too, and the timeout bounds how long any other change can go unseen.

Signed-in users are never served from the cache: their header carries links to their work.
`PUBLIC_PAGE_CACHE_TIMEOUT` (seconds, 0 to switch caching off) sets the lifetime.
"""

from __future__ import annotations

import hashlib
import logging
import time
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import DisallowedHost
from django.db import connection, transaction
from django.http import HttpResponse
from django.utils import translation

from indicators.models import Plan
from operations.middleware import UNAVAILABLE_ERRORS
from reporting.models import ProgressEntry, ReportingRound
from reports.models import PublishedReport

logger = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 600
DEFAULT_STAMP_TTL = 2
GENERATION_KEY = "public-pages:generation"
# Set on a response by `cache_public_page`: the middleware stores only what a view marked.
MARK = "public_cacheable"
# Recomputed per request (or tied to the request): never replayed from the cache.
UNSTORED_HEADERS = {"set-cookie", "date", "content-security-policy"}


def timeout() -> int:
    return int(getattr(settings, "PUBLIC_PAGE_CACHE_TIMEOUT", DEFAULT_TIMEOUT))


def stamp_ttl() -> float:
    return float(getattr(settings, "PUBLIC_STAMP_TTL", DEFAULT_STAMP_TTL))


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


_clock = time.monotonic


class _RememberedStamp:
    # One per process, shared by its threads: a forget in one thread holds for all.
    value: str | None = None
    expires: float = 0.0


_remembered = _RememberedStamp()


def current_stamp() -> str:
    """The publication stamp, remembered for a moment: a cache hit then needs no query."""
    ttl = stamp_ttl()
    now = _clock()
    if ttl <= 0 or _remembered.value is None or now >= _remembered.expires:
        _remembered.value = publication_stamp()
        _remembered.expires = now + ttl
    return _remembered.value


def forget_stamp(**kwargs) -> None:
    """Signal receiver: something published changed; read the stamp again, now and once the
    transaction commits (a read in between would remember the old one)."""
    _remembered.value = None
    transaction.on_commit(_clear_remembered, robust=True)


def _clear_remembered() -> None:
    _remembered.value = None


def forget_published_entry(instance=None, **kwargs) -> None:
    if instance is not None and (
        instance.status == ProgressEntry.Status.PUBLISHED or instance.published_at is not None
    ):
        forget_stamp()


def generation() -> int:
    return cache.get(GENERATION_KEY, 0)


def bump_generation(**kwargs) -> None:
    """Signal receiver: the plan framework or a publication changed, so cached pages are stale."""
    forget_stamp()
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:
        cache.set(GENERATION_KEY, 1, None)


def page_key(request) -> str:
    """The cache key of an anonymous GET: everything an anonymous answer depends on.

    The language is the one LocaleMiddleware will activate (prefix, cookie or Accept-Language),
    Accept chooses the API's format, and host and scheme appear in absolute links."""
    parts = [
        translation.get_language_from_request(request, check_path=True),
        request.scheme,
        request.get_host(),
        request.get_full_path(),
        request.META.get("HTTP_ACCEPT", ""),
        current_stamp(),
        str(generation()),
    ]
    digest = hashlib.sha256("\n".join(parts).encode()).hexdigest()
    return f"public-page:{digest}"


def cache_public_page(view):
    """Mark a view's answers to anonymous visitors as safe to cache (see the module doc)."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        setattr(response, MARK, True)
        return response

    return wrapper


class PublicCacheMiddleware:
    """Answers anonymous GET and HEAD requests from the cache, before sessions and the view.

    It sits after the security, static-file and CSP middleware (their headers are added to a
    cached answer as to any other) and before sessions: a request that carries a session or
    flash messages is not anonymous for certain, so it goes the normal way. What it stores is
    the answer as the inner middleware and the view left it (content, type, language, Vary,
    X-Frame-Options), for answers a view marked with `cache_public_page`."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        key = self.key_for(request)
        if key is None:
            return self.get_response(request)
        stored = self.read(key)
        if stored is not None:
            content, headers = stored
            response = HttpResponse(content)
            for name, value in headers:
                response[name] = value
            return response
        response = self.get_response(request)
        if self.storable(request, response):
            headers = [
                (name, value)
                for name, value in response.items()
                if name.lower() not in UNSTORED_HEADERS
            ]
            self.write(key, (response.content, headers))
        return response

    @staticmethod
    def key_for(request) -> str | None:
        if request.method not in ("GET", "HEAD") or not timeout():
            return None
        cookies = request.COOKIES
        if settings.SESSION_COOKIE_NAME in cookies or "messages" in cookies:
            return None
        try:
            return page_key(request)
        except UNAVAILABLE_ERRORS:
            # The view's own query answers with the 503 page.
            return None
        except DisallowedHost:
            return None  # refused further in, as without the cache
        except Exception:  # a cache outage costs speed, not the page
            logger.warning("Public page cache unavailable", exc_info=True)
            return None

    @staticmethod
    def storable(request, response) -> bool:
        return (
            getattr(response, MARK, False)
            and request.method == "GET"
            and response.status_code == 200
            and not response.streaming
            and not response.cookies
            # The view may have found a signed-in user after all (e.g. HTTP authentication).
            and not getattr(getattr(request, "user", None), "is_authenticated", False)
        )

    @staticmethod
    def read(key: str):
        try:
            return cache.get(key)
        except Exception:  # a cache outage costs speed, not the page
            logger.warning("Public page cache unavailable for reading", exc_info=True)
            return None

    @staticmethod
    def write(key: str, value) -> None:
        try:
            cache.set(key, value, timeout())
        except Exception:
            logger.warning("Public page cache unavailable for writing", exc_info=True)
