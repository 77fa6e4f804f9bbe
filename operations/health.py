"""The checks behind /health/: database, cache and the background worker's queue.

Each check returns a small dict with at least `ok`; nothing in it may reveal configuration
(host names, user names, URLs): only durations, counts and the class of an error.
"""

from __future__ import annotations

import time
import uuid
from datetime import datetime, timedelta

from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.models import Case, Count, F, Min, When
from django.utils import timezone

# A health probe must answer quickly, also when the database is slow.
DATABASE_STATEMENT_TIMEOUT_MS = 2000
# A task that has waited longer than this means that no worker is taking tasks.
DEFAULT_QUEUE_MAX_WAIT = 600


def _elapsed_ms(start: float) -> float:
    return round((time.monotonic() - start) * 1000, 1)


def _failure(start: float, exc: BaseException) -> dict:
    return {"ok": False, "error": type(exc).__name__, "ms": _elapsed_ms(start)}


def check_database(alias: str = DEFAULT_DB_ALIAS) -> dict:
    start = time.monotonic()
    connection = connections[alias]
    try:
        with transaction.atomic(using=alias), connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute(
                    f"SET LOCAL statement_timeout = {int(DATABASE_STATEMENT_TIMEOUT_MS)}"
                )
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:
        return _failure(start, exc)
    return {"ok": True, "ms": _elapsed_ms(start)}


def check_cache() -> dict:
    start = time.monotonic()
    key = f"health:{uuid.uuid4().hex}"
    try:
        cache.set(key, "1", timeout=10)
        value = cache.get(key)
        cache.delete(key)
    except Exception as exc:
        return _failure(start, exc)
    if value != "1":
        return {"ok": False, "error": "cache does not keep values", "ms": _elapsed_ms(start)}
    return {"ok": True, "ms": _elapsed_ms(start)}


def queue_backlog(now: datetime | None = None) -> tuple[int, float | None]:
    """(tasks waiting to run, seconds the longest-waiting one has waited).

    The one place that knows where background work queues up: django-tasks' database backend
    (django_tasks_db) when it is installed, else the report jobs' own queue
    (`reports.ReportJob` rows still queued). A task deferred to run later counts from its
    run_after time, not from when it was enqueued.
    """
    now = now or timezone.now()
    if apps.is_installed("django_tasks_db"):
        from django_tasks_db.models import DBTaskResult, get_date_max

        result = (
            DBTaskResult.objects.ready()
            .order_by()
            .aggregate(
                count=Count("pk"),
                oldest=Min(
                    Case(
                        When(run_after=get_date_max(), then=F("enqueued_at")),
                        default=F("run_after"),
                    )
                ),
            )
        )
    else:
        report_job = apps.get_model("reports", "ReportJob")
        result = (
            report_job.objects.filter(status="queued")
            .order_by()
            .aggregate(count=Count("pk"), oldest=Min("created_at"))
        )
    oldest = result["oldest"]
    wait = max((now - oldest).total_seconds(), 0.0) if oldest is not None else None
    return result["count"], wait


def check_queue() -> dict:
    start = time.monotonic()
    max_wait = getattr(settings, "HEALTH_QUEUE_MAX_WAIT", DEFAULT_QUEUE_MAX_WAIT)
    try:
        waiting, wait = queue_backlog()
    except Exception as exc:
        return _failure(start, exc)
    ok = wait is None or wait <= max_wait
    check = {
        "ok": ok,
        "waiting": waiting,
        "oldest_wait_seconds": None if wait is None else round(wait),
        "ms": _elapsed_ms(start),
    }
    if not ok:
        check["error"] = f"a task has waited more than {timedelta(seconds=max_wait)}"
    return check


CHECKS = ("database", "cache", "queue")


def run_checks(only: set[str] | None = None) -> dict:
    """Run every check, or those named in `only` (a load balancer asks for database and cache
    alone, so that a queue backlog does not take every web container out of service)."""
    wanted = [name for name in CHECKS if not only or name in only]
    checks = {}
    if "database" in wanted or "queue" in wanted:
        database = check_database()
        if "database" in wanted:
            checks["database"] = database
    if "cache" in wanted:
        checks["cache"] = check_cache()
    if "queue" in wanted:
        # Without a database the queue cannot be read; say so instead of a second error.
        if database["ok"]:
            checks["queue"] = check_queue()
        else:
            checks["queue"] = {"ok": False, "error": "database unavailable"}
    status = "ok" if all(check["ok"] for check in checks.values()) else "unavailable"
    return {"status": status, "checks": checks}
