"""gunicorn settings for the portal (read automatically from the working directory).

    gunicorn napportal.wsgi

Every value can be changed through the environment; docs/deployment.md explains the sizing.
"""

import os


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "")
    return int(value) if value.strip() else default


def _cores() -> int:
    # The cores this process may run on (a container's cpuset), not all of the host's.
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")

# Workers: WEB_CONCURRENCY, else 2 x cores + 1 (the usual figure for a mostly I/O-bound app;
# report rendering, the CPU-heavy part, runs in the background worker).
workers = _int("WEB_CONCURRENCY", 2 * _cores() + 1)
# Threads per worker: 1 = sync workers, one database connection each (persistent, see
# operations/dbconfig.py). With more threads, also set DATABASE_POOL_MAX to the same number.
threads = _int("WEB_THREADS", 1)
worker_class = "gthread" if threads > 1 else "sync"

# A request that takes longer than this is killed. Database waits are bounded well below it
# (DATABASE_CONNECT_TIMEOUT, DATABASE_POOL_TIMEOUT), so an outage never kills a worker.
timeout = _int("GUNICORN_TIMEOUT", 60)
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
keepalive = _int("GUNICORN_KEEPALIVE", 5)

# Restart each worker now and then (with jitter, so not all at once) to bound slow leaks. A
# cached page takes about a millisecond, so a worker serves many; a restart costs a moment of
# CPU and the worker's in-process page cache (without Redis).
max_requests = _int("GUNICORN_MAX_REQUESTS", 20000)
max_requests_jitter = _int("GUNICORN_MAX_REQUESTS_JITTER", 2000)
# Load Django once in the master and fork the workers from it: a (re)started worker answers at
# once instead of importing everything while the others serve. Nothing opens a database
# connection at import (connections are per request), so none is shared across the fork.
preload_app = os.environ.get("GUNICORN_PRELOAD", "1") not in ("0", "false", "no")

# Logs to standard output/error for the container runtime. Access lines show the path without
# the query string (%(U)s), so that tokens in URLs do not end up in logs.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
errorlog = os.environ.get("GUNICORN_ERROR_LOG", "-")
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
access_log_format = '%(h)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(M)sms "%(a)s"'

# No control socket (gunicorn 27 opens ~/.gunicorn/gunicorn.ctl by default): nothing uses it,
# and two servers on one machine would share the path.
control_socket_disable = True

# The proxy in front terminates TLS and sets X-Forwarded-*; trust it only from these addresses.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
