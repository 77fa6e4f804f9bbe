"""Fail fast and friendly while the database is unreachable.

A database error in a view becomes the 503 page (with Retry-After) instead of a 500 with a
traceback in the log for every request. The connection itself is left to Django: it is
discarded as unusable and a new one is opened on the next request, so the portal recovers
by itself as soon as the database is back.
"""

import logging

from django.db import InterfaceError, OperationalError

from .views import unavailable_response

logger = logging.getLogger(__name__)

# OperationalError: cannot connect, the server went away, a statement timed out.
# InterfaceError: the connection was already closed under us.
UNAVAILABLE_ERRORS = (OperationalError, InterfaceError)


def is_database_outage(exc: BaseException | None) -> bool:
    return isinstance(exc, UNAVAILABLE_ERRORS)


class DatabaseUnavailableMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not is_database_outage(exception):
            return None
        logger.warning(
            "Database unavailable (%s) for %s %s: answered 503",
            type(exception).__name__,
            request.method,
            request.path,
        )
        return unavailable_response(request)
