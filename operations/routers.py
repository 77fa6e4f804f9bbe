"""Public reads from a PostgreSQL read replica, when one is configured.

With `DATABASE_REPLICA_URL` set, settings.py adds a `replica` database. Reads are sent there
only when all of these hold, and otherwise to `default` (the primary):

- the request is a GET or HEAD of a public page or the public API (`ReplicaReadsMiddleware`
  marks it; the workspace, coordination and admin always read the primary, so an editor sees
  what they just saved);
- the model holds published data (REPLICA_READ_APPS), not sessions, users or the task queue
  (a session written a moment ago on the primary may not have reached the replica yet);
- no transaction is open on the primary (a transaction must see its own writes).

Writes and migrations always go to the primary; the replica gets its data from PostgreSQL's
streaming replication.
"""

from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections

REPLICA = "replica"
# Apps whose tables hold what the public pages show.
DEFAULT_REPLICA_READ_APPS = ("indicators", "reporting", "reports", "django_countries")
# URL namespaces of the public pages and API.
DEFAULT_REPLICA_NAMESPACES = ("public", "api")
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")

_public_read: ContextVar[bool] = ContextVar("public_read", default=False)


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


@contextmanager
def public_reads():
    """Within this block, reads of published data may go to the replica."""
    token = _public_read.set(True)
    try:
        yield
    finally:
        _public_read.reset(token)


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        if not _public_read.get() or not replica_configured():
            return DEFAULT_DB_ALIAS
        apps = getattr(settings, "REPLICA_READ_APPS", DEFAULT_REPLICA_READ_APPS)
        if model._meta.app_label not in apps:
            return DEFAULT_DB_ALIAS
        if connections[DEFAULT_DB_ALIAS].in_atomic_block:
            return DEFAULT_DB_ALIAS
        return REPLICA

    def db_for_write(self, model, **hints):
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        # Both aliases hold the same data.
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == DEFAULT_DB_ALIAS


class ReplicaReadsMiddleware:
    """Marks safe requests to the public pages and API as public reads (see the module doc).

    The mark is set once the URL is resolved (process_view) and cleared when the response
    leaves this middleware, so nothing carries over to the next request of the worker."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _public_read.set(False)
        try:
            return self.get_response(request)
        finally:
            _public_read.reset(token)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not replica_configured() or request.method not in SAFE_METHODS:
            return None
        namespaces = getattr(settings, "REPLICA_NAMESPACES", DEFAULT_REPLICA_NAMESPACES)
        match = request.resolver_match
        if match is not None and set(match.namespaces) & set(namespaces):
            _public_read.set(True)
        return None
