"""Database and cache settings from the environment (used by napportal/settings.py).

Kept out of the settings module so that the choices can be tested on their own.

Connections: by default every gunicorn worker process keeps one persistent connection
(`conn_max_age`) that Django checks before reuse (`CONN_HEALTH_CHECKS`). With sync workers a
process serves one request at a time, so one connection per worker *is* a pool sized to the
worker count, without a pool's waiting queue. A psycopg pool (`pool_max` > 0) is for threaded
workers (gunicorn `--threads`): then a process serves several requests at once and shares
`pool_max` connections between its threads.
"""

from __future__ import annotations

from typing import Any

import dj_database_url

POSTGRESQL = "django.db.backends.postgresql"


def database_config(
    url: str,
    *,
    conn_max_age: int = 0,
    connect_timeout: int = 3,
    pool_min: int = 0,
    pool_max: int = 0,
    pool_timeout: int = 3,
    statement_timeout_ms: int = 0,
) -> dict[str, Any]:
    """One entry of DATABASES for `url`.

    `connect_timeout` bounds how long a request waits for an unreachable server, so that a
    database outage gives a quick 503 instead of a hung worker that gunicorn kills;
    `statement_timeout_ms` (0 = none) does the same for a query stuck behind a lock.
    """
    config = dj_database_url.parse(url, conn_max_age=conn_max_age, conn_health_checks=True)
    if config["ENGINE"] != POSTGRESQL:
        return config
    options = config.setdefault("OPTIONS", {})
    options["connect_timeout"] = connect_timeout
    if statement_timeout_ms > 0:
        options["options"] = f"-c statement_timeout={int(statement_timeout_ms)}"
    if pool_max > 0:
        # Django refuses persistent connections next to a pool: the pool keeps them. With
        # CONN_HEALTH_CHECKS (left on) Django has the pool check each connection before handing
        # it out, so one broken by a database restart is replaced instead of failing a request.
        config["CONN_MAX_AGE"] = 0
        options["pool"] = {
            "min_size": min(pool_min, pool_max),
            "max_size": pool_max,
            # Waiting for a free connection is bounded too (a full pool or a dead server).
            "timeout": pool_timeout,
        }
    return config


def cache_config(url: str, *, timeout: float = 1.0) -> dict[str, Any]:
    """CACHES["default"]: Redis when a URL is given (shared by every web container), else a
    per-process memory cache that is fine for one server."""
    if not url:
        return {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    return {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": url,
        # A slow or absent Redis must not hang requests: give up quickly.
        "OPTIONS": {"socket_connect_timeout": timeout, "socket_timeout": timeout},
    }
